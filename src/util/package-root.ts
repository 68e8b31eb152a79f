import { fileURLToPath } from 'node:url';

/** The dvpkg install root; `src/` and `dist/` sit at the same depth below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
