import type { Readable, Writable } from 'node:stream';
import { redactCredentialEnv, resolveCredential } from '../../auth/credentials.js';
import { SignIns } from '../../auth/sign-ins.js';
import { newReport, runOrg } from './run-org.js';
import { fleetTargets, runFleet } from './fleet.js';
import { inShard } from '../../fleet/shard.js';
import { createFleetView } from './fleet-view.js';
import type { DeployEvent, EventSink } from '../../deploy/events.js';
import { loadPackage, type LoadedPackage } from '../../deploy/package-files.js';
import { rolesSolution } from '../../package/manifest.js';
import { givenConnectionReferences, secretValues } from '../../deploy/settings/plan-settings.js';
import { overriding } from '../../deploy/settings/input.js';
import { StepRecorder } from '../../deploy/recorder.js';
import type { RunReport } from '../../deploy/report.js';
import { ExitCode, isDvpkgError, reportError, usageError } from '../../errors.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { createOutput, Redactor, type Output } from '../../runtime/output.js';
import { DVPKG_VERSION } from '../../version.js';
import { HELP, parseRunnerArgs, type DeployRunnerOptions } from './args.js';
import { createRenderer, terminalConfirm } from './render.js';
import { fileErrorReason } from '../../util/file-errors.js';
import type { UiRun } from './ui/start.js';

/** deploy.mjs as a program: options, the package check, one org's deploy, the report, the exit code. */

export interface RunnerIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  packageDir: string;
  /** deploy.mjs itself and the manifest hash stamped into it. */
  runner: { path: string; manifestStamp: string };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  clock?: Clock;
  /** Aborted on SIGINT/SIGTERM: the run ends its current request and reports `interrupted`. */
  signal?: AbortSignal;
}

export async function runDeploy(io: RunnerIo): Promise<number> {
  const redactor = new Redactor();
  // Before anything that can fail: a message may echo a value that is in fact the secret.
  redactCredentialEnv(io.env, redactor);
  const output = createOutput(io, redactor);
  let options: DeployRunnerOptions;
  try {
    const parsed = parseRunnerArgs(io.argv, io.env);
    if (parsed.kind === 'help' || parsed.kind === 'version') {
      output.out(`${parsed.kind === 'help' ? HELP : DVPKG_VERSION}\n`);
      return ExitCode.ok;
    }
    options = parsed;
  } catch (error) {
    return reportError(error, output, 'error');
  }
  let ui: UiRun | undefined;
  try {
    // Loaded only for --ui, so every other run (and --help) starts as fast as before.
    if (options.ui) ui = await (await import('./ui/start.js')).startUi(options.ui, { output, json: options.json, env: io.env, org: options.orgUrl, planOnly: options.planOnly });
  } catch (error) {
    return reportError(error, output, 'error');
  }
  try {
    return await run(io, options, output, redactor, ui);
  } finally {
    await ui?.close();
  }
}

async function run(io: RunnerIo, options: DeployRunnerOptions, output: Output, redactor: Redactor, ui: UiRun | undefined): Promise<number> {
  const clock = io.clock ?? systemClock;
  const terminal = createRenderer(output, options.json);
  const emit: EventSink = ui ? (event) => (terminal(event), ui.sink(event)) : terminal;
  const recorder = new StepRecorder(emit, clock);
  const started = clock.now();
  const report = newReport(options.remove ? 'remove' : 'deploy', options.orgUrl, started);
  report.steps = recorder.steps;
  /** A run that stops before it signs in: the error in the report and on stderr, then the usual ending. */
  const stopped = (error: unknown) => {
    report.exitCode = isDvpkgError(error) ? error.exitCode : ExitCode.unexpected;
    report.error = isDvpkgError(error) ? { code: error.code, message: error.message } : { code: 'DVPKG_INTERNAL', message: String(error) };
    reportError(error, output, 'error', { debug: Boolean(io.env['DVPKG_DEBUG']) });
    return finish(report, recorder, clock, started, options, output, emit);
  };
  let pkg: LoadedPackage;
  try {
    pkg = await recorder.run('integrity', 'Checking the package', async () => ({
      status: 'done',
      outcome: 'manifest.json, the solution zip, README.md, README.html and deploy.mjs match their hashes',
      value: await loadPackage(io.packageDir, io.runner),
    }));
  } catch (error) {
    return stopped(error);
  }
  const { manifest } = pkg;
  for (const value of secretValues(manifest, options.settings ?? [])) redactor.add(value);
  const references = options.fleet ? givenConnectionReferences(manifest, options.settings ?? []) : [];
  if (references.length > 0) {
    const text = `connection references cannot be set for many orgs at once (${references.join(', ')}): a connection id belongs to one environment. Give only environment variables with --orgs or --all-environments, and set connection references per org: deploy.mjs --org <url> --settings <file>`;
    return stopped(usageError(text));
  }
  ui?.showPackage(manifest);
  const roles = rolesSolution(manifest);
  report.package = { solution: roles.uniqueName, version: roles.version, solutionSha256: roles.sha256, appClientId: manifest.app.clientId };
  if (options.authNote) emit({ type: 'info', text: options.authNote });
  // Sign-in prompts go to the whole run; in a fleet, above the live view.
  let notify: EventSink = emit;
  const signIns = new SignIns(() => resolveCredential(options.credential, io.env, redactor, { fallback: 'device-code', publicClientId: options.adminClientId ?? manifest.adminClientId }), {
    cloud: options.cloud,
    hooks: { clock, ...(io.signal ? { signal: io.signal } : {}), onRetry: recorder.onRetry },
    env: io.env,
    federatedWaitMs: options.federatedWaitMs,
    onDeviceCode: (message) => notify({ type: 'device-code', message }),
    onBrowserSignIn: (url, opened) => notify({ type: 'browser-sign-in', url, opened }),
  });
  if (options.fleet) {
    const fleetOptions = { ...options, fleet: options.fleet };
    try {
      const all = await fleetTargets(fleetOptions, signIns, emit, { clock, ...(io.signal ? { signal: io.signal } : {}), onRetry: recorder.onRetry });
      const shard = fleetOptions.fleet.shard;
      const targets = shard ? all.filter((t) => inShard(t.url, shard)) : all;
      if (shard) emit({ type: 'info', text: `shard ${shard.index}/${shard.count}: ${targets.length} of ${all.length} orgs` });
      const view = createFleetView(output, targets.map((t) => t.name), options.json);
      notify = view.shared;
      return await runFleet({ pkg, options: fleetOptions, signIns, output, clock, ...(io.signal ? { signal: io.signal } : {}) }, targets, view);
    } catch (error) {
      return reportError(error, output, 'error', { debug: Boolean(io.env['DVPKG_DEBUG']) });
    }
  }
  if (ui && !(await ui.start())) {
    Object.assign(report, { outcome: 'cancelled', exitCode: ExitCode.cancelled });
    return finish(report, recorder, clock, started, options, output, emit);
  }
  // Values typed on the page win over --settings and --set; a secret among them is redacted from here on.
  const typed = ui?.settings() ?? [];
  for (const value of secretValues(manifest, typed)) redactor.add(value);
  const runOptions = typed.length > 0 ? { ...options, settings: overriding(options.settings ?? [], typed) } : options;
  const runtime = { clock, ...(io.signal ? { signal: io.signal } : {}), emit, confirm: ui ? ui.confirm : terminalConfirm(io.stdin, output, options.json), running: new Set<string>() };
  report.durationMs = clock.now() - started;
  const { error } = await runOrg(pkg, runOptions, signIns, runtime, recorder, report);
  if (error !== undefined) reportError(error, output, 'error', { debug: Boolean(io.env['DVPKG_DEBUG']) });
  return finish(report, recorder, clock, started, options, output, emit);
}

async function finish(report: RunReport, recorder: StepRecorder, clock: Clock, started: number, options: DeployRunnerOptions, output: Output, emit: EventSink): Promise<number> {
  Object.assign(report, { durationMs: clock.now() - started, requests: recorder.requests, polls: recorder.polls, writes: recorder.writes, retries: recorder.retries, retryWaitMs: recorder.retryWaitMs });
  if (options.reportPath) {
    try {
      await output.file(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    } catch (error) {
      emit({ type: 'warning', text: `could not write --report ${options.reportPath}: ${fileErrorReason(error, 'write')}` } satisfies DeployEvent);
    }
  }
  emit({ type: 'done', report });
  return report.exitCode;
}
