/** What every handler gets: options, state, keys and the running server's base URL. */
import type { IncomingHttpHeaders } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { FaultInjector } from './faults.js';
import type { ImportRunner } from './import/runner.js';
import type { ResolvedOptions } from './options.js';
import type { RequestLog } from './request-log.js';
import type { ServiceProtection, ThrottleKind } from './service-protection.js';
import type { EmulatorState } from './state.js';

export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

export interface EmulatorContext {
  options: ResolvedOptions;
  state: EmulatorState;
  keys: SigningKeys;
  /** The emulator's own OIDC issuer (a stand-in CI provider), with a key of its own, not Entra's token key. */
  oidc: { keys: SigningKeys; actionsRequestToken: string };
  log: RequestLog;
  faults: FaultInjector;
  protection: ServiceProtection;
  imports: ImportRunner;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl: string;
}

/** Log details a handler learns while it runs (who called, which org). */
export interface RequestNote {
  caller?: { appId?: string; upn?: string; userId?: string };
  org?: string;
  /** The service protection limit that refused the request. */
  throttle?: ThrottleKind;
}

export interface EmulatorRequest {
  method: string;
  url: URL;
  /** Decoded path without query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Named groups of the matched route pattern. */
  params: Record<string, string>;
  note: RequestNote;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body?: unknown;
}

export type Handler = (ctx: EmulatorContext, req: EmulatorRequest) => Reply | Promise<Reply>;

export function orgUrl(ctx: Pick<EmulatorContext, 'baseUrl'>, orgName: string): string {
  return `${ctx.baseUrl}/orgs/${orgName}`;
}

export function webApiBase(ctx: Pick<EmulatorContext, 'baseUrl'>, orgName: string): string {
  return `${orgUrl(ctx, orgName)}/api/data/v9.2/`;
}

/**
 * The Global Discovery Service's stand-in host: the emulator has one host, so a path stands for
 * `https://globaldisco.crm.dynamics.com` (powerapps-docs discovery-service.md); the API is under `/api/discovery/v2.0/`.
 */
export function discoveryUrl(ctx: Pick<EmulatorContext, 'baseUrl'>): string {
  return `${ctx.baseUrl}/globaldisco`;
}
