/** The internal model every input format builds to and every later stage reads. */

export const LEVELS = ['Basic', 'Local', 'Deep', 'Global'] as const;
export type Level = (typeof LEVELS)[number];

export interface PrivilegeGrant {
  name: string;
  level: Level;
}

export interface RoleModel {
  /** Lower-case GUID without braces. */
  id: string;
  name: string;
  description: string;
  customizable: boolean;
  /** The included solution that ships the role, when dvpkg does not build it (a Package Deployer source). */
  solution?: string;
  /** `isinherited` as an unpacked export wrote it; omitted from output when undefined. */
  isInherited?: '0' | '1';
  /** Sorted case-insensitively by name, as Dataverse exports them. */
  privileges: PrivilegeGrant[];
}

export interface PublisherModel {
  uniqueName: string;
  displayName: string;
  description: string;
  prefix: string;
  optionValuePrefix: number;
}

export interface AppModel {
  /** The ISV's multi-tenant app registration (client) id, lower-case. */
  clientId: string;
  name: string;
  /** Names of the roles the application user gets. */
  roles: string[];
  /** Redirect URI registered on the app, for the admin-consent link. */
  consentRedirectUri?: string;
  /** The ISV's public client the subscriber's admin signs in with; absent: Microsoft's sample app. */
  adminClientId?: string;
}

/** The definition's `type` that holds a secret (an Azure Key Vault reference): never printed. */
export const SECRET_VARIABLE_TYPE = 100000005;

/** An environment variable definition a solution creates (`environmentvariabledefinitions/<schema>/environmentvariabledefinition.xml`). */
export interface EnvironmentVariableModel {
  schemaName: string;
  displayName: string;
  description: string;
  /** 100000000 String, …01 Number, …02 Boolean, …03 JSON, …04 Data source, …05 Secret. */
  type: number;
  /** Absent when the definition has none: then the admin must give a value, or the components using it fail. */
  defaultValue?: string;
}

/** A connection reference a solution creates (customizations.xml `connectionreferences`). */
export interface ConnectionReferenceModel {
  logicalName: string;
  displayName: string;
  /** `/providers/Microsoft.PowerApps/apis/<api>`. */
  connectorId: string;
  /** Names of the solution's cloud flows that use it (from Workflows/*.json), so the admin knows what stays off without it. */
  flows: string[];
}

/** One of the ISV's own managed solutions the package imports before the role solution. */
export interface IncludedSolutionModel {
  uniqueName: string;
  displayName: string;
  version: string;
  publisher: { uniqueName: string; displayName: string };
  /** Its file name in the deploy package. */
  fileName: string;
  bytes: Buffer;
  sha256: string;
  /** Solutions outside the package it needs in the org (at that version or later). */
  requires: Array<{ uniqueName: string; version: string }>;
  /** Privileges its tables create (inferred from their ownership). */
  creates: string[];
  /** The custom tables it defines, for the admin README's plain words. */
  tables: Array<{ schemaName: string; displayName: string }>;
  environmentVariables: EnvironmentVariableModel[];
  connectionReferences: ConnectionReferenceModel[];
  overwriteUnmanagedCustomizations?: boolean;
}

/**
 * What the spec says about one deployment setting (solution.json `settings`, keyed by an environment
 * variable's schema name or a connection reference's logical name): the admin's words for it and the
 * rules its value must meet before anything is written.
 */
export interface SettingRule {
  description: string;
  /** The run stops before any write unless the org will hold a value (not only the definition's default). */
  required?: boolean;
  /** A JavaScript regular expression the whole value must match. */
  pattern?: string;
  /** The only values allowed. */
  values?: string[];
  /** The value must be an https:// URL. */
  https?: boolean;
  /** Never printed, reported or logged. */
  secret?: boolean;
}

export interface SolutionModel {
  uniqueName: string;
  displayName: string;
  description: string;
  /** Four numeric parts, e.g. 1.0.0.0. */
  version: string;
  languageCode: number;
  publisher: PublisherModel;
  /** Absent for an unpacked tree that carries no app information. */
  app?: AppModel;
  roles: RoleModel[];
  /** The ISV's own solutions, in import order, from solution.json's `solutions`. */
  included?: IncludedSolutionModel[];
  /** `included`: the roles ship inside the included solutions and no role solution is built. */
  rolesFrom?: 'built' | 'included';
  /** solution.json `settings`, keyed by the name the package declares (its case). */
  settings?: Record<string, SettingRule>;
}

export function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortPrivileges(privileges: PrivilegeGrant[]): PrivilegeGrant[] {
  return [...privileges].sort((x, y) => compareNames(x.name, y.name));
}

export function versionParts(version: string): [number, number, number, number] {
  const parts = version.split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 0];
}

export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** `<UniqueName>_<a>_<b>_<c>_<d>`, the stem Dataverse uses for exported file names. */
export function solutionFileStem(model: Pick<SolutionModel, 'uniqueName' | 'version'>): string {
  return `${model.uniqueName}_${model.version.split('.').join('_')}`;
}
