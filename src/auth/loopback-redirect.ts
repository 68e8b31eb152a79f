import { createServer, type Server, type ServerResponse } from 'node:http';
import { DvpkgError } from '../errors.js';
import { readBody } from '../http/read-body.js';

/**
 * The browser sign-in's redirect target: an HTTP listener on 127.0.0.1 and a free port, registered as
 * `http://localhost:<port>` (the port is ignored when Entra matches a localhost redirect, entra-docs
 * reply-url.md). Entra posts the answer to it (`response_mode=form_post`, so the code never sits in a
 * URL or the browser history); the listener checks `state`, shows the admin a plain page, and always
 * closes, on success, error, timeout or interruption, so no socket outlives the sign-in.
 */

export interface CodeAnswer {
  code: string;
}

export interface LoopbackRedirect {
  redirectUri: string;
  /** The authorization code once the browser brings it back for this sign-in's `state`. */
  answer: Promise<CodeAnswer>;
  close(): void;
}

const MAX_BODY_BYTES = 64 * 1024;

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p></body></html>`;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}


export async function listenForCode(expectedState: string, options: { timeoutMs: number; signal?: AbortSignal; timeoutMessage: string }): Promise<LoopbackRedirect> {
  let settle!: { resolve: (answer: CodeAnswer) => void; reject: (error: unknown) => void };
  const answer = new Promise<CodeAnswer>((resolve, reject) => (settle = { resolve, reject }));
  // Nobody may be waiting on it yet when it fails (the URL is still being built).
  answer.catch(() => undefined);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      send(res, 200, page('dvpkg is waiting for your sign-in', 'Finish signing in in the other tab, or return to the terminal.'));
      return;
    }
    void readBody(req, MAX_BODY_BYTES).then((text) => {
      const form = text === undefined ? undefined : new URLSearchParams(text);
      if (!form || form.getAll('state').length !== 1 || form.get('state') !== expectedState) {
        // Not this sign-in's answer (an old tab, another program): refuse it and keep waiting.
        send(res, 400, page('Not the sign-in dvpkg is waiting for', 'This answer belongs to another sign-in. Use the URL the terminal printed last.'));
        return;
      }
      const error = form.get('error');
      if (error) {
        const description = form.get('error_description') ?? error;
        send(res, 200, page('Sign-in did not complete', `${escape(description.split(/\r?\n/)[0] ?? description)}<br><br>Return to the terminal: dvpkg says there what to do.`));
        settle.reject(Object.assign(new Error(description), { errorCode: error }));
        return;
      }
      const code = form.get('code');
      if (!code) {
        send(res, 400, page('Sign-in did not complete', 'The answer held no authorization code. Return to the terminal.'));
        settle.reject(new Error('the sign-in answer held no authorization code'));
        return;
      }
      send(res, 200, page('Signed in', 'dvpkg has your sign-in. You can close this window and return to the terminal.'));
      settle.resolve({ code });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  // A person's sign-in takes wall-clock time, whatever clock the run uses.
  const timer = setTimeout(() => settle.reject(new DvpkgError('DVPKG_SIGN_IN_FAILED', options.timeoutMessage)), options.timeoutMs);
  const onAbort = () => settle.reject(options.signal?.reason ?? new Error('aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  return {
    redirectUri: `http://localhost:${port}`,
    answer,
    close: () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      server.close();
      server.closeAllConnections();
    },
  };
}
