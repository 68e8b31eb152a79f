import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { DataverseError, TransientError } from './errors.js';
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry.js';
import { sleep } from '../util/sleep.js';

/**
 * The one place dvpkg talks HTTP to a Dataverse org. It adds the OData headers and the
 * bearer token, retries what is safe to retry, renews an expired token once, and turns
 * every failure into DataverseError (the service said no) or TransientError (unknown
 * outcome). Axios errors never escape: they carry request headers, i.e. the token.
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
  attempt: number;
  durationMs: number;
  retryAfterMs?: number;
}

export interface DataverseClientOptions {
  orgUrl: string;
  token: TokenSource;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  onRequest?: (event: RequestEvent) => void;
  onRetry?: (event: { method: string; path: string; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const RETRYABLE_STATUS = new Set([502, 503, 504]);

export const API_PATH = 'api/data/v9.2/';

export function apiBase(orgUrl: string): string {
  return `${orgUrl.replace(/\/+$/, '')}/${API_PATH}`;
}

export class DataverseClient {
  readonly base: string;
  private readonly http: AxiosInstance;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: DataverseClientOptions) {
    this.base = apiBase(options.orgUrl);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.http = axios.create({
      baseURL: this.base,
      timeout: options.timeoutMs ?? 120_000,
      validateStatus: () => true,
      maxContentLength: 64 * 1024 * 1024,
      maxBodyLength: 256 * 1024 * 1024,
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

  private async request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<AxiosResponse<T>> {
    // Writes are retried only when the service refused them before doing anything (429) or the
    // request never reached it; a read is retried on any transient failure.
    const write = WRITE_METHODS.has(method);
    const retryAll = !write;
    let forceRefresh = false;
    let renewed = false;
    let failures = 0;
    let throttledMs = 0;
    for (let attempt = 1; ; attempt++) {
      const token = await this.options.token.getToken(forceRefresh);
      forceRefresh = false;
      const started = Date.now();
      let response: AxiosResponse<T>;
      try {
        response = await this.http.request<T>({
          method,
          url: path,
          data: body === undefined ? undefined : JSON.stringify(body),
          headers: {
            Authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
            ...options.headers,
          },
        });
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'network-error';
        this.options.onRequest?.({ method, path, status: 'network-error', write, attempt, durationMs: Date.now() - started });
        // A refused connection, or a reset of a kept-alive socket the server had already closed,
        // means the request never reached the service: safe to retry even for a write.
        const staleSocket = code === 'ECONNRESET' && (error as { request?: { reusedSocket?: boolean } }).request?.reusedSocket === true;
        const safe = retryAll || code === 'ECONNREFUSED' || staleSocket;
        if (!safe || failures + 1 >= this.retry.maxAttempts) {
          throw new TransientError(`${method} ${path}: connection failed (${code}) after ${attempt} attempt${attempt === 1 ? '' : 's'}`, method, path, code);
        }
        failures++;
        await this.wait(method, path, retryDelayMs(failures, this.retry, undefined, this.random), code);
        continue;
      }
      const status = response.status;
      const retryAfterMs = parseRetryAfter(headerValue(response.headers['retry-after']));
      this.options.onRequest?.({ method, path, status, write, attempt, durationMs: Date.now() - started, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      if (status < 400) return response;

      if (status === 401 && !renewed) {
        renewed = true;
        forceRefresh = true;
        continue;
      }
      const error = toDataverseError(status, response.data, method, path);
      if (status === 429) {
        const delayMs = retryDelayMs(attempt, this.retry, retryAfterMs, this.random);
        if ((retryAfterMs ?? 0) > this.retry.maxRetryAfterMs || throttledMs + delayMs > this.retry.maxThrottleWaitMs) throw error;
        throttledMs += delayMs;
        await this.wait(method, path, delayMs, '429');
        continue;
      }
      const unavailable = RETRYABLE_STATUS.has(status);
      if (unavailable && retryAll && failures + 1 < this.retry.maxAttempts) {
        failures++;
        await this.wait(method, path, retryDelayMs(failures, this.retry, retryAfterMs, this.random), `${status}`);
        continue;
      }
      if (unavailable) throw new TransientError(`${method} ${path}: ${status} after ${attempt} attempt${attempt === 1 ? '' : 's'}`, method, path, `${status}`);
      throw error;
    }
  }

  private async wait(method: string, path: string, delayMs: number, reason: string): Promise<void> {
    this.options.onRetry?.({ method, path, delayMs, reason });
    await this.sleep(delayMs);
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
