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

export const IMPORT_TIMEOUT_MS = 60 * 60_000;

export interface ImportArgs {
  client: DataverseClient;
  pkg: LoadedPackage;
  action: ImportAction;
  installed: dv.InstalledSolution | undefined;
  overwriteUnmanaged: boolean;
  ui: Ui;
  timeoutMs?: number;
}

export async function runImport(args: ImportArgs): Promise<{ change?: Change; outcome: string }> {
  const { client, ui } = args;
  const { manifest, solutionZip } = args.pkg;
  const target = manifest.solution.version;
  const deadline = Date.now() + (args.timeoutMs ?? IMPORT_TIMEOUT_MS);
  let action = args.action;
  let installedVersion = args.installed?.version;
  let backoffMs = 1_000;
  for (;;) {
    if (action === 'skip') {
      return installedVersion === args.installed?.version
        ? { outcome: `${target} is already installed` }
        : { change: { kind: 'solution-imported', id: manifest.solution.uniqueName, detail: target }, outcome: `${target} installed (by an earlier attempt of this run)` };
    }
    const refused = importRefusal(action, manifest.solution, installedVersion);
    if (refused) throw refused;
    let started: dv.ImportStarted | undefined;
    try {
      started = action === 'upgrade' ? await dv.stageAndUpgradeAsync(client, solutionZip, args.overwriteUnmanaged) : await dv.importSolutionAsync(client, solutionZip, args.overwriteUnmanaged);
    } catch (error) {
      if (error instanceof DataverseError && error.is(DataverseCodes.solutionConcurrency)) ui.info('another solution import or uninstall is running in this org; waiting for it to finish');
      else if (error instanceof TransientError) ui.info('the import request got no clear answer; reading the org before trying again');
      else if (error instanceof DataverseError && error.is(DataverseCodes.lowerVersion)) ui.info('the org refused the version; reading the installed version again');
      else throw importRefused(error);
    }
    if (started) {
      let outcome: string;
      try {
        outcome = await pollImport(client, started, ui, deadline);
      } catch (error) {
        // A job can fail because an earlier, interrupted run's job got there first: if the
        // target version is now installed, the work is done.
        const installed = await dv.findSolution(client, manifest.solution.uniqueName).catch(() => undefined);
        if (installed && importAction(installed, target) === 'skip') {
          return { change: { kind: 'solution-imported', id: manifest.solution.uniqueName, detail: target }, outcome: `${target} installed (by an earlier, interrupted run)` };
        }
        throw error;
      }
      const upgraded = action === 'upgrade';
      return {
        change: { kind: upgraded ? 'solution-upgraded' : 'solution-imported', id: started.ImportJobKey, detail: target },
        outcome: `${upgraded ? `upgraded ${installedVersion} -> ${target}` : `installed ${target}`} (import job ${started.ImportJobKey}${outcome})`,
      };
    }
    if (Date.now() + backoffMs > deadline) throw new DvpkgError('DVPKG_IMPORT_FAILED', `the import did not start within ${Math.round((args.timeoutMs ?? IMPORT_TIMEOUT_MS) / 60_000)} minutes; run again later`);
    await sleep(backoffMs);
    backoffMs = Math.min(backoffMs * 2, 30_000);
    const installed = await dv.findSolution(client, manifest.solution.uniqueName);
    installedVersion = installed?.version;
    action = importAction(installed, target);
  }
}

async function pollImport(client: DataverseClient, started: dv.ImportStarted, ui: Ui, deadline: number): Promise<string> {
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
        if (operation.statuscode === 30) return '';
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
