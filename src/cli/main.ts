import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DVPKG_VERSION } from '../version.js';
import { usageError } from '../errors.js';
import { reportError } from './report-error.js';

/**
 * Only declares commands and parses flags; each command's module is imported when it
 * runs, so `dvpkg build` never loads the emulator or msal-node.
 */

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${DVPKG_VERSION}\n`);
    return 0;
  }
  let exitCode = 0;
  await yargs(argv)
    .scriptName('dvpkg')
    .usage('$0 <command> [options]\n\nSecurity roles as code, managed Dataverse solutions, and a deploy package that creates and binds the application user.')
    .version(false)
    .command(
      'build',
      'Validate the spec, render and zip a managed solution, and write the deploy package',
      (y) =>
        y
          .option('src', { type: 'string', default: 'solution-src', describe: 'Spec folder (solution.json + roles/*.json) or an unpacked solution (Other/Solution.xml)' })
          .option('out', { type: 'string', default: 'out', describe: 'Output folder' })
          .option('version', { type: 'string', describe: 'Override the solution version (four parts, e.g. 1.2.0.0)' })
          .option('templates', { type: 'string', describe: 'Folder with solution.xml.hbs, customizations.xml.hbs, [Content_Types].xml.hbs and README.md.hbs' })
          .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings (privileges not in the built-in catalog) as errors' })
          .option('client-id', { type: 'string', describe: 'ISV app registration id, for an unpacked solution without app details' })
          .option('app-name', { type: 'string', describe: 'ISV app display name, with --client-id' })
          .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object with the results' }),
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
          json: args.json,
        });
      },
    )
    .command(
      'check',
      'Validate the spec only; writes nothing',
      (y) =>
        y
          .option('src', { type: 'string', default: 'solution-src', describe: 'Spec folder or unpacked solution' })
          .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings as errors' })
          .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object with the results' }),
      async (args) => {
        const { runCheck } = await import('./commands/check.js');
        exitCode = await runCheck({ src: args.src, strict: args.strict, json: args.json });
      },
    )
    .command(
      'verify',
      'Sign in as the ISV app and prove the org is exactly as the package declares (exit 0 pass, 1 fail, 4 sign-in failed)',
      (y) =>
        y
          .option('org', { type: 'string', demandOption: true, describe: 'Dataverse org URL' })
          .option('package', { type: 'string', demandOption: true, describe: 'Deploy package folder, its .zip, or its manifest.json' })
          .option('tenant', { type: 'string', describe: 'Tenant id or domain (default AZURE_TENANT_ID, else found from the org)' })
          .option('client-id', { type: 'string', describe: "The app's client id (default AZURE_CLIENT_ID, else the manifest's)" })
          .option('certificate', { type: 'string', describe: 'PEM with the private key and certificate (default AZURE_CLIENT_CERTIFICATE_PATH); else AZURE_CLIENT_SECRET is used' })
          .option('authority-host', { type: 'string', describe: 'Sign-in host (default https://login.microsoftonline.com)' })
          .option('report', { type: 'string', describe: 'Write a JSON report with every check' })
          .option('junit', { type: 'string', describe: 'Write JUnit XML, one test case per check' })
          .option('probe', { type: 'boolean', default: false, describe: 'Also read one row of each table a declared read privilege covers (never writes)' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' }),
      async (args) => {
        const { runVerifyCommand } = await import('./commands/verify.js');
        exitCode = await runVerifyCommand({
          org: args.org,
          package: args.package,
          json: args.json,
          probe: args.probe,
          ...(args.tenant !== undefined ? { tenant: args.tenant } : {}),
          ...(args['client-id'] !== undefined ? { clientId: args['client-id'] } : {}),
          ...(args.certificate !== undefined ? { certificate: args.certificate } : {}),
          ...(args['authority-host'] !== undefined ? { authorityHost: args['authority-host'] } : {}),
          ...(args.report !== undefined ? { report: args.report } : {}),
          ...(args.junit !== undefined ? { junit: args.junit } : {}),
        });
      },
    )
    .command(
      'emulator',
      'Run the local Entra ID + Dataverse Web API emulator until Ctrl+C',
      (y) =>
        y
          .option('port', { type: 'number', default: 0, describe: 'Port (0 picks a free one)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
          .option('app', { type: 'string', array: true, default: [] as string[], describe: 'Register an ISV app client id (repeatable)' })
          .option('state', { type: 'string', describe: 'JSON seed file with tenants, apps and orgs' })
          .option('faults', { type: 'string', describe: 'Fault rules, e.g. "429:0.3,retryAfter=1;503:0.05;seed=7", or a JSON file' }),
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
    .demandCommand(1, 'Name a command: build, check, verify, emulator. See dvpkg --help.')
    .strict()
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      throw error ?? usageError(`${message} (see dvpkg --help)`);
    })
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error);
  },
);
