import { formatValue, type Problem } from '../errors.js';
import { boundedDistance, distanceRows } from './distance.js';
import type { ConnectionReferenceModel, EnvironmentVariableModel, SettingRule } from './model.js';
import type { SourceDoc } from './source.js';

/**
 * solution.json `settings`: rules for the deployment settings the package's own solutions declare
 * (environment variables and connection references). Each must name one of them; an environment
 * variable the admin must fill in (no default) without a description is worth a warning, because the
 * admin README and the plan then have nothing to say about what to give it.
 */

const RULE_FIELDS = ['description', 'required', 'pattern', 'values', 'https', 'secret'] as const;
/** Rules about a value's text: a connection reference's value is a connection id, which only the org can judge. */
const VALUE_RULES = ['pattern', 'values', 'https', 'secret'] as const;

/** What checking needs of an included solution, read or modelled. */
export interface DeclaringSolution {
  uniqueName: string;
  environmentVariables: readonly EnvironmentVariableModel[];
  connectionReferences: readonly ConnectionReferenceModel[];
}

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => value !== null && typeof value === 'object' && !Array.isArray(value);

interface Declared {
  name: string;
  kind: 'environment variable' | 'connection reference';
  solution: string;
}

function declaredSettings(included: readonly DeclaringSolution[]): Declared[] {
  return included.flatMap((s) => [
    ...s.environmentVariables.map((v): Declared => ({ name: v.schemaName, kind: 'environment variable', solution: s.uniqueName })),
    ...s.connectionReferences.map((r): Declared => ({ name: r.logicalName, kind: 'connection reference', solution: s.uniqueName })),
  ]);
}

/** The rules by declared name, or undefined without `settings`; every problem goes to `problems`. */
export function checkSettings(doc: SourceDoc, included: readonly DeclaringSolution[], problems: Problem[], strict = false): Record<string, SettingRule> | undefined {
  const value = isObject(doc.data) ? doc.data['settings'] : undefined;
  const error = (path: string, v: unknown, expected: string, hint?: string) => problems.push({ severity: 'error', file: doc.file, path, value: v, expected, ...(hint ? { hint } : {}) });
  const declared = declaredSettings(included);
  const rules: Record<string, SettingRule> = {};
  if (value !== undefined && !isObject(value)) {
    error('settings', value, 'an object: { "<environment variable schema name or connection reference logical name>": { "description", "required"?, "pattern"?, "values"?, "https"?, "secret"? } }');
    return undefined;
  }
  for (const [name, raw] of Object.entries(value ?? {})) {
    const at = `settings.${name}`;
    const found = declared.find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!found) {
      const names = declared.map((d) => d.name);
      const close = closest(name, names);
      error(at, name, names.length > 0 ? `an environment variable or connection reference of the package's solutions (${names.join(', ')})` : "an environment variable or connection reference of the package's solutions (they declare none)", close ? `did you mean ${formatValue(close)}?` : undefined);
      continue;
    }
    const rule = checkRule(raw, at, found, error);
    if (rule) rules[found.name] = rule;
  }
  for (const solution of included) {
    for (const variable of solution.environmentVariables) {
      if (variable.defaultValue !== undefined || rules[variable.schemaName]?.description) continue;
      problems.push({
        severity: strict ? 'error' : 'warning',
        file: doc.file,
        path: `settings.${variable.schemaName}`,
        value: undefined,
        expected: `a description of environment variable ${variable.schemaName} (${variable.displayName}, in ${solution.uniqueName}): it has no default value, so the admin must give one, and the README and the plan should say what it is`,
      });
    }
  }
  return value === undefined ? undefined : rules;
}

function checkRule(raw: unknown, at: string, found: Declared, error: (path: string, v: unknown, expected: string) => void): SettingRule | undefined {
  if (!isObject(raw)) {
    error(at, raw, '{ "description", "required"?, "pattern"?, "values"?, "https"?, "secret"? }');
    return undefined;
  }
  const errors: string[] = [];
  const fail = (field: string, v: unknown, expected: string) => {
    errors.push(field);
    error(`${at}.${field}`, v, expected);
  };
  for (const key of Object.keys(raw)) if (!(RULE_FIELDS as readonly string[]).includes(key)) fail(key, raw[key], `no such field (allowed: ${RULE_FIELDS.join(', ')})`);
  const { description, required, pattern, values, https, secret } = raw;
  if (typeof description !== 'string' || description.trim() === '') fail('description', description, "a non-empty string: what the value is, in the admin's words");
  for (const [field, v] of [['required', required], ['https', https], ['secret', secret]] as const) if (v !== undefined && typeof v !== 'boolean') fail(field, v, 'true or false');
  if (pattern !== undefined) {
    if (typeof pattern !== 'string' || pattern === '') fail('pattern', pattern, 'a regular expression (JavaScript syntax) the whole value must match');
    else {
      try {
        new RegExp(pattern, 'u');
      } catch (e) {
        fail('pattern', pattern, `a valid regular expression (${(e as Error).message})`);
      }
    }
  }
  if (values !== undefined && (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string'))) fail('values', values, 'a non-empty list of the allowed values (strings)');
  if (found.kind === 'connection reference') {
    for (const field of VALUE_RULES) if (raw[field] !== undefined) fail(field, raw[field], `only "description" and "required": ${found.name} is a connection reference, whose value is a connection id the org checks`);
  }
  if (errors.length > 0) return undefined;
  return {
    description: (description as string).trim(),
    ...(required !== undefined ? { required: required as boolean } : {}),
    ...(pattern !== undefined ? { pattern: pattern as string } : {}),
    ...(values !== undefined ? { values: values as string[] } : {}),
    ...(https !== undefined ? { https: https as boolean } : {}),
    ...(secret !== undefined ? { secret: secret as boolean } : {}),
  };
}

function closest(name: string, names: readonly string[]): string | undefined {
  const max = Math.max(2, Math.floor(name.length / 4));
  const rows = distanceRows(Math.max(name.length, ...names.map((n) => n.length)), max);
  let best: { name: string; d: number } | undefined;
  for (const candidate of names) {
    const d = boundedDistance(name.toLowerCase(), candidate.toLowerCase(), max, rows);
    if (d <= max && (!best || d < best.d)) best = { name: candidate, d };
  }
  return best?.name;
}
