import { fileURLToPath } from 'node:url';

/** The dvpkg install root; `src/` and `dist/` sit at the same depth below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** Where `npm run build` leaves the shipped templates precompiled. */
export const PRECOMPILED_TEMPLATES_DIR = fileURLToPath(new URL('../../dist/templates/', import.meta.url));
