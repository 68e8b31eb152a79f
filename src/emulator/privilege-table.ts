/**
 * The org privilege table: the emulator's own (data/privileges.json, built by
 * scripts/build-emulator-privileges.mjs from real exports and Microsoft docs), or the `privilegeCatalog`
 * option as an override. Custom tables add theirs (custom-table privileges in import/custom-tables.ts).
 */
import table from './data/privileges.json' with { type: 'json' };
import { LEVELS, type Level } from './levels.js';
import type { PrivilegeSource } from './options.js';
import type { PrivilegeRow } from './state.js';

export interface PrivilegeDefinition {
  name: string;
  depths: readonly Level[];
  /** privilege.md CanBeEntityReference / CanBeParentEntityReference (external-party references). */
  entityReference: boolean;
  parentEntityReference: boolean;
}

/** A row of data/privileges.json: the privilege table's own columns (privilege.md). */
type TableEntry = Pick<PrivilegeRow, 'name' | 'canbebasic' | 'canbelocal' | 'canbedeep' | 'canbeglobal' | 'canbeentityreference' | 'canbeparententityreference'>;

function fromTable(entry: TableEntry): PrivilegeDefinition {
  const flags: Record<Level, boolean> = { Basic: entry.canbebasic, Local: entry.canbelocal, Deep: entry.canbedeep, Global: entry.canbeglobal };
  return { name: entry.name, depths: LEVELS.filter((level) => flags[level]), entityReference: entry.canbeentityreference, parentEntityReference: entry.canbeparententityreference };
}

export function emulatorPrivileges(): PrivilegeDefinition[] {
  return (table.privileges as TableEntry[]).map(fromTable);
}

export function privilegesFrom(source: PrivilegeSource | undefined): PrivilegeDefinition[] {
  if (!source) return emulatorPrivileges();
  return [...source.entries()].map((entry) => ({ name: entry.name, depths: entry.depths, entityReference: false, parentEntityReference: false }));
}
