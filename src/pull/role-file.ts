import type { PulledRole } from './read-roles.js';

/**
 * A pulled role as a role file in dvpkg's format: the org's id (so the role built from it is the same
 * component in every org), privileges sorted, levels by their canonical names.
 */
export function roleFileText(role: PulledRole, schemaRef: string): string {
  const privileges = Object.fromEntries(role.privileges.map((p) => [p.name, p.level]));
  return `${JSON.stringify({ $schema: schemaRef, id: role.id, name: role.name, privileges }, null, 2)}\n`;
}

/** `Fabrikam Sync Connector` → `fabrikam-sync-connector.json`; a name with no letter or digit falls back to the id. */
export function roleFileName(role: Pick<PulledRole, 'id' | 'name'>): string {
  const slug = role.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || role.id}.json`;
}
