/** Parsing solution.xml and customizations.xml into what import applies (solution-format.md §1.4, §1.5, §2). */
import { XMLParser } from 'fast-xml-parser';
import { importInvalidXml, importXsdValidation, isImportFailure, type ImportFailure } from '../errors.js';
import { LEVELS, isLevel, type Level } from '../levels.js';
import { normalizeGuid } from '../util/guid.js';
import { xmlProblem } from '../util/xml-gate.js';
import { tableOwnership, type TableOwnership } from './custom-tables.js';
import type { SolutionFiles } from './zip.js';

export interface PackageRole {
  id: string;
  name: string;
  customizable: boolean;
  privileges: Array<{ name: string; level: Level }>;
}

export interface PackageTable {
  /** `EntityInfo/entity/@Name`: the SchemaName, with its case. */
  schemaName: string;
  ownership: TableOwnership;
}

/** A solution.xml RootComponent: `type` is the componenttype, identified by id or by schema name. */
export interface PackageComponent {
  componentType: number;
  id?: string;
  schemaName?: string;
}

export interface SolutionPackage {
  uniqueName: string;
  friendlyName: string;
  version: string;
  managed: boolean;
  publisher: string;
  roles: PackageRole[];
  /** Tables the solution defines (UserOwned/OrgOwned entities in customizations.xml). */
  tables: PackageTable[];
  /** Every root component, modelled or not. */
  components: PackageComponent[];
}

type Node = Record<string, unknown>;

const ARRAYS = new Set(['Role', 'RolePrivilege', 'LocalizedName', 'RootComponent', 'Entity']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

function parse(file: string, xml: string): Node | ImportFailure {
  const problem = xmlProblem(xml);
  if (problem) return importInvalidXml(file, problem.line === undefined ? problem.message : `${problem.message} (line ${problem.line}, column ${problem.column ?? 0})`);
  return parser.parse(xml) as Node;
}

function child(node: unknown, name: string): Node | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const value = (node as Node)[name];
  return typeof value === 'object' && value !== null ? (value as Node) : undefined;
}

function textOf(node: unknown, name: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const value = (node as Node)[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Node)['#text'] === 'string') return (value as Node)['#text'] as string;
  return undefined;
}

function list(node: Node | undefined, name: string): Node[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as Node[]) : [];
}

export function parseSolutionPackage(files: SolutionFiles): SolutionPackage | ImportFailure {
  const solution = parse('solution.xml', files.solutionXml);
  if (isImportFailure(solution)) return solution;
  const contentTypes = parse('[Content_Types].xml', files.contentTypesXml);
  if (isImportFailure(contentTypes)) return contentTypes;
  const customizations = parse('customizations.xml', files.customizationsXml);
  if (isImportFailure(customizations)) return customizations;

  const manifest = child(child(solution, 'ImportExportXml'), 'SolutionManifest');
  if (!manifest) return importXsdValidation('solution.xml', "The element 'ImportExportXml' must contain 'SolutionManifest'.");
  const uniqueName = textOf(manifest, 'UniqueName');
  const version = textOf(manifest, 'Version');
  const managed = textOf(manifest, 'Managed');
  if (!uniqueName || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(uniqueName)) return importXsdValidation('solution.xml', `UniqueName '${uniqueName ?? ''}' is missing or invalid.`);
  if (!version || !/^\d+(\.\d+){1,3}$/.test(version)) return importXsdValidation('solution.xml', `Version '${version ?? ''}' is missing or not a version number.`);
  if (managed !== '0' && managed !== '1') return importXsdValidation('solution.xml', `Managed '${managed ?? ''}' must be 0 or 1.`);
  const friendlyName = list(child(manifest, 'LocalizedNames'), 'LocalizedName')[0]?.['@_description'];
  const publisher = textOf(child(manifest, 'Publisher'), 'UniqueName') ?? '';

  const root = child(customizations, 'ImportExportXml');
  if (!root && !('ImportExportXml' in customizations)) return importXsdValidation('customizations.xml', "The root element must be 'ImportExportXml'.");
  const roles: PackageRole[] = [];
  for (const role of list(child(root, 'Roles'), 'Role')) {
    const id = normalizeGuid(role['@_id']);
    const name = role['@_name'];
    if (!id || typeof name !== 'string' || name === '') return importXsdValidation('customizations.xml', `Role '${String(name)}' needs a GUID id and a name.`);
    const privileges: PackageRole['privileges'] = [];
    for (const privilege of list(child(role, 'RolePrivileges'), 'RolePrivilege')) {
      const privilegeName = privilege['@_name'];
      const level = privilege['@_level'];
      if (typeof privilegeName !== 'string' || !isLevel(level)) {
        return importXsdValidation('customizations.xml', `RolePrivilege '${String(privilegeName)}' of role ${name} has level '${String(level)}'; expected ${LEVELS.join(', ')}.`);
      }
      privileges.push({ name: privilegeName, level });
    }
    roles.push({ id, name, customizable: textOf(role, 'IsCustomizable') !== '0', privileges });
  }
  const tables: PackageTable[] = [];
  for (const entity of list(child(root, 'Entities'), 'Entity')) {
    const info = child(child(entity, 'EntityInfo'), 'entity');
    const schemaName = info?.['@_Name'];
    const ownership = tableOwnership(textOf(info, 'OwnershipTypeMask'), textOf(info, 'IsActivity'));
    if (typeof schemaName === 'string' && schemaName !== '' && ownership) tables.push({ schemaName, ownership });
  }
  const components: PackageComponent[] = list(child(manifest, 'RootComponents'), 'RootComponent').map((component) => {
    const id = normalizeGuid(component['@_id']);
    const schemaName = component['@_schemaName'];
    return { componentType: Number(component['@_type']), ...(id ? { id } : {}), ...(typeof schemaName === 'string' ? { schemaName } : {}) };
  });
  return { uniqueName, friendlyName: typeof friendlyName === 'string' && friendlyName ? friendlyName : uniqueName, version, managed: managed === '1', publisher, roles, tables, components };
}
