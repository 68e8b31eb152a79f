/**
 * The import boundary between the emulator and the product: the emulator (src/emulator/) imports nothing
 * outside itself, and the product imports the emulator only from its bridges (the `dvpkg emulator` command
 * and the demo), so a shared bug can never make both sides agree.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface SourceFile {
  /** Path relative to the source root, with `/` separators, e.g. `emulator/state.ts`. */
  file: string;
  text: string;
}

export interface Violation {
  file: string;
  specifier: string;
  rule: 'emulator imports product' | 'product imports emulator' | 'emulator import reads like a product path';
}

/** Static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`. */
const SPECIFIERS = [
  /\bimport\s+(?:type\s+)?[^'"();]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?[^'"();]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

export function importSpecifiers(text: string): string[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const found = new Set<string>();
  for (const pattern of SPECIFIERS) for (const match of withoutComments.matchAll(pattern)) if (match[1]) found.add(match[1]);
  return [...found];
}

const BRIDGES = [/^(?:programs\/)?cli\/commands\/emulator\.ts$/, /(?:^|\/)demo\//];

function isEmulator(file: string): boolean {
  return file === 'emulator' || file.startsWith('emulator/');
}

/**
 * Top-level product directories (`dataverse/`, `auth/`, …). An emulator import that climbs out of its own
 * folder into a sibling with one of these names resolves inside the emulator, but reads, to a reviewer or a
 * tool that resolves it from the wrong folder, like a product module: such a module should live elsewhere.
 */
function productDirectories(files: readonly SourceFile[]): Set<string> {
  return new Set(files.filter((f) => !isEmulator(f.file) && f.file.includes('/')).map((f) => f.file.split('/')[0]!));
}

export function boundaryViolations(files: readonly SourceFile[], productDirs: ReadonlySet<string> = productDirectories(files)): Violation[] {
  const violations: Violation[] = [];
  for (const { file, text } of files) {
    for (const specifier of importSpecifiers(text)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      if (isEmulator(file) && !isEmulator(target)) violations.push({ file, specifier, rule: 'emulator imports product' });
      else if (isEmulator(file) && /^\.\.\//.test(specifier) && productDirs.has(specifier.split('/').find((part) => part !== '..') ?? '')) {
        violations.push({ file, specifier, rule: 'emulator import reads like a product path' });
      }
      if (!isEmulator(file) && isEmulator(target) && !BRIDGES.some((bridge) => bridge.test(file))) violations.push({ file, specifier, rule: 'product imports emulator' });
    }
  }
  return violations;
}

export function readSources(root: string, dir = root): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return readSources(root, full);
    if (!entry.name.endsWith('.ts')) return [];
    return [{ file: path.relative(root, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') }];
  });
}
