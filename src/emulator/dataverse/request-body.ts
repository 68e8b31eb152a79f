/** JSON bodies, `@odata.bind` references and the Prefer header of Web API writes. */
import type { EmulatorRequest } from '../context.js';
import { invalidArgument, invalidJsonBody } from '../wire-errors.js';
import { normalizeGuid } from '../support/guid.js';

export function jsonBody(req: EmulatorRequest): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8') || '{}');
  } catch {
    throw invalidJsonBody();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

export function wantsRepresentation(req: EmulatorRequest): boolean {
  return /return=representation/i.test(String(req.headers.prefer ?? ''));
}

/** `/businessunits(<id>)`, `businessunits(<id>)` or an absolute URL ending that way. */
export function boundId(value: unknown, set: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = new RegExp(`${set}\\(([^)]+)\\)$`).exec(value.trim());
  return normalizeGuid(match?.[1]);
}
