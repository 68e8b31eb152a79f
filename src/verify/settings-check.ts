import type { DataverseClient } from '../dataverse/client.js';
import { findReferences, findVariables } from '../dataverse/settings.js';
import type { Manifest } from '../package/manifest.js';
import type { GivenSetting } from '../deploy/settings/input.js';
import { declaredSettings } from '../deploy/settings/plan-settings.js';
import type { CheckResult } from './checks.js';

/**
 * The `settings` check: every setting the spec marks required has a value in the org and, with
 * `--settings <file>`, each value in the file is the org's. A secret is compared, never shown. Absent
 * (undefined) when the package requires nothing and no file was given.
 */

const key = (name: string) => name.toLowerCase();

export function hasSettingsCheck(manifest: Manifest, given: readonly GivenSetting[] | undefined): boolean {
  return (given?.length ?? 0) > 0 || Object.values(manifest.settings ?? {}).some((rule) => rule.required);
}

export async function settingsCheck(client: DataverseClient, manifest: Manifest, given: readonly GivenSetting[]): Promise<Omit<CheckResult, 'name' | 'durationMs'>> {
  const declared = declaredSettings(manifest);
  // Only what is checked is read: the app's role may grant reading one kind and not the other.
  const needed = declared.filter((d) => d.required || given.some((g) => key(g.name) === key(d.name)));
  const names = (kind: string) => needed.filter((d) => d.kind === kind).map((d) => d.name);
  const variables = names('environment-variable').length > 0 ? await findVariables(client, names('environment-variable')) : [];
  const references = names('connection-reference').length > 0 ? await findReferences(client, names('connection-reference')) : [];
  const current = (d: (typeof declared)[number]): string | undefined => {
    if (d.reference) return references.find((r) => key(r.connectionreferencelogicalname) === key(d.name))?.connectionid ?? undefined;
    return variables.find((v) => key(v.schemaname) === key(d.name))?.environmentvariabledefinition_environmentvariablevalue?.[0]?.value ?? undefined;
  };
  const details: string[] = [];
  const required = declared.filter((d) => d.required);
  for (const d of required) {
    if (current(d) === undefined) details.push(`${d.name} (${d.displayName}) is required and has no ${d.reference ? 'connection' : 'value'} in the org: ${d.description}`);
  }
  for (const g of given) {
    const d = declared.find((x) => key(x.name) === key(g.name) && (g.kind === undefined || g.kind === x.kind));
    if (!d) {
      details.push(`${g.where}: ${g.name}: the package has no setting of that name`);
      continue;
    }
    const now = current(d);
    if (now === g.value) continue;
    const { secret } = d;
    const shown = (value: string | undefined) => (value === undefined ? 'none' : secret ? 'another value (secret)' : JSON.stringify(value));
    details.push(`${d.name} (${d.displayName}): the org holds ${shown(now)}, ${g.where} gives ${secret ? 'a secret value' : JSON.stringify(g.value)}`);
  }
  const compared = given.length > 0 ? `, ${given.length} compared with the settings given` : '';
  return {
    status: details.length > 0 ? 'fail' : 'pass',
    expected: `every required setting with a value${given.length > 0 ? ', and the values given' : ''}`,
    actual: `${required.length} required${compared}${details.length > 0 ? `, ${details.length} not as expected` : ', all as expected'}`,
    details,
  };
}
