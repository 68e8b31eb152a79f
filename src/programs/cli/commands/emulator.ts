/**
 * `dvpkg emulator`: starts the local Entra ID + Dataverse emulator, prints exactly one JSON line on stdout when
 * ready (everything a client needs to connect), logs to stderr only, and exits 0 after SIGINT/SIGTERM.
 */
import { EmulatorConfigError, startEmulator, type EmulatorConfigCode } from '../../../emulator/index.js';
import { DvpkgError, usageError, type ErrorCode } from '../../../errors.js';
import { reportCliError } from '../output.js';

export interface EmulatorCommandArgs {
  port?: number;
  /** Multi-tenant ISV app (client) ids to register, each with a generated secret and certificate. */
  app?: string[];
  /** JSON seed file. */
  state?: string;
  /** Fault spec: compact string or a JSON file path. */
  faults?: string;
  host?: string;
}

export async function runEmulatorCommand(args: EmulatorCommandArgs): Promise<number> {
  let emulator;
  try {
    emulator = await startEmulator({
      ...(args.port === undefined ? {} : { port: args.port }),
      ...(args.host === undefined ? {} : { host: args.host }),
      ...(args.state === undefined ? {} : { seed: args.state }),
      ...(args.faults === undefined ? {} : { faults: args.faults }),
      apps: args.app ?? [],
    });
  } catch (error) {
    return reportCliError(listenError(error, args) ?? configError(error) ?? error, false);
  }
  const requested = new Set((args.app ?? []).map((id) => id.toLowerCase()));
  const ready = {
    authorityHost: emulator.authorityHost,
    orgUrl: emulator.orgUrl,
    tenantId: emulator.tenantId,
    adminUsername: emulator.adminUsername,
    adminClientId: emulator.adminClientId,
    isvTenantId: emulator.isvTenantId,
    apps: emulator.apps.filter((a) => requested.has(a.clientId)).map((a) => ({ clientId: a.clientId, clientSecret: a.clientSecret, thumbprintSha256: a.thumbprintSha256 })),
    controlUrl: emulator.controlUrl,
    // The Global Discovery Service stand-in: deploy.mjs --all-environments --discovery-url <this>.
    discoveryUrl: emulator.discoveryUrl,
    // The stand-in CI provider: ACTIONS_ID_TOKEN_REQUEST_URL (plus `?subject=`) and _TOKEN for federation tests.
    oidc: emulator.oidc,
    url: emulator.url,
    orgs: emulator.orgs,
  };
  // The emulator's own generated test credentials are what this line is for: it bypasses redaction on purpose.
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stderr.write(`dvpkg emulator: listening on ${emulator.url} (org ${emulator.orgUrl}); Ctrl+C to stop\n`);

  const running = emulator;
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write(`dvpkg emulator: ${signal}, shutting down\n`);
      running.close().then(
        () => resolve(0),
        (error: unknown) => resolve(reportCliError(error, false)),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The emulator has its own error type for bad options, seeds and fault specs; the CLI reports them as usage/input errors (exit 2). */
const CONFIG_CODES: Record<EmulatorConfigCode, ErrorCode> = {
  EMULATOR_USAGE: 'DVPKG_USAGE',
  EMULATOR_SEED_INVALID: 'DVPKG_SPEC_INVALID',
  EMULATOR_SEED_NOT_FOUND: 'DVPKG_INPUT_NOT_FOUND',
  EMULATOR_SEED_UNREADABLE: 'DVPKG_INPUT_UNREADABLE',
  EMULATOR_FAULTS_UNREADABLE: 'DVPKG_INPUT_UNREADABLE',
};

function configError(error: unknown): DvpkgError | undefined {
  if (!(error instanceof EmulatorConfigError)) return undefined;
  return new DvpkgError(CONFIG_CODES[error.code], error.message, { cause: error });
}

/** Errors from listen() that are about the address the flags name, not about dvpkg. */
const ADDRESS_ERRORS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);

function listenError(error: unknown, args: EmulatorCommandArgs): Error | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !ADDRESS_ERRORS.has(code)) return undefined;
  return usageError(`--host ${args.host ?? '127.0.0.1'} --port ${args.port ?? 0}: cannot listen there (${code})`);
}
