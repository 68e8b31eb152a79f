import type { Problem } from '../../errors.js';
import { describeComponent, type RootComponent } from '../components.js';
import { compareVersions } from '../model.js';
import { xmlList, xmlNode, type XmlNode } from '../../util/xml.js';
import type { RequiredComponent, SolutionManifest, SolutionRequirement } from './model.js';
import { parseXmlOrProblem, textOf } from './xml-fields.js';

/**
 * solution.xml of an exported zip: identity, publisher, `<Managed>`, root components and
 * `MissingDependencies` (shape in packages-research.md Q2.1, and the Kudos export).
 */

const ARRAYS = ['LocalizedName', 'RootComponent', 'MissingDependency'];
/** `Required/@solution` for a component that was unmanaged or in no solution in the source org. */
const UNMANAGED_SOLUTION = 'Active';
const SOLUTION_AND_VERSION = /^(.+?)\s*\(([^()]*)\)$/;

export function readSolutionManifest(text: string, file: string, problems: Problem[]): SolutionManifest | undefined {
  const root = parseXmlOrProblem(text, file, ARRAYS, problems);
  if (!root) return undefined;
  const xml = xmlNode(root['ImportExportXml']);
  const manifest = xmlNode(xml['SolutionManifest']);
  const languageCode = textOf(xml['@_languagecode']);
  const publisher = xmlNode(manifest['Publisher']);
  const uniqueName = required(manifest, 'UniqueName', file, problems);
  const version = required(manifest, 'Version', file, problems);
  const prefix = required(publisher, 'CustomizationPrefix', file, problems, 'Publisher.');
  if (uniqueName === undefined || version === undefined || prefix === undefined) return undefined;
  const { requires, requiresUnmanaged } = requirementsOf(manifest);
  return {
    uniqueName,
    version,
    displayName: localized(manifest, languageCode) ?? uniqueName,
    publisher: {
      uniqueName: textOf(publisher['UniqueName']) ?? '',
      displayName: localized(publisher, languageCode) ?? '',
      prefix,
    },
    managed: textOf(manifest['Managed'])?.trim() === '1',
    rootComponents: rootComponentsOf(manifest),
    requires,
    requiresUnmanaged,
  };
}

function required(node: XmlNode, field: string, file: string, problems: Problem[], at = ''): string | undefined {
  const value = textOf(node[field])?.trim();
  if (value) return value;
  problems.push({ severity: 'error', file, path: `SolutionManifest.${at}${field}`, value: undefined, expected: `a ${field} (is this a solution exported from Dataverse?)` });
  return undefined;
}

function localized(node: XmlNode, languageCode: string | undefined): string | undefined {
  const names = xmlList(xmlNode(node['LocalizedNames'])['LocalizedName']).map(xmlNode);
  const match = names.find((name) => name['@_languagecode'] === languageCode) ?? names[0];
  return match ? textOf(match['@_description']) : undefined;
}

function rootComponentsOf(manifest: XmlNode): RootComponent[] {
  return xmlList(xmlNode(manifest['RootComponents'])['RootComponent']).map((item, index) => {
    const node = xmlNode(item);
    return { index, type: textOf(node['@_type']) ?? '', name: textOf(node['@_schemaName']) ?? textOf(node['@_id']) ?? '', behavior: textOf(node['@_behavior']) ?? '0' };
  });
}

/** Some exports key a component by `id.<field>` attributes instead of schemaName or id (the Kudos SettingDefinition). */
function componentName(node: XmlNode): string {
  const keyed = Object.entries(node).find(([key]) => key.startsWith('@_id.'));
  return textOf(node['@_schemaName']) ?? textOf(node['@_id']) ?? (keyed ? textOf(keyed[1]) : undefined) ?? textOf(node['@_displayName']) ?? '';
}

/** "Information (Opt-out User)": a form's display name alone does not say which table it belongs to. */
function dependentName(node: XmlNode): string {
  const name = textOf(node['@_displayName']) ?? componentName(node);
  const parent = textOf(node['@_parentDisplayName']);
  return parent ? `${name} (${parent})` : name;
}

function requirementsOf(manifest: XmlNode): Pick<SolutionManifest, 'requires' | 'requiresUnmanaged'> {
  const bySolution = new Map<string, SolutionRequirement>();
  const requiresUnmanaged: RequiredComponent[] = [];
  for (const item of xmlList(xmlNode(manifest['MissingDependencies'])['MissingDependency'])) {
    const required = xmlNode(xmlNode(item)['Required']);
    const dependent = xmlNode(xmlNode(item)['Dependent']);
    const component: RequiredComponent = {
      type: textOf(required['@_type']) ?? '',
      name: componentName(required),
      displayName: textOf(required['@_displayName']) ?? '',
      neededBy: describeComponent({ type: textOf(dependent['@_type']) ?? '', name: dependentName(dependent), behavior: '0' }),
    };
    const solution = textOf(required['@_solution'])?.trim() ?? '';
    if (solution === UNMANAGED_SOLUTION || solution === '') {
      requiresUnmanaged.push(component);
      continue;
    }
    const match = SOLUTION_AND_VERSION.exec(solution);
    const uniqueName = match ? match[1]! : solution;
    const version = match?.[2]?.trim() || undefined;
    const key = uniqueName.toLowerCase();
    const entry = bySolution.get(key) ?? { uniqueName, components: [] };
    if (version !== undefined && (entry.minVersion === undefined || compareVersions(version, entry.minVersion) > 0)) entry.minVersion = version;
    entry.components.push(component);
    bySolution.set(key, entry);
  }
  return { requires: [...bySolution.values()], requiresUnmanaged };
}
