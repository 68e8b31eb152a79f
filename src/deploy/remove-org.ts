import { DvpkgError } from '../errors.js';
import { signIn, type DeployOptions, type DeployResult, type DeployRuntime } from './deploy-org.js';
import type { LoadedPackage } from './package-files.js';
import type { StepRecorder } from './recorder.js';
import { applyRemoval } from './removal/apply.js';
import { planRemoval } from './removal/plan.js';
import { readForRemoval } from './removal/snapshot.js';

/**
 * Removes one package from one org (`deploy.mjs --remove`): sign in, read, plan, ask, apply, as a
 * deploy does. Everything it has to say goes out as events.
 */

export interface RemoveOptions extends Pick<DeployOptions, 'orgUrl' | 'tenant' | 'authority' | 'signIns' | 'planOnly' | 'yes'> {
  deleteUser: boolean;
  force: boolean;
}

export async function removeOrg(pkg: LoadedPackage, options: RemoveOptions, runtime: DeployRuntime, recorder: StepRecorder, result: DeployResult): Promise<DeployResult> {
  const { manifest } = pkg;
  const { emit } = runtime;
  const session = await signIn(options, runtime, recorder, result);
  const snapshot = await recorder.run('read', 'Reading the org', async () => {
    const read = await readForRemoval(session.client, manifest);
    const installed = read.solutions.filter((s) => s.installed).map((s) => `${s.solution.uniqueName} ${s.installed!.version}`);
    const user = read.appUsers[0];
    const summary = [installed.length > 0 ? `installed: ${installed.join(', ')}` : 'none of the package solutions is installed', `application user ${user ? (user.isdisabled ? 'exists, disabled' : 'exists') : 'missing'}`];
    return { status: 'done', outcome: summary.join('; '), value: read };
  });
  const plan = planRemoval(manifest, snapshot, { org: options.orgUrl, deleteUser: options.deleteUser, force: options.force });
  emit({ type: 'removal-plan', plan });
  const proceed = await recorder.run('plan', 'Plan', async () => {
    const refused = plan.refusals[0];
    if (refused) throw new DvpkgError(refused.code, `${refused.message}:\n  ${refused.details.join('\n  ')}`);
    if (options.planOnly) return { status: 'done', outcome: 'plan only (--plan): nothing was changed', value: false };
    return { status: 'done', outcome: `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} to take`, value: true };
  });
  if (!proceed) return { ...result, outcome: 'planned' };
  if (plan.steps.length > 0 && !options.yes) {
    if (!runtime.confirm) throw new DvpkgError('DVPKG_USAGE', 'no terminal to ask for confirmation; pass --yes to run without asking, or --plan to only look');
    const question = 'Remove the package as planned?';
    emit({ type: 'prompt', question });
    if (!(await runtime.confirm(question))) throw new DvpkgError('DVPKG_CANCELLED', 'Cancelled; nothing was changed');
  }
  await applyRemoval(plan, { client: session.client, manifest, zips: pkg.zips, overwriteUnmanaged: false, consentUrl: '', clock: runtime.clock, ...(runtime.signal ? { signal: runtime.signal } : {}), emit, running: runtime.running, settings: new Map() }, recorder);
  return { ...result, outcome: recorder.changes > 0 ? 'succeeded' : 'nothing-to-do' };
}
