import { readFileSync } from 'node:fs';
import { usageError } from '../../errors.js';
import { fileErrorReason } from '../../util/file-errors.js';

/**
 * The values an admin gives for a package's deployment settings: `--settings <file>` in the format
 * `pac solution create-settings` writes, and `--set <name>=<value>` (or `=@file`), which wins over the
 * file. Nothing here knows the package; checking names and rules is the plan's work, before any write.
 * No message here quotes a value: a value may be a secret, and which ones are is known only later.
 */

export interface GivenSetting {
  name: string;
  value: string;
  source: 'file' | 'flag' | 'page';
  /** Where it was given, for messages: `--settings deploy.json: ConnectionReferences[1]`, `--set`, the --ui page. */
  where: string;
  /** The file's section says which kind it names; a flag may name either. */
  kind?: 'environment-variable' | 'connection-reference';
  /** A settings file's `ConnectorId`, checked against the reference's own. */
  connectorId?: string;
}

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => value !== null && typeof value === 'object' && !Array.isArray(value);

function readText(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw usageError(`${flag} ${file}: cannot be read (${fileErrorReason(error)})`);
  }
}

/** `pac solution create-settings` leaves values it does not know empty: those are not given. */
export function parseSettingsFile(file: string, text: string): GivenSetting[] {
  const flag = `--settings ${file}`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw usageError(`${flag}: not JSON (${(error as Error).message}); expected { "EnvironmentVariables": [{ "SchemaName", "Value" }], "ConnectionReferences": [{ "LogicalName", "ConnectionId", "ConnectorId" }] }, as pac solution create-settings writes`);
  }
  if (!isObject(data)) throw usageError(`${flag}: expected a JSON object with EnvironmentVariables and ConnectionReferences`);
  const unknown = Object.keys(data).filter((k) => k !== 'EnvironmentVariables' && k !== 'ConnectionReferences');
  if (unknown.length > 0) throw usageError(`${flag}: ${unknown.join(', ')}: no such section (expected EnvironmentVariables and ConnectionReferences)`);
  const given: GivenSetting[] = [];
  const list = (section: string): unknown[] => {
    const value = data[section];
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw usageError(`${flag}: ${section}: expected a list`);
    return value;
  };
  list('EnvironmentVariables').forEach((entry, i) => {
    const at = `EnvironmentVariables[${i}]`;
    if (!isObject(entry) || typeof entry['SchemaName'] !== 'string' || entry['SchemaName'] === '') throw usageError(`${flag}: ${at}: expected { "SchemaName": "<schema name>", "Value": "<value>" }`);
    const value = entry['Value'];
    if (value !== undefined && value !== null && typeof value !== 'string') throw usageError(`${flag}: ${at}.Value (${entry['SchemaName']}): expected a string (JSON, numbers and booleans are written as text)`);
    if (typeof value === 'string' && value !== '') given.push({ name: entry['SchemaName'], value, source: 'file', where: `${flag}: ${at}`, kind: 'environment-variable' });
  });
  list('ConnectionReferences').forEach((entry, i) => {
    const at = `ConnectionReferences[${i}]`;
    if (!isObject(entry) || typeof entry['LogicalName'] !== 'string' || entry['LogicalName'] === '') throw usageError(`${flag}: ${at}: expected { "LogicalName": "<logical name>", "ConnectionId": "<connection id>", "ConnectorId": "/providers/Microsoft.PowerApps/apis/<api>" }`);
    const id = entry['ConnectionId'];
    const connectorId = entry['ConnectorId'];
    if (id !== undefined && id !== null && typeof id !== 'string') throw usageError(`${flag}: ${at}.ConnectionId (${entry['LogicalName']}): expected a connection id (text)`);
    if (connectorId !== undefined && connectorId !== null && typeof connectorId !== 'string') throw usageError(`${flag}: ${at}.ConnectorId (${entry['LogicalName']}): expected /providers/Microsoft.PowerApps/apis/<api>`);
    if (typeof id === 'string' && id !== '') {
      given.push({ name: entry['LogicalName'], value: id, source: 'file', where: `${flag}: ${at}`, kind: 'connection-reference', ...(typeof connectorId === 'string' && connectorId !== '' ? { connectorId } : {}) });
    }
  });
  const seen = new Set<string>();
  for (const g of given) {
    if (seen.has(g.name.toLowerCase())) throw usageError(`${flag}: ${g.name} is given twice`);
    seen.add(g.name.toLowerCase());
  }
  return given;
}

/** `name=value`, or `name=@file` for a value kept in a file (a secret, a long JSON). */
export function parseSetFlag(raw: string): GivenSetting {
  const at = raw.indexOf('=');
  const name = at > 0 ? raw.slice(0, at).trim() : '';
  if (!name) throw usageError(`--set: expected <name>=<value> or <name>=@<file> (the name of an environment variable or connection reference of the package)`);
  const rest = raw.slice(at + 1);
  const value = rest.startsWith('@') ? readText(`--set ${name}=@`, rest.slice(1)).replace(/\r?\n$/, '') : rest;
  if (value === '') throw usageError(`--set ${name}: expected a value after =`);
  return { name, value, source: 'flag', where: `--set ${name}` };
}

/** The file's values, then the flags', a flag replacing the file's value of the same name. */
export function readSettingsInput(file: string | undefined, sets: readonly string[]): GivenSetting[] {
  const fromFile = file === undefined ? [] : parseSettingsFile(file, readText('--settings', file));
  const fromFlags = sets.map(parseSetFlag);
  const seen = new Set<string>();
  for (const g of fromFlags) {
    if (seen.has(g.name.toLowerCase())) throw usageError(`--set ${g.name}: given twice`);
    seen.add(g.name.toLowerCase());
  }
  return overriding(fromFile, fromFlags);
}

/** `given`, each value of `later` replacing the one of the same name: flags over the file, the --ui page over both. */
export function overriding(given: readonly GivenSetting[], later: readonly GivenSetting[]): GivenSetting[] {
  const replaced = new Set(later.map((g) => g.name.toLowerCase()));
  return [...given.filter((g) => !replaced.has(g.name.toLowerCase())), ...later];
}
