import type { Problem } from '../../errors.js';
import type { ConnectionReferenceModel, EnvironmentVariableModel } from '../model.js';
import { xmlNode, type XmlNode } from '../../util/xml.js';
import type { ZipReader } from '../../zip/read.js';
import { MAX_JSON_ENTRY_BYTES, MAX_XML_ENTRY_BYTES } from './limits.js';
import type { Customizations } from './read-customizations.js';
import { parseXmlOrProblem, textOf } from './xml-fields.js';

/**
 * The deployment settings a solution zip brings: its environment variable definitions (one file each,
 * `environmentvariabledefinitions/<schema>/environmentvariabledefinition.xml`, not in customizations.xml)
 * and its connection references with the cloud flows that use them (each flow's `Workflows/*.json`
 * names the references as `connectionReferenceLogicalName`).
 */

const DEFINITION = /^environmentvariabledefinitions\/([^/]+)\/environmentvariabledefinition\.xml$/i;
const STRING_TYPE = 100000000;

export function readDeclaredSettings(
  zip: ZipReader,
  customizations: Pick<Customizations, 'references' | 'flows'>,
  shown: string,
  problems: Problem[],
): { environmentVariables: EnvironmentVariableModel[]; connectionReferences: ConnectionReferenceModel[] } {
  const environmentVariables: EnvironmentVariableModel[] = [];
  for (const name of zip.names) {
    const folder = DEFINITION.exec(name)?.[1];
    if (!folder) continue;
    const text = zip.read(name, MAX_XML_ENTRY_BYTES, name).toString('utf8');
    const root = parseXmlOrProblem(text, `${shown}: ${name}`, [], problems);
    if (root) environmentVariables.push(definition(xmlNode(root['environmentvariabledefinition']), folder));
  }
  const usedBy = new Map<string, string[]>();
  for (const flow of customizations.flows) {
    const entry = zip.find(flow.file);
    if (!entry) continue;
    // Only the names are wanted: a pattern over the text is enough and does not trust the JSON's shape.
    const text = zip.read(entry, MAX_JSON_ENTRY_BYTES, entry).toString('utf8');
    for (const match of text.matchAll(/"connectionReferenceLogicalName"\s*:\s*"([^"\\]+)"/g)) {
      const key = match[1]!.toLowerCase();
      const flows = usedBy.get(key) ?? [];
      if (!flows.includes(flow.name)) flows.push(flow.name);
      usedBy.set(key, flows);
    }
  }
  const connectionReferences = customizations.references.map((reference) => ({ ...reference, flows: usedBy.get(reference.logicalName.toLowerCase()) ?? [] }));
  return { environmentVariables, connectionReferences };
}

/** `@schemaname` wins over the folder name, as Dataverse reads it; a label stands in for a missing `@default`. */
function definition(node: XmlNode, folder: string): EnvironmentVariableModel {
  const schemaName = textOf(node['@_schemaname']) ?? folder;
  const label = (field: string) => {
    const element = xmlNode(node[field]);
    return textOf(element['@_default']) ?? textOf(xmlNode(element['label'])['@_description']);
  };
  const type = Number(textOf(node['type']) ?? STRING_TYPE);
  const defaultValue = textOf(node['defaultvalue']);
  return {
    schemaName,
    displayName: label('displayname') ?? schemaName,
    description: label('description') ?? '',
    type: Number.isInteger(type) ? type : STRING_TYPE,
    ...(defaultValue !== undefined && defaultValue !== '' ? { defaultValue } : {}),
  };
}
