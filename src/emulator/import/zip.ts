/**
 * Reading a solution zip defensively: bounded entry count and bounded inflated size (counted while inflating,
 * so a zip bomb stops early), and the three root files solution-format.md §1.1 requires.
 */
import JSZip from 'jszip';
import { importBadZip, importUnsafeEntryName, importZipLimit, type ImportFailure } from '../wire-errors.js';

export interface SolutionFiles {
  solutionXml: string;
  customizationsXml: string;
  contentTypesXml: string;
  /** Every file entry's name as JSZip resolved it (folders such as `environmentvariabledefinitions/…`). */
  entryNames?: string[];
  /**
   * The files of `environmentvariabledefinitions/<schemaname>/`: `environmentvariabledefinition.xml` and, when the
   * export carries a current value, `environmentvariablevalues.json`, by entry name. Inflated within the same budget.
   */
  environmentVariableFiles?: Record<string, string>;
}

export interface ZipLimits {
  maxEntries: number;
  maxExpandedBytes: number;
}

/** Where real exports keep environment variables (mpa_AccountassistantforSAP_1_0_0_0_managed.zip). */
const ENVIRONMENT_VARIABLE_FILE = /^environmentvariabledefinitions\/[^/]+\/(environmentvariabledefinition\.xml|environmentvariablevalues\.json)$/i;

const ROOT_FILES = { solutionXml: 'solution.xml', customizationsXml: 'customizations.xml', contentTypesXml: '[content_types].xml' } as const;

class LimitExceeded extends Error {}

function inflate(file: JSZip.JSZipObject, budget: { remaining: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = file.nodeStream('nodebuffer');
    let stopped = false;
    stream.on('data', (chunk: Buffer | string) => {
      if (stopped) return;
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      budget.remaining -= bytes.length;
      if (budget.remaining < 0) {
        stopped = true;
        stream.pause();
        reject(new LimitExceeded());
        return;
      }
      chunks.push(bytes);
    });
    stream.on('error', (error: Error) => {
      if (!stopped) reject(error);
    });
    stream.on('end', () => {
      if (!stopped) resolve(Buffer.concat(chunks));
    });
  });
}

/** JSZip resolves `../` away (so `../solution.xml` would pass for a root file); the name as stored decides. */
function isRelativeInside(name: string): boolean {
  return !/^(?:[\\/]|[A-Za-z]:)/.test(name) && !name.split(/[\\/]/).includes('..');
}

function text(buffer: Buffer): string {
  const hasBom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.subarray(hasBom ? 3 : 0).toString('utf8');
}

export async function readSolutionZip(data: Buffer, limits: ZipLimits): Promise<SolutionFiles | ImportFailure> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(data, { checkCRC32: true });
  } catch {
    return importBadZip();
  }
  const entries = Object.values(zip.files).filter((f) => !f.dir);
  if (entries.length > limits.maxEntries) return importZipLimit(`The compressed file has ${entries.length} entries; the limit is ${limits.maxEntries}.`);
  const unsafe = entries.find((f) => !isRelativeInside(f.unsafeOriginalName ?? f.name));
  if (unsafe) return importUnsafeEntryName(unsafe.unsafeOriginalName ?? unsafe.name);
  const byName = new Map(entries.map((f) => [f.name.toLowerCase(), f]));
  const budget = { remaining: limits.maxExpandedBytes };
  const out: Partial<SolutionFiles> = {};
  const read = async (file: JSZip.JSZipObject): Promise<string | ImportFailure> => {
    try {
      return text(await inflate(file, budget));
    } catch (error) {
      if (error instanceof LimitExceeded) return importZipLimit(`The expanded content exceeds ${limits.maxExpandedBytes} bytes.`);
      return importBadZip();
    }
  };
  for (const [key, name] of Object.entries(ROOT_FILES) as Array<[keyof typeof ROOT_FILES, string]>) {
    const file = byName.get(name);
    if (!file) return importBadZip();
    const content = await read(file);
    if (typeof content !== 'string') return content;
    out[key] = content;
  }
  const environmentVariableFiles: Record<string, string> = {};
  for (const file of entries.filter((f) => ENVIRONMENT_VARIABLE_FILE.test(f.name))) {
    const content = await read(file);
    if (typeof content !== 'string') return content;
    environmentVariableFiles[file.name] = content;
  }
  out.entryNames = entries.map((f) => f.name);
  out.environmentVariableFiles = environmentVariableFiles;
  return out as SolutionFiles;
}
