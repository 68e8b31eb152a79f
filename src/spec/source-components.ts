import { formatValue, type Problem } from '../errors.js';
import { describeComponent, ROLE_COMPONENT_TYPE } from './components.js';
import { normalizeGuid } from './guid.js';
import { uniqueNameProblem } from './names.js';
import type { SpecInput } from './source.js';

/**
 * dvpkg builds roles only. A managed solution imported as an upgrade removes every component the
 * installed version had and the new one lacks, with its data, so a roles-only build must never
 * carry the unique name of a source that holds more than roles.
 */

export interface RolesOnlyOptions {
  rolesOnly: boolean;
  /** `--unique-name`: the role solution's unique name with `rolesOnly`. */
  uniqueName?: string;
}

const DISPLAY_NAME_MAX = 256;
const ROLES_SUFFIX = ' (roles)';

/** Every root component the build would leave out, and every listed role with no role file. */
export function checkRootComponents(input: SpecInput, roleIds: ReadonlySet<string>, sourceName: string | undefined, options: RolesOnlyOptions, problems: Problem[]): void {
  const components = input.rootComponents;
  if (!components) return;
  const name = sourceName ?? 'this solution';
  for (const component of components.items) {
    const at = `RootComponents.RootComponent[${component.index}]`;
    if (component.type === ROLE_COMPONENT_TYPE) {
      const id = normalizeGuid(component.name);
      if (id === undefined || !roleIds.has(id)) {
        problems.push({ severity: 'error', file: components.file, path: at, value: `security role ${component.name}`, expected: 'a role with this id in Roles/*.xml (the build would leave it out)' });
      }
      continue;
    }
    if (options.rolesOnly) continue;
    problems.push({
      severity: 'error',
      file: components.file,
      path: at,
      value: describeComponent(component),
      expected: `only security roles (dvpkg builds roles only, and an upgrade to a ${name} without this deletes it, with its data)`,
      hint: `export ${name} as managed and list the zip under "solutions" in solution.json, or pass --roles-only to build the roles into a separate ${name}Roles`,
    });
  }
}

/**
 * With --roles-only the roles go into a solution of their own, named `<UniqueName>Roles` unless
 * --unique-name says otherwise, so it can never replace the source solution.
 */
export function rolesOnlyIdentity(
  input: SpecInput,
  source: { uniqueName: string; displayName: string },
  options: RolesOnlyOptions,
  problems: Problem[],
): { uniqueName: string; displayName: string } | undefined {
  if (!options.rolesOnly) {
    if (options.uniqueName !== undefined) {
      problems.push({ severity: 'error', file: '--unique-name', path: '', value: options.uniqueName, expected: 'to be given with --roles-only (it names the separate role solution)' });
    }
    return undefined;
  }
  if (input.format !== 'unpacked') {
    problems.push({
      severity: 'error',
      file: '--roles-only',
      path: '',
      value: true,
      expected: `an unpacked solution as --src (Other/Solution.xml); a JSON spec already builds roles only, under its own uniqueName ${formatValue(source.uniqueName)}`,
    });
    return undefined;
  }
  const flag = options.uniqueName !== undefined;
  const uniqueName = options.uniqueName ?? `${source.uniqueName}Roles`;
  const where = flag ? { file: '--unique-name', path: '' } : { file: input.rootComponents?.file ?? input.dir, path: 'UniqueName' };
  const wrong = uniqueNameProblem(uniqueName);
  if (wrong !== undefined) {
    problems.push({ severity: 'error', ...where, value: uniqueName, expected: flag ? wrong : `a role solution name that is ${wrong}`, ...(flag ? {} : { hint: 'pass --unique-name' }) });
    return undefined;
  }
  if (uniqueName.toLowerCase() === source.uniqueName.toLowerCase()) {
    problems.push({ severity: 'error', ...where, value: uniqueName, expected: `a unique name other than the source's (${source.uniqueName}), which a roles-only solution must never replace` });
    return undefined;
  }
  const displayName = `${source.displayName.slice(0, DISPLAY_NAME_MAX - ROLES_SUFFIX.length)}${ROLES_SUFFIX}`;
  return { uniqueName, displayName };
}
