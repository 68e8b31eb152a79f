/**
 * The XML the emulator agrees to parse from a solution package. Dataverse refuses DTDs (0x8004802C, invalid
 * XML); the gate refuses any DOCTYPE or ENTITY declaration, then lets only the five predefined entities
 * (XML 1.0 §4.6) and character references to characters XML 1.0 allows (§2.2 Char) through, then checks
 * well-formedness. fast-xml-parser never expands entities here (processEntities is off in package.ts).
 */
import { XMLValidator } from 'fast-xml-parser';

export interface XmlProblem {
  message: string;
  /** Absent for a refused declaration: the whole document is refused, not a place in it. */
  line?: number;
  column?: number;
}

const PREDEFINED = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

/** XML 1.0 §2.2: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** CDATA sections and comments hold `&` literally; blank them out (same length, so positions hold). */
function markupOnly(xml: string): string {
  return xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (section) => section.replace(/[^\n]/g, ' '));
}

function badReference(xml: string): XmlProblem | undefined {
  const references = /&([^;\s<&]*);?/g;
  const text = markupOnly(xml);
  for (let match = references.exec(text); match; match = references.exec(text)) {
    const [whole, body = ''] = match;
    const where = position(xml, match.index);
    if (!whole.endsWith(';')) return { message: `'&' must start an entity or character reference ending in ';'`, ...where };
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      if (!isXmlChar(code)) return { message: `character reference &${body}; names a character XML does not allow`, ...where };
      continue;
    }
    if (!PREDEFINED.has(body)) return { message: `"&${body};" is not a defined entity (only lt, gt, amp, quot and apos are)`, ...where };
  }
  return undefined;
}

/** undefined when the text may be parsed, else the first problem found. */
export function xmlProblem(xml: string): XmlProblem | undefined {
  const declaration = /<!(DOCTYPE|ENTITY)/i.exec(markupOnly(xml));
  if (declaration) return { message: 'DTDs and entity declarations are not allowed' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { message: valid.err.msg, line: valid.err.line, column: valid.err.col };
  return badReference(xml);
}
