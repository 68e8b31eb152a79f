import { DvpkgError } from '../errors.js';
import { bracedGuid } from '../spec/guid.js';
import type { SolutionModel } from '../spec/model.js';
import { parseXml, XmlInputError, xmlList, xmlNode, type XmlNode } from '../util/xml.js';
import { loadTemplate, type Template } from './templates.js';

/** The three files at the root of every solution zip, in the order we write them. */
export const SOLUTION_FILES = ['solution.xml', 'customizations.xml', '[Content_Types].xml'] as const;
export type SolutionFileName = (typeof SOLUTION_FILES)[number];
export type RenderedSolution = Record<SolutionFileName, Buffer>;
export type SolutionTemplates = Record<SolutionFileName, Template>;

/**
 * Version stamps of the exporting platform. Import refuses a package newer than the
 * target org, so these stay at the lowest 9.2 build rather than today's.
 */
const IMPORT_EXPORT_VERSION = '9.2.0.0';
const SOLUTION_PACKAGE_VERSION = '9.2';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function loadSolutionTemplates(dir: string): Promise<SolutionTemplates> {
  // Settled, not Promise.all: with several templates missing, the error must name the first
  // in file order every time, not whichever read happened to fail first.
  const settled = await Promise.allSettled(SOLUTION_FILES.map((name) => loadTemplate(dir, `${name}.hbs`)));
  const templates: Partial<SolutionTemplates> = {};
  for (const [index, result] of settled.entries()) {
    if (result.status === 'rejected') throw result.reason;
    templates[SOLUTION_FILES[index]!] = result.value;
  }
  return templates as SolutionTemplates;
}

/** Every field a template may name, present even when empty: templates run in strict mode. */
export function templateContext(model: SolutionModel): object {
  return {
    importExportVersion: IMPORT_EXPORT_VERSION,
    solutionPackageVersion: SOLUTION_PACKAGE_VERSION,
    solution: {
      uniqueName: model.uniqueName,
      displayName: model.displayName,
      description: model.description,
      version: model.version,
      languageCode: model.languageCode,
    },
    publisher: model.publisher,
    addressNumbers: [1, 2],
    roles: model.roles.map((role) => ({
      id: bracedGuid(role.id),
      name: role.name,
      description: role.description,
      customizable: role.customizable ? 1 : 0,
      isInherited: role.isInherited ?? '',
      privileges: role.privileges,
    })),
  };
}

/** Dataverse writes CRLF line ends and no final newline; templates on disk use whatever git gives. */
function normalizeLines(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\n+$/, '').replace(/\n/g, '\r\n');
}

export function renderSolution(model: SolutionModel, templates: SolutionTemplates): RenderedSolution {
  const context = templateContext(model);
  const rendered = {} as RenderedSolution;
  for (const name of SOLUTION_FILES) {
    const text = normalizeLines(templates[name](context));
    const body = Buffer.from(text, 'utf8');
    // Dataverse exports [Content_Types].xml with a BOM and the other two without.
    rendered[name] = name === '[Content_Types].xml' ? Buffer.concat([BOM, body]) : body;
  }
  checkRendered(model, rendered);
  return rendered;
}


/**
 * Parses every rendered file back and checks it still says what the model says,
 * so an overridden template cannot silently drop a role or a privilege.
 */
function checkRendered(model: SolutionModel, rendered: RenderedSolution): void {
  const parsed = {} as Record<SolutionFileName, XmlNode>;
  for (const name of SOLUTION_FILES) {
    try {
      parsed[name] = parseXml(rendered[name].toString('utf8'), { arrays: ['Role', 'RolePrivilege', 'RootComponent'] });
    } catch (error) {
      const detail = error instanceof XmlInputError ? `${error.message}${error.line ? ` at line ${error.line}, column ${error.column}` : ''}` : String(error);
      throw new DvpkgError('DVPKG_TEMPLATE_INVALID', `rendered ${name} is not well-formed XML: ${detail}`);
    }
  }
  const fail = (what: string) => {
    throw new DvpkgError('DVPKG_TEMPLATE_INVALID', `rendered solution does not match the spec: ${what}`);
  };
  const manifest = xmlNode(xmlNode(parsed['solution.xml']['ImportExportXml'])['SolutionManifest']);
  if (manifest['UniqueName'] !== model.uniqueName) fail(`solution.xml UniqueName is ${JSON.stringify(manifest['UniqueName'])}, expected ${model.uniqueName}`);
  if (manifest['Version'] !== model.version) fail(`solution.xml Version is ${JSON.stringify(manifest['Version'])}, expected ${model.version}`);
  if (manifest['Managed'] !== '1') fail('solution.xml Managed must be 1');
  const rootIds = xmlList(xmlNode(manifest['RootComponents'])['RootComponent']).map((c) => xmlNode(c)['@_id']);
  const roles = xmlList(xmlNode(xmlNode(parsed['customizations.xml']['ImportExportXml'])['Roles'])['Role']).map(xmlNode);
  if (roles.length !== model.roles.length) fail(`customizations.xml has ${roles.length} roles, expected ${model.roles.length}`);
  model.roles.forEach((role, index) => {
    const xmlRole = roles[index]!;
    const id = bracedGuid(role.id);
    if (xmlRole['@_id'] !== id || xmlRole['@_name'] !== role.name) fail(`role ${index + 1} is ${JSON.stringify(xmlRole['@_name'])} ${String(xmlRole['@_id'])}, expected ${JSON.stringify(role.name)} ${id}`);
    if (!rootIds.includes(id)) fail(`solution.xml has no RootComponent for role ${id}`);
    const privileges = xmlList(xmlNode(xmlRole['RolePrivileges'])['RolePrivilege']).map((p) => `${String(xmlNode(p)['@_name'])}=${String(xmlNode(p)['@_level'])}`);
    const expected = role.privileges.map((p) => `${p.name}=${p.level}`);
    if (privileges.join('\n') !== expected.join('\n')) fail(`role ${JSON.stringify(role.name)} privileges differ from the spec`);
  });
}

export async function renderWithTemplatesDir(model: SolutionModel, dir: string): Promise<RenderedSolution> {
  return renderSolution(model, await loadSolutionTemplates(dir));
}
