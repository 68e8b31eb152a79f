import axios from 'axios';
import { DvpkgError } from '../errors.js';
import { sendWithRetry, type SendHooks } from '../http/send.js';
import type { Cloud } from '../auth/clouds.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { uniqueLabel, type FleetTarget } from './targets.js';

/**
 * `--all-environments`: the signed-in person's environments, from the Global Discovery Service of the
 * cloud (`GET <host>/api/discovery/v2.0/Instances`, powerapps-docs discovery-service.md). It lists only
 * environments where that person is an enabled user, and none a partner reaches as delegated admin (the
 * doc's limitations); disabled ones (State 1) are left out. `--match` keeps those whose unique or friendly
 * name matches a glob (`*`, `?`, case-insensitive).
 */

export interface Environment {
  url: string;
  uniqueName: string;
  friendlyName: string;
  urlName: string;
  tenantId: string;
  state: number;
}

interface Instance {
  Url?: string;
  ApiUrl?: string;
  UniqueName?: string;
  FriendlyName?: string;
  UrlName?: string;
  TenantId?: string;
  State?: number;
}

export function globMatcher(glob: string): (text: string) => boolean {
  const pattern = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return (text) => pattern.test(text);
}

export async function listEnvironments(discoveryUrl: string, tokens: TokenProvider, hooks: SendHooks = {}): Promise<Environment[]> {
  const base = discoveryUrl.replace(/\/+$/, '');
  const url = `${base}/api/discovery/v2.0/Instances?$select=Url,ApiUrl,UniqueName,FriendlyName,UrlName,TenantId,State`;
  const token = await tokens.token(base, false);
  const response = await sendWithRetry(
    url,
    () => axios.get<{ value?: Instance[] }>(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, validateStatus: () => true, timeout: 60_000, maxRedirects: 0, ...(hooks.signal ? { signal: hooks.signal } : {}) }),
    hooks,
  ).catch((error: unknown) => {
    if (hooks.signal?.aborted) throw error;
    throw new DvpkgError('DVPKG_ORG_UNREACHABLE', `cannot reach the Global Discovery Service at ${new URL(base).origin} (${(error as { code?: string }).code ?? 'no answer'})`);
  });
  if (response.status !== 200 || !Array.isArray(response.data?.value)) {
    throw new DvpkgError('DVPKG_ORG_UNREACHABLE', `the Global Discovery Service at ${new URL(base).origin} answered ${response.status}; it lists the environments of a signed-in person (sign in with --auth browser or device-code)`);
  }
  return response.data.value
    .filter((i): i is Instance & { Url: string } => typeof (i.Url ?? i.ApiUrl) === 'string')
    .map((i) => ({ url: (i.Url ?? i.ApiUrl)!, uniqueName: i.UniqueName ?? '', friendlyName: i.FriendlyName ?? '', urlName: i.UrlName ?? '', tenantId: i.TenantId ?? '', state: i.State ?? 0 }));
}

/** The environments to deploy to: enabled, matching `--match`, as fleet targets of the given cloud. */
export function environmentTargets(environments: readonly Environment[], cloud: Cloud, match: string | undefined): { targets: FleetTarget[]; found: number; disabled: number } {
  const matches = match ? globMatcher(match) : () => true;
  const enabled = environments.filter((e) => e.state === 0);
  const names = new Set<string>();
  const targets = enabled
    .filter((e) => matches(e.uniqueName) || matches(e.friendlyName))
    .map((e) => {
      const name = uniqueLabel((e.urlName || e.uniqueName || new URL(e.url).hostname.split('.')[0]!).toLowerCase().replace(/[^\w.-]/g, '-'), names);
      return { url: e.url.replace(/\/+$/, ''), cloud, name, ...(e.tenantId ? { tenant: e.tenantId.toLowerCase() } : {}) };
    });
  return { targets, found: environments.length, disabled: environments.length - enabled.length };
}
