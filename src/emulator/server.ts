/**
 * node:http server and the one router. Per request, in order:
 *   1. classify (control / dataverse / discovery / entra) and read the body (bounded);
 *   2. faults, except on the control API: latency, then 429/503/drop before the handler;
 *   3. route to a handler; EmulatorError becomes its reply, anything else a 500;
 *   4. a `drop` with phase=response destroys the socket instead of answering (the work was done);
 *   5. one request-log entry.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorContext, EmulatorRequest, Handler, Reply } from './context.js';
import {
  EmulatorError,
  aadThrottled,
  aadUnavailable,
  internalError,
  payloadTooLarge,
  routeNotImplemented,
  serviceProtectionLimit,
  serviceUnavailable,
} from './wire-errors.js';
import type { FaultDecision } from './faults.js';
import { loggableQuery, type RequestKind } from './request-log.js';

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export function route(method: string, pattern: RegExp, handler: Handler): Route {
  return { method, pattern, handler };
}

export interface RouteTable {
  control: Route[];
  dataverse: Route[];
  discovery: Route[];
  entra: Route[];
}

function classify(path: string): RequestKind {
  if (path === '/_emulator' || path.startsWith('/_emulator/')) return 'control';
  if (path.startsWith('/orgs/')) return 'dataverse';
  if (path === '/globaldisco' || path.startsWith('/globaldisco/')) return 'discovery';
  return 'entra';
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function faultReply(kind: RequestKind, decision: FaultDecision): EmulatorError | undefined {
  const fault = decision.fault;
  if (!fault || fault.kind === 'drop') return undefined;
  if (kind === 'entra') return fault.kind === '429' ? aadThrottled(fault.retryAfter) : aadUnavailable(fault.retryAfter);
  return fault.kind === '429' ? serviceProtectionLimit(fault.retryAfter) : serviceUnavailable(fault.retryAfter);
}

function errorReply(error: EmulatorError): Reply {
  return { status: error.status, headers: { ...error.headers }, body: error.body };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: Buffer | undefined;
  if (reply.body === undefined || reply.body === null) payload = undefined;
  else if (Buffer.isBuffer(reply.body)) payload = reply.body;
  else if (typeof reply.body === 'string') payload = Buffer.from(reply.body, 'utf8');
  else {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** First route whose method and pattern match; anything else is a loud 501 naming the route. */
export async function dispatch(ctx: EmulatorContext, routes: Route[], req: EmulatorRequest, path = req.path): Promise<Reply> {
  for (const candidate of routes) {
    if (candidate.method !== '*' && candidate.method !== req.method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    req.params = { ...req.params, ...match.groups };
    return candidate.handler(ctx, req);
  }
  throw routeNotImplemented(req.method, req.path);
}

export function createEmulatorServer(ctx: EmulatorContext, routes: RouteTable): Server {
  const server = createServer((req, res) => {
    void handle(ctx, routes, req, res);
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(ctx: EmulatorContext, routes: RouteTable, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const seq = ctx.log.nextSeq();
  const time = new Date().toISOString();
  const url = new URL(req.url ?? '/', ctx.baseUrl);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const kind = classify(path);
  const request: EmulatorRequest = { method, url, path, headers: req.headers, body: Buffer.alloc(0), params: {}, note: {} };
  let reply: Reply;
  let faultLabel: string | undefined;
  let dropAfter = false;
  try {
    request.body = await readBody(req, ctx.options.maxRequestBodyBytes);
    const decision = kind === 'control' ? { latencyMs: 0 } : ctx.faults.decide(method, path);
    faultLabel = decision.label;
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.fault?.kind === 'drop' && decision.fault.phase === 'request') {
      req.socket.destroy();
      finish(ctx, { seq, time, kind, method, path, url, status: 0, started, request, fault: faultLabel });
      return;
    }
    dropAfter = decision.fault?.kind === 'drop' && decision.fault.phase === 'response';
    const injected = faultReply(kind, decision);
    reply = injected ? errorReply(injected) : await dispatch(ctx, routes[kind], request);
  } catch (error) {
    if (error instanceof EmulatorError) reply = errorReply(error);
    else if (error instanceof BodyTooLarge) reply = errorReply(payloadTooLarge(ctx.options.maxRequestBodyBytes));
    else {
      process.stderr.write(`dvpkg emulator: internal error on ${method} ${path}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      reply = errorReply(internalError(error instanceof Error ? error.message : String(error)));
    }
  }
  if (dropAfter) {
    req.socket.destroy();
    finish(ctx, { seq, time, kind, method, path, url, status: 0, started, request, fault: faultLabel });
    return;
  }
  try {
    send(res, reply);
  } catch {
    req.socket.destroy();
  }
  finish(ctx, { seq, time, kind, method, path, url, status: reply.status, started, request, fault: faultLabel });
}

function finish(
  ctx: EmulatorContext,
  entry: { seq: number; time: string; kind: RequestKind; method: string; path: string; url: URL; status: number; started: number; request: EmulatorRequest; fault: string | undefined },
): void {
  ctx.log.add({
    seq: entry.seq,
    time: entry.time,
    kind: entry.kind,
    method: entry.method,
    path: entry.path,
    query: loggableQuery(entry.url.searchParams),
    status: entry.status,
    ...(entry.request.note.caller ? { caller: entry.request.note.caller } : {}),
    ...(entry.request.note.org ? { org: entry.request.note.org } : {}),
    durationMs: Math.round((performance.now() - entry.started) * 100) / 100,
    ...(entry.fault ? { fault: entry.fault } : {}),
    ...(entry.request.note.throttle ? { throttle: entry.request.note.throttle } : {}),
  });
}

export async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
