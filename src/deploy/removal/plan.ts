import type { AppUserRow, InstalledSolution, RoleRow } from '../../dataverse/operations.js';
import { matchRoles, rootRoleId } from '../../core/org-roles.js';
import { rolesSolution, type Manifest, type ManifestSolution } from '../../package/manifest.js';
import type { Refusal } from '../plan.js';

/**
 * Removing a package from an org, planned before anything is changed: take the package's roles from
 * the application user, disable it (delete it with --delete-user), and uninstall the package's
 * solutions in reverse import order. Only what this package installed is removed; a solution that
 * another one depends on stops the whole removal before any change. Pure, like the deploy plan.
 */

export type RemovalStep =
  | { kind: 'unbind-role'; userId: string; roleId: string; roleName: string; reason: string }
  | { kind: 'disable-app-user'; userId: string; reason: string }
  | { kind: 'delete-app-user'; userId: string; reason: string }
  | { kind: 'uninstall-solution'; uniqueName: string; version: string; solutionId: string; reason: string };

export interface RemovalSnapshot {
  /** Each package solution (import order) as installed, if it is. */
  solutions: Array<{ solution: ManifestSolution; installed?: InstalledSolution }>;
  /** Not-deleted rows of the app's application user, with the roles each holds. */
  appUsers: AppUserRow[];
  /** The package's roles in the org (root copies and business-unit copies). */
  roles: RoleRow[];
  /** Solutions outside the removal that depend on a package solution, by its lower-case unique name. */
  dependents: Map<string, Array<{ uniqueName: string; displayName: string }>>;
}

export interface RemovalPlan {
  org: string;
  package: { solution: string; version: string; appName: string; appClientId: string };
  steps: RemovalStep[];
  /** Package solutions that are in the org but are not removed, and why. */
  kept: Array<{ uniqueName: string; installed: string; reason: string }>;
  refusals: Refusal[];
  /** What the runner cannot do: the app's service principal (consent) is Entra's. */
  revokeConsent: { appId: string; graphRequest: string; azureCli: string };
}

export interface RemovalOptions {
  org: string;
  deleteUser: boolean;
  force: boolean;
}

const key = (name: string) => name.toLowerCase();

export function planRemoval(manifest: Manifest, snapshot: RemovalSnapshot, options: RemovalOptions): RemovalPlan {
  const steps: RemovalStep[] = [];
  const kept: RemovalPlan['kept'] = [];
  const refusals: Refusal[] = [];
  const matched = matchRoles(manifest.roles, snapshot.roles);
  const packageRoleIds = new Set([...matched.values()].map((r) => r.roleid));
  const packageRoleNames = new Set(manifest.roles.map((r) => r.name));

  for (const user of snapshot.appUsers) {
    for (const held of user.systemuserroles_association ?? []) {
      if (!packageRoleIds.has(rootRoleId(held)) && !packageRoleNames.has(held.name)) continue;
      steps.push({ kind: 'unbind-role', userId: user.systemuserid, roleId: held.roleid, roleName: held.name, reason: `the application user holds "${held.name}" from this package` });
    }
    if (!user.isdisabled) steps.push({ kind: 'disable-app-user', userId: user.systemuserid, reason: `the application user of ${manifest.app.name} is enabled` });
    if (options.deleteUser) steps.push({ kind: 'delete-app-user', userId: user.systemuserid, reason: '--delete-user (Dataverse deletes only a disabled user; records it owns are not deleted)' });
  }

  const removing = new Set<string>();
  for (const { solution, installed } of [...snapshot.solutions].reverse()) {
    if (!installed) continue;
    if (!installed.ismanaged) {
      kept.push({ uniqueName: solution.uniqueName, installed: installed.version, reason: 'installed as an unmanaged solution, which this package never installs' });
      continue;
    }
    if (installed.version !== solution.version && !options.force) {
      kept.push({ uniqueName: solution.uniqueName, installed: installed.version, reason: `this package ships ${solution.version}, not the installed ${installed.version}; --force removes it anyway` });
      continue;
    }
    removing.add(key(solution.uniqueName));
    steps.push({ kind: 'uninstall-solution', uniqueName: solution.uniqueName, version: installed.version, solutionId: installed.solutionid, reason: `${solution.uniqueName} ${installed.version} is installed` });
  }

  // What depends on a solution being removed, and is not removed itself before it, stops everything.
  const blocked: string[] = [];
  for (const name of removing) {
    const others = (snapshot.dependents.get(name) ?? []).filter((d) => !removing.has(key(d.uniqueName)));
    const solution = manifest.solutions.find((s) => key(s.uniqueName) === name)!;
    for (const other of others) blocked.push(`${other.displayName === other.uniqueName ? other.uniqueName : `${other.displayName} (${other.uniqueName})`} depends on ${solution.uniqueName}`);
  }
  if (blocked.length > 0) {
    refusals.push({
      code: 'DVPKG_PREFLIGHT_FAILED',
      message: `the package cannot be removed: other solutions depend on it; nothing was changed. Remove ${blocked.length === 1 ? 'that solution' : 'those solutions'} first, or keep this package`,
      details: blocked,
    });
  }

  const roles = rolesSolution(manifest);
  return {
    org: options.org,
    package: { solution: roles.uniqueName, version: roles.version, appName: manifest.app.name, appClientId: manifest.app.clientId },
    steps,
    kept,
    refusals,
    revokeConsent: {
      appId: manifest.app.clientId,
      graphRequest: `DELETE https://graph.microsoft.com/v1.0/servicePrincipals(appId='${manifest.app.clientId}')`,
      azureCli: `az ad sp delete --id ${manifest.app.clientId}`,
    },
  };
}
