import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { runNode, type RunResult } from './cli.js';
import { SAMPLE_SRC } from './paths.js';
import { tempDir } from './tmp.js';

export const SAMPLE_CLIENT_ID = '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d';

export interface BuiltPackage {
  dir: string;
  runner: string;
  version: string;
}

export async function buildSamplePackage(options: { version?: string; src?: string } = {}): Promise<BuiltPackage> {
  const result = await buildSolution({ src: options.src ?? SAMPLE_SRC, out: await tempDir('dvpkg-pkg-'), ...(options.version ? { version: options.version } : {}) });
  return { dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version };
}

export async function startSampleEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ apps: [SAMPLE_CLIENT_ID], importDurationMs: 40, ...options });
}

/** Runs deploy.mjs as the subscriber admin would, in its own process, against the emulator. */
export function runDeployer(pkg: BuiltPackage, emulator: RunningEmulator, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runNode([pkg.runner, '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, ...args], { cwd: pkg.dir, env, timeoutMs: 120_000 });
}

const POLL = /\/(asyncoperations|importjobs)\(/;
const WRITE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Read-only POSTs do not exist in our traffic; every write method changes the org. */
export function orgRequests(entries: RequestLogEntry[]): { all: RequestLogEntry[]; withoutPolls: RequestLogEntry[]; writes: RequestLogEntry[] } {
  const all = entries.filter((e) => e.kind === 'dataverse');
  return { all, withoutPolls: all.filter((e) => !POLL.test(e.path)), writes: all.filter((e) => WRITE.has(e.method)) };
}

/** What a deploy leaves in the org, for comparing runs. */
export function orgSnapshot(emulator: RunningEmulator, clientId = SAMPLE_CLIENT_ID) {
  const org = emulator.state.data.orgs[0]!;
  const appUsers = org.systemusers.filter((u) => u['applicationid'] === clientId);
  const solution = org.solutions.find((s) => s['uniquename'] === 'FabrikamSyncConnector');
  const rootRoles = org.roles.filter((r) => r['name'] === 'Fabrikam Sync Connector' && r['_parentrootroleid_value'] === r['roleid']);
  const privileges = rootRoles.map((role) =>
    org.roleprivileges
      .filter((rp) => rp.roleid === role['roleid'])
      .map((rp) => `${org.privileges.find((p) => p['privilegeid'] === rp.privilegeid)?.['name']}=${rp.depth}`)
      .sort(),
  );
  return {
    solution: solution ? { version: solution['version'], managed: solution['ismanaged'] } : undefined,
    roles: rootRoles.map((r) => r['roleid']),
    privileges,
    appUsers: appUsers.map((u) => ({ enabled: u['isdisabled'] === false })),
    bindings: appUsers.flatMap((u) => org.systemuserroles.filter((l) => l.systemuserid === u['systemuserid']).map((l) => l.roleid)),
  };
}

export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}
