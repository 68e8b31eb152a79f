import type { DataverseClient } from '../dataverse/client.js';
import { DataverseCodes, DataverseError, TransientError } from '../dataverse/errors.js';
import * as dv from '../dataverse/operations.js';
import { DvpkgError } from '../errors.js';
import { importAction, type ImportAction } from './decide.js';
import { importFailures } from './import-result.js';
import type { LoadedPackage } from './package-files.js';
import type { Change } from './report.js';
import type { Ui } from './ui.js';
import { sleep } from '../util/sleep.js';

/**
 * Imports or upgrades with the async API and polls until done. A start whose answer was
 * lost is never repeated blindly: the installed version is read again first, and "another
 * import is running" (0x80071151) means wait, not fail.
 */

const IMPORT_TIMEOUT_MS = 60 * 60_000;

export interface ImportArgs {
  client: DataverseClient;
  pkg: LoadedPackage;
  action: ImportAction;
  installed: dv.InstalledSolution | undefined;
  overwriteUnmanaged: boolean;
  ui: Ui;
}

type Outcome = { change?: Change; outcome: string };

export async function runImport(args: ImportArgs): Promise<Outcome> {
  const { client, ui } = args;
  const { manifest } = args.pkg;
  const target = manifest.solution.version;
  const deadline = Date.now() + IMPORT_TIMEOUT_MS;
  const doneEarlier: Outcome = { change: { kind: 'solution-imported', id: manifest.solution.uniqueName, detail: target }, outcome: `${target} installed (by an earlier, interrupted attempt)` };
  let action = args.action;
  let installedVersion = args.installed?.version;
  let refusedVersions = 0;
  let backoffMs = 1_000;
  for (let first = true; ; first = false) {
    if (action === 'skip') return first ? { outcome: `${target} is already installed` } : doneEarlier;
    const refused = importRefusal(action, manifest.solution, installedVersion);
    if (refused) throw refused;
    try {
      return await startAndFinish(args, action, installedVersion, deadline);
    } catch (error) {
      if (error instanceof DataverseError && error.is(DataverseCodes.solutionConcurrency)) ui.info('another solution import or uninstall is running in this org; waiting for it to finish');
      else if (error instanceof TransientError) ui.info('the import request got no clear answer; reading the org before trying again');
      else if (error instanceof DataverseError && error.is(DataverseCodes.lowerVersion) && ++refusedVersions <= 2) ui.info('the org refused the version; reading the installed version again');
      else {
        // A job can fail because an earlier, interrupted run's job got there first: if the
        // target version is now installed, the work is done.
        const now = await dv.findSolutionAndHolding(client, manifest.solution.uniqueName).catch(() => undefined);
        if (now && importAction(now.installed, target, now.holding) === 'skip') return doneEarlier;
        throw error instanceof DvpkgError ? error : importRefused(error);
      }
    }
    if (Date.now() + backoffMs > deadline) throw new DvpkgError('DVPKG_IMPORT_FAILED', `the import did not start within ${IMPORT_TIMEOUT_MS / 60_000} minutes; run again later`);
    await sleep(backoffMs);
    backoffMs = Math.min(backoffMs * 2, 30_000);
    const now = await dv.findSolutionAndHolding(client, manifest.solution.uniqueName);
    installedVersion = now.installed?.version;
    action = importAction(now.installed, target, now.holding);
  }
}

/** One attempt: start the import, upgrade or promotion, and see it through. */
async function startAndFinish(args: ImportArgs, action: ImportAction, installedVersion: string | undefined, deadline: number): Promise<Outcome> {
  const { client, ui } = args;
  const { manifest, solutionZip } = args.pkg;
  const target = manifest.solution.version;
  if (action === 'promote') {
    await dv.deleteAndPromote(client, manifest.solution.uniqueName);
    return {
      change: { kind: 'solution-upgraded', id: manifest.solution.uniqueName, detail: target },
      outcome: `applied the staged upgrade ${manifest.solution.uniqueName}_Upgrade: ${installedVersion ?? 'none'} -> ${target}`,
    };
  }
  const upgrade = action === 'upgrade';
  const started = upgrade ? await dv.stageAndUpgradeAsync(client, solutionZip, args.overwriteUnmanaged) : await dv.importSolutionAsync(client, solutionZip, args.overwriteUnmanaged);
  await pollImport(client, started, ui, deadline);
  return {
    change: { kind: upgrade ? 'solution-upgraded' : 'solution-imported', id: started.ImportJobKey, detail: target },
    outcome: `${upgrade ? `upgraded ${installedVersion} -> ${target}` : `installed ${target}`} (import job ${started.ImportJobKey})`,
  };
}

async function pollImport(client: DataverseClient, started: dv.ImportStarted, ui: Ui, deadline: number): Promise<void> {
  let intervalMs = 250;
  ui.progress(0);
  for (;;) {
    await sleep(intervalMs);
    intervalMs = Math.min(Math.round(intervalMs * 1.5), 3_000);
    try {
      const operation = await dv.asyncOperation(client, started.AsyncOperationId);
      // The import job row may not exist while the operation waits in the queue: progress is optional.
      const job = await importJobIfStarted(client, started.ImportJobKey);
      ui.progress(operation.statecode === 3 ? 100 : job?.progress ?? 0);
      if (operation.statecode === 3) {
        if (operation.statuscode === 30) return;
        const failures = importFailures(job?.data);
        const reason = operation.statuscode === 32 ? 'was canceled' : 'failed';
        const details = failures.length > 0 ? failures.map((f) => `${f.component}: ${f.code ? `${f.code} ` : ''}${f.text}`) : [operation.friendlymessage ?? operation.message ?? 'no details in the import job'];
        throw new DvpkgError('DVPKG_IMPORT_FAILED', `the import ${reason}; nothing after the import was changed:\n  ${details.join('\n  ')}`);
      }
    } catch (error) {
      if (!(error instanceof TransientError) && !(error instanceof DataverseError && error.status >= 500)) throw error instanceof DvpkgError ? error : importRefused(error);
    }
    if (Date.now() > deadline) throw new DvpkgError('DVPKG_IMPORT_FAILED', `the import job ${started.ImportJobKey} did not finish in time; it may still complete: run again later to continue`);
  }
}

/** An import Dataverse would refuse, known from the installed version alone: said before anything is written. */
export function importRefusal(action: ImportAction, solution: { uniqueName: string; version: string }, installedVersion: string | undefined): DvpkgError | undefined {
  if (action === 'downgrade') {
    return new DvpkgError(
      'DVPKG_IMPORT_FAILED',
      `${solution.uniqueName} ${installedVersion} is installed, newer than this package's ${solution.version}. Dataverse cannot downgrade a managed solution; get the package for ${installedVersion} or later from the publisher.`,
    );
  }
  if (action === 'other-upgrade-staged') {
    return new DvpkgError(
      'DVPKG_IMPORT_FAILED',
      `${solution.uniqueName}_Upgrade, a staged upgrade of another version, is waiting in the org, and no import can run until it is applied or removed. In the maker portal (Solutions), apply the upgrade or delete ${solution.uniqueName}_Upgrade, then run again.`,
    );
  }
  if (action === 'unmanaged-installed') {
    return new DvpkgError(
      'DVPKG_IMPORT_FAILED',
      `${solution.uniqueName} is installed as an unmanaged solution; a managed package cannot update it (Dataverse error 0x80048040). Delete the unmanaged solution first, or ask the publisher.`,
    );
  }
  return undefined;
}

async function importJobIfStarted(client: DataverseClient, id: string): Promise<dv.ImportJobRow | undefined> {
  try {
    return await dv.importJob(client, id);
  } catch (error) {
    if (error instanceof DataverseError && error.status === 404) return undefined;
    throw error;
  }
}

function importRefused(error: unknown): unknown {
  if (error instanceof DataverseError) return new DvpkgError('DVPKG_IMPORT_FAILED', `the org refused the import: ${error.status} ${error.code} ${error.serviceMessage}`);
  return error;
}
