import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Every XML reader in dvpkg goes through here so the same limits apply everywhere:
 * no DOCTYPE (so no entity expansion, internal or external), a size cap, and
 * syntax errors reported with line and column.
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
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function parseXml(text: string, options: ParseXmlOptions = {}): Record<string, unknown> {
  if (text.length > MAX_XML_BYTES) throw new XmlInputError(`XML is larger than ${MAX_XML_BYTES} bytes`);
  const source = stripBom(text);
  if (/<!DOCTYPE/i.test(source)) throw new XmlInputError('XML with a DOCTYPE is not accepted (no DTDs or entity declarations)');
  const check = XMLValidator.validate(source);
  if (check !== true) throw new XmlInputError(check.err.msg, check.err.line, check.err.col);
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
  return parser.parse(source) as Record<string, unknown>;
}
