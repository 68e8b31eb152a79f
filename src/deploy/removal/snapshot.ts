import type { DataverseClient } from '../../dataverse/client.js';
import * as dv from '../../dataverse/operations.js';
import type { Manifest } from '../../package/manifest.js';
import type { RemovalSnapshot } from './plan.js';

/** What a removal needs to know, read before anything changes: reads only. */
export async function readForRemoval(client: DataverseClient, manifest: Manifest): Promise<RemovalSnapshot> {
  const key = (name: string) => name.toLowerCase();
  const rows = await dv.findSolutionsByName(client, manifest.solutions.map((s) => s.uniqueName));
  const byName = new Map(rows.map((row) => [key(row.uniquename), row]));
  const solutions = manifest.solutions.map((solution) => {
    const installed = byName.get(key(solution.uniqueName));
    return { solution, ...(installed ? { installed } : {}) };
  });
  const appUsers = (await dv.findAppUsers(client, manifest.app.clientId)).filter((u) => u.deletedstate !== 1);
  const roles = appUsers.some((u) => (u.systemuserroles_association ?? []).length > 0) ? await dv.findRoles(client, manifest.roles.map((r) => r.id), manifest.roles.map((r) => r.name)) : [];

  // Which other solutions need a package solution: Dataverse refuses the uninstall while any does (0x8004F01D).
  const dependents: RemovalSnapshot['dependents'] = new Map();
  const ours = new Set(rows.map((r) => r.solutionid));
  const needed = new Map<string, string[]>();
  for (const { solution, installed } of solutions) {
    if (!installed?.ismanaged) continue;
    const from = (await dv.dependenciesForUninstall(client, solution.uniqueName)).map((d) => d.dependentcomponentbasesolutionid).filter((id): id is string => typeof id === 'string' && id !== installed.solutionid);
    needed.set(key(solution.uniqueName), [...new Set(from)]);
  }
  const others = [...new Set([...needed.values()].flat().filter((id) => !ours.has(id)))];
  const names = new Map((await dv.solutionsById(client, others)).map((s) => [s.solutionid, s]));
  const packageById = new Map(rows.map((r) => [r.solutionid, r]));
  for (const [name, ids] of needed) {
    const list = ids.map((id) => {
      const ownRow = packageById.get(id);
      if (ownRow) return { uniqueName: ownRow.uniquename, displayName: ownRow.uniquename };
      const other = names.get(id);
      return { uniqueName: other?.uniquename ?? id, displayName: other?.friendlyname ?? other?.uniquename ?? id };
    });
    if (list.length > 0) dependents.set(name, list);
  }
  return { solutions, appUsers, roles, dependents };
}
