import type { Problem } from '../../errors.js';
import { parseXml, XmlInputError, xmlNode, type XmlNode } from '../../util/xml.js';

/** Shared by the readers of solution.xml, customizations.xml, ImportConfig.xml and .csproj files. */

/** An element's or attribute's text, whether the parser gave a string or an element with attributes. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const inner = xmlNode(value)['#text'];
  return typeof inner === 'string' ? inner : undefined;
}

/** Parses or records a problem naming the file (and line, when the parser knows it). */
export function parseXmlOrProblem(text: string, file: string, arrays: readonly string[], problems: Problem[], skip: readonly string[] = []): XmlNode | undefined {
  try {
    return parseXml(text, { arrays, skip });
  } catch (error) {
    if (!(error instanceof XmlInputError)) throw error;
    const at = error.line === undefined ? '' : `:${error.line}${error.column === undefined ? '' : `:${error.column}`}`;
    problems.push({ severity: 'error', file: `${file}${at}`, path: '', value: undefined, expected: `well-formed XML (${error.message})` });
    return undefined;
  }
}
