import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError, ExitCode, usageError } from '../../../errors.js';
import { mergeSummaries, parseFleetSummary } from '../../../fleet/merge.js';
import { fleetJunit, fleetSucceeded, summaryTable } from '../../../fleet/summary.js';
import { fileErrorReason } from '../../../util/file-errors.js';
import { cliOutput } from '../output.js';

/** `dvpkg fleet-report merge <dirs…> [--out dir] [--json]`: exit 0 when every org ended well, 11 otherwise, like the fleet run. */
export async function runFleetReportMerge(args: { dirs: string[]; out?: string; json: boolean }): Promise<number> {
  const parts = [];
  for (const dir of args.dirs) {
    const file = path.join(dir, 'fleet.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw usageError(`${file}: cannot read it (${fileErrorReason(error)}); name the --report-dir folders of the shards`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DvpkgError('DVPKG_PACKAGE_INVALID', `${file}: not valid JSON (${(error as Error).message})`);
    }
    parts.push({ where: file, summary: parseFleetSummary(file, value), reportDir: path.relative(args.out ?? process.cwd(), dir) || '.' });
  }
  const merged = mergeSummaries(parts);
  if (args.out) {
    try {
      await cliOutput.file(path.join(args.out, 'fleet.json'), `${JSON.stringify(merged, null, 2)}\n`);
      await cliOutput.file(path.join(args.out, 'fleet.junit.xml'), fleetJunit(merged));
    } catch (error) {
      throw usageError(`--out ${args.out}: cannot write the merged report (${fileErrorReason(error, 'write')})`);
    }
  }
  cliOutput.out(args.json ? `${JSON.stringify(merged)}\n` : `${summaryTable(merged)}\n`);
  return fleetSucceeded(merged) ? ExitCode.ok : ExitCode.fleetIncomplete;
}
