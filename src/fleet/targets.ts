import { usageError } from '../errors.js';
import { checkOrgInCloud, CLOUDS, parseCloud, type Cloud } from '../auth/clouds.js';
import { normalizeGuid } from '../spec/guid.js';
import { checkOrgUrl, checkTenant } from '../util/url.js';

/**
 * The orgs a fleet run deploys to, from `--orgs <file>`: one org URL a line (`#` starts a comment), with
 * optional tenant and cloud columns, or a JSON list of `{ url, tenant?, cloud?, name? }`. Every problem
 * names the file and the line or entry. Pure: the caller reads the file.
 */

export interface FleetTarget {
  url: string;
  tenant?: string;
  cloud: Cloud;
  /** Short and unique in the run: the report file and the live view's label. */
  name: string;
}

interface Raw {
  where: string;
  url: unknown;
  tenant?: unknown;
  cloud?: unknown;
  name?: unknown;
}

function rowsOfText(file: string, text: string): Raw[] {
  const rows: Raw[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/(^|\s)#.*$/, '').trim();
    if (content === '') return;
    const [url, tenant, cloud, ...rest] = content.split(/[\s,]+/);
    const where = `${file} line ${index + 1}`;
    if (rest.length > 0) throw usageError(`${where}: "${content}": expected an org URL, then optionally a tenant and a cloud`);
    rows.push({ where, url, ...(tenant !== undefined && tenant !== '-' ? { tenant } : {}), ...(cloud !== undefined ? { cloud } : {}) });
  });
  return rows;
}

function rowsOfJson(file: string, text: string): Raw[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(value)) throw usageError(`${file}: expected a JSON list of { "url", "tenant"?, "cloud"?, "name"? }`);
  return value.map((entry: unknown, i) => {
    const where = `${file} [${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw usageError(`${where}: expected an object with "url"`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!['url', 'tenant', 'cloud', 'name'].includes(key)) throw usageError(`${where}.${key}: no such field (allowed: url, tenant, cloud, name)`);
    return { where, url: e['url'], tenant: e['tenant'], cloud: e['cloud'], name: e['name'] };
  });
}

/** `base`, or `base-2`, `base-3`… : the first not yet in `taken`, which it joins. */
export function uniqueLabel(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

/** A label from the URL: the org's first host label, or the emulator's path segment. */
function nameOf(url: string): string {
  const parsed = new URL(url);
  const segment = parsed.pathname.split('/').filter(Boolean).at(-1);
  return (['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname) && segment ? segment : parsed.hostname.split('.')[0]!).toLowerCase();
}

export const DEFAULT_CONCURRENCY = 4;
/** Dataverse allows 52 concurrent requests per user: far more orgs at once only queue at the org. */
export const MAX_CONCURRENCY = 32;

export function parseConcurrency(flag: string, raw: string | undefined): number {
  const value = raw === undefined ? DEFAULT_CONCURRENCY : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) throw usageError(`${flag} ${raw}: expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  return value;
}

export function parseTargets(file: string, text: string, defaultCloud: Cloud = CLOUDS.public): FleetTarget[] {
  // A JSON list, or something meant as JSON (an object) that gets the JSON message rather than a line one.
  const rows = /^\s*[[{]/.test(text) ? rowsOfJson(file, text) : rowsOfText(file, text);
  if (rows.length === 0) throw usageError(`${file}: lists no org (one org URL a line, or a JSON list)`);
  const seen = new Map<string, string>();
  const names = new Set<string>();
  return rows.map((row) => {
    if (typeof row.url !== 'string' || row.url === '') throw usageError(`${row.where}: url: expected an org URL such as https://contoso.crm.dynamics.com`);
    const url = checkOrgUrl(`${row.where}:`, row.url);
    const earlier = seen.get(url.toLowerCase());
    if (earlier) throw usageError(`${row.where}: ${url} is already listed (${earlier})`);
    seen.set(url.toLowerCase(), row.where);
    if (row.cloud !== undefined && typeof row.cloud !== 'string') throw usageError(`${row.where}: cloud: expected a cloud name`);
    const cloud = row.cloud === undefined ? defaultCloud : parseCloud(`${row.where}: cloud`, row.cloud);
    checkOrgInCloud(`${row.where}:`, url, cloud);
    let tenant: string | undefined;
    if (row.tenant !== undefined) {
      if (typeof row.tenant !== 'string') throw usageError(`${row.where}: tenant: expected a tenant id (GUID) or domain`);
      checkTenant(`${row.where}: tenant`, row.tenant);
      tenant = normalizeGuid(row.tenant) ?? row.tenant.toLowerCase();
    }
    if (row.name !== undefined && (typeof row.name !== 'string' || !/^[\w.-]{1,64}$/.test(row.name))) throw usageError(`${row.where}: name: expected letters, digits, ".", "_" or "-" (at most 64)`);
    const name = uniqueLabel((row.name as string | undefined) ?? nameOf(url), names);
    return { url, cloud, name, ...(tenant ? { tenant } : {}) };
  });
}
