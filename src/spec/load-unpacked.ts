import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { parseXml, XmlInputError, xmlList, xmlNode, type XmlNode } from '../util/xml.js';
import { TABLE_COMPONENT_TYPE, type RootComponent, type TableDefinition, type TableOwnership } from './components.js';
import type { SourceDoc, SpecInput } from './source.js';
import { readSourceText } from './read-source.js';

/**
 * Reads a SolutionPackager / `pac solution unpack` tree into the JSON spec's shape:
 * `Other/Solution.xml`, `Other/Customizations.xml` and `Roles/*.xml`, plus what the tree holds
 * besides roles (its root components and `Entities/<name>/Entity.xml`), so nothing is left out unseen.
 */

const ARRAYS = ['LocalizedName', 'Description', 'Role', 'RolePrivilege', 'RootComponent'];

export async function loadUnpackedSpec(dir: string): Promise<SpecInput> {
  const problems: Problem[] = [];
  const solutionXml = await readXml(path.join(dir, 'Other', 'Solution.xml'), problems);
  const solution = solutionXml ? solutionDoc(solutionXml.file, solutionXml.root) : undefined;

  const roles: SourceDoc[] = [];
  const customizations = await readXml(path.join(dir, 'Other', 'Customizations.xml'), problems);
  if (customizations) {
    const roleNodes = xmlList(xmlNode(xmlNode(customizations.root['ImportExportXml'])['Roles'])['Role']);
    roleNodes.forEach((role, index) => roles.push(roleDoc(customizations.file, xmlNode(role), `Roles.Role[${index}].`)));
  }
  const rolesDir = path.join(dir, 'Roles');
  const names = await readdir(rolesDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.xml')).sort()) {
    const parsed = await readXml(path.join(rolesDir, name), problems);
    if (parsed) roles.push(roleDoc(parsed.file, xmlNode(xmlList(parsed.root['Role'])[0]), ''));
  }
  const rootComponents = solutionXml ? rootComponentsOf(solutionXml.root) : [];
  const tables = definedTables(rootComponents, await readEntities(dir, problems));
  return { format: 'unpacked', dir, solution, roles, problems, rootComponents: { file: solutionXml?.file ?? '', items: rootComponents }, tables };
}

/** `Entities/<name>/Entity.xml` as SolutionPackager writes each table: `Entity/EntityInfo/entity`. */
async function readEntities(dir: string, problems: Problem[]): Promise<TableDefinition[]> {
  const entitiesDir = path.join(dir, 'Entities');
  const names = await readdir(entitiesDir).catch(() => [] as string[]);
  const tables: TableDefinition[] = [];
  for (const name of names.sort()) {
    const file = path.join(entitiesDir, name, 'Entity.xml');
    // Folders without Entity.xml hold only parts of a table (forms, views); they define nothing.
    if (!(await stat(file).then((info) => info.isFile(), () => false))) continue;
    const parsed = await readXml(file, problems);
    if (!parsed) continue;
    const entity = xmlNode(xmlNode(xmlNode(parsed.root['Entity'])['EntityInfo'])['entity']);
    const schemaName = text(entity['@_Name']);
    if (schemaName) tables.push({ schemaName, ...ownershipOf(entity) });
  }
  return tables;
}

/** `OwnershipTypeMask` is `UserOwned` or `OrgOwned` in exports; activity tables are always user-owned. */
function ownershipOf(entity: XmlNode): { ownership?: TableOwnership } {
  if (text(entity['IsActivity']) === '1') return { ownership: 'user' };
  const mask = text(entity['OwnershipTypeMask']);
  if (mask === 'UserOwned' || mask === 'TeamOwned') return { ownership: 'user' };
  if (mask === 'OrgOwned' || mask === 'OrganizationOwned') return { ownership: 'organization' };
  return {};
}

function rootComponentsOf(root: XmlNode): RootComponent[] {
  const manifest = xmlNode(xmlNode(root['ImportExportXml'])['SolutionManifest']);
  return xmlList(xmlNode(manifest['RootComponents'])['RootComponent']).map((item, index) => {
    const node = xmlNode(item);
    return { index, type: text(node['@_type']) ?? '', name: text(node['@_schemaName']) ?? text(node['@_id']) ?? '', behavior: text(node['@_behavior']) ?? '0' };
  });
}

/**
 * A table is defined here when it is a root component with behavior 0 and carries a publisher
 * prefix: behavior 1 or 2 only references a table (a "shell", packages-research.md Q1.3), and a
 * system table such as account, included whole, still belongs to the system, whose privilege
 * names do not follow its logical name. Entity.xml, when present, gives the casing and ownership.
 */
function definedTables(rootComponents: RootComponent[], entities: TableDefinition[]): TableDefinition[] {
  const byName = new Map(entities.map((entity) => [entity.schemaName.toLowerCase(), entity]));
  return rootComponents
    .filter((c) => c.type === TABLE_COMPONENT_TYPE && c.behavior === '0' && c.name.includes('_'))
    .map((c) => byName.get(c.name.toLowerCase()) ?? { schemaName: c.name });
}

async function readXml(file: string, problems: Problem[]): Promise<{ file: string; root: XmlNode } | undefined> {
  const source = readSourceText(file, problems);
  if (!source) return undefined;
  const { shown, text } = source;
  try {
    return { file: shown, root: parseXml(text, { arrays: ARRAYS }) };
  } catch (error) {
    if (!(error instanceof XmlInputError)) throw error;
    const at = error.line === undefined ? '' : error.column === undefined ? `:${error.line}` : `:${error.line}:${error.column}`;
    problems.push({ severity: 'error', file: `${shown}${at}`, path: '', value: undefined, expected: `well-formed XML (${error.message})` });
    return undefined;
  }
}


function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const inner = xmlNode(value)['#text'];
  return typeof inner === 'string' ? inner : undefined;
}

function localized(container: unknown, element: string, languageCode: string | undefined): string | undefined {
  const items = xmlList(xmlNode(container)[element]).map(xmlNode);
  const match = items.find((item) => item['@_languagecode'] === languageCode) ?? items[0];
  return match ? text(match['@_description']) : undefined;
}

function solutionDoc(file: string, root: XmlNode): SourceDoc {
  const xml = xmlNode(root['ImportExportXml']);
  const manifest = xmlNode(xml['SolutionManifest']);
  const publisher = xmlNode(manifest['Publisher']);
  const languageCode = text(xml['@_languagecode']);
  const optionPrefix = text(publisher['CustomizationOptionValuePrefix']);
  const data = {
    uniqueName: text(manifest['UniqueName']),
    displayName: localized(manifest['LocalizedNames'], 'LocalizedName', languageCode),
    description: localized(manifest['Descriptions'], 'Description', languageCode) ?? '',
    version: text(manifest['Version']),
    languageCode: languageCode === undefined ? undefined : Number(languageCode),
    publisher: {
      uniqueName: text(publisher['UniqueName']),
      displayName: localized(publisher['LocalizedNames'], 'LocalizedName', languageCode),
      description: localized(publisher['Descriptions'], 'Description', languageCode) ?? '',
      prefix: text(publisher['CustomizationPrefix']),
      optionValuePrefix: optionPrefix === undefined || optionPrefix === '' ? undefined : Number(optionPrefix),
    },
  };
  return { file, data, duplicateKeys: [] };
}

function roleDoc(file: string, role: XmlNode, pathPrefix: string): SourceDoc {
  const privileges: Record<string, unknown> = {};
  const duplicateKeys: string[] = [];
  for (const item of xmlList(xmlNode(role['RolePrivileges'])['RolePrivilege']).map(xmlNode)) {
    const name = text(item['@_name']) ?? '';
    if (Object.hasOwn(privileges, name)) duplicateKeys.push(`${pathPrefix}privileges.${name}`);
    privileges[name] = text(item['@_level']);
  }
  const customizable = text(role['IsCustomizable']);
  const inherited = text(role['@_isinherited']);
  const data: Record<string, unknown> = {
    id: text(role['@_id']),
    name: text(role['@_name']),
    description: text(role['Description']) ?? '',
    customizable: customizable === undefined ? undefined : customizable === '1' ? true : customizable === '0' ? false : customizable,
    privileges,
  };
  if (inherited !== undefined) data['isInherited'] = inherited;
  return { file: pathPrefix ? `${file} (${pathPrefix.slice(0, -1)})` : file, data, duplicateKeys };
}
