import path from 'node:path';
import { loadSpec, type LoadSpecOptions } from './spec/index.js';
import type { SolutionModel } from './spec/model.js';
import { solutionFileStem } from './spec/model.js';
import { renderWithTemplatesDir, SOLUTION_FILES } from './render/solution.js';
import { createZip, sha256Hex } from './pack/zip.js';
import { writeFileAtomic } from './util/atomic-write.js';
import { DEFAULT_TEMPLATES_DIR } from './util/package-root.js';
import type { Problem } from './errors.js';

export interface BuildOptions extends LoadSpecOptions {
  src: string;
  out: string;
  templates?: string;
}

export interface BuildResult {
  model: SolutionModel;
  warnings: Problem[];
  solution: { uniqueName: string; version: string; zip: string; fileName: string; sha256: string; bytes: Buffer };
}

export function managedZipName(model: SolutionModel): string {
  return `${solutionFileStem(model)}_managed.zip`;
}

/** spec → render → pack. Nothing is written unless every step succeeded. */
export async function buildSolution(options: BuildOptions): Promise<BuildResult> {
  const { model, warnings } = await loadSpec(options.src, options);
  const files = await renderWithTemplatesDir(model, options.templates ?? DEFAULT_TEMPLATES_DIR);
  const bytes = await createZip(SOLUTION_FILES.map((name) => ({ name, data: files[name] })));
  const fileName = managedZipName(model);
  const zip = path.join(options.out, fileName);
  await writeFileAtomic(zip, bytes);
  return {
    model,
    warnings,
    solution: { uniqueName: model.uniqueName, version: model.version, zip, fileName, sha256: sha256Hex(bytes), bytes },
  };
}
