/**
 * Fault injection for Entra and Dataverse routes (never the control API): 429 with Retry-After, 503, dropped
 * connections and added latency, each at a rate or on the Nth matching request, with a seeded PRNG so runs repeat.
 *
 * Compact form (CLI `--faults`): rules separated by `;`, each `kind[:rate|@nth][,key=value...]`, plus `seed=N`:
 *   429:0.3,retryAfter=1,route=/orgs/*;503@3;drop:0.02;latency:1,ms=50;seed=7
 * `route` is a glob on the path (`*` matches anything, including `/`), optionally prefixed by a method:
 * `route=POST /orgs/*\/ImportSolution*`. `phase=response` (drop only) runs the request and then drops the
 * connection instead of answering, which models a lost response to a request the server did carry out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EmulatorConfigError } from './wire-errors.js';

export type FaultKind = '429' | '503' | 'drop' | 'latency';

export interface FaultRule {
  kind: FaultKind;
  /** Probability 0..1 per matching request; 1 when neither rate nor nth is given. */
  rate?: number;
  /** Fire only on the Nth matching request (1-based). */
  nth?: number;
  /** Glob on the path, optionally `METHOD glob`. */
  route?: string;
  /** Seconds for the Retry-After header of 429/503. */
  retryAfter?: number;
  /** Added latency for `latency` rules. */
  ms?: number;
  /** `drop` only: drop before handling (default) or after the handler ran. */
  phase?: 'request' | 'response';
}

export interface FaultSpec {
  rules: FaultRule[];
  seed?: number;
}

/** What to do with one request. */
export interface FaultDecision {
  latencyMs: number;
  fault?: { kind: Exclude<FaultKind, 'latency'>; retryAfter?: number; phase: 'request' | 'response' };
  /** Log label, e.g. `429`, `drop`, `latency:50`. */
  label?: string;
}

const KINDS: readonly FaultKind[] = ['429', '503', 'drop', 'latency'];

function specError(message: string): EmulatorConfigError {
  return new EmulatorConfigError('EMULATOR_USAGE', `Invalid fault spec: ${message}`);
}

/** Accepts the object form, the compact string, or a path to a JSON file holding the object form. */
export function parseFaultSpec(input: FaultSpec | string): FaultSpec {
  if (typeof input !== 'string') return validateFaultSpec(input);
  const text = input.trim();
  if (text === '') return { rules: [] };
  if (existsSync(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(text, 'utf8'));
    } catch (cause) {
      throw new EmulatorConfigError('EMULATOR_FAULTS_UNREADABLE', `Cannot read fault spec file ${text}.`, { cause });
    }
    return validateFaultSpec(parsed);
  }
  if (text.startsWith('{')) return validateFaultSpec(JSON.parse(text) as unknown);
  return parseCompact(text);
}

function parseCompact(text: string): FaultSpec {
  const spec: FaultSpec = { rules: [] };
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const seed = /^seed=(\d+)$/.exec(part);
    if (seed) {
      spec.seed = Number(seed[1]);
      continue;
    }
    const [head = '', ...pairs] = part.split(',');
    const match = /^(429|503|drop|latency)(?::([\d.]+)|@(\d+))?$/.exec(head.trim());
    if (!match) throw specError(`"${head}" should look like 429, 429:0.3 or 503@3 (kinds: ${KINDS.join(', ')})`);
    const rule: FaultRule = { kind: match[1] as FaultKind };
    if (match[2] !== undefined) rule.rate = Number(match[2]);
    if (match[3] !== undefined) rule.nth = Number(match[3]);
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const key = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (eq < 0) throw specError(`"${pair}" should be key=value`);
      if (key === 'route') rule.route = value;
      else if (key === 'retryAfter') rule.retryAfter = Number(value);
      else if (key === 'ms') rule.ms = Number(value);
      else if (key === 'rate') rule.rate = Number(value);
      else if (key === 'nth') rule.nth = Number(value);
      else if (key === 'phase' && (value === 'request' || value === 'response')) rule.phase = value;
      else throw specError(`unknown option "${key}" (route, retryAfter, ms, rate, nth, phase=request|response)`);
    }
    spec.rules.push(rule);
  }
  return validateFaultSpec(spec);
}

export function validateFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as FaultSpec).rules)) throw specError('expected { rules: [...], seed? }');
  const spec = value as FaultSpec;
  spec.rules.forEach((rule, i) => {
    if (!KINDS.includes(rule.kind)) throw specError(`rules[${i}].kind must be one of ${KINDS.join(', ')}`);
    if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) throw specError(`rules[${i}].rate must be between 0 and 1`);
    if (rule.nth !== undefined && !(Number.isInteger(rule.nth) && rule.nth >= 1)) throw specError(`rules[${i}].nth must be a whole number from 1`);
    if (rule.retryAfter !== undefined && !(rule.retryAfter >= 0)) throw specError(`rules[${i}].retryAfter must be seconds >= 0`);
    if (rule.ms !== undefined && !(rule.ms >= 0)) throw specError(`rules[${i}].ms must be >= 0`);
    if (rule.kind === 'latency' && rule.ms === undefined) throw specError(`rules[${i}]: latency needs ms`);
  });
  if (spec.seed !== undefined && !Number.isInteger(spec.seed)) throw specError('seed must be an integer');
  return { rules: spec.rules.map((r) => ({ ...r })), ...(spec.seed === undefined ? {} : { seed: spec.seed }) };
}

/** mulberry32: tiny, seedable, good enough to pick faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

interface CompiledRule {
  rule: FaultRule;
  method?: string;
  path: RegExp;
  matches: number;
}

export class FaultInjector {
  #rules: CompiledRule[] = [];
  #random: () => number = prng(0);
  #spec: FaultSpec = { rules: [] };

  constructor(spec?: FaultSpec) {
    this.set(spec ?? { rules: [] });
  }

  /** Replaces all rules and restarts counters and the PRNG, so the same spec gives the same run. */
  set(spec: FaultSpec): void {
    this.#spec = validateFaultSpec(spec);
    this.#random = prng(this.#spec.seed ?? 1);
    this.#rules = this.#spec.rules.map((rule) => {
      const route = rule.route?.trim() ?? '*';
      const space = /^([A-Za-z]+)\s+(.*)$/.exec(route);
      return {
        rule,
        ...(space ? { method: (space[1] ?? '').toUpperCase() } : {}),
        path: globToRegExp(space ? (space[2] ?? '*') : route),
        matches: 0,
      };
    });
  }

  spec(): FaultSpec {
    return structuredClone(this.#spec);
  }

  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    const labels: string[] = [];
    for (const compiled of this.#rules) {
      if (compiled.method && compiled.method !== method.toUpperCase()) continue;
      if (!compiled.path.test(path)) continue;
      compiled.matches += 1;
      const { rule } = compiled;
      const fires = rule.nth !== undefined ? compiled.matches === rule.nth : this.#random() < (rule.rate ?? 1);
      if (!fires) continue;
      if (rule.kind === 'latency') {
        decision.latencyMs += rule.ms ?? 0;
        labels.push(`latency:${rule.ms ?? 0}`);
      } else if (!decision.fault) {
        decision.fault = { kind: rule.kind, phase: rule.phase ?? 'request', ...(rule.retryAfter === undefined ? {} : { retryAfter: rule.retryAfter }) };
        labels.push(rule.kind);
      }
    }
    if (labels.length) decision.label = labels.join(',');
    return decision;
  }
}
