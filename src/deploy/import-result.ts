import { parseXml } from '../util/xml.js';

/** Failures named in an import job's `data` XML: which component, which code, what text. */
export interface ImportFailure {
  component: string;
  code: string;
  text: string;
}

type Node = Record<string, unknown>;

function describe(element: string, node: Node): string {
  const name = node['@_name'] ?? node['@_id'] ?? node['@_LocalizedName'] ?? node['UniqueName'];
  return typeof name === 'string' && name !== '' ? `${element} "${name}"` : element;
}

export function importFailures(data: string | null | undefined): ImportFailure[] {
  if (!data) return [];
  let root: Node;
  try {
    root = parseXml(data);
  } catch {
    return [{ component: 'import job', code: '', text: 'the import job log could not be read' }];
  }
  const failures: ImportFailure[] = [];
  const visit = (node: unknown, element: string) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, element);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Node;
    const results = Array.isArray(obj['result']) ? obj['result'] : obj['result'] === undefined ? [] : [obj['result']];
    for (const result of results as Node[]) {
      if (result && result['@_result'] === 'failure') {
        failures.push({ component: describe(element, obj), code: String(result['@_errorcode'] ?? ''), text: String(result['@_errortext'] ?? '') });
      }
    }
    for (const [key, value] of Object.entries(obj)) if (key !== 'result' && !key.startsWith('@_')) visit(value, key);
  };
  visit(root, 'import');
  return failures;
}
