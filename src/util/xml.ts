import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Every XML reader in dvpkg goes through here so the same limits apply everywhere:
 * no DOCTYPE (so no entity expansion, internal or external), no entity but the five
 * XML defines, one root element, a size cap, and syntax errors reported with line and column.
 */

export const MAX_XML_BYTES = 32 * 1024 * 1024;

export class XmlInputError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references, nothing else. */
export function decodeXmlText(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return XML_ENTITIES[body] ?? whole;
  });
}

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** Characters XML 1.0 cannot carry at all, even escaped. */
export const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export interface ParseXmlOptions {
  /** Element names that are always arrays, even with one child. */
  arrays?: readonly string[];
  /**
   * Elements whose content the caller does not need (forms, views, ribbons of a large export): cut
   * out before the document is validated and parsed, which is most of the time a real export takes.
   * What is read is still validated; what is cut is Dataverse's to check at import. Should the cut
   * not find an element's end, the whole document is validated, and the validator says what is wrong.
   */
  skip?: readonly string[];
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** A code point XML 1.0 allows in a document (its production `Char`). */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/**
 * The first `&` that does not start one of the five XML entities or a character reference to an
 * allowed character. Without a DTD nothing else is declared, so such a document is not well-formed,
 * but fast-xml-parser's validator lets it through. `&` is plain text in comments, CDATA sections and
 * processing instructions, so those are stepped over. Meant for text the validator accepted, where
 * every comment is closed: each unclosed one costs a scan to the end.
 */
export function findBadReference(source: string): XmlInputError | undefined {
  const tokens = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|&/g;
  for (let match = tokens.exec(source); match; match = tokens.exec(source)) {
    if (match[0] !== '&') continue;
    const reference = /^&(?:(amp|lt|gt|quot|apos)|#x([0-9a-fA-F]{1,8})|#([0-9]{1,10}));/.exec(source.slice(match.index, match.index + 14));
    const hex = reference?.[2];
    const decimal = reference?.[3];
    const code = hex !== undefined ? parseInt(hex, 16) : decimal !== undefined ? parseInt(decimal, 10) : undefined;
    if (reference && (code === undefined || isXmlChar(code))) continue;
    const shown = /^&[^\s;<&]{0,20};?/.exec(source.slice(match.index, match.index + 24))?.[0] ?? '&';
    const { line, column } = lineColumn(source, match.index);
    return new XmlInputError(`"${shown}" is not a defined entity or an allowed character reference (only &amp; &lt; &gt; &quot; &apos; and &#...; are)`, line, column);
  }
  return undefined;
}

/** The validator lets a second root element through when one of them is empty (`<Role>…</Role><Role/>`). */
function checkSingleRoot(parsed: Record<string, unknown>): void {
  const roots = Object.entries(parsed).flatMap(([name, value]) => (Array.isArray(value) ? value.map(() => name) : [name]));
  if (roots.length > 1) throw new XmlInputError(`expected one root element, found ${roots.map((r) => `<${r}>`).join(', ')}`);
}

/** fast-xml-parser reports unclosed elements as "Invalid '[ "a", "b" ]' found." at 1:1, which names neither. */
function validatorError(err: { msg: string; line: number; col?: number }): XmlInputError {
  const unclosed = /^Invalid '\[(.*)\]' found\.$/s.exec(err.msg);
  if (unclosed) {
    const names = [...unclosed[1]!.matchAll(/"([^"]*)"/g)].map((m) => `<${m[1]}>`);
    return new XmlInputError(`the document ends before ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} closed (is the file cut short?)`);
  }
  return new XmlInputError(err.msg, err.line, err.col);
}

/**
 * `source` with each element named in `names` emptied (`<FormXml/>`), its line breaks kept so the
 * validator's line numbers still point into the file; comments, CDATA and processing instructions are
 * stepped over. Undefined when an element is not closed.
 */
export function withoutElements(source: string, names: readonly string[]): string | undefined {
  if (names.length === 0) return source;
  const tokens = new RegExp(`<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|<\\?[\\s\\S]*?\\?>|<(/?)(${names.join('|')})(?=[\\s/>])((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>`, 'g');
  let out = '';
  let from = 0;
  let depth = 0;
  let start = 0;
  let open = '';
  for (let match = tokens.exec(source); match; match = tokens.exec(source)) {
    const [, closing, name, , selfClosing] = match;
    if (name === undefined || (depth > 0 && name !== open)) continue;
    if (depth === 0) {
      if (closing || selfClosing) continue;
      [depth, start, open] = [1, match.index, name];
      continue;
    }
    depth += closing ? -1 : selfClosing ? 0 : 1;
    if (depth > 0) continue;
    const end = match.index + match[0].length;
    let breaks = 0;
    for (let i = start; i < end; i++) if (source.charCodeAt(i) === 10) breaks++;
    out += `${source.slice(from, start)}<${open}/>${'\n'.repeat(breaks)}`;
    from = end;
  }
  return depth === 0 ? out + source.slice(from) : undefined;
}

export function parseXml(text: string, options: ParseXmlOptions = {}): Record<string, unknown> {
  if (text.length > MAX_XML_BYTES) throw new XmlInputError(`XML is larger than ${MAX_XML_BYTES} bytes`);
  const whole = stripBom(text);
  if (/<!DOCTYPE/i.test(whole)) throw new XmlInputError('XML with a DOCTYPE is not accepted (no DTDs or entity declarations)');
  const source = withoutElements(whole, options.skip ?? []) ?? whole;
  const check = XMLValidator.validate(source);
  if (check !== true) throw validatorError(check.err);
  const badReference = findBadReference(source);
  if (badReference) throw badReference;
  const arrays = new Set(options.arrays ?? []);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => arrays.has(name),
    tagValueProcessor: (_name, value) => decodeXmlText(value),
    attributeValueProcessor: (_name, value) => decodeXmlText(value),
  });
  const parsed = parser.parse(source) as Record<string, unknown>;
  checkSingleRoot(parsed);
  return parsed;
}

export type XmlNode = Record<string, unknown>;

/** A parsed element as an object; anything else (text, missing) as an empty one. */
export function xmlNode(value: unknown): XmlNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as XmlNode) : {};
}

/** Repeated elements as a list, whether the parser gave one, many, or an empty element. */
export function xmlList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
}
