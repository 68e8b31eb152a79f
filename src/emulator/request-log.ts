/** The request log: one entry per request so tests and benchmarks can count round trips. Never holds bodies. */

export type RequestKind = 'entra' | 'dataverse' | 'discovery' | 'control';

export interface RequestLogEntry {
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  kind: RequestKind;
  method: string;
  path: string;
  /** Query parameters as sent, except ones that can carry credentials. */
  query: Record<string, string>;
  status: number;
  caller?: { appId?: string; upn?: string; userId?: string };
  org?: string;
  durationMs: number;
  /** The injected fault, e.g. `429`, `drop`, `latency:50`. */
  fault?: string;
  /** The service protection limit that answered 429: `requests` or `concurrent`. */
  throttle?: 'requests' | 'concurrent';
}

/** Query keys whose values are credentials or codes that grant something; logged as `[redacted]`. */
const SENSITIVE = /secret|assertion|token|password|verifier|^code$|device_code/i;

export function loggableQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) out[key] = SENSITIVE.test(key) ? '[redacted]' : value;
  return out;
}

export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #seq = 0;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  add(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  entries(): RequestLogEntry[] {
    return this.#entries.map((e) => ({ ...e, query: { ...e.query }, ...(e.caller ? { caller: { ...e.caller } } : {}) }));
  }

  clear(): void {
    this.#entries = [];
  }
}
