import type { Level, SolutionModel } from '../spec/model.js';

/**
 * manifest.json of a deploy package: everything the runner needs to know about what
 * it deploys, and nothing secret. The runner validates it before trusting it.
 */

export const MANIFEST_FORMAT = 1;

/** The public client the admin signs in with by default: the Dataverse SDK's sample app id. */
export const DEFAULT_ADMIN_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

export interface ManifestRole {
  id: string;
  name: string;
  description: string;
  privileges: Array<{ name: string; level: Level }>;
}

export interface Manifest {
  formatVersion: typeof MANIFEST_FORMAT;
  dvpkgVersion: string;
  solution: {
    uniqueName: string;
    displayName: string;
    version: string;
    file: string;
    sha256: string;
    publisher: { uniqueName: string; displayName: string };
  };
  app: { clientId: string; name: string; roles: string[]; consentRedirectUri?: string };
  roles: ManifestRole[];
  adminClientId: string;
  /** sha256 of the package's other files; the runner checks them before any request. */
  integrity: { readmeSha256: string; runnerSha256: string };
}

export function createManifest(
  model: SolutionModel & { app: NonNullable<SolutionModel['app']> },
  zip: { file: string; sha256: string },
  dvpkgVersion: string,
): Omit<Manifest, 'integrity'> {
  return {
    formatVersion: MANIFEST_FORMAT,
    dvpkgVersion,
    solution: {
      uniqueName: model.uniqueName,
      displayName: model.displayName,
      version: model.version,
      file: zip.file,
      sha256: zip.sha256,
      publisher: { uniqueName: model.publisher.uniqueName, displayName: model.publisher.displayName },
    },
    app: {
      clientId: model.app.clientId,
      name: model.app.name,
      roles: model.app.roles,
      ...(model.app.consentRedirectUri ? { consentRedirectUri: model.app.consentRedirectUri } : {}),
    },
    roles: model.roles.map((role) => ({ id: role.id, name: role.name, description: role.description, privileges: role.privileges })),
    adminClientId: DEFAULT_ADMIN_CLIENT_ID,
  };
}

/** Roles the application user gets, with their ids. */
export function appRoles(manifest: Manifest): ManifestRole[] {
  return manifest.roles.filter((role) => manifest.app.roles.includes(role.name));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LEVELS = new Set(['Basic', 'Local', 'Deep', 'Global']);

/** Structural check of a manifest read from disk; returns what is wrong, or nothing. */
export function manifestProblems(value: unknown): string[] {
  const problems: string[] = [];
  const m = value as Partial<Manifest> | null;
  if (m === null || typeof m !== 'object') return ['manifest.json is not a JSON object'];
  if (m.formatVersion !== MANIFEST_FORMAT) problems.push(`formatVersion: ${JSON.stringify(m.formatVersion)}: expected ${MANIFEST_FORMAT} (this runner reads format ${MANIFEST_FORMAT})`);
  const s = m.solution;
  if (!s || typeof s.uniqueName !== 'string' || typeof s.version !== 'string' || !/^\d+\.\d+\.\d+\.\d+$/.test(s.version)) problems.push('solution: expected uniqueName and a four-part version');
  if (!s || typeof s.file !== 'string' || s.file.includes('/') || s.file.includes('\\') || s.file.startsWith('.')) problems.push('solution.file: expected a file name in the package folder');
  if (!s || typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256)) problems.push('solution.sha256: expected 64 hex digits');
  if (!m.app || typeof m.app.clientId !== 'string' || !GUID.test(m.app.clientId)) problems.push('app.clientId: expected a lower-case GUID');
  if (!m.app || !Array.isArray(m.app.roles) || m.app.roles.length === 0) problems.push('app.roles: expected at least one role name');
  if (m.app?.consentRedirectUri !== undefined && (typeof m.app.consentRedirectUri !== 'string' || !/^https?:\/\//.test(m.app.consentRedirectUri))) {
    problems.push('app.consentRedirectUri: expected an http(s) URL');
  }
  if (!Array.isArray(m.roles) || m.roles.length === 0) problems.push('roles: expected at least one role');
  else {
    m.roles.forEach((role, i) => {
      if (!role || typeof role.id !== 'string' || !GUID.test(role.id) || typeof role.name !== 'string') problems.push(`roles[${i}]: expected id (GUID) and name`);
      else if (!Array.isArray(role.privileges) || role.privileges.some((p) => typeof p?.name !== 'string' || !LEVELS.has(p.level))) problems.push(`roles[${i}].privileges: expected { name, level } items`);
    });
    for (const name of m.app?.roles ?? []) if (!m.roles.some((r) => r?.name === name)) problems.push(`app.roles: ${JSON.stringify(name)} is not one of the roles`);
  }
  if (typeof m.adminClientId !== 'string' || !GUID.test(m.adminClientId)) problems.push('adminClientId: expected a lower-case GUID');
  const integrity = m.integrity;
  if (!integrity || !/^[0-9a-f]{64}$/.test(String(integrity.readmeSha256)) || !/^[0-9a-f]{64}$/.test(String(integrity.runnerSha256))) {
    problems.push('integrity: expected readmeSha256 and runnerSha256 (64 hex digits each)');
  }
  return problems;
}
