import { MAX_XML_BYTES } from '../../util/xml.js';

/**
 * The limits every reader of included solutions applies, in one place so the build, the runner and
 * the emulator can refuse the same files for the same reason.
 */

const MB = 1024 * 1024;

/** Dataverse's own limit, quoted in issue 11 from Microsoft Learn, "Import solutions" (the stored corpus lacks that page). */
export const MAX_SOLUTION_BYTES = 95 * MB;
export const MAX_SOLUTION_REASON = 'The maximum size of a solution file is 95 MB (Microsoft Learn, "Import solutions")';

/** A Package Deployer package holds several solutions; ten at the Dataverse maximum is dvpkg's own bound. */
export const MAX_PACKAGE_BYTES = 10 * MAX_SOLUTION_BYTES;

/**
 * Real exports have a few entries per component (the Kudos zip 17, large first-party solutions a few
 * thousand); 50,000 passes any real export and stops a central directory built to exhaust memory.
 */
export const MAX_ZIP_ENTRIES = 50_000;

/** solution.xml and customizations.xml are inflated no further than the XML reader would accept them. */
export const MAX_XML_ENTRY_BYTES = MAX_XML_BYTES;

/** manifest.ppkg.json holds per-solution parameters: a few KB in real packages. */
export const MAX_JSON_ENTRY_BYTES = 4 * MB;

export function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}
