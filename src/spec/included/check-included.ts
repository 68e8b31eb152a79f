import type { Problem } from '../../errors.js';
import { defaultCatalog, type PrivilegeCatalog } from '../catalog.js';
import { compareVersions, type RoleModel } from '../model.js';
import type { TableOwnership } from '../components.js';
import { tablePrivileges } from '../table-privileges.js';
import { levelNotAllowed } from '../levels.js';
import type { IncludedSolution, IncludedTableOwnership } from './model.js';

/**
 * The checks on the ISV's own solutions before they ship, every problem at once: each solution once
 * and managed, the import order their `MissingDependencies` imply, and role privileges on their tables.
 */

export interface CheckIncludedOptions {
  /** Where a role came from, for messages (default `role "<name>"`). */
  roleFile?: (role: RoleModel) => string;
  catalog?: PrivilegeCatalog;
}

/** A solution outside the list that the target org must already have. */
export interface TargetRequirement {
  uniqueName: string;
  minVersion?: string;
  requiredBy: string[];
}

export interface IncludedCheck {
  problems: Problem[];
  targetRequirements: TargetRequirement[];
  /** An order that satisfies every requirement inside the list: the given one when it does. */
  order: string[];
}

export function checkIncludedSolutions(solutions: readonly IncludedSolution[], roles: readonly RoleModel[], options: CheckIncludedOptions = {}): IncludedCheck {
  const problems: Problem[] = [];
  const first = new Map<string, IncludedSolution>();
  for (const solution of solutions) {
    const key = solution.uniqueName.toLowerCase();
    const earlier = first.get(key);
    if (earlier) {
      problems.push({ severity: 'error', file: solution.file, path: 'solution.xml: UniqueName', value: solution.uniqueName, expected: earlier.file === solution.file ? 'each solution once (this file is listed twice)' : `each solution once (${earlier.file} is ${earlier.uniqueName} ${earlier.version} too)` });
    } else first.set(key, solution);
    if (!solution.managed) {
      problems.push({
        severity: 'error',
        file: solution.file,
        path: 'solution.xml: Managed',
        value: `${solution.uniqueName} (unmanaged)`,
        expected: 'a managed solution (<Managed>1</Managed>): an unmanaged import cannot be upgraded or uninstalled in the subscriber org',
        hint: `export ${solution.uniqueName} again as managed`,
      });
    }
    for (const component of solution.requiresUnmanaged) {
      problems.push({
        severity: 'warning',
        file: solution.file,
        path: 'solution.xml: MissingDependencies',
        value: `${component.type} ${component.name}`,
        expected: `a component from a managed solution; it was unmanaged or in no solution where ${solution.uniqueName} was exported ("Active"), so no package can supply it and the target org must already have it (needed by ${component.neededBy})`,
      });
    }
  }
  const { order, targetRequirements } = checkOrder(solutions, first, problems);
  checkRolePrivileges(solutions, roles, options, problems);
  return { problems, targetRequirements, order };
}

function checkOrder(solutions: readonly IncludedSolution[], byName: ReadonlyMap<string, IncludedSolution>, problems: Problem[]): Pick<IncludedCheck, 'order' | 'targetRequirements'> {
  const position = new Map(solutions.map((solution, index) => [solution.uniqueName.toLowerCase(), index]));
  const external = new Map<string, TargetRequirement>();
  const before = solutions.map(() => new Set<number>());
  const late: Array<[IncludedSolution, IncludedSolution]> = [];
  solutions.forEach((solution, index) => {
    for (const requirement of solution.requires) {
      const key = requirement.uniqueName.toLowerCase();
      const inList = byName.get(key);
      if (!inList) {
        const entry = external.get(key) ?? { uniqueName: requirement.uniqueName, requiredBy: [] };
        if (requirement.minVersion !== undefined && (entry.minVersion === undefined || compareVersions(requirement.minVersion, entry.minVersion) > 0)) entry.minVersion = requirement.minVersion;
        if (!entry.requiredBy.includes(solution.uniqueName)) entry.requiredBy.push(solution.uniqueName);
        external.set(key, entry);
        continue;
      }
      if (inList === solution) continue;
      const at = position.get(key)!;
      before[index]!.add(at);
      if (at > index) late.push([solution, inList]);
      if (requirement.minVersion !== undefined && compareVersions(inList.version, requirement.minVersion) < 0) {
        problems.push({
          severity: 'error',
          file: inList.file,
          path: 'solution.xml: Version',
          value: `${inList.uniqueName} ${inList.version}`,
          expected: `${inList.uniqueName} ${requirement.minVersion} or later, which ${solution.uniqueName} requires (${describe(requirement.components)})`,
        });
      }
    }
  });
  const order = dependencyOrder(solutions, before);
  const right = order ? order.map((i) => solutions[i]!.uniqueName) : undefined;
  for (const [dependent, required] of late) {
    problems.push({
      severity: 'error',
      file: dependent.file,
      path: 'import order',
      value: solutions.map((s) => s.uniqueName).join(', '),
      expected: `${dependent.uniqueName} after ${required.uniqueName}, which it requires`,
      ...(right ? { hint: `list them in this order: ${right.join(', ')}` } : {}),
    });
  }
  if (!order) {
    problems.push({ severity: 'error', file: solutions[0]?.file ?? '', path: 'import order', value: solutions.map((s) => s.uniqueName).join(', '), expected: 'solutions that do not require each other in a circle (no import order can satisfy them)' });
  }
  return { order: right ?? solutions.map((s) => s.uniqueName), targetRequirements: [...external.values()] };
}

/** Kahn's algorithm taking the earliest listed solution that is ready, so a valid list keeps its order; undefined on a cycle. */
function dependencyOrder(solutions: readonly IncludedSolution[], before: Set<number>[]): number[] | undefined {
  const done = new Set<number>();
  const order: number[] = [];
  while (order.length < solutions.length) {
    const next = solutions.findIndex((_, i) => !done.has(i) && [...before[i]!].every((j) => done.has(j)));
    if (next < 0) return undefined;
    done.add(next);
    order.push(next);
  }
  return order;
}

function describe(components: IncludedSolution['requires'][number]['components']): string {
  const shown = components.slice(0, 3).map((c) => `${c.displayName || c.name}, needed by ${c.neededBy}`);
  return `${shown.join('; ')}${components.length > 3 ? `; and ${components.length - 3} more` : ''}`;
}

/** table-privileges.ts knows user and organization ownership; business-owned tables are system tables, left unchecked there. */
const CHECKED_OWNERSHIP: Readonly<Record<IncludedTableOwnership, TableOwnership | undefined>> = { user: 'user', organization: 'organization', business: undefined };

function checkRolePrivileges(solutions: readonly IncludedSolution[], roles: readonly RoleModel[], options: CheckIncludedOptions, problems: Problem[]): void {
  const tables = solutions.flatMap((s) => s.tables);
  const check = tablePrivileges(tables.map((t) => ({ schemaName: t.schemaName, ...(CHECKED_OWNERSHIP[t.ownership] ? { ownership: CHECKED_OWNERSHIP[t.ownership] } : {}) })));
  const catalog = options.catalog ?? defaultCatalog();
  for (const role of roles) {
    const file = options.roleFile?.(role) ?? `role ${JSON.stringify(role.name)}`;
    for (const { name, level } of role.privileges) {
      const result = check.check(name, level);
      const path = `privileges.${name}`;
      if (result.kind === 'level') {
        problems.push({ severity: 'error', file, path, value: level, expected: `a level ${name} allows`, message: levelNotAllowed(name, level, result.allowed, result.why) });
        continue;
      }
      // A real out-of-box privilege is never a near miss of a custom one.
      if (result.kind !== 'error' || catalog.get(name)) continue;
      problems.push({
        severity: 'error',
        file,
        path,
        value: name,
        expected: result.hint ? 'a privilege of a table an included solution defines' : result.expected,
        ...(result.hint ? { hint: result.hint } : {}),
      });
    }
  }
}
