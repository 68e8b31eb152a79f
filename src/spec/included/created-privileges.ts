import { LEVELS, type Level } from '../model.js';
import type { CreatedPrivilege, IncludedTableOwnership } from './model.js';

/**
 * The privileges Dataverse creates with a custom table, which an export never lists
 * (packages-research.md Q1.1–Q1.2, all inferred from Microsoft's docs, not from a live org):
 * - names are `prv<Right><SchemaName>`, the SchemaName with its case (Web API example `prvCreatenew_BankAccount`);
 * - user- or team-owned: the eight rights at Basic, Local, Deep and Global;
 * - organization-owned: no Assign or Share, and "only Global or None" (security-concepts.md);
 * - business-owned (only system tables such as systemuser, "the only valid values for custom
 *   entities are OrgOwned or UserOwned"): the eight rights without Basic (solution-format.md §5.2).
 * The same right lists drive src/spec/table-privileges.ts, which keeps its own private copy.
 */

const RIGHTS = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'] as const;
const ORG_OWNED_RIGHTS = RIGHTS.filter((right) => right !== 'Assign' && right !== 'Share');

const DEPTHS: Readonly<Record<IncludedTableOwnership, readonly Level[]>> = {
  user: LEVELS,
  organization: ['Global'],
  business: ['Local', 'Deep', 'Global'],
};

export function createdPrivileges(schemaName: string, ownership: IncludedTableOwnership): CreatedPrivilege[] {
  const rights = ownership === 'organization' ? ORG_OWNED_RIGHTS : RIGHTS;
  return rights.map((right) => ({ name: `prv${right}${schemaName}`, depths: DEPTHS[ownership] }));
}
