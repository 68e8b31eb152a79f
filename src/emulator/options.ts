/** Emulator options: one interface, defaults in one block, resolved once and frozen. */
import type { Level } from './levels.js';
import type { FaultSpec } from './faults.js';
import type { Seed } from './seed.js';
import { validateServiceProtection, type ServiceProtectionLimits } from './service-protection.js';

/** An override of the org privilege table (default: the emulator's own data/privileges.json). */
export interface PrivilegeSource {
  entries(): Iterable<{ name: string; depths: readonly Level[] }>;
}

/** HTTP statuses of errors whose status the wire reference could not verify. */
export interface ErrorStatuses {
  /** 0x80040225, disabled caller (addendum §6: 403 today, 400 in 2020). */
  disabledUser: number;
  /** 0x8004F510, app user create without a service principal (addendum §1). */
  appUserServicePrincipalMissing: number;
  /** 0x80040237 when the role is already associated (addendum §7). */
  duplicateAssociation: number;
  /** 0x80040237 when an app user with that applicationid exists (addendum §1 side finding). */
  duplicateAppUser: number;
  /** Import validation failures answered synchronously (ImportSolution, StageAndUpgrade). */
  importFailure: number;
  /** 0x80060888 "Resource not found for the segment", e.g. a bound call of an unbound function (404 in field reports). */
  unknownSegment: number;
  /** DELETE of an active systemuser (inferred: PPAC only says inactive users can be deleted). */
  activeUserDelete: number;
  /** 0x80048d3b AssignRoleValidationFailure (no source gives the status). */
  assignRoleValidation: number;
  /** 0x8004801D missing dependencies answered synchronously (no source gives the status). */
  missingDependencies: number;
  /** 0x8004F01D uninstall refused synchronously: DELETE solutions(<id>), or UninstallSolutionAsync with `uninstallDependencyRefusal: 'sync'` (no source gives the status). */
  solutionDependencies: number;
  /** ConnectionNotFound relayed when `PATCH connectionreferences(<id>)` names a connection its connector lacks (no source gives the status). */
  connectionNotFound: number;
}

/**
 * Where UninstallSolutionAsync's "Solution dependencies exist, cannot uninstall" (0x8004F01D) surfaces. Field
 * reports read it from the solution history of the uninstall job (coe-starter-kit#8246), and Microsoft-adjacent
 * scripts raise it when "the uninstall system job fails" (PowerDataOps Uninstall-XrmSolution), so `job` (3/31)
 * is the default; `sync` answers the action call instead. Inferred.
 */
export type UninstallDependencyRefusal = 'sync' | 'job';

/**
 * What a `MissingDependency` whose `Required/@solution` is "Active" (the component was unmanaged or in no
 * solution where it was exported) needs in the target org. No source says how import treats it; field reports
 * show such entries listed as missing (microsoft/powerapps-tools#738, #742). `component` (default): met when a
 * solution of the org carries a component of that type and id or name; `ignore`: always met.
 */
export type ActiveDependencyMode = 'component' | 'ignore';

/**
 * Whether a "UniqueName (version)" requirement can be met by the required component arriving in another
 * solution. The emulator models requirements by solution name and version (`solution`, default); whether the
 * real check is per component is inferred, so `solution-or-component` also accepts the component recorded in
 * any solution of the org.
 */
export type DependencyMatchMode = 'solution' | 'solution-or-component';

/**
 * Where "Cannot start another [Import]" (0x80071151) surfaces: field reports show it inside the async job
 * (coe-starter-kit#8757, ewingjm/development-hub#26), so `fail-job` is the default; `reject-start` answers
 * the start request with 400 instead.
 */
export type ConcurrentImportMode = 'fail-job' | 'reject-start';

/**
 * The order client credentials are checked in. No Microsoft source documents it (fidelity-audit #8):
 * `service-principal-first` answers 7000229 for a missing service principal even without a credential;
 * `credential-first` answers 7000218 to a request without a credential before looking at the tenant.
 */
export type CredentialCheckOrder = 'service-principal-first' | 'credential-first';

/**
 * A ComponentParameters entry (ImportSolution and the like) naming an environment variable definition or a
 * connection reference that neither the solution nor the org has. No source says; `fail` (default) fails the
 * import with 0x80040217, `ignore` skips the entry. Inferred.
 */
export type UnknownComponentParameterMode = 'fail' | 'ignore';

/**
 * What a solution's `environmentvariablevalues.json` does to a definition that already has a value. "When the
 * application publisher publishes updates to the application, the value set by the customer isn't overwritten"
 * (powerapps-docs maker/data-platform/EnvironmentVariables.md) is said of the default value; that a packaged value
 * is kept out too is inferred: `keep-existing` (default) keeps the org's value, `overwrite` replaces it.
 * ComponentParameters always set the value.
 */
export type PackagedValueMode = 'keep-existing' | 'overwrite';

/** An ISV app registration to add: its client id and, optionally, the display name Entra would hold. */
export interface EmulatorAppOption {
  clientId: string;
  name?: string;
  /** Admin-consent redirect URIs to register (none by default). */
  redirectUris?: string[];
}

export interface EmulatorOptions {
  /** Interface to listen on. Loopback by default: the emulator has no real security. */
  host?: string;
  /** 0 = an ephemeral port. */
  port?: number;
  /** The world after start and after reset(): a seed object or a path to a JSON seed file. */
  seed?: Seed | string;
  /** Extra multi-tenant ISV app registrations (client ids) with generated secret and certificate. */
  apps?: Array<string | EmulatorAppOption>;
  /** Fault rules: an object, the compact string form, or a path to a JSON file (see faults.ts). */
  faults?: FaultSpec | string;
  /** Approve device codes for the seeded admin as soon as they are issued. */
  autoApproveDeviceCodes?: boolean;
  /**
   * Sign the seeded admin in at the authorize endpoint without a page (default true). Off: the endpoint shows a
   * sign-in form (`#account`, `#signin`, `#cancel`). Changeable at run time: `PATCH /_emulator/settings`.
   */
  autoApproveBrowserSignIn?: boolean;
  /** Lifetime of an authorization code ("Typically, they expire after about 10 minutes", v2-oauth2-auth-code-flow.md). */
  authorizationCodeLifetimeSeconds?: number;
  /**
   * A newly added federated credential answers AADSTS70021 for this long (inferred, default 0): Entra documents
   * a propagation delay and recommends retrying (workload-identity-federation-considerations).
   */
  federatedCredentialPropagationSeconds?: number;
  /**
   * Code for an assertion whose subject matches no federated credential of its issuer and audience: 700213
   * (field: "No matching federated identity record found for presented assertion subject", Azure/login#619) or
   * the older generic 70021 (Azure/azure-workload-identity troubleshooting). Inferred; default 700213.
   */
  federatedSubjectMismatchCode?: 700213 | 70021;
  /** Bearer token `GET /_emulator/oidc/actions` requires (ACTIONS_ID_TOKEN_REQUEST_TOKEN); random per start by default. */
  actionsRequestToken?: string;
  deviceCodeExpiresInSeconds?: number;
  tokenLifetimeSeconds?: number;
  /** How long an async import job runs before it completes. */
  importDurationMs?: number;
  /** After consent, creating the app user keeps failing with 0x8004F510 for this long (the real service lags). */
  consentLagMs?: number;
  /** Reject a plain re-import of the installed version with 0x80048541 (addendum §2 "strict"). */
  strictSameVersionImport?: boolean;
  statuses?: Partial<ErrorStatuses>;
  zipLimits?: { maxEntries?: number; maxExpandedBytes?: number };
  maxRequestBodyBytes?: number;
  /** Request log entries kept (oldest dropped first). */
  logLimit?: number;
  privilegeCatalog?: PrivilegeSource;
  concurrentImport?: ConcurrentImportMode;
  clientCredentialsCheckOrder?: CredentialCheckOrder;
  /**
   * AADSTS code for `<org>/.default` from a public client with no statically configured Dataverse
   * permission. 650057 (InvalidResource, "isn't listed in the requested permissions in the client's
   * application registration", entra reference-error-codes.md) is inferred; 65001 is the alternative.
   */
  defaultScopeWithoutPermissionCode?: 650057 | 65001;
  /** "Active" requirements of an imported solution (default `component`). */
  activeDependencies?: ActiveDependencyMode;
  /** How a named solution requirement is met (default `solution`: that solution at that version or later). */
  dependencyMatch?: DependencyMatchMode;
  /** Where UninstallSolutionAsync refuses a solution others depend on (default `job`). */
  uninstallDependencyRefusal?: UninstallDependencyRefusal;
  /** A ComponentParameters entry naming nothing the solution or the org has (default `fail`). */
  unknownComponentParameter?: UnknownComponentParameterMode;
  /** A packaged environment variable value over an existing one (default `keep-existing`). */
  packagedEnvironmentVariableValue?: PackagedValueMode;
  /**
   * Service protection limits per calling identity across all orgs (off by default; Dataverse's defaults are
   * `{ requests: 6000, windowSeconds: 300, concurrent: 52 }`). Also `PUT /_emulator/service-protection`.
   */
  serviceProtection?: ServiceProtectionLimits | null;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  seed: Seed | string | undefined;
  apps: readonly EmulatorAppOption[];
  faults: FaultSpec | string | undefined;
  autoApproveDeviceCodes: boolean;
  autoApproveBrowserSignIn: boolean;
  authorizationCodeLifetimeSeconds: number;
  federatedCredentialPropagationSeconds: number;
  federatedSubjectMismatchCode: 700213 | 70021;
  actionsRequestToken: string | undefined;
  deviceCodeExpiresInSeconds: number;
  tokenLifetimeSeconds: number;
  importDurationMs: number;
  consentLagMs: number;
  strictSameVersionImport: boolean;
  statuses: Readonly<ErrorStatuses>;
  zipLimits: Readonly<{ maxEntries: number; maxExpandedBytes: number }>;
  maxRequestBodyBytes: number;
  logLimit: number;
  privilegeCatalog: PrivilegeSource | undefined;
  concurrentImport: ConcurrentImportMode;
  clientCredentialsCheckOrder: CredentialCheckOrder;
  defaultScopeWithoutPermissionCode: 650057 | 65001;
  activeDependencies: ActiveDependencyMode;
  dependencyMatch: DependencyMatchMode;
  uninstallDependencyRefusal: UninstallDependencyRefusal;
  unknownComponentParameter: UnknownComponentParameterMode;
  packagedEnvironmentVariableValue: PackagedValueMode;
  serviceProtection: ServiceProtectionLimits | null;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  autoApproveDeviceCodes: true,
  autoApproveBrowserSignIn: true,
  authorizationCodeLifetimeSeconds: 600,
  federatedCredentialPropagationSeconds: 0,
  federatedSubjectMismatchCode: 700213 as 700213 | 70021,
  deviceCodeExpiresInSeconds: 900,
  tokenLifetimeSeconds: 3599,
  importDurationMs: 300,
  consentLagMs: 0,
  strictSameVersionImport: false,
  statuses: {
    disabledUser: 403,
    appUserServicePrincipalMissing: 400,
    duplicateAssociation: 412,
    duplicateAppUser: 412,
    importFailure: 400,
    unknownSegment: 404,
    activeUserDelete: 400,
    assignRoleValidation: 403,
    missingDependencies: 400,
    solutionDependencies: 400,
    connectionNotFound: 400,
  },
  concurrentImport: 'fail-job' as ConcurrentImportMode,
  clientCredentialsCheckOrder: 'service-principal-first' as CredentialCheckOrder,
  defaultScopeWithoutPermissionCode: 650057 as 650057 | 65001,
  activeDependencies: 'component' as ActiveDependencyMode,
  dependencyMatch: 'solution' as DependencyMatchMode,
  uninstallDependencyRefusal: 'job' as UninstallDependencyRefusal,
  unknownComponentParameter: 'fail' as UnknownComponentParameterMode,
  packagedEnvironmentVariableValue: 'keep-existing' as PackagedValueMode,
  // Dataverse takes solution files up to 95 MB (learn: power-platform/alm/solution-concepts-alm "maximum size"), so real
    // packages with thousands of entries must pass; the inflate budget still stops a zip bomb early.
    zipLimits: { maxEntries: 20_000, maxExpandedBytes: 64 * 1024 * 1024 },
  // A 95 MB file is about 127 MB as base64 in the JSON body.
  maxRequestBodyBytes: 136 * 1024 * 1024,
  logLimit: 10_000,
} as const;

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return Object.freeze({
    host: options.host ?? DEFAULTS.host,
    port: options.port ?? DEFAULTS.port,
    seed: options.seed,
    apps: Object.freeze((options.apps ?? []).map((app) => (typeof app === 'string' ? { clientId: app } : app))),
    faults: options.faults,
    autoApproveDeviceCodes: options.autoApproveDeviceCodes ?? DEFAULTS.autoApproveDeviceCodes,
    autoApproveBrowserSignIn: options.autoApproveBrowserSignIn ?? DEFAULTS.autoApproveBrowserSignIn,
    authorizationCodeLifetimeSeconds: options.authorizationCodeLifetimeSeconds ?? DEFAULTS.authorizationCodeLifetimeSeconds,
    federatedCredentialPropagationSeconds: options.federatedCredentialPropagationSeconds ?? DEFAULTS.federatedCredentialPropagationSeconds,
    federatedSubjectMismatchCode: options.federatedSubjectMismatchCode ?? DEFAULTS.federatedSubjectMismatchCode,
    actionsRequestToken: options.actionsRequestToken,
    deviceCodeExpiresInSeconds: options.deviceCodeExpiresInSeconds ?? DEFAULTS.deviceCodeExpiresInSeconds,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULTS.tokenLifetimeSeconds,
    importDurationMs: options.importDurationMs ?? DEFAULTS.importDurationMs,
    consentLagMs: options.consentLagMs ?? DEFAULTS.consentLagMs,
    strictSameVersionImport: options.strictSameVersionImport ?? DEFAULTS.strictSameVersionImport,
    statuses: Object.freeze({ ...DEFAULTS.statuses, ...options.statuses }),
    zipLimits: Object.freeze({ ...DEFAULTS.zipLimits, ...options.zipLimits }),
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? DEFAULTS.maxRequestBodyBytes,
    logLimit: options.logLimit ?? DEFAULTS.logLimit,
    privilegeCatalog: options.privilegeCatalog,
    concurrentImport: options.concurrentImport ?? DEFAULTS.concurrentImport,
    clientCredentialsCheckOrder: options.clientCredentialsCheckOrder ?? DEFAULTS.clientCredentialsCheckOrder,
    defaultScopeWithoutPermissionCode: options.defaultScopeWithoutPermissionCode ?? DEFAULTS.defaultScopeWithoutPermissionCode,
    activeDependencies: options.activeDependencies ?? DEFAULTS.activeDependencies,
    dependencyMatch: options.dependencyMatch ?? DEFAULTS.dependencyMatch,
    uninstallDependencyRefusal: options.uninstallDependencyRefusal ?? DEFAULTS.uninstallDependencyRefusal,
    unknownComponentParameter: options.unknownComponentParameter ?? DEFAULTS.unknownComponentParameter,
    packagedEnvironmentVariableValue: options.packagedEnvironmentVariableValue ?? DEFAULTS.packagedEnvironmentVariableValue,
    serviceProtection: validateServiceProtection(options.serviceProtection ?? null),
  });
}
