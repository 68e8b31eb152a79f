import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataverseClient } from '../../src/dataverse/client.js';
import { DataverseError, TransientError } from '../../src/dataverse/errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** A loopback server that answers the nth request with `script[n]` (the last one repeats). */
async function serve(script: Handler[]): Promise<{ url: string; seen: Array<{ method: string; auth: string | undefined }>; close: () => Promise<void> }> {
  const seen: Array<{ method: string; auth: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', auth: req.headers.authorization });
    req.resume();
    req.on('end', () => script[Math.min(seen.length - 1, script.length - 1)]!(req, res, seen.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/org`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const throttled = json(429, { error: { code: '0x80072322', message: 'Number of requests exceeded the limit' } }, { 'Retry-After': '2' });

function client(url: string, tokens: string[] = ['token-1', 'token-2'], sleeps: number[] = []) {
  let issued = 0;
  return new DataverseClient({
    orgUrl: url,
    token: { getToken: async (force) => tokens[Math.min(force ? ++issued : issued, tokens.length - 1)]! },
    clock: {
      now: () => 0,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    },
    random: () => 0.5,
  });
}

describe('Dataverse Web API client', () => {
  it('waits exactly what Retry-After says, for as many 429s as the throttle budget allows', async () => {
    const server = await serve([...Array.from({ length: 12 }, () => throttled), json(200, { value: [1] })]);
    const sleeps: number[] = [];
    try {
      const result = await client(server.url, undefined, sleeps).get<{ value: number[] }>('things');
      expect(result.value).to.deep.equal([1]);
      expect(sleeps).to.deep.equal(Array.from({ length: 12 }, () => 2000));
    } finally {
      await server.close();
    }
  });

  it('gives up on 429 once the waits would pass the budget, with the service error', async () => {
    const server = await serve([json(429, { error: { code: '0x80072322', message: 'slow down' } }, { 'Retry-After': '400' })]);
    try {
      const error = await client(server.url).get('things').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DataverseError);
      expect((error as DataverseError).code).to.equal('0x80072322');
      expect(server.seen).to.have.length(1);
    } finally {
      await server.close();
    }
  });

  it('retries a read on 503 with backoff, but not a write', async () => {
    const server = await serve([json(503, {}), json(503, {}), json(200, { ok: true })]);
    const sleeps: number[] = [];
    try {
      expect(await client(server.url, undefined, sleeps).get('things')).to.deep.equal({ ok: true });
      expect(sleeps).to.deep.equal([375, 750]);
    } finally {
      await server.close();
    }
    const writes = await serve([json(503, {})]);
    try {
      const error = await client(writes.url).post('things', { a: 1 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransientError);
      expect(writes.seen).to.have.length(1);
    } finally {
      await writes.close();
    }
  });

  it('renews the token once on 401 and sends the new one', async () => {
    const server = await serve([json(401, {}), json(200, { ok: true })]);
    try {
      expect(await client(server.url).get('WhoAmI')).to.deep.equal({ ok: true });
      expect(server.seen.map((s) => s.auth)).to.deep.equal(['Bearer token-1', 'Bearer token-2']);
    } finally {
      await server.close();
    }
  });

  it('turns a dropped connection on a write into an unknown outcome, without the token in the message', async () => {
    const server = await serve([(req) => req.socket.destroy()]);
    try {
      const error = await client(server.url, ['secret-token-value']).post('systemusers', {}).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransientError);
      expect(String((error as Error).message)).to.not.contain('secret-token-value');
      expect(JSON.stringify(error)).to.not.contain('secret-token-value');
    } finally {
      await server.close();
    }
  });
});

describe('import request bodies', () => {
  it('write the zip as base64 JSON straight into one buffer, across chunk boundaries', async () => {
    const { importBody } = await import('../../src/dataverse/operations.js');
    const zip = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 31) & 0xff));
    const parsed = JSON.parse(importBody(zip, true).toString('latin1')) as Record<string, unknown>;
    expect(parsed).to.deep.equal({ CustomizationFile: zip.toString('base64'), OverwriteUnmanagedCustomizations: true, PublishWorkflows: true });
  });
});
