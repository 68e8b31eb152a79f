import { adminConsentUrl, probeConsent } from '../auth/consent.js';
import { connect, type OrgSession } from '../auth/connect.js';
import type { SignIns } from '../auth/sign-ins.js';
import type { Authority } from '../dataverse/discover-tenant.js';
import { DvpkgError } from '../errors.js';
import { poll, type Clock } from '../runtime/clock.js';
import { applyPlan } from './apply.js';
import type { EventSink } from './events.js';
import type { LoadedPackage } from './package-files.js';
import { planDeploy, type Difference, type Plan } from './plan.js';
import type { StepRecorder } from './recorder.js';
import type { RunOutcome } from './report.js';
import { readOrg, solutionActions } from './snapshot.js';
import { consentMissing } from './steps/app-user.js';
import type { GivenSetting } from './settings/input.js';
import { unsetSettingNotes } from './settings/plan-settings.js';

/**
 * Deploys one package to one org: sign in, read the org, plan, check, ask, apply, and tell the
 * truth about the result. Everything it has to say goes out as events; it prints nothing itself.
 */

export interface DeployOptions {
  orgUrl: string;
  tenant?: string;
  authority: Authority;
  /** The run's sign-ins; the credential is resolved when the sign-in step starts, so a bad one fails that step. */
  signIns: SignIns;
  planOnly: boolean;
  yes: boolean;
  /** Seconds to wait for admin consent; undefined: do not wait. */
  waitForConsentSeconds?: number;
  overwriteUnmanaged: boolean;
  purgeDeletedAppUser: boolean;
  /** With --yes: an upgrade may widen the application user's access. */
  acceptPrivilegeChanges: boolean;
  /** Values for the package's deployment settings (`--settings`, `--set`). */
  settings?: readonly GivenSetting[];
}

export interface DeployRuntime {
  clock: Clock;
  signal?: AbortSignal;
  emit: EventSink;
  /** Asks the person running it; undefined when nobody can be asked. */
  confirm?: (question: string) => Promise<boolean>;
  /** Work started in Dataverse and not seen to finish. */
  running: Set<string>;
}

export interface DeployResult {
  outcome: RunOutcome;
  tenant?: string;
  plan?: Plan;
  differences: string[];
}

const CONSENT_POLL_MS = 2_000;

/** A difference in the words `dvpkg verify` uses for it. */
export function differenceLines(difference: Difference): string[] {
  if (difference.kind === 'role-privileges') return difference.details.map((line) => `role "${difference.role}": ${line}`);
  if (difference.kind === 'privileges-beyond-declared') return difference.details.map((line) => `effective privilege ${line}`);
  return difference.details;
}

/** The sign-in step every run starts with: the org's tenant, a token, and who signed in. */
export async function signIn(options: Pick<DeployOptions, 'orgUrl' | 'tenant' | 'authority' | 'signIns'>, runtime: DeployRuntime, recorder: StepRecorder, result: { tenant?: string }): Promise<OrgSession> {
  const { clock, emit } = runtime;
  const signal = runtime.signal ? { signal: runtime.signal } : {};
  return recorder.run('sign-in', 'Signing in', async () => {
    const opened = await connect({
      orgUrl: options.orgUrl,
      signIns: options.signIns,
      authority: options.authority,
      ...(options.tenant ? { tenant: options.tenant } : {}),
      clock,
      ...signal,
      onRequest: recorder.onRequest,
      onRetry: recorder.onRetry,
      onWarning: (text) => emit({ type: 'warning', text }),
    });
    result.tenant = opened.tenant;
    await opened.tokens.getToken(false);
    return { status: 'done', outcome: `signed in as ${opened.tokens.identity() ?? 'unknown'} (tenant ${opened.tenant})`, value: opened };
  });
}

export async function deployOrg(pkg: LoadedPackage, options: DeployOptions, runtime: DeployRuntime, recorder: StepRecorder, result: DeployResult): Promise<DeployResult> {
  const { manifest } = pkg;
  const { clock, emit } = runtime;
  const signal = runtime.signal ? { signal: runtime.signal } : {};
  const session = await signIn(options, runtime, recorder, result);
  const consentUrl = adminConsentUrl(session.authorityHost, session.tenant, manifest.app.clientId, manifest.app.consentRedirectUri);
  const probe = () => probeConsent({ authorityHost: session.authorityHost, tenant: session.tenant, clientId: manifest.app.clientId, orgUrl: options.orgUrl, hooks: { clock, ...signal, onRetry: recorder.onRetry } });

  const snapshot = await recorder.run('read', 'Reading the org', async () => {
    const read = await readOrg({ client: session.client, probeConsent: probe }, manifest);
    const summary = [
      ...solutionActions(manifest, read).map(({ solution, installed }) => `${solution.uniqueName} ${installed ? `${installed.version}${installed.ismanaged ? '' : ' (unmanaged)'} installed` : 'not installed'}`),
      `application user ${read.appUsers[0] ? (read.appUsers[0].isdisabled ? 'exists but is disabled' : 'exists') : 'missing'}`,
      `consent ${read.consent.state}`,
    ];
    return { status: 'done', outcome: summary.join('; '), value: read };
  });

  const plan = planDeploy(manifest, snapshot, {
    org: options.orgUrl,
    consentUrl,
    purgeDeletedAppUser: options.purgeDeletedAppUser,
    refuseWidening: options.yes && !options.planOnly && !options.acceptPrivilegeChanges,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  result.plan = plan;
  emit({ type: 'plan', plan });
  const proceed = await recorder.run('plan', 'Plan', async () => {
    const refused = plan.refusals[0];
    if (refused) throw new DvpkgError(refused.code, refused.details.length ? `${refused.message}:\n  ${refused.details.join('\n  ')}` : refused.message);
    if (plan.consent.state === 'missing') emit({ type: 'consent-required', url: consentUrl, ...(plan.consent.code !== undefined ? { code: plan.consent.code } : {}), ...(options.waitForConsentSeconds !== undefined && !options.planOnly ? { waitSeconds: options.waitForConsentSeconds } : {}) });
    if (plan.consent.state === 'unknown') emit({ type: 'warning', text: 'could not tell whether admin consent was granted; creating the application user will tell' });
    if (options.planOnly) return { status: 'done', outcome: `plan only (--plan): nothing was changed${plan.consent.state === 'missing' ? '; admin consent is still missing' : ''}`, value: false };
    return { status: 'done', outcome: `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} to take`, value: true };
  });
  if (!proceed) return { ...result, outcome: 'planned' };

  if (plan.consent.state === 'missing') {
    await recorder.run('consent', 'Waiting for admin consent', async () => {
      if (options.waitForConsentSeconds === undefined) throw consentMissing({ manifest, consentUrl }, plan.consent.code);
      const waited = await poll(async () => ((await probe()).state === 'missing' ? { done: false } : { done: true, value: undefined }), {
        intervalMs: () => CONSENT_POLL_MS,
        deadline: clock.now() + options.waitForConsentSeconds * 1000,
        clock,
        ...signal,
      });
      if ('timedOut' in waited) throw consentMissing({ manifest, consentUrl }, plan.consent.code);
      return { status: 'done', outcome: `${manifest.app.name} is now present in tenant ${session.tenant}`, value: undefined };
    });
  }

  if (plan.steps.length > 0 && !options.yes) {
    if (!runtime.confirm) throw new DvpkgError('DVPKG_USAGE', 'no terminal to ask for confirmation; pass --yes to run without asking, or --plan to only look');
    const question = 'Apply this plan?';
    emit({ type: 'prompt', question });
    if (!(await runtime.confirm(question))) throw new DvpkgError('DVPKG_CANCELLED', 'Cancelled; nothing was changed');
  }

  const applied = await applyPlan(plan, { client: session.client, manifest, zips: pkg.zips, overwriteUnmanaged: options.overwriteUnmanaged, consentUrl, clock, ...signal, emit, running: runtime.running, settings: new Map((options.settings ?? []).map((g) => [g.name.toLowerCase(), g])) }, { ...(snapshot.appUsers[0] ? { appUser: snapshot.appUsers[0] } : {}), ...(snapshot.roles ? { roles: snapshot.roles } : {}) }, recorder);

  // What the confirm step read is newer than the snapshot's view of the user's privileges.
  const kept = plan.differences.filter((d) => !(applied.beyond && d.kind === 'privileges-beyond-declared'));
  if (applied.beyond?.length) kept.push({ kind: 'privileges-beyond-declared', details: applied.beyond });
  const differences = kept.flatMap(differenceLines);
  for (const note of unsetSettingNotes(plan.settings)) emit({ type: 'warning', text: note });
  const outcome: RunOutcome = differences.length > 0 ? 'differs' : recorder.changes > 0 ? 'succeeded' : 'nothing-to-do';
  return { ...result, outcome, differences };
}
