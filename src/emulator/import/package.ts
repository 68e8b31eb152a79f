/** Parsing solution.xml and customizations.xml into what import applies (solution-format.md §1.4, §1.5, §2). */
import { XMLParser } from 'fast-xml-parser';
import { importInvalidXml, importXsdValidation, isImportFailure, type ImportFailure } from '../wire-errors.js';
import { LEVELS, isLevel, type Level } from '../levels.js';
import { normalizeGuid } from '../support/guid.js';
import { xmlProblem } from '../support/xml-gate.js';
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
  /** `@behavior`: solutioncomponent.rootcomponentbehavior (0 include subcomponents, 1 do not, 2 shell only). */
  behavior?: number;
}

/** The attributes of a `MissingDependency`'s `Required` or `Dependent` element, in document order, names as written. */
export type DependencyNode = Array<[string, string]>;

/** One solution.xml `MissingDependencies/MissingDependency` (packages-research.md Q2.1). */
export interface PackageDependency {
  required: DependencyNode;
  dependent: DependencyNode;
  /** `Required/@solution`: "UniqueName (version)", or "Active" (the component was in no managed solution at export). */
  solution: string;
}

/**
 * A `customizations.xml` `connectionreferences/connectionreference` (its attribute and child elements carry the
 * table's column names, mpa_Kudos_managed.zip): not a root component in real exports. No connection id: a
 * connection belongs to the environment, not the solution.
 */
export interface PackageConnectionReference {
  logicalName: string;
  displayName: string | null;
  connectorId: string | null;
  description: string | null;
}

/**
 * `environmentvariabledefinitions/<schemaname>/environmentvariabledefinition.xml` (elements named as the table's
 * columns, mpa_AccountassistantforSAP_1_0_0_0_managed.zip) and the current value of `environmentvariablevalues.json`
 * beside it (`{"environmentvariablevalues":{"environmentvariablevalue":{…}}}`, when the export kept one).
 */
export interface PackageEnvironmentVariable {
  schemaName: string;
  displayName: string | null;
  description: string | null;
  /** environmentvariabledefinition.type: 100000000 String … 100000005 Secret. */
  type: number | null;
  defaultValue: string | null;
  isRequired: boolean;
  secretStore: number | null;
  value?: { id?: string; schemaName?: string; value: string | null };
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
  /** solution.xml `MissingDependencies`: what the target org must already hold. */
  dependencies: PackageDependency[];
  /** Connection references customizations.xml defines. */
  connectionReferences: PackageConnectionReference[];
  /** Environment variable definitions found as `environmentvariabledefinitions/<schemaname>/…` entries of the zip. */
  environmentVariableDefinitions: PackageEnvironmentVariable[];
}

type Node = Record<string, unknown>;

const ARRAYS = new Set(['Role', 'RolePrivilege', 'LocalizedName', 'RootComponent', 'Entity', 'MissingDependency', 'connectionreference']);

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

/** An element's attributes as [name, value] pairs in document order (fast-xml-parser keeps insertion order). */
function attributes(node: Node | undefined): DependencyNode {
  if (!node) return [];
  return Object.entries(node)
    .filter(([key, value]) => key.startsWith('@_') && typeof value === 'string')
    .map(([key, value]) => [key.slice(2), value as string]);
}

function list(node: Node | undefined, name: string): Node[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as Node[]) : [];
}

/** A localized column as exported: `<displayname default="…"><label description="…" languagecode="1033" /></displayname>`. */
function label(node: Node | undefined, name: string): string | null {
  const element = child(node, name);
  const value = element?.['@_default'] ?? child(element, 'label')?.['@_description'];
  return typeof value === 'string' ? value : null;
}

function integer(text: string | undefined): number | null {
  return text !== undefined && /^-?\d+$/.test(text.trim()) ? Number(text) : null;
}

/** `environmentvariablevalues.json`: one value object or a list of them (the first is the definition's value). */
function currentValue(file: string, json: string): PackageEnvironmentVariable['value'] | ImportFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return importXsdValidation(file, 'The file is not valid JSON.');
  }
  const holder = (parsed as { environmentvariablevalues?: { environmentvariablevalue?: unknown } } | null)?.environmentvariablevalues?.environmentvariablevalue;
  const first = (Array.isArray(holder) ? holder[0] : holder) as Record<string, unknown> | undefined;
  if (typeof first !== 'object' || first === null) return undefined;
  const id = normalizeGuid(first.environmentvariablevalueid);
  return {
    ...(id ? { id } : {}),
    ...(typeof first.schemaname === 'string' ? { schemaName: first.schemaname } : {}),
    value: typeof first.value === 'string' ? first.value : null,
  };
}

/** One definition per `environmentvariabledefinitions/<folder>/`; the XML's `schemaname` wins over the folder name. */
function environmentVariables(files: SolutionFiles): PackageEnvironmentVariable[] | ImportFailure {
  const folders = [...new Set((files.entryNames ?? [])
    .map((name) => /^environmentvariabledefinitions\/([^/]+)\//i.exec(name)?.[1])
    .filter((name): name is string => name !== undefined && name !== ''))];
  const contents = Object.entries(files.environmentVariableFiles ?? {});
  const fileOf = (folder: string, name: string) => contents.find(([entry]) => entry.toLowerCase() === `environmentvariabledefinitions/${folder}/${name}`.toLowerCase());
  const definitions: PackageEnvironmentVariable[] = [];
  for (const folder of folders) {
    const xmlFile = fileOf(folder, 'environmentvariabledefinition.xml');
    const parsed = xmlFile ? parse(xmlFile[0], xmlFile[1]) : {};
    if (isImportFailure(parsed)) return parsed;
    const node = child(parsed, 'environmentvariabledefinition');
    const schemaName = node?.['@_schemaname'];
    const jsonFile = fileOf(folder, 'environmentvariablevalues.json');
    const value = jsonFile ? currentValue(jsonFile[0], jsonFile[1]) : undefined;
    if (isImportFailure(value)) return value;
    definitions.push({
      schemaName: typeof schemaName === 'string' && schemaName !== '' ? schemaName : folder,
      displayName: label(node, 'displayname'),
      description: label(node, 'description'),
      type: integer(textOf(node, 'type')),
      defaultValue: textOf(node, 'defaultvalue') || null,
      isRequired: textOf(node, 'isrequired') === '1',
      secretStore: integer(textOf(node, 'secretstore')),
      ...(value ? { value } : {}),
    });
  }
  return definitions;
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
    const behavior = Number(component['@_behavior']);
    return { componentType: Number(component['@_type']), ...(id ? { id } : {}), ...(typeof schemaName === 'string' ? { schemaName } : {}), ...(component['@_behavior'] !== undefined && Number.isInteger(behavior) ? { behavior } : {}) };
  });
  const dependencies: PackageDependency[] = list(child(manifest, 'MissingDependencies'), 'MissingDependency').map((dependency) => {
    const required = attributes(child(dependency, 'Required'));
    return { required, dependent: attributes(child(dependency, 'Dependent')), solution: required.find(([name]) => name === 'solution')?.[1] ?? '' };
  });
  const connectionReferences = list(child(root, 'connectionreferences'), 'connectionreference')
    .filter((reference) => typeof reference['@_connectionreferencelogicalname'] === 'string' && reference['@_connectionreferencelogicalname'] !== '')
    .map((reference) => ({
      logicalName: reference['@_connectionreferencelogicalname'] as string,
      displayName: textOf(reference, 'connectionreferencedisplayname') ?? null,
      connectorId: textOf(reference, 'connectorid') ?? null,
      description: textOf(reference, 'description') ?? null,
    }));
  const environmentVariableDefinitions = environmentVariables(files);
  if (isImportFailure(environmentVariableDefinitions)) return environmentVariableDefinitions;
  return {
    uniqueName,
    friendlyName: typeof friendlyName === 'string' && friendlyName ? friendlyName : uniqueName,
    version,
    managed: managed === '1',
    publisher,
    roles,
    tables,
    components,
    dependencies,
    connectionReferences,
    environmentVariableDefinitions,
  };
}
