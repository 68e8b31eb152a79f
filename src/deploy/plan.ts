import type { ErrorCode } from '../errors.js';
import type { Level } from '../spec/model.js';
import { appRoles, rolesSolution, type Manifest } from '../package/manifest.js';
import type { PrivilegeRow } from '../dataverse/operations.js';
import { compareVersions } from '../spec/model.js';
import { describePrivilege, packageTableNames } from '../package/describe-privilege.js';
import { LEVEL_SHORT } from '../spec/levels.js';
import { describeDiff, diffRolePrivileges, extraRoles, matchRoles, missingGrants, privilegesBeyondDeclared, unboundRoles } from '../core/org-roles.js';
import { describePrivilegeChange, roleChanges, type RoleChanges } from '../core/privilege-changes.js';
import { callerNeed, missingCallerPrivileges, privilegeProblems, requiredCallerPrivileges, type ImportAction } from './decide.js';
import { solutionActions, type OrgSnapshot } from './snapshot.js';
import type { GivenSetting } from './settings/input.js';
import { planSettings, type PlanSetting } from './settings/plan-settings.js';

/**
 * The plan: what a run will change and why, what it refuses, what it grants, and how the org
 * differs from the package. Pure: built from the manifest and a snapshot of the org, so the runner,
 * the tests and any other front end see the same value before anything is written.
 */

export type PlanStep =
  | { kind: 'import-solution'; action: 'install' | 'upgrade' | 'promote'; uniqueName: string; version: string; file: string; from?: string; overwriteUnmanaged?: boolean; settings?: string[]; reason: string }
  /** Settings of solutions already at this version (or promoted), written with the Web API where the org's value differs. */
  | { kind: 'set-settings'; names: string[]; reason: string }
  | { kind: 'purge-deleted-app-user'; userId: string; reason: string }
  | { kind: 'create-app-user'; reason: string }
  | { kind: 'bind-role'; roleId: string; roleName: string; reason: string }
  | { kind: 'confirm-privileges'; reason: string };

export interface Refusal {
  code: ErrorCode;
  message: string;
  details: string[];
}

export interface Grant {
  role: string;
  privilege: string;
  level: Level;
  /** In the maker portal's words: Read / Account / Organization. */
  access: string;
  table: string;
  depth: string;
}

export interface Difference {
  kind: 'role-privileges' | 'extra-role' | 'privileges-beyond-declared';
  /** The role it concerns, when there is one. */
  role?: string;
  /** One line per difference, in the words `dvpkg verify` uses. */
  details: string[];
}

export interface Plan {
  org: string;
  package: { solution: string; version: string; appName: string; appClientId: string };
  /** Every package solution in import order, with what the run does about it. */
  solutions: Array<{ uniqueName: string; version: string; source: 'built' | 'included'; action: ImportAction; installed?: string }>;
  /** Solutions outside the package that must be in the org, and whether they are. */
  requirements: Array<{ uniqueName: string; version: string; requiredBy: string; installed?: string; met: boolean }>;
  appUser: { state: 'exists' | 'missing' | 'disabled'; id?: string; deletedRows: number };
  roles: Array<{ id: string; name: string; bound: boolean }>;
  steps: PlanStep[];
  grants: Grant[];
  /** Privileges the signed-in account needs for these steps, and those it lacks. */
  caller: { required: string[]; missing: string[] };
  consent: { state: 'present' | 'missing' | 'unknown'; code?: number; consentUrl: string };
  /**
   * For an upgrade: how each package role changes, compared with what the org holds now (what the admin
   * approves); widening changes first, each with its line in plain words.
   */
  privilegeChanges: Array<RoleChanges & { details: string[] }>;
  /** For an upgrade: tables of the package the org does not have yet, by display name. */
  newTables: string[];
  /** How the org differs from the package already (not changed by this run). */
  differences: Difference[];
  /** Every environment variable and connection reference of the package: now, after the run, from where. */
  settings: PlanSetting[];
  refusals: Refusal[];
}

export interface PlanOptions {
  org: string;
  consentUrl: string;
  purgeDeletedAppUser: boolean;
  /** Unattended (`--yes`) without `--accept-privilege-changes`: an upgrade that widens access is refused. */
  refuseWidening: boolean;
  /** Values from `--settings` and `--set`. */
  settings?: readonly GivenSetting[];
}

export function planDeploy(manifest: Manifest, snapshot: OrgSnapshot, options: PlanOptions): Plan {
  const targets = appRoles(manifest);
  const actions = solutionActions(manifest, snapshot);
  const action = actions.find((a) => a.solution === rolesSolution(manifest))!.action;
  const appUser = snapshot.appUsers[0];
  const matched = matchRoles(manifest.roles, snapshot.roles ?? []);
  const orgIds = new Map([...matched].map(([id, row]) => [id, row.roleid]));
  const unbound = unboundRoles(targets, appUser, orgIds);
  const steps: PlanStep[] = [];
  const refusals: Refusal[] = [];
  // ComponentParameters go with an install or upgrade; a promotion (DeleteAndPromote) takes none.
  const importing = new Set(actions.filter((a) => a.action === 'install' || a.action === 'upgrade').map((a) => a.solution.uniqueName.toLowerCase()));
  const settingsPlan = planSettings(manifest, snapshot.settings, options.settings ?? [], importing);
  const settingsOf = (uniqueName: string, write: PlanSetting['write']) => settingsPlan.settings.filter((s) => s.solution === uniqueName && s.write === write).map((s) => s.name);

  for (const { solution, installed, action: todo } of actions) {
    const importRefused = importRefusal(todo, solution, installed?.version);
    if (importRefused) refusals.push(importRefused);
    if (todo === 'install' || todo === 'upgrade' || todo === 'promote') {
      steps.push({
        kind: 'import-solution',
        action: todo,
        uniqueName: solution.uniqueName,
        version: solution.version,
        file: solution.file,
        ...(installed ? { from: installed.version } : {}),
        ...(solution.overwriteUnmanagedCustomizations !== undefined ? { overwriteUnmanaged: solution.overwriteUnmanagedCustomizations } : {}),
        ...(settingsOf(solution.uniqueName, 'import').length > 0 ? { settings: settingsOf(solution.uniqueName, 'import') } : {}),
        reason: IMPORT_REASON[todo](solution.uniqueName, solution.version, installed?.version),
      });
    }
  }
  const written = settingsPlan.settings.filter((s) => s.write === 'web-api').map((s) => s.name);
  if (written.length > 0) steps.push({ kind: 'set-settings', names: written, reason: `the org's value of ${written.join(', ')} differs from the one given` });
  const requirements = requirementsOf(manifest, snapshot);
  if (snapshot.appUsers.length > 1) {
    refusals.push({ code: 'DVPKG_APP_USER_FAILED', message: `the org has ${snapshot.appUsers.length} application users for ${manifest.app.name} (${manifest.app.clientId}); keep one and delete the others in the Power Platform admin center (Application users), then run again`, details: snapshot.appUsers.map((u) => u.systemuserid) });
  }
  if (appUser?.isdisabled) {
    refusals.push({ code: 'DVPKG_APP_USER_FAILED', message: `the application user for ${manifest.app.name} (${appUser.systemuserid}) is disabled. Enable it in the Power Platform admin center (Environments > your environment > Settings > Application users > Activate), then run again.`, details: [] });
  }
  if (!appUser) {
    if (options.purgeDeletedAppUser) {
      for (const deleted of snapshot.deletedAppUsers) steps.push({ kind: 'purge-deleted-app-user', userId: deleted.systemuserid, reason: 'a deleted application user for the app is still held by Dataverse and blocks a new one (--purge-deleted-app-user)' });
    }
    steps.push({ kind: 'create-app-user', reason: `no application user for ${manifest.app.name} (${manifest.app.clientId}) in this org` });
  }
  for (const role of unbound) steps.push({ kind: 'bind-role', roleId: role.id, roleName: role.name, reason: `the application user does not hold "${role.name}"` });
  if (steps.length > 0) steps.push({ kind: 'confirm-privileges', reason: 'check that the application user holds every declared privilege' });

  const anyImport = steps.some((s) => s.kind === 'import-solution');
  const required = requiredCallerPrivileges({ importing: anyImport, creatingUser: !appUser, binding: unbound.length > 0 });
  const held = snapshot.caller?.held ?? [];
  const missing = snapshot.caller ? missingCallerPrivileges(required, held) : [];
  const problems = missing.map((name) => `your account lacks ${name}, needed to ${callerNeed(name)}; sign in as a System Administrator`);
  problems.push(...settingsPlan.problems);
  // Dataverse lets a user assign a role only if it holds every privilege of that role itself (0x80048d3b).
  if (snapshot.caller && unbound.length > 0) {
    // A privilege of a table this package creates cannot be held before the import; Dataverse gives the
    // new table's privileges to System Administrator when it creates the table, so it is judged at binding.
    const created = new Set(manifest.solutions.flatMap((s) => s.creates.map((name) => name.toLowerCase())));
    const heldNames = new Set(held.map((p) => p.PrivilegeName.toLowerCase()));
    const checkable = unbound.map((role) => ({ ...role, privileges: role.privileges.filter((p) => heldNames.has(p.name.toLowerCase()) || !created.has(p.name.toLowerCase())) }));
    for (const grant of missingGrants(checkable, held)) problems.push(`your account cannot give the role: it does not hold ${grant} itself; sign in as a System Administrator`);
  }
  for (const r of requirements.filter((x) => !x.met)) {
    problems.push(`${r.requiredBy} needs ${r.uniqueName} ${r.version} or later in the org (${r.installed ? `${r.installed} is installed` : 'it is not installed'}); install or upgrade it first`);
  }
  // A privilege a table of the package creates exists once the solution before the roles is imported.
  if (snapshot.orgPrivileges) problems.push(...privilegeProblems(manifest.roles, [...snapshot.orgPrivileges, ...createdByPackage(manifest, snapshot.orgPrivileges)]));
  if (problems.length > 0) refusals.push({ code: 'DVPKG_PREFLIGHT_FAILED', message: `preflight found ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was changed`, details: problems });

  const tableNames = packageTableNames(manifest.solutions);
  const { differences, privilegeChanges } = compare(manifest, snapshot, action, orgIds, tableNames);
  const widening = privilegeChanges.filter((r) => r.widens);
  if (options.refuseWidening && widening.length > 0) {
    refusals.push({
      code: 'DVPKG_PREFLIGHT_FAILED',
      message: "this upgrade widens the application user's access, and --yes alone does not accept that; nothing was changed. Review it (node deploy.mjs --plan), then run again with --accept-privilege-changes",
      details: widening.flatMap((r) => r.details.filter((_, i) => r.changes[i]!.widens).map((line) => `"${r.role}": ${line}`)),
    });
  }
  return {
    org: options.org,
    package: { solution: rolesSolution(manifest).uniqueName, version: rolesSolution(manifest).version, appName: manifest.app.name, appClientId: manifest.app.clientId },
    solutions: actions.map((a) => ({ uniqueName: a.solution.uniqueName, version: a.solution.version, source: a.solution.source, action: a.action, ...(a.installed ? { installed: a.installed.version } : {}) })),
    requirements,
    appUser: { state: appUser ? (appUser.isdisabled ? 'disabled' : 'exists') : 'missing', ...(appUser ? { id: appUser.systemuserid } : {}), deletedRows: snapshot.deletedAppUsers.length },
    roles: targets.map((r) => ({ id: r.id, name: r.name, bound: !unbound.includes(r) })),
    steps,
    grants: targets.flatMap((role) => role.privileges.map((p) => ({ role: role.name, privilege: p.name, level: p.level, ...describePrivilege(p.name, tableNames), depth: LEVEL_SHORT[p.level] }))),
    caller: { required, missing },
    consent: { state: snapshot.consent.state, ...(snapshot.consent.code !== undefined ? { code: snapshot.consent.code } : {}), consentUrl: options.consentUrl },
    privilegeChanges,
    newTables: isUpgrade(action) ? newTables(manifest, snapshot, tableNames) : [],
    differences,
    settings: settingsPlan.settings,
    refusals,
  };
}

function isUpgrade(action: ImportAction): boolean {
  return action === 'upgrade' || action === 'promote';
}

/** Tables a package solution creates whose privileges the org does not have yet. */
function newTables(manifest: Manifest, snapshot: OrgSnapshot, names: ReadonlyMap<string, string>): string[] {
  if (!snapshot.orgPrivileges) return [];
  const known = new Set(snapshot.orgPrivileges.map((p) => p.name.toLowerCase()));
  const tables = manifest.solutions.flatMap((s) => (s.tables ?? []).filter((t) => s.creates.some((p) => p.toLowerCase().endsWith(t.schemaName.toLowerCase()))));
  return tables.filter((t) => !manifest.solutions.some((s) => s.creates.some((p) => p.toLowerCase().endsWith(t.schemaName.toLowerCase()) && known.has(p.toLowerCase())))).map((t) => names.get(t.schemaName.toLowerCase()) ?? t.schemaName);
}

function requirementsOf(manifest: Manifest, snapshot: OrgSnapshot): Plan['requirements'] {
  const inPackage = new Set(manifest.solutions.map((s) => s.uniqueName.toLowerCase()));
  return manifest.solutions.flatMap((solution) =>
    solution.requires
      .filter((r) => !inPackage.has(r.uniqueName.toLowerCase()))
      .map((r) => {
        const installed = snapshot.required.get(r.uniqueName.toLowerCase())?.version;
        return { uniqueName: r.uniqueName, version: r.version, requiredBy: solution.uniqueName, ...(installed ? { installed } : {}), met: installed !== undefined && compareVersions(installed, r.version) >= 0 };
      }),
  );
}

/** Rows for the privileges the package's own tables create, as the org will hold them once imported (any depth the table allows). */
function createdByPackage(manifest: Manifest, org: PrivilegeRow[]): PrivilegeRow[] {
  const known = new Set(org.map((p) => p.name.toLowerCase()));
  return manifest.solutions.flatMap((s) => s.creates.filter((name) => !known.has(name.toLowerCase())).map((name) => ({ name, privilegeid: '', canbebasic: true, canbelocal: true, canbedeep: true, canbeglobal: true })));
}

const IMPORT_REASON: Record<'install' | 'upgrade' | 'promote', (name: string, version: string, from: string | undefined) => string> = {
  install: (name, version) => `${name} is not installed: install ${version} (managed)`,
  upgrade: (name, version, from) => `${name} ${from} is installed: upgrade to ${version}`,
  promote: (name, version) => `the upgrade to ${version} is staged as ${name}_Upgrade: apply it`,
};

/**
 * Drift is what differs in an org already at this version; an upgrade's differences are what it changes,
 * compared with what the org holds now (not with what an older package claimed). A role the org does not
 * have yet that the application user will get is new access too.
 */
function compare(manifest: Manifest, snapshot: OrgSnapshot, action: ImportAction, orgIds: Map<string, string>, tables: ReadonlyMap<string, string>): Pick<Plan, 'differences' | 'privilegeChanges'> {
  const differences: Difference[] = [];
  const privilegeChanges: Plan['privilegeChanges'] = [];
  const targets = appRoles(manifest);
  for (const role of manifest.roles) {
    const held = snapshot.rolePrivileges.get(role.id);
    const declared = role.privileges.map((p) => ({ name: p.name, level: p.level }));
    if (!held) {
      const userGetsIt = snapshot.appUsers.length > 0 && targets.includes(role) && !orgIds.has(role.id);
      if (isUpgrade(action) && userGetsIt) privilegeChanges.push(withDetails(roleChanges(role.name, undefined, declared), tables));
      continue;
    }
    const details = describeDiff(diffRolePrivileges(role, held));
    if (details.length === 0) continue;
    if (action === 'skip') differences.push({ kind: 'role-privileges', role: role.name, details });
    else privilegeChanges.push(withDetails(roleChanges(role.name, held.map((g) => ({ name: g.PrivilegeName, level: g.Depth })), declared), tables));
  }
  for (const extra of extraRoles(targets, snapshot.appUsers[0], orgIds)) {
    differences.push({ kind: 'extra-role', role: extra.name, details: [`the application user also holds "${extra.name}" (${extra.roleid}), which the package does not give`] });
  }
  if (snapshot.appUserPrivileges) {
    const beyond = privilegesBeyondDeclared(targets, snapshot.appUserPrivileges);
    if (beyond.length > 0) differences.push({ kind: 'privileges-beyond-declared', details: beyond });
  }
  return { differences, privilegeChanges };
}

function withDetails(changes: RoleChanges, tables: ReadonlyMap<string, string>): RoleChanges & { details: string[] } {
  return { ...changes, details: changes.changes.map((c) => describePrivilegeChange(c, tables)) };
}

/** An import Dataverse would refuse, known from the installed version alone: said before anything is written. */
export function importRefusal(action: ImportAction, solution: { uniqueName: string; version: string }, installedVersion: string | undefined): Refusal | undefined {
  const refuse = (message: string): Refusal => ({ code: 'DVPKG_IMPORT_FAILED', message, details: [] });
  if (action === 'downgrade') {
    return refuse(`${solution.uniqueName} ${installedVersion} is installed, newer than this package's ${solution.version}. Dataverse cannot downgrade a managed solution; get the package for ${installedVersion} or later from the publisher.`);
  }
  if (action === 'other-upgrade-staged') {
    return refuse(`${solution.uniqueName}_Upgrade, a staged upgrade of another version, is waiting in the org, and no import can run until it is applied or removed. In the maker portal (Solutions), apply the upgrade or delete ${solution.uniqueName}_Upgrade, then run again.`);
  }
  if (action === 'unmanaged-installed') {
    return refuse(`${solution.uniqueName} is installed as an unmanaged solution; a managed package cannot update it (Dataverse error 0x80048040). Delete the unmanaged solution first, or ask the publisher.`);
  }
  return undefined;
}
