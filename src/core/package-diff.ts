import { compareVersions } from '../spec/model.js';
import type { Manifest } from '../package/manifest.js';
import { packageTableNames } from '../package/describe-privilege.js';
import { describePrivilegeChange, roleChanges, type RoleChanges } from './privilege-changes.js';

/**
 * What a new release of a deploy package changes against the last one: solutions, roles, each role's
 * privileges, and what the application user gets. Pure, from the two manifests, so a release pipeline
 * can stop on a release that widens access (`dvpkg diff` exits 1) and paste the words into release notes.
 */

export interface SolutionChange {
  uniqueName: string;
  change: 'added' | 'removed' | 'upgraded' | 'downgraded' | 'unchanged';
  from?: string;
  to?: string;
}

export interface RoleDiff extends RoleChanges {
  change: 'added' | 'removed' | 'changed';
  /** The application user holds it in the new package (or held it, for a removed role). */
  appRole: boolean;
  details: string[];
}

export interface PackageDiff {
  from: { solution: string; version: string };
  to: { solution: string; version: string };
  solutions: SolutionChange[];
  roles: RoleDiff[];
  app: {
    clientId: { from: string; to: string; changed: boolean };
    rolesAdded: string[];
    rolesRemoved: string[];
  };
  /** Why this release widens access, one line each; empty when it does not. */
  widening: string[];
  widens: boolean;
}

function mainSolution(manifest: Manifest): { solution: string; version: string } {
  const last = manifest.solutions.at(-1)!;
  return { solution: last.uniqueName, version: last.version };
}

export function diffPackages(before: Manifest, after: Manifest): PackageDiff {
  const key = (name: string) => name.toLowerCase();
  const oldSolutions = new Map(before.solutions.map((s) => [key(s.uniqueName), s]));
  const newSolutions = new Map(after.solutions.map((s) => [key(s.uniqueName), s]));
  const solutions: SolutionChange[] = [];
  for (const s of after.solutions) {
    const was = oldSolutions.get(key(s.uniqueName));
    if (!was) solutions.push({ uniqueName: s.uniqueName, change: 'added', to: s.version });
    else {
      const order = compareVersions(s.version, was.version);
      solutions.push({ uniqueName: s.uniqueName, change: order > 0 ? 'upgraded' : order < 0 ? 'downgraded' : 'unchanged', from: was.version, to: s.version });
    }
  }
  for (const s of before.solutions) if (!newSolutions.has(key(s.uniqueName))) solutions.push({ uniqueName: s.uniqueName, change: 'removed', from: s.version });

  const tables = packageTableNames([...before.solutions, ...after.solutions]);
  const oldRoles = new Map(before.roles.map((r) => [key(r.name), r]));
  const newRoles = new Map(after.roles.map((r) => [key(r.name), r]));
  const appRolesAfter = new Set(after.app.roles.map(key));
  const appRolesBefore = new Set(before.app.roles.map(key));
  const roles: RoleDiff[] = [];
  for (const role of after.roles) {
    const was = oldRoles.get(key(role.name));
    const changes = roleChanges(role.name, was?.privileges, role.privileges);
    if (was && changes.changes.length === 0) continue;
    roles.push({ ...changes, change: was ? 'changed' : 'added', appRole: appRolesAfter.has(key(role.name)), details: changes.changes.map((c) => describePrivilegeChange(c, tables)) });
  }
  for (const role of before.roles) {
    if (newRoles.has(key(role.name))) continue;
    const changes = roleChanges(role.name, role.privileges, []);
    roles.push({ ...changes, newRole: false, change: 'removed', appRole: appRolesBefore.has(key(role.name)), details: changes.changes.map((c) => describePrivilegeChange(c, tables)) });
  }

  const rolesAdded = after.app.roles.filter((r) => !appRolesBefore.has(key(r)));
  const rolesRemoved = before.app.roles.filter((r) => !appRolesAfter.has(key(r)));
  const clientChanged = before.app.clientId !== after.app.clientId;
  const widening = [
    ...(clientChanged ? [`the package is for another app: ${before.app.clientId} -> ${after.app.clientId}`] : []),
    ...rolesAdded.map((r) => `the application user also gets "${r}"`),
    ...roles.filter((r) => r.widens && r.change !== 'removed').flatMap((r) => r.changes.map((c, i) => (c.widens ? `"${r.role}": ${r.details[i]}` : undefined)).filter((l): l is string => l !== undefined)),
  ];
  return {
    from: mainSolution(before),
    to: mainSolution(after),
    solutions,
    roles,
    app: { clientId: { from: before.app.clientId, to: after.app.clientId, changed: clientChanged }, rolesAdded, rolesRemoved },
    widening,
    widens: widening.length > 0,
  };
}
