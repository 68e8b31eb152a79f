import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { parseRetryAfter, withRetry, type AttemptResult, type RetryHooks } from '../http/retry.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { DataverseError, TransientError } from './errors.js';

/**
 * The one place dvpkg talks HTTP to a Dataverse org. It adds the OData headers and the
 * bearer token, retries what is safe to retry (through the one retry engine), renews an expired
 * token once, and turns every failure into DataverseError (the service said no) or
 * TransientError (unknown outcome). Axios errors never escape: they carry request headers, i.e.
 * the token.
 */

export interface TokenSource {
  getToken(forceRefresh: boolean): Promise<string>;
}

export interface RequestEvent {
  method: string;
  path: string;
  status: number | 'network-error';
  /** POST, PATCH, PUT or DELETE that changes the org (not a read-only function call). */
  write: boolean;
}

export interface DataverseClientOptions extends RetryHooks {
  orgUrl: string;
  token: TokenSource;
  clock?: Clock;
  onRequest?: (event: RequestEvent) => void;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /**
   * A write whose effect cannot be checked by sending it again (an import start): a reset socket is
   * not retried even when it looks stale, since the server may have carried the request out.
   */
  neverRepeat?: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** Large solution imports are uploaded in one request body; 95 MB of zip is about 127 MB of base64. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

export const API_PATH = 'api/data/v9.2/';

export function apiBase(orgUrl: string): string {
  return `${orgUrl.replace(/\/+$/, '')}/${API_PATH}`;
}

export class DataverseClient {
  readonly base: string;
  private readonly http: AxiosInstance;
  private readonly clock: Clock;

  constructor(private readonly options: DataverseClientOptions) {
    this.base = apiBase(options.orgUrl);
    this.clock = options.clock ?? systemClock;
    this.http = axios.create({
      baseURL: this.base,
      timeout: 120_000,
      validateStatus: () => true,
      maxContentLength: 64 * 1024 * 1024,
      maxBodyLength: MAX_BODY_BYTES,
      maxRedirects: 0,
      // Idle sockets are dropped after 4 s, before common server keep-alive limits (5 s in Node)
      // close them under us; a reset on a reused socket is still handled below.
      httpAgent: new http.Agent({ keepAlive: true, timeout: 4_000 }),
      httpsAgent: new https.Agent({ keepAlive: true, timeout: 4_000 }),
      headers: {
        Accept: 'application/json',
        'OData-MaxVersion': '4.0',
        'OData-Version': '4.0',
        'If-None-Match': 'null',
      },
    });
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, options).then((r) => r.data);
  }

  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, options).then((r) => r.data);
  }

  async patch(path: string, body: unknown): Promise<void> {
    await this.request('PATCH', path, body, {});
  }

  async delete(path: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', path, undefined, options);
  }

  /** POST that returns the `OData-EntityId` header (creates answered with 204). */
  async create(path: string, body: unknown, options: RequestOptions = {}): Promise<string | undefined> {
    const response = await this.request<unknown>('POST', path, body, options);
    const header = response.headers['odata-entityid'];
    return typeof header === 'string' ? header : undefined;
  }

  /** The URL form Dataverse expects in `@odata.id` and `@odata.bind`. */
  entityUrl(setAndKey: string): string {
    return `${this.base}${setAndKey}`;
  }

  private request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<AxiosResponse<T>> {
    // Writes are retried only when the service refused them before doing anything (429) or the
    // request never reached it; a read is retried on any transient failure.
    const write = WRITE_METHODS.has(method);
    // A Buffer is a JSON body serialised already (an import's, which can be large).
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    let forceRefresh = false;
    let renewed = false;
    const attempt = async (n: number): Promise<AttemptResult<AxiosResponse<T>>> => {
      const token = await this.options.token.getToken(forceRefresh);
      forceRefresh = false;
      let response: AxiosResponse<T>;
      try {
        response = await this.http.request<T>({
          method,
          url: path,
          data,
          signal: this.options.signal,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(data === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
            ...options.headers,
          },
        });
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'network-error';
        this.options.onRequest?.({ method, path, status: 'network-error', write });
        if (code === 'ERR_CANCELED') throw this.options.signal?.reason ?? error;
        // A refused connection, or a reset of a kept-alive socket the server had already closed,
        // means the request never reached the service: safe to repeat even for a write.
        const staleSocket = code === 'ECONNRESET' && (error as { request?: { reusedSocket?: boolean } }).request?.reusedSocket === true;
        return {
          kind: 'transient',
          reason: code,
          retryAfterMs: undefined,
          repeatable: !write || code === 'ECONNREFUSED' || (staleSocket && !options.neverRepeat),
          giveUp: () => {
            throw new TransientError(`${method} ${path}: connection failed (${code}) after ${n} attempt${n === 1 ? '' : 's'}`, method, path, code);
          },
        };
      }
      const status = response.status;
      this.options.onRequest?.({ method, path, status, write });
      if (status < 400) return { kind: 'ok', value: response };
      if (status === 401 && !renewed) {
        renewed = true;
        forceRefresh = true;
        return { kind: 'again' };
      }
      const error = toDataverseError(status, response.data, method, path);
      const retryAfterMs = parseRetryAfter(headerValue(response.headers['retry-after']));
      if (status === 429) return { kind: 'throttled', retryAfterMs, giveUp: () => { throw error; } };
      if (RETRYABLE_STATUS.has(status)) {
        return {
          kind: 'transient',
          reason: String(status),
          retryAfterMs,
          repeatable: !write,
          giveUp: () => {
            throw new TransientError(`${method} ${path}: ${status} after ${n} attempt${n === 1 ? '' : 's'}`, method, path, String(status));
          },
        };
      }
      throw error;
    };
    return withRetry(`${method} ${path.split('?')[0]}`, attempt, { ...this.options, clock: this.clock });
  }
}

function headerValue(value: unknown): string | undefined {
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function toDataverseError(status: number, data: unknown, method: string, path: string): DataverseError {
  const error = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code.toLowerCase() : '';
  const message = typeof error?.message === 'string' ? error.message : typeof data === 'string' ? data.slice(0, 300) : '';
  return new DataverseError(status, code, message, method, path);
}

/** OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
