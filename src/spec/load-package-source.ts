import type { Problem } from '../errors.js';
import { checkAdminClientId } from './admin-client.js';
import { normalizeGuid } from './guid.js';
import { checkIncludedSolutions } from './included/check-included.js';
import { readSolutionSource, type LoadedIncluded } from './included-solutions.js';
import type { IncludedSolutionModel, RoleModel, SolutionModel } from './model.js';

/**
 * `--src` naming a Package Deployer project or package straight away: the package's solutions are
 * imported as they are, and the application user gets roles that ship inside them (`--app-role`).
 * No role solution is built. The app's details come from flags, since a package carries none.
 */

export interface PackageSourceOptions {
  app?: { clientId?: string; name?: string; adminClientId?: string };
  appRoles?: readonly string[];
}

export function loadPackageSource(
  src: string,
  options: PackageSourceOptions,
  toModel: (loaded: LoadedIncluded, requirements: ReturnType<typeof checkIncludedSolutions>['targetRequirements']) => IncludedSolutionModel,
): { model?: SolutionModel; problems: Problem[] } {
  const source = readSolutionSource(src);
  const problems: Problem[] = [...source.notices];
  const error = (file: string, value: unknown, expected: string) => problems.push({ severity: 'error', file, path: '', value, expected });
  const roles = source.solutions.flatMap((s) => s.solution.roles.map((role) => ({ role, solution: s.solution.uniqueName })));
  const names = roles.map((r) => `"${r.role.name}"`).join(', ') || 'none';
  const clientId = normalizeGuid(options.app?.clientId);
  if (!clientId) error('--client-id', options.app?.clientId, "the ISV app registration (client) id, a GUID: a Package Deployer package does not name the app");
  const appName = options.app?.name?.trim();
  if (!appName) error('--app-name', options.app?.name, "the ISV app's display name, for the admin's README and the plan");
  const adminClientId = checkAdminClientId(options.app?.adminClientId, { file: '--admin-client-id', path: '' }, problems);
  const wanted = options.appRoles ?? [];
  // A package's roles are often meant for people; which one the app's user gets is the ISV's call.
  if (wanted.length === 0) error('--app-role', undefined, `the name of the role the application user gets, once per role (the package's roles: ${names})`);
  const chosen: Array<{ role: RoleModel; solution: string }> = [];
  for (const name of wanted) {
    const found = roles.find((r) => r.role.name === name) ?? roles.find((r) => r.role.name.toLowerCase() === name.toLowerCase());
    if (found) chosen.push(found);
    else error('--app-role', name, `a role one of the package's solutions ships (${names})`);
  }
  const check = checkIncludedSolutions(source.solutions.map((s) => s.solution), chosen.map((c) => c.role));
  problems.push(...check.problems);
  if (problems.some((p) => p.severity === 'error') || !clientId || !appName) return { problems };
  // The package is named after the solution that ships the app's roles.
  const home = source.solutions.find((s) => s.solution.uniqueName === chosen[0]!.solution)!.solution;
  return {
    problems,
    model: {
      uniqueName: home.uniqueName,
      displayName: home.displayName,
      description: '',
      version: home.version,
      languageCode: 1033,
      publisher: { uniqueName: home.publisher.uniqueName, displayName: home.publisher.displayName, description: '', prefix: home.publisher.prefix, optionValuePrefix: 0 },
      app: { clientId, name: appName, roles: chosen.map((c) => c.role.name), ...(adminClientId ? { adminClientId } : {}) },
      roles: chosen.map((c) => ({ ...c.role, solution: c.solution })),
      included: source.solutions.map((s) => toModel(s, check.targetRequirements)),
      rolesFrom: 'included',
    },
  };
}
