/**
 * Public API of the local Entra ID + Dataverse Web API emulator.
 *
 *   const emulator = await startEmulator({ apps: [clientId] });
 *   // msal-node: { clientId, ...emulatorMsalAuthority(emulator.url, tenant) } (msal-config.ts)
 *   // Web API:  `${emulator.orgUrl}/api/data/v9.2/WhoAmI`
 *   await emulator.close();
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { keyPairFor } from './certificate.js';
import { EmulatorConfigError } from './wire-errors.js';
import { normalizeGuid } from './support/guid.js';
import { discoveryUrl, orgUrl, type EmulatorContext } from './context.js';
import { controlRoutes } from './control.js';
import { dataverseRoutes } from './dataverse/routes.js';
import { discoveryRoutes } from './discovery/instances.js';
import { entraRoutes } from './entra/routes.js';
import { azureCliRoutes } from './azure-cli.js';
import { oidcIssuer, oidcRoutes } from './oidc.js';
import { settleDeviceCode } from './entra/devicecode.js';
import { FaultInjector, parseFaultSpec, type FaultSpec } from './faults.js';
import { ImportRunner } from './import/runner.js';
import { ServiceProtection, validateServiceProtection, type ServiceProtectionLimits } from './service-protection.js';
import { jwkThumbprint } from './jwt.js';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import { ADMIN_PUBLIC_CLIENT_ID, adminPublicClient, defaultSeed, isvApp, readSeedFile, resolveAppCredentials, validateSeed, type AppCredentials, type Seed } from './seed.js';
import { closeServer, createEmulatorServer, listen } from './server.js';
import { EmulatorState } from './state.js';
import { addConnection } from './connections.js';

export type { ActiveDependencyMode, DependencyMatchMode, EmulatorAppOption, EmulatorOptions, ErrorStatuses, PackagedValueMode, PrivilegeSource, UnknownComponentParameterMode } from './options.js';
export type { FaultRule, FaultSpec, FaultKind } from './faults.js';
export type { RequestLogEntry } from './request-log.js';
export type { ServiceProtectionLimits } from './service-protection.js';
export type { Seed, SeedSolution } from './seed.js';
export { DEFAULTS } from './options.js';
export { ADMIN_PUBLIC_CLIENT_ID, DEFAULT_IDS, FIRST_PARTY_SOLUTIONS, defaultSeed } from './seed.js';
export { parseFaultSpec } from './faults.js';
export { fleetSeed, type FleetSeedOptions } from './fleet.js';
export { EmulatorConfigError, type EmulatorConfigCode } from './wire-errors.js';
export { createSelfSignedCertificate } from './certificate.js';
export { emulatorMsalAuthority, type EmulatorMsalAuthority } from './msal-config.js';
export { EmulatorState } from './state.js';

export interface EmulatorApp {
  clientId: string;
  name: string;
  homeTenantId: string;
  clientSecret: string;
  certificatePem: string;
  privateKeyPem: string;
  thumbprintSha256: string;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, the emulator root. */
  url: string;
  /** Same as url: Entra routes live at the root (`{authorityHost}/{tenant}/oauth2/v2.0/token`). */
  authorityHost: string;
  /**
   * `{url}/globaldisco`: stands for the Global Discovery Service host (`https://globaldisco.crm.dynamics.com`);
   * its scope is `{discoveryUrl}/user_impersonation` or `/.default`, its API `{discoveryUrl}/api/discovery/v2.0/Instances`.
   */
  discoveryUrl: string;
  /** URL of the first org, `{url}/orgs/{name}`. */
  orgUrl: string;
  orgs: Array<{ name: string; url: string; tenantId: string; organizationId: string }>;
  /** The first subscriber tenant (owner of the first org). */
  tenantId: string;
  isvTenantId: string;
  adminUsername: string;
  /** The admin public client (a registered multi-tenant public client app, not pre-consented anywhere). */
  adminClientId: string;
  apps: EmulatorApp[];
  /** `{url}/_emulator`. */
  controlUrl: string;
  /**
   * The emulator's own OIDC issuer, for workload identity federation tests: `actionsRequestUrl` and
   * `actionsRequestToken` are what a GitHub runner puts in ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN (the URL
   * still needs `subject=`; the client appends `&audience=`).
   */
  oidc: { issuer: string; actionsRequestUrl: string; actionsRequestToken: string };
  /** `{url}/_emulator/azure-cli/token`, what the test `az` (test/emulator/support/fake-az.mjs) asks. */
  azureCliTokenUrl: string;
  /** Live state, for assertions; change it through the control API or the methods below. */
  state: EmulatorState;
  log(): RequestLogEntry[];
  clearLog(): void;
  grantConsent(tenantId: string, clientId: string): void;
  revokeConsent(tenantId: string, clientId: string): void;
  /**
   * Adds a connection of `connectorId` (`/providers/Microsoft.PowerApps/apis/<api>` or `<api>`) to an org's
   * environment, as `POST /_emulator/orgs/{org}/connections` does; returns its id, for ComponentParameters or
   * `PATCH connectionreferences(<id>)`. Reset removes it.
   */
  createConnection(org: string, connection: { connectorId: string; name?: string }): string;
  /** Approves a pending device code (as the seeded admin unless `upn` is given). */
  approveDeviceCode(userCode: string, upn?: string): void;
  setFaults(spec: FaultSpec | string): void;
  /** Replaces the service protection limits (null: off) and forgets the counts. */
  setServiceProtection(limits: ServiceProtectionLimits | null): void;
  /** Restores the seed state and the start-up fault spec; the request log is kept. */
  reset(): void;
  close(): Promise<void>;
}

async function loadSeed(seed: Seed | string | undefined): Promise<Seed> {
  if (seed === undefined) return defaultSeed();
  if (typeof seed === 'string') return readSeedFile(seed);
  return validateSeed(structuredClone(seed));
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveOptions(options);
  const seed = await loadSeed(resolved.seed);
  if (!seed.apps.some((a) => normalizeGuid(a.clientId) === ADMIN_PUBLIC_CLIENT_ID)) seed.apps.push(adminPublicClient(seed));
  for (const app of resolved.apps) {
    const id = normalizeGuid(app.clientId);
    if (!id) throw new EmulatorConfigError('EMULATOR_USAGE', `--app ${app.clientId}: expected an app (client) id GUID.`);
    if (!seed.apps.some((a) => normalizeGuid(a.clientId) === id)) seed.apps.push(isvApp(id, seed, app.name, app.redirectUris));
  }
  // The admin public client goes last, so `apps[0]` stays the first ISV app, as before it was registered.
  const apps: AppCredentials[] = seed.apps.map(resolveAppCredentials).sort((x, y) => Number(x.clientId === ADMIN_PUBLIC_CLIENT_ID) - Number(y.clientId === ADMIN_PUBLIC_CLIENT_ID));
  let state: EmulatorState;
  try {
    state = new EmulatorState(seed, apps, resolved.privilegeCatalog, { autoApproveBrowserSignIn: resolved.autoApproveBrowserSignIn });
  } catch (cause) {
    throw new EmulatorConfigError('EMULATOR_SEED_INVALID', `Invalid emulator seed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const startupFaults: FaultSpec = resolved.faults === undefined ? { rules: [] } : parseFaultSpec(resolved.faults);
  const { privateKey, publicKey } = keyPairFor('token-signing');
  const oidcKeys = keyPairFor('oidc-issuer');
  const ctx: EmulatorContext = {
    options: resolved,
    state,
    keys: { privateKey, publicKey, kid: jwkThumbprint(publicKey) },
    oidc: {
      keys: { ...oidcKeys, kid: jwkThumbprint(oidcKeys.publicKey) },
      actionsRequestToken: resolved.actionsRequestToken ?? randomBytes(24).toString('base64url'),
    },
    log: new RequestLog(resolved.logLimit),
    faults: new FaultInjector(startupFaults),
    protection: new ServiceProtection(resolved.serviceProtection),
    imports: new ImportRunner(resolved),
    baseUrl: '',
  };
  const reset = () => {
    state.reset();
    ctx.faults.set(startupFaults);
    ctx.protection.set(resolved.serviceProtection);
  };
  const setServiceProtection = (limits: ServiceProtectionLimits | null) => ctx.protection.set(validateServiceProtection(limits));
  const setFaults = (spec: FaultSpec | string) => ctx.faults.set(parseFaultSpec(spec));
  const server: Server = createEmulatorServer(ctx, { control: [...controlRoutes({ reset, setFaults, setServiceProtection }), ...oidcRoutes, ...azureCliRoutes], dataverse: dataverseRoutes, discovery: discoveryRoutes, entra: entraRoutes });
  const address = await listen(server, resolved.host, resolved.port);
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address.includes(':') ? `[${address.address}]` : address.address;
  ctx.baseUrl = `http://${host}:${address.port}`;

  const firstOrg = state.data.orgs[0];
  const subscriber = state.data.tenants.find((t) => t.id === firstOrg?.tenantId) ?? state.data.tenants.find((t) => t.kind === 'subscriber');
  const isv = state.data.tenants.find((t) => t.kind === 'isv');
  let closed: Promise<void> | undefined;
  return {
    url: ctx.baseUrl,
    authorityHost: ctx.baseUrl,
    discoveryUrl: discoveryUrl(ctx),
    orgUrl: firstOrg ? orgUrl(ctx, firstOrg.name) : '',
    orgs: state.data.orgs.map((o) => ({ name: o.name, url: orgUrl(ctx, o.name), tenantId: o.tenantId, organizationId: o.organizationId })),
    tenantId: subscriber?.id ?? '',
    isvTenantId: isv?.id ?? '',
    adminUsername: state.data.adminUpn,
    adminClientId: ADMIN_PUBLIC_CLIENT_ID,
    apps: apps.map((a) => ({
      clientId: a.clientId,
      name: a.name,
      homeTenantId: a.homeTenantId,
      clientSecret: a.clientSecret,
      certificatePem: a.certificatePem,
      privateKeyPem: a.privateKeyPem,
      thumbprintSha256: a.thumbprintSha256,
    })),
    controlUrl: `${ctx.baseUrl}/_emulator`,
    oidc: { issuer: oidcIssuer(ctx), actionsRequestUrl: `${oidcIssuer(ctx)}/actions`, actionsRequestToken: ctx.oidc.actionsRequestToken },
    azureCliTokenUrl: `${ctx.baseUrl}/_emulator/azure-cli/token`,
    state,
    log: () => ctx.log.entries(),
    clearLog: () => ctx.log.clear(),
    grantConsent: (tenantId, clientId) => {
      const tenant = state.tenant(tenantId);
      if (!tenant) throw new Error(`No tenant ${tenantId} in the emulator.`);
      state.grantConsent(tenant.id, clientId);
    },
    revokeConsent: (tenantId, clientId) => {
      const tenant = state.tenant(tenantId);
      if (tenant) state.revokeConsent(tenant.id, clientId);
    },
    createConnection: (orgName, connection) => {
      const target = state.org(orgName);
      if (!target) throw new Error(`No org ${orgName} in the emulator.`);
      if (connection.connectorId.trim() === '') throw new Error('createConnection: connectorId is required.');
      return addConnection(target, connection).connectionId;
    },
    approveDeviceCode: (userCode, upn) => {
      const result = settleDeviceCode(ctx, userCode, 'approve', upn);
      if (result !== 'ok') throw new Error(`Cannot approve device code ${userCode}: ${result}.`);
    },
    setFaults,
    setServiceProtection,
    reset,
    close: () => {
      closed ??= (async () => {
        ctx.imports.stop();
        await closeServer(server);
      })();
      return closed;
    },
  };
}
