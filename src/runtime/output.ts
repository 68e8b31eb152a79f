import type { Writable } from 'node:stream';
import { writeFileAtomic } from './atomic-write.js';

/**
 * The one way a program's text leaves the process. Every line on stdout or stderr and every report
 * file passes the program's Redactor, so a new output path cannot forget redaction. Secrets are
 * registered on the instance a program owns, not in a process-wide list.
 */

const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]'],
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted token]'],
  [/\b(client_secret|client_assertion|access_token|refresh_token|id_token|device_code|code_verifier|code|password)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/"(client_secret|clientSecret|client_assertion|access_token|accessToken|refresh_token|id_token|code_verifier|password|privateKey)"\s*:\s*"[^"]*"/gi, '"$1":"[redacted]"'],
];

/**
 * Shorter values are not treated as secrets: replacing them would rewrite ordinary words (a test
 * placeholder such as `wrong`). A registered value is always replaced whole, never partly shown.
 */
export const MIN_SECRET_LENGTH = 6;

export class Redactor {
  readonly #secrets = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.#secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = redactValue(out, secret);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }
}

/** Shortened values end so (errors.ts formatValue, the fleet summary); a cut secret is still one. */
const CUT = /^(\.\.\.|…)/;

/**
 * Every occurrence of `secret`, and every cut copy of it: its first characters (at least the minimum
 * length) followed by an ellipsis, which is how a long value is shortened in a message.
 */
function redactValue(text: string, secret: string): string {
  const head = secret.slice(0, MIN_SECRET_LENGTH);
  let out = '';
  let from = 0;
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
    if (at < from) continue;
    let length = MIN_SECRET_LENGTH;
    while (length < secret.length && text.charCodeAt(at + length) === secret.charCodeAt(length)) length++;
    if (length < secret.length && !CUT.test(text.slice(at + length))) continue;
    out += `${text.slice(from, at)}[redacted]`;
    from = at + length;
  }
  return out + text.slice(from);
}

export interface Output {
  readonly redactor: Redactor;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Writes a report file atomically, redacted. */
  file(path: string, text: string): Promise<void>;
}

export function createOutput(streams: { stdout: Writable & { isTTY?: boolean }; stderr: Writable & { isTTY?: boolean } }, redactor = new Redactor()): Output {
  return {
    redactor,
    stdoutIsTTY: Boolean(streams.stdout.isTTY),
    stderrIsTTY: Boolean(streams.stderr.isTTY),
    out: (text) => void streams.stdout.write(redactor.redact(text)),
    err: (text) => void streams.stderr.write(redactor.redact(text)),
    file: async (path, text) => writeFileAtomic(path, redactor.redact(text)),
  };
}
