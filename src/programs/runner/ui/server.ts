import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DvpkgError } from '../../../errors.js';
import { cookieToken, hostAllowed, originAllowed, sameToken, SECURITY_HEADERS, sessionCookie } from './security.js';
import { readBody } from '../../../http/read-body.js';

/**
 * The `--ui` page's HTTP server on 127.0.0.1: the page (HTML, script, styles, all held in memory), its
 * event stream, and the one endpoint through which it sends decisions. Every request passes the checks of
 * security.ts first; nothing here knows about deploying.
 */

export interface UiHandlers {
  html: string;
  script: string;
  styles: string;
  /** Takes over an authorized GET /api/events as a server-sent event stream, from after `lastEventId`. */
  events(res: ServerResponse, lastEventId: number | undefined): void;
  /** A decision the page sent (POST /api/decision): the HTTP status and a sentence for the page. */
  decide(body: unknown): { status: number; message: string };
}

export interface UiServer {
  port: number;
  /** What the terminal prints: the page with this run's token. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...headers });
  res.end(body);
}

const refuse = (res: ServerResponse, status: number, text: string) => send(res, status, 'text/plain; charset=utf-8', `${text}\n`);


export async function startUiServer(options: { port: number; token: string }, handlers: UiHandlers): Promise<UiServer> {
  let port = options.port;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // A DNS-rebinding page reaches this port under its own host name: only the loopback names are served.
    if (!hostAllowed(req.headers.host, port)) return refuse(res, 403, `Refused: open the page as http://127.0.0.1:${port}/ (the URL the terminal printed)`);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const fromQuery = url.searchParams.get('t') ?? undefined;
    if (req.method === 'GET' && url.pathname === '/' && fromQuery !== undefined) {
      if (!sameToken(fromQuery, options.token)) return refuse(res, 403, 'Refused: this link is not the one this run printed. Use the URL the terminal printed.');
      // The token moves into a cookie the page's script cannot read, and out of the address bar and history.
      res.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Set-Cookie': sessionCookie(port, options.token) });
      return res.end();
    }
    if (!sameToken(cookieToken(req.headers.cookie, port), options.token)) return refuse(res, 403, 'Refused: open the URL the terminal printed (it holds this run\'s key).');
    if (req.method === 'POST') {
      if (!originAllowed(req.headers.origin, req.headers.host, port)) return refuse(res, 403, 'Refused: a decision must come from the page itself.');
      if (url.pathname !== '/api/decision') return refuse(res, 404, 'Not found.');
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse(res, 415, 'Expected JSON.');
      const text = await readBody(req, MAX_BODY_BYTES);
      let body: unknown;
      try {
        body = text === undefined ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (body === undefined) return refuse(res, 400, 'Expected a JSON body of at most 16 KB.');
      const answer = handlers.decide(body);
      return send(res, answer.status, 'application/json; charset=utf-8', JSON.stringify({ message: answer.message }));
    }
    if (req.method !== 'GET') return refuse(res, 405, 'Method not allowed.');
    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', handlers.html);
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', handlers.script);
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', handlers.styles);
      case '/api/events': {
        const last = Number(req.headers['last-event-id']);
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
        return handlers.events(res, Number.isInteger(last) ? last : undefined);
      }
      default:
        return refuse(res, 404, 'Not found.');
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'The page server failed; the terminal has the run.');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new DvpkgError('DVPKG_USAGE', `--port ${options.port}: the port is in use on 127.0.0.1; pick another, or leave --port out for a free one`) : error),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/?t=${options.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
