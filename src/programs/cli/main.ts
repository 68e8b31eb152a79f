import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DVPKG_VERSION } from '../../version.js';
import { singleDashLongFlag, unknownArguments, unknownCommand } from './flag-mistakes.js';
import { COMMANDS, LONG_FLAGS } from './flags.js';
import { usageError } from '../../errors.js';
import { cliOutput, reportCliError } from './output.js';

/**
 * Only declares commands and parses flags; each command's module is imported when it
 * runs, so `dvpkg build` never loads the emulator or msal-node. Every string flag requires its
 * value: yargs would read a bare `--src` as an empty string, and `build` would quietly use the default.
 */

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw usageError(`--port ${value}: expected a port number from 0 to 65535 (0 picks a free one)`);
  return Number(value);
}

/** yargs turns a repeated flag into an array, which no option but --app, --app-role and --role is meant to be (fleet-report's folders are a positional list). */
function rejectRepeatedFlags(argv: Record<string, unknown>): true {
  for (const [key, value] of Object.entries(argv)) {
    // Skips yargs' camel-case copies (clientId for client-id), so each flag is reported once, as typed.
    if (key === '_' || key === 'app' || key === 'app-role' || key === 'role' || key === 'dirs' || /[A-Z]/.test(key) || !Array.isArray(value)) continue;
    throw usageError(`--${key} given ${value.length} times (${value.join(', ')}); give it once`);
  }
  return true;
}

/** The flags that say what the source is, shared by `build` and `check` so both read a source alike. */
function sourceOptions<T>(y: Argv<T>) {
  return y
    .option('src', { type: 'string', requiresArg: true, default: 'solution-src', describe: 'Spec folder (solution.json + roles/*.json), an unpacked solution (Other/Solution.xml), or a Package Deployer project or package' })
    .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings (privileges not in the built-in catalog) as errors' })
    .option('client-id', { type: 'string', requiresArg: true, describe: 'ISV app registration id, for a source without app details (an unpacked solution, a Package Deployer package)' })
    .option('app-name', { type: 'string', requiresArg: true, describe: 'ISV app display name, with --client-id' })
    .option('admin-client-id', { type: 'string', requiresArg: true, describe: "Your public client for the admin's sign-in (overrides app.adminClientId; default: Microsoft's sample app, with a warning)" })
    .option('app-role', { type: 'string', requiresArg: true, array: true, default: [] as string[], describe: 'With a Package Deployer project or package as --src: a role it ships that the application user gets (repeatable)' })
    .option('roles-only', { type: 'boolean', default: false, describe: 'For an unpacked solution that holds more than roles: build only its roles, into a separate solution <UniqueName>Roles' })
    .option('unique-name', { type: 'string', requiresArg: true, describe: "With --roles-only: the role solution's unique name" })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object with the results' })
    .option('verbose', { type: 'boolean', default: false, describe: 'List every warning (alike ones are grouped otherwise)' });
}



/** Where a sign-in goes, shared by `pull` and `verify`: the tenant, the cloud and its sign-in host. */
function signInTargetOptions<T>(y: Argv<T>) {
  return y
    .option('tenant', { type: 'string', requiresArg: true, describe: 'Tenant id or domain (default AZURE_TENANT_ID, else found from the org)' })
    .option('cloud', { type: 'string', requiresArg: true, describe: 'public, usgov, usgovhigh, dod or china (default public)' })
    .option('authority-host', { type: 'string', requiresArg: true, describe: "Sign-in host (default: the cloud's); for a local emulator" });
}

/** The flags of `signInTargetOptions`, as the command modules take them. */
function signInTarget(args: { tenant?: string | undefined; cloud?: string | undefined; 'authority-host'?: string | undefined }) {
  return {
    ...(args.tenant !== undefined ? { tenant: args.tenant } : {}),
    ...(args.cloud !== undefined ? { cloud: args.cloud } : {}),
    ...(args['authority-host'] !== undefined ? { authorityHost: args['authority-host'] } : {}),
  };
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    cliOutput.out(`${DVPKG_VERSION}\n`);
    return 0;
  }
  let exitCode = 0;
  const command = unknownCommand(argv, COMMANDS);
  if (command) throw usageError(`${command} (see dvpkg --help)`);
  const dashed = singleDashLongFlag(argv, LONG_FLAGS);
  if (dashed) throw usageError(dashed);
  await yargs(argv)
    .scriptName('dvpkg')
    .usage('$0 <command> [options]\n\nSecurity roles as code, managed Dataverse solutions, and a deploy package that creates and binds the application user.')
    .version(false)
    .command(
      'build',
      'Validate the spec, render and zip a managed solution, and write the deploy package',
      (y) =>
        sourceOptions(y)
          .option('out', { type: 'string', requiresArg: true, default: 'out', describe: 'Output folder' })
          .option('version', { type: 'string', requiresArg: true, describe: 'Override the solution version (four parts, e.g. 1.2.0.0)' })
          .option('templates', { type: 'string', requiresArg: true, describe: 'Folder with solution.xml.hbs, customizations.xml.hbs, [Content_Types].xml.hbs and README.md.hbs' }),
      async (args) => {
        const { runBuild } = await import('./commands/build.js');
        exitCode = await runBuild({
          src: args.src,
          out: args.out,
          version: args.version,
          templates: args.templates,
          strict: args.strict,
          clientId: args['client-id'],
          appName: args['app-name'],
          adminClientId: args['admin-client-id'],
          appRoles: args['app-role'],
          rolesOnly: args['roles-only'],
          uniqueName: args['unique-name'],
          json: args.json,
          verbose: args.verbose,
        });
      },
    )
    .command(
      'check',
      'Validate the spec only; writes nothing',
      (y) => sourceOptions(y),
      async (args) => {
        const { runCheck } = await import('./commands/check.js');
        exitCode = await runCheck({ src: args.src, strict: args.strict, rolesOnly: args['roles-only'], uniqueName: args['unique-name'], clientId: args['client-id'], appName: args['app-name'], adminClientId: args['admin-client-id'], appRoles: args['app-role'], json: args.json, verbose: args.verbose });
      },
    )
    .command(
      'diff <old> <new>',
      'Compare two deploy packages (folders, zips or manifests): solutions, roles, privileges, what the app gets (exit 0 nothing widens, 1 something widens)',
      (y) =>
        y
          .positional('old', { type: 'string', demandOption: true, describe: 'The released package' })
          .positional('new', { type: 'string', demandOption: true, describe: 'The new package' })
          // No defaults: yargs counts a defaulted flag as given, and the two conflict.
          .option('json', { type: 'boolean', describe: 'Print the comparison as JSON' })
          .option('markdown', { type: 'boolean', describe: 'Print release-note text (Markdown)' })
          .conflicts('json', 'markdown'),
      async (args) => {
        const { runDiff } = await import('./commands/diff.js');
        exitCode = await runDiff({ old: args.old, new: args.new, json: args.json === true, markdown: args.markdown === true });
      },
    )
    .command(
      'fleet-report <action> <dirs..>',
      "Join the --report-dir folders of a sharded fleet run (--shard i/n) into one summary, fleet.json and JUnit (exit 0 all orgs ended well, 11 not)",
      (y) =>
        y
          .positional('action', { type: 'string', choices: ['merge'], demandOption: true, describe: 'merge: join the shards' })
          .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'The report folders of the shards' })
          .option('out', { type: 'string', requiresArg: true, describe: 'Write the merged fleet.json and fleet.junit.xml here' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the merged summary as JSON' }),
      async (args) => {
        const { runFleetReportMerge } = await import('./commands/fleet-report.js');
        exitCode = await runFleetReportMerge({ dirs: args.dirs as string[], json: args.json, ...(args.out !== undefined ? { out: args.out } : {}) });
      },
    )
    .command(
      'init [dir]',
      'Start a spec folder: writes <dir>/solution-src/ (solution.json, one least-privilege role) and ignores out/ in git',
      (y) =>
        y
          .positional('dir', { type: 'string', default: '.', describe: 'Project folder' })
          .option('publisher', { type: 'string', requiresArg: true, describe: 'Publisher unique name (asked when missing, at a terminal)' })
          .option('prefix', { type: 'string', requiresArg: true, describe: 'Publisher prefix, 2-8 letters or digits' })
          .option('app-client-id', { type: 'string', requiresArg: true, describe: "Your multi-tenant app's client id" })
          .option('app-name', { type: 'string', requiresArg: true, describe: "Your app's name as admins know it (also the role's)" })
          .option('unique-name', { type: 'string', requiresArg: true, describe: 'Unique name of the role solution' }),
      async (args) => {
        const { runInit, terminalAsk } = await import('./commands/init.js');
        exitCode = await runInit(
          {
            dir: args.dir ?? '.',
            ...(args.publisher !== undefined ? { publisher: args.publisher } : {}),
            ...(args.prefix !== undefined ? { prefix: args.prefix } : {}),
            ...(args['app-client-id'] !== undefined ? { appClientId: args['app-client-id'] } : {}),
            ...(args['app-name'] !== undefined ? { appName: args['app-name'] } : {}),
            ...(args['unique-name'] !== undefined ? { uniqueName: args['unique-name'] } : {}),
          },
          cliOutput,
          terminalAsk(process.stdin, process.stderr),
        );
      },
    )
    .command(
      'pull',
      'Write role files from roles that exist in an org (a dev org where the role was clicked together), ids kept',
      (y) =>
        signInTargetOptions(y
          .option('org', { type: 'string', requiresArg: true, demandOption: true, describe: 'Dataverse org URL to read the roles from' })
          .option('role', { type: 'string', requiresArg: true, array: true, demandOption: true, describe: 'Name of a role in the root business unit (repeatable)' })
          .option('src', { type: 'string', requiresArg: true, default: 'solution-src', describe: 'Spec folder whose tables and app.adminClientId the pull uses' })
          .option('out', { type: 'string', requiresArg: true, describe: 'Folder for the role files (default: <src>/roles)' })
          .option('force', { type: 'boolean', default: false, describe: 'Overwrite role files that exist' })
          .option('auth', { type: 'string', requiresArg: true, describe: 'browser (default where there is a display), device-code, client-secret, certificate, federated or azure-cli' })
          .option('open', { type: 'boolean', default: true, describe: 'Browser sign-in: open the system browser (--no-open prints the URL only)' })
          .option('client-id', { type: 'string', requiresArg: true, describe: 'With --auth client-secret, certificate or federated: the app to sign in as' })
          .option('admin-client-id', { type: 'string', requiresArg: true, describe: "Public client for a person's sign-in (default: the spec's app.adminClientId, else Microsoft's sample app)" })
          .option('certificate', { type: 'string', requiresArg: true, describe: 'With --auth certificate: PEM with the private key and certificate' })
          .option('federated-token-file', { type: 'string', requiresArg: true, describe: 'With --auth federated: file holding the federated token' })
          .option('verbose', { type: 'boolean', default: false, describe: 'List every warning (alike ones are grouped otherwise)' })),
      async (args) => {
        const { runPull } = await import('./commands/pull.js');
        exitCode = await runPull({
          org: args.org,
          roles: args.role,
          src: args.src,
          ...(args.out !== undefined ? { out: args.out } : {}),
          force: args.force,
          verbose: args.verbose,
          open: args.open,
          ...(args.auth !== undefined ? { auth: args.auth } : {}),
          ...(args['client-id'] !== undefined ? { clientId: args['client-id'] } : {}),
          ...(args['admin-client-id'] !== undefined ? { adminClientId: args['admin-client-id'] } : {}),
          ...(args.certificate !== undefined ? { certificate: args.certificate } : {}),
          ...(args['federated-token-file'] !== undefined ? { federatedTokenFile: args['federated-token-file'] } : {}),
          ...signInTarget(args),
        }, cliOutput);
      },
    )
    .command(
      'verify',
      'Sign in as the ISV app and prove the org is exactly as the package declares (exit 0 pass, 1 fail, 4 sign-in failed)',
      (y) =>
        signInTargetOptions(y
          .option('org', { type: 'string', requiresArg: true, describe: 'Dataverse org URL' })
          .option('orgs', { type: 'string', requiresArg: true, describe: 'Many orgs instead: a file of org URLs (or a JSON list), as deploy.mjs --orgs takes it; exit 11 when some org fails' })
          .option('concurrency', { type: 'string', requiresArg: true, describe: 'With --orgs: orgs at a time (default 4)' })
          .option('package', { type: 'string', requiresArg: true, demandOption: true, describe: 'Deploy package folder, its .zip, or its manifest.json' })
          .option('client-id', { type: 'string', requiresArg: true, describe: "The app's client id (default AZURE_CLIENT_ID, else the manifest's)" })
          .option('auth', { type: 'string', requiresArg: true, describe: 'certificate, client-secret, federated or azure-cli (default: the first credential found: certificate, secret, federated token)' })
          .option('certificate', { type: 'string', requiresArg: true, describe: 'PEM with the private key and certificate (default AZURE_CLIENT_CERTIFICATE_PATH); else AZURE_CLIENT_SECRET is used' })
          .option('federated-token-file', { type: 'string', requiresArg: true, describe: 'File holding a federated token (default AZURE_FEDERATED_TOKEN_FILE; in GitHub Actions the job\'s OIDC token)' })
          .option('report', { type: 'string', requiresArg: true, describe: 'Write a JSON report with every check' })
          .option('junit', { type: 'string', requiresArg: true, describe: 'Write JUnit XML, one test case per check' })
          .option('probe', { type: 'boolean', default: false, describe: 'Also read one row of each table a declared read privilege covers (never writes)' })
          .option('settings', { type: 'string', requiresArg: true, describe: 'A settings file (as deploy.mjs --settings takes it) whose values the org must hold; secrets are compared, never shown' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' })),
      async (args) => {
        const { runVerifyCommand } = await import('./commands/verify.js');
        exitCode = await runVerifyCommand({
          ...(args.org !== undefined ? { org: args.org } : {}),
          ...(args.orgs !== undefined ? { orgs: args.orgs } : {}),
          ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
          package: args.package,
          json: args.json,
          probe: args.probe,
          ...(args['client-id'] !== undefined ? { clientId: args['client-id'] } : {}),
          ...(args.certificate !== undefined ? { certificate: args.certificate } : {}),
          ...(args.auth !== undefined ? { auth: args.auth } : {}),
          ...(args['federated-token-file'] !== undefined ? { federatedTokenFile: args['federated-token-file'] } : {}),
          ...signInTarget(args),
          ...(args.report !== undefined ? { report: args.report } : {}),
          ...(args.junit !== undefined ? { junit: args.junit } : {}),
          ...(args.settings !== undefined ? { settings: args.settings } : {}),
        }, cliOutput);
      },
    )
    .command(
      'emulator',
      'Run the local Entra ID + Dataverse Web API emulator until Ctrl+C',
      (y) =>
        y
          .option('port', { type: 'string', requiresArg: true, default: '0', describe: 'Port (0 picks a free one)', coerce: parsePort })
          .option('host', { type: 'string', requiresArg: true, default: '127.0.0.1', describe: 'Address to listen on' })
          .option('app', { type: 'string', requiresArg: true, array: true, default: [] as string[], describe: 'Register an ISV app client id (repeatable)' })
          .option('state', { type: 'string', requiresArg: true, describe: 'JSON seed file with tenants, apps and orgs' })
          .option('faults', { type: 'string', requiresArg: true, describe: 'Fault rules, e.g. "429:0.3,retryAfter=1;503:0.05;seed=7", or a JSON file' }),
      async (args) => {
        const { runEmulatorCommand } = await import('./commands/emulator.js');
        exitCode = await runEmulatorCommand({
          port: args.port,
          host: args.host,
          app: args.app,
          ...(args.state !== undefined ? { state: args.state } : {}),
          ...(args.faults !== undefined ? { faults: args.faults } : {}),
        });
      },
    )
    .check(rejectRepeatedFlags, true)
    .demandCommand(1, `Name a command: ${COMMANDS.join(', ')}. See dvpkg --help.`)
    .strict()
    .help()
    .alias('help', 'h')
    // A pipe has no width; COLUMNS, where a shell exports it, then says how wide the log or pager is.
    .wrap(Math.min(110, process.stdout.columns || Number(process.env['COLUMNS']) || 110))
    .fail((message, error) => {
      // yargs raises its own parse errors (a flag without its value, a failed coerce) as YError; those are usage errors too.
      if (error && error.name !== 'YError') throw error;
      const text = unknownArguments(message ?? '', argv, LONG_FLAGS) ?? message ?? 'invalid arguments';
      throw usageError(/see dvpkg/i.test(text) ? text : `${text} (see dvpkg --help)`);
    })
    .parseAsync();
  return exitCode;
}

const args = hideBin(process.argv);
main(args).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Read here too: a failed build's problems are printed after yargs has gone.
    process.exitCode = reportCliError(error, args.includes('--verbose'));
  },
);
