import path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

/**
 * The `$schema` a spec file written into `fromDir` points at: the schemas of the dvpkg this project
 * installed. Run through npx or a global install, dvpkg lives outside the project, and a path into
 * a cache would break; then the reference is where a local install (`npm i -D dvpkg`) puts them.
 */
export function schemaRef(fromDir: string, schema: string, projectRoot: string): string {
  const inside = !path.relative(projectRoot, PACKAGE_ROOT).startsWith('..');
  const schemas = inside ? path.join(PACKAGE_ROOT, 'schemas') : path.join(projectRoot, 'node_modules', 'dvpkg', 'schemas');
  return path.relative(fromDir, path.join(schemas, schema)).split(path.sep).join('/');
}
