import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { DvpkgError, type Problem } from '../../errors.js';
import { fileErrorReason } from '../../util/file-errors.js';
import { displayPath } from '../../util/paths.js';
import { openZip, ZipRefused, type ZipReader } from '../../zip/read.js';
import { MAX_SOLUTION_BYTES, MAX_SOLUTION_REASON, MAX_XML_ENTRY_BYTES, MAX_ZIP_ENTRIES, megabytes } from './limits.js';
import type { IncludedSolution, PackagedSolution, SolutionOrigin } from './model.js';
import { readCustomizations } from './read-customizations.js';
import { readDeclaredSettings } from './read-settings.js';
import { readSolutionManifest } from './read-solution-manifest.js';

/** Reads one exported solution zip; every problem in it is reported together, naming the file. */

export function readSolutionZip(file: string): IncludedSolution {
  return readSolutionFile(file).solution;
}

/** The same, with the zip's bytes, for a caller that ships them. */
export function readSolutionFile(file: string): PackagedSolution {
  const shown = displayPath(file);
  const data = readBoundedFile(file, shown, MAX_SOLUTION_BYTES, MAX_SOLUTION_REASON);
  const result = readSolutionData(data, shown, { path: file, entries: [] });
  if (Array.isArray(result)) throw unreadable(shown, result);
  return { solution: result, options: {}, bytes: data };
}

export function unreadable(shown: string, problems: Problem[]): DvpkgError {
  const count = problems.filter((p) => p.severity === 'error').length;
  return new DvpkgError('DVPKG_INPUT_UNREADABLE', `${shown}: ${count} problem${count === 1 ? '' : 's'} reading the solution`, { problems });
}

/** A file's bytes, refusing a larger one before reading any of it. */
export function readBoundedFile(file: string, shown: string, maxBytes: number, reason: string): Buffer {
  let info: Stats;
  try {
    info = statSync(file);
  } catch (error) {
    throw new DvpkgError('DVPKG_INPUT_NOT_FOUND', `${shown}: cannot be read (${fileErrorReason(error)})`, {
      problems: [{ severity: 'error', file: shown, path: '', value: undefined, expected: `a readable file (${fileErrorReason(error)})` }],
    });
  }
  if (!info.isFile() || info.size > maxBytes) {
    const expected = info.isFile() ? `at most ${megabytes(maxBytes)}: ${reason}` : 'a file';
    throw new DvpkgError('DVPKG_INPUT_UNREADABLE', `${shown}: ${info.isFile() ? `${megabytes(info.size)} is too large` : 'not a file'}`, {
      problems: [{ severity: 'error', file: shown, path: '', value: info.isFile() ? `${info.size} bytes` : undefined, expected }],
    });
  }
  // Read through a handle of the size just checked, so a file growing meanwhile cannot exceed it.
  // Synchronous, as the other reads of a spec: nothing runs beside them (runtime/atomic-write.ts says why).
  const handle = openSync(file, 'r');
  try {
    const data = Buffer.allocUnsafe(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(handle, data, read, info.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return data.subarray(0, read);
  } finally {
    closeSync(handle);
  }
}

/** The solution in `data`, or the problems that stop it being read. `shown` names it in every problem. */
export function readSolutionData(data: Buffer, shown: string, origin: SolutionOrigin): IncludedSolution | Problem[] {
  const problems: Problem[] = [];
  const refuse = (expected: string): Problem[] => [{ severity: 'error', file: shown, path: '', value: undefined, expected }];
  if (data.length > MAX_SOLUTION_BYTES) return refuse(`a solution file of at most ${megabytes(MAX_SOLUTION_BYTES)} (it is ${megabytes(data.length)}): ${MAX_SOLUTION_REASON}`);
  let zip: ZipReader;
  let solutionText: string;
  let customizationsText: string;
  try {
    zip = openZip(data, MAX_ZIP_ENTRIES);
    // Import needs both at the zip root (solution-format.md §1.1, error 80048060).
    const solutionName = zip.find('solution.xml');
    const customizationsName = zip.find('customizations.xml');
    if (!solutionName || !customizationsName) {
      const missing = [solutionName ? undefined : 'solution.xml', customizationsName ? undefined : 'customizations.xml'].filter(Boolean).join(' and ');
      return refuse(`a solution zip with solution.xml and customizations.xml at its root (${missing} missing; is this an exported solution?)`);
    }
    solutionText = zip.read(solutionName, MAX_XML_ENTRY_BYTES, 'solution.xml').toString('utf8');
    customizationsText = zip.read(customizationsName, MAX_XML_ENTRY_BYTES, 'customizations.xml').toString('utf8');
  } catch (error) {
    if (error instanceof ZipRefused) return refuse(`a readable solution zip: ${error.message}`);
    throw error;
  }
  const manifest = readSolutionManifest(solutionText, `${shown}: solution.xml`, problems);
  const customizations = readCustomizations(customizationsText, `${shown}: customizations.xml`, manifest?.rootComponents ?? [], problems);
  if (!manifest || !customizations || problems.some((p) => p.severity === 'error')) return problems;
  let settings: ReturnType<typeof readDeclaredSettings>;
  try {
    settings = readDeclaredSettings(zip, customizations, shown, problems);
  } catch (error) {
    if (error instanceof ZipRefused) return refuse(`a readable solution zip: ${error.message}`);
    throw error;
  }
  if (problems.some((p) => p.severity === 'error')) return problems;
  const { tables, roles } = customizations;
  return {
    file: shown,
    origin,
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    ...manifest,
    tables,
    roles,
    ...settings,
  };
}
