import type { Manifest } from './manifest.js';
import { SECRET_VARIABLE_TYPE } from '../spec/model.js';

/**
 * What the admin README says about the package's deployment settings: each environment variable and
 * connection reference, whether it must be given, and a settings file to start from (in the format
 * `pac solution create-settings` writes, which `--settings` takes). Defaults of secrets are not shown.
 */
export function readmeSettings(manifest: Omit<Manifest, 'integrity'>) {
  const rules = manifest.settings ?? {};
  const rule = (name: string) => Object.entries(rules).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
  const variables = manifest.solutions.flatMap((s) =>
    (s.environmentVariables ?? []).map((v) => {
      const r = rule(v.schemaName);
      const secret = r?.secret === true || v.type === SECRET_VARIABLE_TYPE;
      return { name: v.schemaName, displayName: v.displayName, solution: s.displayName, description: r?.description ?? v.description, required: r?.required === true, secret, defaultValue: !secret && v.defaultValue !== undefined ? v.defaultValue.replace(/[|\r\n]/g, (c) => (c === '|' ? '\\|' : ' ')) : undefined };
    }),
  );
  const references = manifest.solutions.flatMap((s) =>
    (s.connectionReferences ?? []).map((c) => {
      const r = rule(c.logicalName);
      return { name: c.logicalName, displayName: c.displayName, solution: s.displayName, description: r?.description ?? '', required: r?.required === true, connector: c.connectorId.split('/').at(-1) ?? c.connectorId, flows: c.flows.join(', ') };
    }),
  );
  const example = {
    EnvironmentVariables: variables.map((v) => ({ SchemaName: v.name, Value: '' })),
    ConnectionReferences: manifest.solutions.flatMap((s) => (s.connectionReferences ?? []).map((c) => ({ LogicalName: c.logicalName, ConnectionId: '', ConnectorId: c.connectorId }))),
  };
  return {
    hasSettings: variables.length + references.length > 0,
    settingVariables: variables,
    settingReferences: references,
    settingsExample: JSON.stringify(example, null, 2).split('\n').map((line) => `    ${line}`).join('\n'),
  };
}
