import type { ConnectionReferenceModel, EnvironmentVariableModel, Level, SettingRule, SolutionModel } from '../spec/model.js';
import { SAMPLE_ADMIN_CLIENT_ID } from '../spec/admin-client.js';

/**
 * manifest.json of a deploy package: everything the runner needs to know about what it deploys,
 * and nothing secret. The runner validates it before trusting it: `parseManifest` is that boundary,
 * shared by the runner and `dvpkg verify`. Format 2 carries every solution in import order; a
 * format-1 manifest (one solution) is read as format 2.
 */

export const MANIFEST_FORMAT = 2;

export interface ManifestRole {
  id: string;
  name: string;
  description: string;
  privileges: Array<{ name: string; level: Level }>;
  /** The included solution that ships it, when dvpkg did not build it. */
  solution?: string;
}

export interface ManifestSolution {
  uniqueName: string;
  displayName: string;
  version: string;
  file: string;
  sha256: string;
  publisher: { uniqueName: string; displayName: string };
  /** `built`: the role solution dvpkg built from the spec's roles; `included`: one of the ISV's own managed exports. */
  source: 'built' | 'included';
  /** Solutions outside the package this one needs in the org, at that version or later. */
  requires: Array<{ uniqueName: string; version: string }>;
  /** Privileges the tables it defines create, so a role imported later may grant them. */
  creates: string[];
  /** The custom tables it defines (schema and display name), so the admin README names them in plain words. */
  tables?: Array<{ schemaName: string; displayName: string }>;
  /** The environment variable definitions it creates (absent: none), which the admin may give values for. */
  environmentVariables?: EnvironmentVariableModel[];
  /** The connection references it creates (absent: none), which the admin points at connections. */
  connectionReferences?: ConnectionReferenceModel[];
  overwriteUnmanagedCustomizations?: boolean;
}

export interface Manifest {
  formatVersion: typeof MANIFEST_FORMAT;
  dvpkgVersion: string;
  /** In import order; the role solution, when dvpkg built one, comes last. */
  solutions: ManifestSolution[];
  app: { clientId: string; name: string; roles: string[]; consentRedirectUri?: string };
  roles: ManifestRole[];
  adminClientId: string;
  /** solution.json `settings`: rules for the solutions' environment variables and connection references, by declared name. */
  settings?: Record<string, SettingRule>;
  /** sha256 of the package's other files; the runner checks them before any request. */
  integrity: {
    readmeSha256: string;
    /** README.html's; absent in packages built before dvpkg wrote it. */
    readmeHtmlSha256?: string;
    runnerSha256: string;
  };
}

export function createManifest(
  model: SolutionModel & { app: NonNullable<SolutionModel['app']> },
  solutions: ManifestSolution[],
  dvpkgVersion: string,
): Omit<Manifest, 'integrity'> {
  return {
    formatVersion: MANIFEST_FORMAT,
    dvpkgVersion,
    solutions,
    app: {
      clientId: model.app.clientId,
      name: model.app.name,
      roles: model.app.roles,
      ...(model.app.consentRedirectUri ? { consentRedirectUri: model.app.consentRedirectUri } : {}),
    },
    roles: model.roles.map((role) => ({ id: role.id, name: role.name, description: role.description, privileges: role.privileges, ...(role.solution ? { solution: role.solution } : {}) })),
    adminClientId: model.app.adminClientId ?? SAMPLE_ADMIN_CLIENT_ID,
    ...(model.settings && Object.keys(model.settings).length > 0 ? { settings: model.settings } : {}),
  };
}

/** Roles the application user gets, with their ids. */
export function appRoles(manifest: Manifest): ManifestRole[] {
  return manifest.roles.filter((role) => manifest.app.roles.includes(role.name));
}

/** The solution that carries the package's roles: the one dvpkg built, else the one that ships the app's roles. */
export function rolesSolution(manifest: Manifest): ManifestSolution {
  const shipping = appRoles(manifest)[0]?.solution;
  return manifest.solutions.find((s) => s.source === 'built') ?? manifest.solutions.find((s) => s.uniqueName === shipping) ?? manifest.solutions.at(-1)!;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const VERSION = /^\d+\.\d+\.\d+\.\d+$/;
const LEVELS = new Set(['Basic', 'Local', 'Deep', 'Global']);

type Parsed = { manifest: Manifest; problems?: undefined } | { manifest?: undefined; problems: string[] };

/** A manifest read from disk: the format-2 manifest, or every way it is not one. */
export function parseManifest(value: unknown): Parsed {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problems: ['manifest.json is not a JSON object'] };
  const m = value as Record<string, unknown> & Partial<Omit<Manifest, 'formatVersion'>> & { formatVersion?: unknown };
  const problems: string[] = [];
  if (m.formatVersion !== 1 && m.formatVersion !== MANIFEST_FORMAT) problems.push(`formatVersion: ${JSON.stringify(m.formatVersion)}: expected 1 or ${MANIFEST_FORMAT} (this runner reads formats 1 and ${MANIFEST_FORMAT})`);
  // Format 1 held the one solution in `solution`; it was the role solution dvpkg built.
  const solutions: unknown = m.formatVersion === 1 ? [{ source: 'built', requires: [], creates: [], ...(m['solution'] as object) }] : m.solutions;
  if (!Array.isArray(solutions) || solutions.length === 0) problems.push('solutions: expected at least one solution');
  else {
    const seen = new Set<string>();
    (solutions as Array<Partial<ManifestSolution> | null>).forEach((s, i) => {
      const at = m.formatVersion === 1 ? 'solution' : `solutions[${i}]`;
      if (!s || typeof s.uniqueName !== 'string' || typeof s.version !== 'string' || !VERSION.test(s.version)) problems.push(`${at}: expected uniqueName and a four-part version`);
      else if (seen.has(s.uniqueName.toLowerCase())) problems.push(`${at}: ${s.uniqueName} is listed twice`);
      else seen.add(s.uniqueName.toLowerCase());
      if (!s || typeof s.file !== 'string' || s.file.includes('/') || s.file.includes('\\') || s.file.startsWith('.') || s.file === 'manifest.json' || s.file === 'README.md' || s.file === 'README.html' || s.file === 'deploy.mjs') problems.push(`${at}.file: expected a file name in the package folder`);
      if (!s || typeof s.sha256 !== 'string' || !SHA256.test(s.sha256)) problems.push(`${at}.sha256: expected 64 hex digits`);
      if (!s || (s.source !== 'built' && s.source !== 'included')) problems.push(`${at}.source: expected "built" or "included"`);
      if (!s || !Array.isArray(s.requires) || s.requires.some((r) => typeof r?.uniqueName !== 'string' || typeof r?.version !== 'string')) problems.push(`${at}.requires: expected { uniqueName, version } items`);
      if (!s || !Array.isArray(s.creates) || s.creates.some((c) => typeof c !== 'string')) problems.push(`${at}.creates: expected privilege names`);
      if (s?.tables !== undefined && (!Array.isArray(s.tables) || s.tables.some((t) => typeof t?.schemaName !== 'string' || typeof t?.displayName !== 'string'))) {
        problems.push(`${at}.tables: expected tables with a schemaName and a displayName`);
      }
      if (s?.environmentVariables !== undefined && (!Array.isArray(s.environmentVariables) || s.environmentVariables.some((v) => typeof v?.schemaName !== 'string' || typeof v?.displayName !== 'string' || typeof v?.description !== 'string' || !Number.isInteger(v?.type) || (v.defaultValue !== undefined && typeof v.defaultValue !== 'string')))) {
        problems.push(`${at}.environmentVariables: expected { schemaName, displayName, description, type, defaultValue? } items`);
      }
      if (s?.connectionReferences !== undefined && (!Array.isArray(s.connectionReferences) || s.connectionReferences.some((r) => typeof r?.logicalName !== 'string' || typeof r?.displayName !== 'string' || typeof r?.connectorId !== 'string' || !Array.isArray(r?.flows) || r.flows.some((f) => typeof f !== 'string')))) {
        problems.push(`${at}.connectionReferences: expected { logicalName, displayName, connectorId, flows } items`);
      }
    });
  }
  if (!m.app || typeof m.app.clientId !== 'string' || !GUID.test(m.app.clientId)) problems.push('app.clientId: expected a lower-case GUID');
  if (!m.app || !Array.isArray(m.app.roles) || m.app.roles.length === 0) problems.push('app.roles: expected at least one role name');
  if (m.app?.consentRedirectUri !== undefined && (typeof m.app.consentRedirectUri !== 'string' || !/^https?:\/\//.test(m.app.consentRedirectUri))) problems.push('app.consentRedirectUri: expected an http(s) URL');
  if (!Array.isArray(m.roles) || m.roles.length === 0) problems.push('roles: expected at least one role');
  else {
    m.roles.forEach((role, i) => {
      if (!role || typeof role.id !== 'string' || !GUID.test(role.id) || typeof role.name !== 'string') problems.push(`roles[${i}]: expected id (GUID) and name`);
      else if (!Array.isArray(role.privileges) || role.privileges.some((p) => typeof p?.name !== 'string' || !LEVELS.has(p.level))) problems.push(`roles[${i}].privileges: expected { name, level } items`);
      else if (role.solution !== undefined && !(Array.isArray(solutions) && (solutions as Array<{ uniqueName?: unknown }>).some((s) => s?.uniqueName === role.solution))) problems.push(`roles[${i}].solution: expected one of the package's solutions`);
    });
    for (const name of m.app?.roles ?? []) if (!m.roles.some((r) => r?.name === name)) problems.push(`app.roles: ${JSON.stringify(name)} is not one of the roles`);
  }
  if (typeof m.adminClientId !== 'string' || !GUID.test(m.adminClientId)) problems.push('adminClientId: expected a lower-case GUID');
  if (m.settings !== undefined) problems.push(...settingsProblems(m.settings, Array.isArray(solutions) ? (solutions as ManifestSolution[]) : []));
  const integrity = m.integrity;
  if (!integrity || !SHA256.test(String(integrity.readmeSha256)) || !SHA256.test(String(integrity.runnerSha256))) problems.push('integrity: expected readmeSha256 and runnerSha256 (64 hex digits each)');
  else if (integrity.readmeHtmlSha256 !== undefined && !SHA256.test(String(integrity.readmeHtmlSha256))) problems.push('integrity.readmeHtmlSha256: expected 64 hex digits');
  if (problems.length > 0) return { problems };
  const { solution: _v1, ...rest } = m as Record<string, unknown>;
  return { manifest: { ...(rest as unknown as Manifest), formatVersion: MANIFEST_FORMAT, solutions: solutions as ManifestSolution[] } };
}

/** Each rule names a setting one of the solutions declares, with a description and rules of the right types. */
function settingsProblems(settings: unknown, solutions: readonly Partial<ManifestSolution>[]): string[] {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) return ['settings: expected an object of rules by setting name'];
  const declared = new Set(solutions.flatMap((s) => [...(s?.environmentVariables ?? []).map((v) => v?.schemaName), ...(s?.connectionReferences ?? []).map((r) => r?.logicalName)]));
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(settings as Record<string, Partial<SettingRule> | null>)) {
    const at = `settings.${name}`;
    if (!declared.has(name)) problems.push(`${at}: expected the name of an environment variable or connection reference of the package's solutions`);
    const booleans = [rule?.required, rule?.https, rule?.secret].every((v) => v === undefined || typeof v === 'boolean');
    const values = rule?.values === undefined || (Array.isArray(rule.values) && rule.values.every((v) => typeof v === 'string'));
    if (!rule || typeof rule.description !== 'string' || !booleans || !values || (rule.pattern !== undefined && typeof rule.pattern !== 'string')) problems.push(`${at}: expected { description, required?, pattern?, values?, https?, secret? }`);
  }
  return problems;
}
