import { stat } from 'node:fs/promises';
import path from 'node:path';
import { checkOrgInCloud, CLOUDS, parseCloud } from '../../../auth/clouds.js';
import { connect } from '../../../auth/connect.js';
import { AUTH_MODES, CREDENTIAL_ENV, federatedWaitMs, fromFlagOrEnv, personSignInMode, redactCredentialEnv, resolveCredential, type AuthMode } from '../../../auth/credentials.js';
import { SignIns } from '../../../auth/sign-ins.js';
import { SAMPLE_ADMIN_CLIENT_ID } from '../../../spec/admin-client.js';
import { DvpkgError, formatProblems, usageError, type Problem } from '../../../errors.js';
import type { RetryEvent } from '../../../http/retry.js';
import { readRootRoles, type PulledRole } from '../../../pull/read-roles.js';
import { roleFileName, roleFileText } from '../../../pull/role-file.js';
import { writeFileAtomic } from '../../../runtime/atomic-write.js';
import { systemClock } from '../../../runtime/clock.js';
import type { Output } from '../../../runtime/output.js';
import { defaultCatalog } from '../../../spec/catalog.js';
import { normalizeGuid } from '../../../spec/guid.js';
import { specHints } from '../../../spec/index.js';
import { tablePrivileges } from '../../../spec/table-privileges.js';
import { schemaRef } from '../../../util/schema-ref.js';
import { displayPath } from '../../../util/paths.js';
import { checkOrgUrl, checkServiceUrl, checkTenant } from '../../../util/url.js';

export interface PullArgs {
  org: string;
  roles: string[];
  src: string;
  out?: string;
  force: boolean;
  verbose: boolean;
  auth?: string;
  open: boolean;
  tenant?: string;
  clientId?: string;
  adminClientId?: string;
  certificate?: string;
  federatedTokenFile?: string;
  cloud?: string;
  authorityHost?: string;
}

/**
 * `dvpkg pull`: the roles someone clicked together in a dev org, as role files. Signs in as the
 * runner does (a person by default), reads every role before writing any file, and writes nothing
 * over an existing file without --force.
 */
export async function runPull(args: PullArgs, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  redactCredentialEnv(env, output.redactor);
  const cloud = args.cloud === undefined ? CLOUDS.public : parseCloud('--cloud', args.cloud);
  const orgUrl = checkOrgUrl('--org', args.org);
  checkOrgInCloud('--org', orgUrl, cloud);
  if (args.roles.length === 0) throw usageError('name a role to pull: --role "<role name>" (repeatable)');
  if (args.auth !== undefined && !(AUTH_MODES as readonly string[]).includes(args.auth)) throw usageError(`--auth ${args.auth}: expected ${AUTH_MODES.slice(0, -1).join(', ')} or ${AUTH_MODES.at(-1)}`);
  const authority = args.authorityHost ? { host: checkServiceUrl('--authority-host', args.authorityHost), source: 'flag' as const } : { host: cloud.authorityHost, source: 'default' as const };
  const tenant = fromFlagOrEnv('--tenant', args.tenant, CREDENTIAL_ENV.tenant, env);
  if (tenant !== undefined) checkTenant(tenant.source, tenant.value);
  const src = path.resolve(args.src);
  const out = path.resolve(args.out ?? path.join(args.src, 'roles'));
  const spec = await specHints(src);
  if (spec.unread) output.err(`warning: --src ${displayPath(src)}: not read (${spec.unread}); privileges are checked against the built-in catalog only\n`);
  const publicClientId = publicClient(args.adminClientId, spec.adminClientId);

  const { mode, note } = args.auth !== undefined ? { mode: args.auth as AuthMode, note: undefined } : personSignInMode(env);
  if (note) output.err(`${note}\n`);
  const onRetry = (event: RetryEvent) => output.err(`${event.target}: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s\n`);
  const credentialFlags = {
    auth: mode,
    openBrowser: args.open,
    ...(args.clientId !== undefined ? { clientId: args.clientId } : {}),
    ...(args.certificate !== undefined ? { certificate: args.certificate } : {}),
    ...(args.federatedTokenFile !== undefined ? { federatedTokenFile: args.federatedTokenFile } : {}),
  };
  const signIns = new SignIns(() => resolveCredential(credentialFlags, env, output.redactor, { publicClientId }), {
    cloud,
    hooks: { clock: systemClock, onRetry },
    env,
    federatedWaitMs: federatedWaitMs(env),
    onDeviceCode: (message) => output.err(`${message}\n`),
    onBrowserSignIn: (url, opened) => output.err(opened ? `Signing in through your browser; if it did not open, go to ${url}\n` : `To sign in, open ${url}\n`),
  });
  const session = await connect({
    orgUrl,
    signIns,
    authority,
    ...(tenant ? { tenant: normalizeGuid(tenant.value) ?? tenant.value } : {}),
    clock: systemClock,
    onRetry,
    onWarning: (text) => output.err(`warning: ${text}\n`),
  });
  const roles = await readRootRoles(session.client, args.roles, orgUrl);

  const files = roles.map((role) => ({ role, file: path.join(out, roleFileName(role)) }));
  await refuseOverwrites(files, args.force);
  const schema = schemaRef(out, 'role.schema.json', process.cwd());
  for (const { role, file } of files) writeFileAtomic(file, roleFileText(role, schema));

  const known = tablePrivileges(spec.tables);
  const catalog = defaultCatalog();
  const warnings: Problem[] = files.flatMap(({ role, file }) => [
    ...role.privileges
      .filter((p) => !catalog.get(p.name) && known.check(p.name, p.level).kind !== 'ok')
      .map((p): Problem => ({ severity: 'warning', file: displayPath(file), path: `privileges.${p.name}`, value: p.name, expected: 'a privilege of the built-in catalog or of a table the spec defines or includes (a first-party app or a table not yet in the spec?)' })),
    ...role.odd.map((grant): Problem => ({ severity: 'warning', file: displayPath(file), path: 'privileges', value: grant, expected: "a depth the org's privilege table allows for it; the build will refuse it" })),
  ]);
  for (const line of formatProblems(warnings, { verbose: args.verbose })) output.err(`${line}\n`);
  for (const { role, file } of files) output.out(`Pulled "${role.name}" (${role.privileges.length} privileges, id ${role.id}) to ${displayPath(file)}\n`);
  return 0;
}

/** Everything is checked before the first file is written: a pull writes all its files or none. */
async function refuseOverwrites(files: ReadonlyArray<{ role: PulledRole; file: string }>, force: boolean): Promise<void> {
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  for (const { role, file } of files) {
    const other = seen.get(file);
    if (other !== undefined) problems.push({ severity: 'error', file: displayPath(file), path: '', value: role.name, expected: `one role per file; "${other}" is written there too: pull them one at a time with --out` });
    seen.set(file, role.name);
    if (!force && (await stat(file).catch(() => undefined))) problems.push({ severity: 'error', file: displayPath(file), path: '', value: role.name, expected: 'a file that does not exist yet (pass --force to overwrite it)' });
  }
  if (problems.length > 0) throw new DvpkgError('DVPKG_USAGE', 'nothing was written', { problems });
}

function publicClient(flag: string | undefined, fromSpec: string | undefined): string {
  if (flag === undefined) return fromSpec ?? SAMPLE_ADMIN_CLIENT_ID;
  const id = normalizeGuid(flag);
  if (!id) throw usageError(`--admin-client-id ${flag}: expected a GUID (your public client's client id)`);
  return id;
}
