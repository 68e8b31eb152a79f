import { request, type IncomingMessage } from 'node:http';

/**
 * A page's side of `deploy.mjs --ui` over plain HTTP, as a browser tab would speak it: opens the printed
 * URL (token → cookie), reads the event stream, sends decisions, and can send what a browser would not
 * (another Host, another Origin) to see it refused.
 */

export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export function uiUrlIn(text: string): string | undefined {
  return /Open (http:\/\/127\.0\.0\.1:\d+\/\?t=[A-Za-z0-9_-]+)/.exec(text)?.[1];
}

export function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Frame {
  event: string;
  id?: string;
  data: string;
}

export class UiClient {
  readonly origin: string;
  cookie = '';
  readonly frames: Frame[] = [];
  /** Everything the event stream carried, as sent. */
  raw = '';
  #stream: IncomingMessage | undefined;
  #waiters: Array<() => void> = [];

  constructor(readonly url: string) {
    this.origin = new URL(url).origin;
  }

  /** Opens the printed URL: the server answers with its cookie and sends the page to `/`. */
  async open(): Promise<Answer> {
    const answer = await send(this.url);
    const cookie = answer.headers['set-cookie']?.[0];
    if (cookie) this.cookie = cookie.split(';')[0]!;
    return answer;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return send(`${this.origin}${path}`, { headers: { Cookie: this.cookie, ...headers } });
  }

  decide(action: string, headers: Record<string, string> = {}, settings?: Record<string, unknown>): Promise<Answer> {
    return send(`${this.origin}/api/decision`, { method: 'POST', headers: { Cookie: this.cookie, Origin: this.origin, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ action, ...(settings ? { settings } : {}) }) });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.origin}/api/events`, { headers: { Cookie: this.cookie } }, (res) => {
        this.#stream = res;
        let buffer = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          this.raw += chunk;
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
            if (fields['data'] !== undefined) this.frames.push({ event: fields['event'] ?? 'message', ...(fields['id'] ? { id: fields['id'] } : {}), data: fields['data'] });
          }
          for (const wake of this.#waiters.splice(0)) wake();
        });
        res.on('end', () => {
          for (const wake of this.#waiters.splice(0)) wake();
        });
        resolve();
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The deploy events and session states received so far, parsed. */
  events(): Array<{ type: string } & Record<string, unknown>> {
    return this.frames.filter((f) => f.event === 'deploy').map((f) => JSON.parse(f.data));
  }

  session(): Record<string, unknown> | undefined {
    const last = this.frames.filter((f) => f.event === 'session').at(-1);
    return last ? JSON.parse(last.data) : undefined;
  }

  async until(test: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stream so far:\n${this.raw.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): void {
    this.#stream?.destroy();
  }
}
