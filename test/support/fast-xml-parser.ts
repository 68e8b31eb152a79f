import { XMLParser } from 'fast-xml-parser';
import { decodeXmlText } from '../../src/util/xml.js';

/** How dvpkg configured fast-xml-parser before it had its own reader: the shape its XML callers were written against. */
export function fastXmlParser(text: string, arrays: readonly string[] = []): unknown {
  const always = new Set(arrays);
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => always.has(name),
    tagValueProcessor: (_name, value) => decodeXmlText(value),
    attributeValueProcessor: (_name, value) => decodeXmlText(value),
  }).parse(text.replace(/^\ufeff/, ''));
}
