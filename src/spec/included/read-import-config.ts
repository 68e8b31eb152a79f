import type { Problem } from '../../errors.js';
import { xmlList, xmlNode } from '../../util/xml.js';
import type { ImportOptions } from './model.js';
import { parseXmlOrProblem, textOf } from './xml-fields.js';

/**
 * `ImportConfig.xml` `configdatastorage/solutions/configsolutionfile` (importconfig-reference.md,
 * packages-research.md Q2.4): the solution files in the order Package Deployer imports them
 * (inferred: the reference lists them without saying so; the pac template says "The order of these
 * elements is significant as it indicates the order in which solutions will be installed").
 */

export interface ConfigSolutionFile {
  /** `solutionpackagefilename`, a file name in the package's data folder. */
  fileName: string;
  options: ImportOptions;
}

export function readImportConfig(text: string, file: string, problems: Problem[]): ConfigSolutionFile[] | undefined {
  const root = parseXmlOrProblem(text, file, ['configsolutionfile'], problems);
  if (!root) return undefined;
  const items = xmlList(xmlNode(xmlNode(root['configdatastorage'])['solutions'])['configsolutionfile']).map(xmlNode);
  const entries: ConfigSolutionFile[] = [];
  items.forEach((item, index) => {
    const at = `solutions.configsolutionfile[${index}]`;
    const fileName = textOf(item['@_solutionpackagefilename'])?.trim();
    if (!fileName) {
      problems.push({ severity: 'error', file, path: `${at}.solutionpackagefilename`, value: undefined, expected: 'a solution file name (the attribute is required)' });
      return;
    }
    const options: ImportOptions = {};
    const overwrite = flag(item['@_overwriteunmanagedcustomizations'], `${at}.overwriteunmanagedcustomizations`, file, problems);
    const publish = flag(item['@_publishworkflowsandactivateplugins'], `${at}.publishworkflowsandactivateplugins`, file, problems);
    if (overwrite !== undefined) options.overwriteUnmanagedCustomizations = overwrite;
    if (publish !== undefined) options.publishWorkflowsAndActivatePlugins = publish;
    entries.push({ fileName, options });
  });
  return entries;
}

function flag(value: unknown, path: string, file: string, problems: Problem[]): boolean | undefined {
  const text = textOf(value)?.trim().toLowerCase();
  if (text === undefined) return undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  problems.push({ severity: 'error', file, path, value: textOf(value), expected: 'true or false' });
  return undefined;
}
