import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError } from '../../../errors.js';
import { PACKAGE_ROOT } from '../../../util/package-root.js';

/**
 * The page's script and styles, as `npm run build` bundles them from page/ (scripts/bundle.mjs). In
 * deploy.mjs they are strings inside the runner, so nothing is fetched from anywhere: the bundler puts
 * them in place of this module. Run from source (the tests), they are read from dist/.
 */

export interface PageAssets {
  script: string;
  styles: string;
}

const PAGE_ASSETS_DIR = path.join(PACKAGE_ROOT, 'dist', 'runner', 'ui');

export async function pageAssets(): Promise<PageAssets> {
  try {
    return { script: await readFile(path.join(PAGE_ASSETS_DIR, 'app.js'), 'utf8'), styles: await readFile(path.join(PAGE_ASSETS_DIR, 'app.css'), 'utf8') };
  } catch {
    throw new DvpkgError('DVPKG_INTERNAL', `the --ui page is not built at ${PAGE_ASSETS_DIR}; run "npm run build" in the dvpkg checkout`);
  }
}
