import type { Manifest, ManifestSolution } from '../../package/manifest.js';
import { SECRET_VARIABLE_TYPE, type ConnectionReferenceModel, type EnvironmentVariableModel, type SettingRule } from '../../spec/model.js';
import type { ReferenceRow, VariableRow } from '../../dataverse/settings.js';
import type { GivenSetting } from './input.js';

/**
 * The deployment settings part of the plan: each environment variable and connection reference of the
 * package's solutions, what the org holds now, what it will hold and from where, and how it gets there
 * (with its solution's import as ComponentParameters, or a Web API write for a solution already at this
 * version). Everything wrong with the given values is a problem here, before anything is written.
 * Pure; a secret's value never enters the result.
 */

export type SettingKind = 'environment-variable' | 'connection-reference';

export interface PlanSetting {
  name: string;
  kind: SettingKind;
  solution: string;
  /** The solution as the maker portal lists it, where the admin can set what the run does not. */
  solutionDisplayName: string;
  displayName: string;
  /** The spec's description, else the definition's own (empty when neither says anything). */
  description: string;
  required: boolean;
  secret: boolean;
  /** Whether the org holds a value now (for a reference: a connection). */
  hasCurrent: boolean;
  /** What the org holds now; never for a secret. */
  current?: string;
  /** What it holds after the run (the default, for a variable left to it); never for a secret. */
  value?: string;
  /** Where `value` comes from: the settings file, a --set flag, the --ui page, the definition's default, what the org has, or nowhere. */
  source: 'file' | 'flag' | 'page' | 'default' | 'org' | 'unset';
  /** How the value gets there. */
  write: 'import' | 'web-api' | 'none';
  /** Connection references: the connector, and the cloud flows of the solution that use it. */
  connectorId?: string;
  flows?: string[];
}

export interface OrgSettings {
  variables: VariableRow[];
  references: ReferenceRow[];
}

/** A setting the package declares, with what the spec's rule for it says. */
export interface Declared {
  solution: ManifestSolution;
  kind: SettingKind;
  name: string;
  displayName: string;
  variable?: EnvironmentVariableModel;
  reference?: ConnectionReferenceModel;
  rule?: SettingRule;
  /** The spec's description, else the definition's own (empty when neither says anything). */
  description: string;
  required: boolean;
  /** Marked secret by the spec, or an environment variable of type Secret. */
  secret: boolean;
}

export function declaredSettings(manifest: Manifest): Declared[] {
  const rules = new Map(Object.entries(manifest.settings ?? {}).map(([name, rule]) => [key(name), rule]));
  const withRule = (d: Omit<Declared, 'rule' | 'description' | 'required' | 'secret'>): Declared => {
    const rule = rules.get(key(d.name));
    return { ...d, ...(rule ? { rule } : {}), description: rule?.description ?? d.variable?.description ?? '', required: rule?.required === true, secret: isSecret(d, rule) };
  };
  return manifest.solutions.flatMap((solution) => [
    ...(solution.environmentVariables ?? []).map((variable) => withRule({ solution, kind: 'environment-variable', name: variable.schemaName, displayName: variable.displayName, variable })),
    ...(solution.connectionReferences ?? []).map((reference) => withRule({ solution, kind: 'connection-reference', name: reference.logicalName, displayName: reference.displayName, reference })),
  ]);
}

const KIND_WORDS: Record<SettingKind, string> = { 'environment-variable': 'environment variable', 'connection-reference': 'connection reference' };
const key = (name: string) => name.toLowerCase();
/** Connectors compare by their API name: `/providers/Microsoft.PowerApps/apis/shared_x` and `shared_x` are one. */
export const apiName = (connectorId: string) => (connectorId.split('/').at(-1) ?? connectorId).toLowerCase();

function isSecret(declared: { variable?: EnvironmentVariableModel }, rule: SettingRule | undefined): boolean {
  return rule?.secret === true || declared.variable?.type === SECRET_VARIABLE_TYPE;
}

/** Why a value breaks the spec's rule, or undefined. `shown` is how the value may appear in a message. */
function ruleBroken(rule: SettingRule | undefined, value: string): string | undefined {
  if (!rule) return undefined;
  if (rule.values && !rule.values.includes(value)) return `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (rule.pattern && !new RegExp(`^(?:${rule.pattern})$`, 'u').test(value)) return `a value matching ${rule.pattern}`;
  if (rule.https) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') return 'an https:// URL';
  }
  return undefined;
}

export function planSettings(
  manifest: Manifest,
  org: OrgSettings | undefined,
  given: readonly GivenSetting[],
  importing: ReadonlySet<string>,
): { settings: PlanSetting[]; problems: string[] } {
  const declared = declaredSettings(manifest);
  const problems: string[] = [];
  const byName = new Map<string, GivenSetting>();
  for (const g of given) {
    const found = declared.find((d) => key(d.name) === key(g.name) && (g.kind === undefined || g.kind === d.kind));
    if (found) {
      byName.set(key(found.name), g);
      continue;
    }
    const kinds = g.kind ? [g.kind] : (['environment-variable', 'connection-reference'] as const);
    const names = declared.filter((d) => kinds.includes(d.kind)).map((d) => d.name);
    const words = kinds.map((k) => KIND_WORDS[k]).join(' or ');
    problems.push(`${g.where}: ${g.name}: the package has no ${words} of that name (${names.length > 0 ? `it has ${names.join(', ')}` : 'it has none'})`);
  }
  const settings = declared.map((d): PlanSetting => {
    const { rule, secret, description, required } = d;
    const current = currentValue(d, org);
    const g = byName.get(key(d.name));
    const label = `${d.name} (${d.displayName})`;
    if (g && d.kind === 'environment-variable') {
      const broken = ruleBroken(rule, g.value);
      if (broken) problems.push(`${g.where}: ${label}: ${secret ? 'the value' : JSON.stringify(g.value)} is not ${broken}${description ? ` (${description})` : ''}`);
    }
    if (g?.connectorId && d.reference && apiName(g.connectorId) !== apiName(d.reference.connectorId)) {
      problems.push(`${g.where}: ${label}: ConnectorId ${g.connectorId} is not this connection reference's connector, ${d.reference.connectorId}; give a connection of that connector`);
    }
    const source: PlanSetting['source'] = g ? g.source : current !== undefined ? 'org' : d.variable?.defaultValue !== undefined ? 'default' : 'unset';
    const value = g ? g.value : current ?? d.variable?.defaultValue;
    if (required && !g && current === undefined) {
      const how = d.kind === 'environment-variable' ? `--settings <file> (EnvironmentVariables: { "SchemaName": "${d.name}", "Value": … })` : `--settings <file> (ConnectionReferences: { "LogicalName": "${d.name}", "ConnectionId": … })`;
      problems.push(`${label} is required${description ? `: ${description}` : ''}; give it in ${how} or with --set ${d.name}=<${d.kind === 'environment-variable' ? 'value' : 'connection id'}>`);
    }
    const changes = g !== undefined && g.value !== current;
    return {
      name: d.name,
      kind: d.kind,
      solution: d.solution.uniqueName,
      solutionDisplayName: d.solution.displayName,
      displayName: d.displayName,
      description,
      required,
      secret,
      hasCurrent: current !== undefined,
      ...(current !== undefined && !secret ? { current } : {}),
      ...(value !== undefined && !secret ? { value } : {}),
      source,
      write: !changes ? 'none' : importing.has(key(d.solution.uniqueName)) ? 'import' : 'web-api',
      ...(d.reference ? { connectorId: d.reference.connectorId, flows: d.reference.flows } : {}),
    };
  });
  return { settings, problems };
}

function currentValue(d: Declared, org: OrgSettings | undefined): string | undefined {
  if (!org) return undefined;
  if (d.kind === 'connection-reference') {
    const row = org.references.find((r) => key(r.connectionreferencelogicalname) === key(d.name));
    return row?.connectionid ? row.connectionid : undefined;
  }
  const row = org.variables.find((v) => key(v.schemaname) === key(d.name));
  const stored = row?.environmentvariabledefinition_environmentvariablevalue?.[0]?.value;
  return stored === null || stored === undefined ? undefined : stored;
}

/**
 * Settings the run leaves empty, each with what stays broken and where the admin sets it: connection references
 * without a connection (their flows stay off) and environment variables with neither a value nor a default
 * (Dataverse does not require one, and whatever reads it fails later).
 */
export function unsetSettingNotes(settings: readonly PlanSetting[]): string[] {
  return settings
    .filter((s) => s.source === 'unset')
    .map((s) => {
      if (s.kind === 'environment-variable') {
        const what = s.description ? `: ${s.description}` : '';
        return `environment variable ${s.name} (${s.displayName}) has no value and no default${what}. Set it in the maker portal: Solutions > ${s.solutionDisplayName} > Environment Variables, or run again with --set ${s.name}=<value>`;
      }
      const flows = s.flows && s.flows.length > 0 ? `; the flows ${s.flows.map((f) => `"${f}"`).join(', ')} stay off until it has one` : '';
      return `connection reference ${s.name} (${s.displayName}) has no connection${flows}. Set it in the maker portal: Solutions > ${s.solutionDisplayName} > Connection References, or run again with --settings`;
    });
}

/** Connection references among the given values: a connection belongs to one environment. */
export function givenConnectionReferences(manifest: Manifest, given: readonly GivenSetting[]): string[] {
  const references = new Set(declaredSettings(manifest).filter((d) => d.kind === 'connection-reference').map((d) => key(d.name)));
  return given.filter((g) => g.kind === 'connection-reference' || references.has(key(g.name))).map((g) => g.name);
}

/** The given values that must never be shown: those of settings the spec marks secret, and of Secret-type variables. */
export function secretValues(manifest: Manifest, given: readonly GivenSetting[]): string[] {
  const declared = declaredSettings(manifest);
  return given.filter((g) => declared.some((d) => key(d.name) === key(g.name) && d.secret)).map((g) => g.value);
}
