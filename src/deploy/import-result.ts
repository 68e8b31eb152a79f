import { parseXml } from '../util/xml.js';

/** What an import job's `data` XML says: whether it succeeded, and which component failed with which code and text. */
export interface ImportFailure {
  component: string;
  code: string;
  text: string;
}

export interface ImportResult {
  /** Root `@succeeded`; undefined when the log has none (yet). */
  succeeded?: boolean;
  /** Root `@status`: ServiceClient takes it as the error text of a failed import (DeploymentExtensions.cs). */
  status?: string;
  failures: ImportFailure[];
}

type Node = Record<string, unknown>;

function describe(element: string, node: Node): string {
  const name = node['@_name'] ?? node['@_id'] ?? node['@_LocalizedName'] ?? node['UniqueName'];
  return typeof name === 'string' && name !== '' ? `${element} "${name}"` : element;
}

export function readImportResult(data: string | null | undefined): ImportResult {
  if (!data) return { failures: [] };
  let root: Node;
  try {
    root = parseXml(data);
  } catch {
    return { failures: [{ component: 'import job', code: '', text: 'the import job log could not be read' }] };
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
  const top = Object.values(root).find((v): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v));
  const succeeded = top?.['@_succeeded'];
  const status = top?.['@_status'];
  return {
    ...(typeof succeeded === 'string' ? { succeeded: succeeded.toLowerCase() !== 'failure' } : {}),
    ...(typeof status === 'string' && status !== '' ? { status } : {}),
    failures,
  };
}
