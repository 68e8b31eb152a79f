import type { IncomingMessage } from 'node:http';

/**
 * A request body as text, for the small local servers (the sign-in redirect listener, the --ui page
 * server): undefined when it is larger than `maxBytes` (the request is then dropped, not read on) or
 * the connection fails.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}
