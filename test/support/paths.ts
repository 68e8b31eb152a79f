import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED = path.resolve(REPO_ROOT, '../shared');
export const REAL_FIXTURES = path.join(SHARED, 'fixtures', 'real');
export const SAMPLE_SRC = path.join(REPO_ROOT, 'solution-src');
