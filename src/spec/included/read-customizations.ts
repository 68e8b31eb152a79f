import type { Problem } from '../../errors.js';
import { TABLE_COMPONENT_TYPE, type RootComponent } from '../components.js';
import { normalizeGuid } from '../guid.js';
import { LEVEL_CHOICES, parseLevel } from '../levels.js';
import { sortPrivileges, type ConnectionReferenceModel, type PrivilegeGrant, type RoleModel } from '../model.js';
import { xmlList, xmlNode, type XmlNode } from '../../util/xml.js';
import { createdPrivileges } from './created-privileges.js';
import type { IncludedTable, IncludedTableOwnership } from './model.js';
import { parseXmlOrProblem, textOf } from './xml-fields.js';

/**
 * customizations.xml of an exported zip: the tables it defines (`ImportExportXml/Entities/Entity`,
 * packages-research.md Q1.3) and the roles it ships (`Roles/Role`, read as load-unpacked.ts reads them).
 */

const ARRAYS = ['Entity', 'Role', 'RolePrivilege', 'connectionreference', 'Workflow'];

/** The bulk of an export that the reader does not look at: columns, forms, views, ribbons, apps (flows' definitions are files of their own). */
const SKIP = ['attributes', 'FormXml', 'SavedQueries', 'RibbonDiffXml', 'Visualizations', 'EntityRelationships', 'optionsets', 'CanvasApps', 'AppModules', 'AppModuleSiteMaps', 'WebResources', 'CustomControls'];

export interface Customizations {
  tables: IncludedTable[];
  roles: RoleModel[];
  /** `connectionreferences/connectionreference`, without the flows that use them (those are in the flows' own files). */
  references: Array<Omit<ConnectionReferenceModel, 'flows'>>;
  /** `Workflows/Workflow` with a `JsonFileName`: cloud flows, whose definitions name the references they use. */
  flows: Array<{ name: string; file: string }>;
}

export function readCustomizations(
  text: string,
  file: string,
  rootComponents: readonly RootComponent[],
  problems: Problem[],
): Customizations | undefined {
  const root = parseXmlOrProblem(text, file, ARRAYS, problems, SKIP);
  if (!root) return undefined;
  const xml = xmlNode(root['ImportExportXml']);
  const entities = xmlList(xmlNode(xml['Entities'])['Entity']).map(xmlNode);
  const roles = xmlList(xmlNode(xml['Roles'])['Role']).map((role, index) => roleOf(xmlNode(role), `Roles.Role[${index}]`, file, problems));
  return {
    tables: definedTables(rootComponents, entities, file, problems),
    roles: roles.filter((role): role is RoleModel => role !== undefined),
    references: connectionReferences(xml, file, problems),
    flows: xmlList(xmlNode(xml['Workflows'])['Workflow']).flatMap((item) => {
      const flow = xmlNode(item);
      const json = textOf(flow['JsonFileName']);
      return json ? [{ name: textOf(flow['@_Name']) ?? json, file: json.replace(/^\//, '') }] : [];
    }),
  };
}

function connectionReferences(xml: XmlNode, file: string, problems: Problem[]): Customizations['references'] {
  return xmlList(xmlNode(xml['connectionreferences'])['connectionreference']).flatMap((item, index) => {
    const reference = xmlNode(item);
    const logicalName = textOf(reference['@_connectionreferencelogicalname']);
    const connectorId = textOf(reference['connectorid']);
    if (!logicalName || !connectorId) {
      problems.push({ severity: 'error', file, path: `connectionreferences.connectionreference[${index}]`, value: logicalName, expected: 'a connection reference with a connectionreferencelogicalname and a connectorid (is the export damaged?)' });
      return [];
    }
    return [{ logicalName, displayName: textOf(reference['connectionreferencedisplayname']) ?? logicalName, connectorId }];
  });
}

/**
 * A table is defined here when it is a root component with behavior 0 whose name carries a
 * publisher prefix: behavior 1 or 2 only references a table (a "shell"), and a system table
 * included whole (account, systemuser) still belongs to the system. The same rule as load-unpacked.ts.
 */
function definedTables(rootComponents: readonly RootComponent[], entities: XmlNode[], file: string, problems: Problem[]): IncludedTable[] {
  const byName = new Map(entities.map((entity) => [(entityInfo(entity)['@_Name'] as string | undefined)?.toLowerCase() ?? '', entity]));
  const tables: IncludedTable[] = [];
  for (const component of rootComponents) {
    if (component.type !== TABLE_COMPONENT_TYPE || component.behavior !== '0' || !component.name.includes('_')) continue;
    const entity = byName.get(component.name.toLowerCase());
    const info = entity ? entityInfo(entity) : undefined;
    const schemaName = info ? textOf(info['@_Name']) : undefined;
    const ownership = info ? ownershipOf(info) : undefined;
    if (!entity || !info || !schemaName || !ownership) {
      problems.push({
        severity: 'error',
        file,
        path: `Entities.Entity (${component.name})`,
        value: info ? textOf(info['OwnershipTypeMask']) : undefined,
        expected: `the definition of table ${component.name}, a root component of solution.xml, with an OwnershipTypeMask of UserOwned, OrgOwned or BusinessOwned (is the export damaged?)`,
      });
      continue;
    }
    tables.push({
      schemaName,
      displayName: textOf(xmlNode(entity['Name'])['@_LocalizedName']) ?? schemaName,
      ownership,
      isActivity: textOf(info['IsActivity']) === '1',
      privileges: createdPrivileges(schemaName, ownership),
      inferred: true,
    });
  }
  return tables;
}

function entityInfo(entity: XmlNode): XmlNode {
  return xmlNode(xmlNode(entity['EntityInfo'])['entity']);
}

/** Activity tables "can only be owned by a user or team" (types-of-entities.md), whatever the mask says. */
function ownershipOf(info: XmlNode): IncludedTableOwnership | undefined {
  if (textOf(info['IsActivity']) === '1') return 'user';
  const mask = textOf(info['OwnershipTypeMask']);
  if (mask === 'UserOwned' || mask === 'TeamOwned') return 'user';
  if (mask === 'OrgOwned' || mask === 'OrganizationOwned') return 'organization';
  if (mask === 'BusinessOwned') return 'business';
  return undefined;
}

function roleOf(role: XmlNode, at: string, file: string, problems: Problem[]): RoleModel | undefined {
  const id = normalizeGuid(textOf(role['@_id']));
  const name = textOf(role['@_name']);
  if (!id || !name) {
    problems.push({ severity: 'error', file, path: `${at}.${id ? 'name' : 'id'}`, value: textOf(role[id ? '@_name' : '@_id']), expected: id ? 'a role name' : 'a role id (a GUID)' });
    return undefined;
  }
  const privileges: PrivilegeGrant[] = [];
  for (const item of xmlList(xmlNode(role['RolePrivileges'])['RolePrivilege']).map(xmlNode)) {
    const privilege = textOf(item['@_name']) ?? '';
    const level = parseLevel(textOf(item['@_level']));
    if (level) privileges.push({ name: privilege, level });
    else problems.push({ severity: 'error', file, path: `${at}.privileges.${privilege}`, value: textOf(item['@_level']), expected: LEVEL_CHOICES });
  }
  const inherited = textOf(role['@_isinherited']);
  return {
    id,
    name,
    description: textOf(role['Description']) ?? '',
    customizable: textOf(role['IsCustomizable']) === '1',
    ...(inherited === '0' || inherited === '1' ? { isInherited: inherited } : {}),
    privileges: sortPrivileges(privileges),
  };
}
