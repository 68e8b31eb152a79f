/**
 * Privileges a table brings when a solution defines it (../shared/reference/packages-research.md Q1):
 * `prv<Right><SchemaName>` with the SchemaName's own case, e.g. prvCreatenew_BankAccount (powerapps-docs
 * webapi/create-update-entity-definitions-using-web-api.md). Custom tables are UserOwned or OrgOwned only
 * ("The only valid values for custom entities are OrgOwned or UserOwned", learn OwnershipTypes enum).
 * User/team-owned tables allow all four depths, organization-owned ones "only Global or None"
 * (security-concepts.md). That org-owned tables have no Assign and Share privileges is inferred (the CRM
 * 2016 privilege map leaves those cells blank for org-owned tables, hh547441), so they get six, not eight.
 */
import { LEVELS, type Level } from '../levels.js';
import type { PrivilegeDefinition } from '../privilege-table.js';

export type TableOwnership = 'user' | 'organization';

const USER_OWNED_RIGHTS = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'] as const;
const ORG_OWNED_RIGHTS = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'] as const;

export function customTablePrivileges(schemaName: string, ownership: TableOwnership): PrivilegeDefinition[] {
  const rights = ownership === 'user' ? USER_OWNED_RIGHTS : ORG_OWNED_RIGHTS;
  const depths: readonly Level[] = ownership === 'user' ? LEVELS : ['Global'];
  return rights.map((right) => ({ name: `prv${right}${schemaName}`, depths, entityReference: false, parentEntityReference: false }));
}

/**
 * customizations.xml `<OwnershipTypeMask>`: UserOwned or OrgOwned (an activity is always user-owned:
 * "Activity tables can only be owned by a user or team", maker/data-platform/types-of-entities.md).
 * Anything else (BusinessOwned SystemUser, None) is an existing system table being customized: no new table.
 */
export function tableOwnership(ownershipMask: string | undefined, isActivity: string | undefined): TableOwnership | undefined {
  if (isActivity === '1') return 'user';
  if (ownershipMask === 'UserOwned') return 'user';
  if (ownershipMask === 'OrgOwned' || ownershipMask === 'OrganizationOwned') return 'organization';
  return undefined;
}
