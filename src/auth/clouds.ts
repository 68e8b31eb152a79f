import { usageError } from '../errors.js';

/**
 * The clouds an org can live in: where its people and apps sign in, which hosts its Dataverse orgs
 * have, and the audience a federated token must carry there. Names as `pac auth create --cloud` uses
 * them (power-platform includes/auth-create-remarks.md: GCC is UsGov, Mooncake is China). Sign-in hosts:
 * terraform-provider-power-platform internal/constants/constants.go (GCC signs in at the public host);
 * org hosts: power-platform admin/microsoft-dynamics-365-government.md and the discovery-service.md host
 * table (DoD and China inferred from their discovery hosts); audiences: azure-sdk-for-js
 * gitHubActionsCredential.ts deriveAudience(). See signin-research.md Q4 and Q5.
 */

export type CloudName = 'public' | 'usgov' | 'usgovhigh' | 'dod' | 'china';

export interface Cloud {
  name: CloudName;
  label: string;
  authorityHost: string;
  /** Host suffixes of the cloud's Dataverse orgs (the Web API's `.api.` hosts end the same way). */
  orgHostSuffixes: readonly string[];
  federatedAudience: string;
  /** The Global Discovery Service of the cloud (discovery-service.md, per-cloud table). */
  discoveryUrl: string;
}

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  public: { name: 'public', label: 'the public cloud', authorityHost: 'https://login.microsoftonline.com', orgHostSuffixes: ['.dynamics.com'], federatedAudience: 'api://AzureADTokenExchange', discoveryUrl: 'https://globaldisco.crm.dynamics.com' },
  usgov: { name: 'usgov', label: 'US Government (GCC)', authorityHost: 'https://login.microsoftonline.com', orgHostSuffixes: ['.crm9.dynamics.com'], federatedAudience: 'api://AzureADTokenExchange', discoveryUrl: 'https://globaldisco.crm9.dynamics.com' },
  usgovhigh: { name: 'usgovhigh', label: 'US Government (GCC High)', authorityHost: 'https://login.microsoftonline.us', orgHostSuffixes: ['.crm.microsoftdynamics.us'], federatedAudience: 'api://AzureADTokenExchangeUSGov', discoveryUrl: 'https://globaldisco.crm.microsoftdynamics.us' },
  dod: { name: 'dod', label: 'US Government (DoD)', authorityHost: 'https://login.microsoftonline.us', orgHostSuffixes: ['.crm.appsplatform.us'], federatedAudience: 'api://AzureADTokenExchangeUSGov', discoveryUrl: 'https://globaldisco.crm.appsplatform.us' },
  china: { name: 'china', label: 'China (operated by 21Vianet)', authorityHost: 'https://login.chinacloudapi.cn', orgHostSuffixes: ['.crm.dynamics.cn'], federatedAudience: 'api://AzureADTokenExchangeChina', discoveryUrl: 'https://globaldisco.crm.dynamics.cn' },
};

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

export function parseCloud(flag: string, value: string): Cloud {
  const cloud = CLOUDS[value.toLowerCase() as CloudName];
  if (!cloud) throw usageError(`${flag} ${value}: expected one of ${CLOUD_NAMES.join(', ')}`);
  return cloud;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The cloud whose org hosts include `host`; GCC's `crm9` is more specific than the public `dynamics.com`. */
export function cloudOfHost(host: string): Cloud | undefined {
  const lower = host.toLowerCase();
  const matches = Object.values(CLOUDS).flatMap((cloud) => cloud.orgHostSuffixes.filter((suffix) => lower.endsWith(suffix)).map((suffix) => ({ cloud, suffix })));
  return matches.sort((a, b) => b.suffix.length - a.suffix.length)[0]?.cloud;
}

/**
 * An org URL must belong to the chosen cloud: a token from another cloud's sign-in host would not fit it,
 * and a host that is no Dataverse host at all is a typo or worse. Loopback (the emulator) fits any cloud.
 */
export function checkOrgInCloud(flag: string, orgUrl: string, cloud: Cloud): void {
  const host = new URL(orgUrl).hostname;
  if (LOOPBACK.has(host)) return;
  const owner = cloudOfHost(host);
  if (owner?.name === cloud.name) return;
  const expected = cloud.orgHostSuffixes.map((s) => `*${s}`).join(' or ');
  if (owner) throw usageError(`${flag} ${orgUrl}: this org is in ${owner.label}, not ${cloud.label} (whose orgs are ${expected}); use --cloud ${owner.name}`);
  throw usageError(`${flag} ${orgUrl}: not a Dataverse org host of ${cloud.label} (expected ${expected}); check the URL, or choose the org's cloud with --cloud ${CLOUD_NAMES.join('|')}`);
}
