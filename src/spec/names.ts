/** The solution unique-name rule, shared by `uniqueName` in the spec and `--unique-name`. */

export const UNIQUE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
export const UNIQUE_NAME_MAX = 65;
export const UNIQUE_NAME_EXPECTED = 'letters, digits and _, starting with a letter, at most 65 characters';
/** Dataverse names a staged upgrade `<name>_Upgrade`, so a solution of its own may not contain it. */
export const UPGRADE_SUFFIX = /_upgrade/i;
export const UPGRADE_EXPECTED = 'a name without "_upgrade" (Dataverse reserves it for holding solutions)';

/** What is wrong with `name` as a solution unique name, or undefined when it is fine. */
export function uniqueNameProblem(name: string): string | undefined {
  if (name.length > UNIQUE_NAME_MAX) return `at most ${UNIQUE_NAME_MAX} characters (got ${name.length})`;
  if (!UNIQUE_NAME_PATTERN.test(name)) return UNIQUE_NAME_EXPECTED;
  if (UPGRADE_SUFFIX.test(name)) return UPGRADE_EXPECTED;
  return undefined;
}
