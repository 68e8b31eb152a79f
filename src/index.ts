/** dvpkg's library API: the same pipeline the CLI runs, for ISV build scripts. */
export { buildSolution, type BuildOptions, type BuildResult } from './build.js';
export { loadSpec, type LoadSpecOptions, type LoadedSpec } from './spec/index.js';
export type { SolutionModel, RoleModel, PrivilegeGrant, Level } from './spec/model.js';
export type { Manifest } from './package/manifest.js';
export { DvpkgError, ExitCode, type ErrorCode, type Problem } from './errors.js';
export { DVPKG_VERSION } from './version.js';
