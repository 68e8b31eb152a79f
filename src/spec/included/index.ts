/** Build-side readers and checks for the ISV's own managed solutions (issue 11). */
export { checkIncludedSolutions, type CheckIncludedOptions, type IncludedCheck, type TargetRequirement } from './check-included.js';
export { createdPrivileges } from './created-privileges.js';
export { MAX_PACKAGE_BYTES, MAX_SOLUTION_BYTES, MAX_SOLUTION_REASON, MAX_ZIP_ENTRIES } from './limits.js';
export type * from './model.js';
export { readPdPackage, type PdPackage } from './read-pd-package.js';
export { readPdProject, type PdProject } from './read-pd-project.js';
export { readSolutionData, readSolutionZip } from './read-solution-zip.js';
