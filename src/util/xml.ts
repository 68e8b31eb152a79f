/**
 * Every XML reader in dvpkg goes through here so the same limits apply everywhere:
 * no DOCTYPE (so no entity expansion, internal or external), no entity but the five
 * XML defines, one root element, a size cap, and syntax errors reported with line and column.
 *
 * The reader is our own single pass (readDocument): it checks what XML 1.0 requires of a well-formed
 * document and builds the object shape fast-xml-parser gave dvpkg's callers (attributes as `@_name`,
 * text beside children or attributes as `#text`, repeated elements as arrays, an empty element as `''`).
 */

export const MAX_XML_BYTES = 32 * 1024 * 1024;

/** fast-xml-parser refused deeper documents, and callers walk the tree recursively, so the cap stays. */
const MAX_DEPTH = 100;

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
    const code = body.startsWith('#x') ? parseInt(body.slice(2), 16) : body.startsWith('#') ? parseInt(body.slice(1), 10) : undefined;
    // Only CDATA content reaches here unchecked (readDocument); a reference to no code point stays as written.
    if (code !== undefined) return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    return XML_ENTITIES[body] ?? whole;
  });
}

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** Characters XML 1.0 cannot carry at all, even escaped. */
export const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** The same, and every UTF-16 surrogate: a pair is let through by checkCharacters, a lone one encodes no character. */
const FORBIDDEN_OR_SURROGATE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/g;

export interface ParseXmlOptions {
  /** Element names that are always arrays, even with one child. */
  arrays?: readonly string[];
  /**
   * Elements whose content the caller does not need (forms, views, ribbons of a large export): read
   * and checked like the rest of the document, but nothing is built for them, which would be most of
   * the time a real export takes. Each appears as `''`, attributes and all.
   */
  skip?: readonly string[];
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// Which ASCII characters may start (2) or continue (1 or 2) an XML name.
const NAME_ASCII = new Uint8Array(128);
for (const c of ':ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz') NAME_ASCII[c.charCodeAt(0)] = 2;
for (const c of '-.0123456789') NAME_ASCII[c.charCodeAt(0)] = 1;

/** XML 1.0's NameStartChar (or NameChar) above ASCII, without the supplementary planes, which fast-xml-parser did not accept either. */
function isNameCharAboveAscii(c: number, start: boolean): boolean {
  if ((c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff)) return true;
  if (c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff)) return true;
  if ((c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd)) return true;
  return !start && (c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040);
}

/** Where the XML name starting at `at` ends; `at` itself when there is none. */
function nameEnd(source: string, at: number): number {
  let c = source.charCodeAt(at);
  if (!(c < 128 ? NAME_ASCII[c] === 2 : isNameCharAboveAscii(c, true))) return at;
  let i = at;
  do c = source.charCodeAt(++i);
  while (c < 128 ? NAME_ASCII[c] !== 0 : isNameCharAboveAscii(c, false));
  return i;
}

/**
 * The next `<` that does not start markup in its plainest spelling: `<name>`, `<name/>`,
 * `<name a="v" b='w'>` with one space before each attribute and at most one before `/>` or `>`,
 * `</name>`, `<!--`, `<![CDATA[` or `<?`, with ASCII names and no `<` in a value. One native scan
 * finds these few, which the reader then reads character by character; every other tag it can take
 * in a handful of searches, trusting this scan.
 */
const ASCII_NAME = '[:A-Z_a-z][-.0-9:A-Z_a-z]*';
const UNUSUAL_MARKUP = new RegExp(`<(?!${ASCII_NAME}(?: ${ASCII_NAME}="[^<"]*"| ${ASCII_NAME}='[^<']*')* ?/?>|/${ASCII_NAME}>|!--|!\\[CDATA\\[|\\?)`, 'g');

const REFERENCE_AT = /&(?:amp|lt|gt|quot|apos|#x([0-9a-fA-F]+)|#([0-9]+));/y;
const SPACE = '[ \\t\\r\\n]';
const DECLARATION_AT = new RegExp(
  `<\\?xml${SPACE}+version${SPACE}*=${SPACE}*(?:"1\\.[0-9]+"|'1\\.[0-9]+')(?:${SPACE}+encoding${SPACE}*=${SPACE}*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:${SPACE}+standalone${SPACE}*=${SPACE}*(?:"(?:yes|no)"|'(?:yes|no)'))?${SPACE}*\\?>`,
  'y',
);

/**
 * Element names that would be JavaScript's own properties of the objects built: fast-xml-parser
 * refused the first three and renamed the others `__name`, and callers' objects keep that shape.
 */
const REFUSED_NAMES = ['__proto__', 'constructor', 'prototype'];
const RENAMED_NAMES = ['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];

// What an element name can mean to the reader besides a key: one lookup per element tells them all.
const SKIPPED = 1;
const ARRAY = 2;
const RENAMED = 4;
const REFUSED = 8;

function roles(options: ParseXmlOptions): Map<string, number> {
  const arrays = new Set(options.arrays);
  const roles = new Map<string, number>();
  const add = (name: string, role: number) => roles.set(name, (roles.get(name) ?? 0) | role);
  for (const name of options.skip ?? []) add(name, SKIPPED);
  for (const name of arrays) add(name, ARRAY);
  for (const name of REFUSED_NAMES) add(name, REFUSED);
  // fast-xml-parser asked about arrays by the new name: <toString> is an array when __toString is.
  for (const name of RENAMED_NAMES) roles.set(name, ((roles.get(name) ?? 0) & ~ARRAY) | RENAMED | (arrays.has(`__${name}`) ? ARRAY : 0));
  return roles;
}

function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function fail(source: string, offset: number, message: string): never {
  const { line, column } = lineColumn(source, offset);
  throw new XmlInputError(message, line, column);
}

/** A character as an error message shows it: printable ones quoted, the rest as U+XXXX. */
function shown(source: string, offset: number): string {
  if (offset >= source.length) return 'the end of the document';
  const code = source.codePointAt(offset)!;
  return code > 32 && code !== 0x7f ? `"${String.fromCodePoint(code)}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function elementList(names: readonly string[], depth: number): string {
  return names
    .slice(0, depth)
    .map((name) => `<${name}>`)
    .join(', ');
}

function cutShort(source: string, names: readonly string[], depth: number, inside?: string): never {
  const open = depth === 0 ? undefined : `before ${elementList(names, depth)} ${depth === 1 ? 'is' : 'are'} closed`;
  fail(source, source.length, `the document ends ${[inside, open].filter(Boolean).join(', ')} (is the file cut short?)`);
}

/** One native scan for characters XML cannot carry; the reader then relies on every one below 33 being whitespace. */
function checkCharacters(source: string): void {
  FORBIDDEN_OR_SURROGATE.lastIndex = 0;
  for (let found = FORBIDDEN_OR_SURROGATE.exec(source); found; found = FORBIDDEN_OR_SURROGATE.exec(source)) {
    const at = found.index;
    const code = source.charCodeAt(at);
    const next = source.charCodeAt(at + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      FORBIDDEN_OR_SURROGATE.lastIndex = at + 2;
      continue;
    }
    const what = code >= 0xd800 && code <= 0xdfff ? 'half of a UTF-16 surrogate pair' : 'character';
    fail(source, at, `${what} U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML (not even as a reference)`);
  }
}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Each `&` in source[from, to) must start one of the five entities or a reference to a character XML allows. */
function checkReferences(source: string, from: number, to: number): void {
  for (let amp = source.indexOf('&', from); amp !== -1 && amp < to; amp = source.indexOf('&', amp + 1)) {
    REFERENCE_AT.lastIndex = amp;
    const reference = REFERENCE_AT.exec(source);
    const hex = reference?.[1];
    const decimal = reference?.[2];
    const code = hex !== undefined ? parseInt(hex, 16) : decimal !== undefined ? parseInt(decimal, 10) : undefined;
    if (reference && (code === undefined || isXmlChar(code))) continue;
    const written = /^&[^\s;<&]{0,20};?/.exec(source.slice(amp, amp + 24))?.[0] ?? '&';
    fail(source, amp, `"${written}" is not a defined entity or an allowed character reference (only &amp; &lt; &gt; &quot; &apos; and &#...; are)`);
  }
}

/**
 * Text as fast-xml-parser gave it: each run between tags (comments do not end one) trimmed, line
 * breaks normalized to \n (the whole document was), then entities decoded; '' for whitespace.
 */
function textOf(source: string, from: number, to: number, pending: string): string {
  let text = (pending === '' ? source.slice(from, to) : pending + source.slice(from, to)).trim();
  if (text === '') return text;
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return decodeXmlText(text);
}

function addChild(parent: Record<string, unknown>, name: string, role: number, value: unknown): void {
  const key = role & RENAMED ? `__${name}` : name;
  const previous = parent[key];
  if (previous === undefined || !Object.hasOwn(parent, key)) parent[key] = role & ARRAY ? [value] : value;
  else if (Array.isArray(previous)) previous.push(value);
  else parent[key] = [previous, value];
}

/** Where the value of the attribute named source[at, stop) starts, after `=` and its quote, the spacing XML allows around `=` stepped over. */
function attributeValueStart(source: string, at: number, stop: number, element: string, names: readonly string[], depth: number): number {
  let i = stop;
  while (source.charCodeAt(i) <= 32) i++;
  if (stop === at || source.charCodeAt(i) !== 61) attributeError(source, at, element, names, depth);
  i++;
  while (source.charCodeAt(i) <= 32) i++;
  const quote = source.charCodeAt(i);
  if (quote !== 34 && quote !== 39) attributeError(source, at, element, names, depth);
  return i + 1;
}

/** Why the attribute at `at` in the start tag of `element` is not `name="value"` (or `name='value'`) without "<". */
function attributeError(source: string, at: number, element: string, names: readonly string[], depth: number): never {
  const inTag = `inside the start tag of <${element}>`;
  const end = nameEnd(source, at);
  if (end === at) {
    if (at >= source.length) cutShort(source, names, depth, inTag);
    fail(source, at, `expected an attribute name, ">" or "/>" in the start tag of <${element}>, found ${shown(source, at)}`);
  }
  const name = source.slice(at, end);
  let i = end;
  while (source.charCodeAt(i) <= 32) i++;
  if (i >= source.length) cutShort(source, names, depth, inTag);
  if (source[i] !== '=') fail(source, i, `expected "=" and a quoted value after attribute ${name} of <${element}>, found ${shown(source, i)}`);
  i++;
  while (source.charCodeAt(i) <= 32) i++;
  if (i >= source.length) cutShort(source, names, depth, inTag);
  const quote = source[i]!;
  if (quote !== '"' && quote !== "'") fail(source, i, `expected the value of attribute ${name} of <${element}> in quotes ("..." or '...'), found ${shown(source, i)}`);
  const lt = source.indexOf('<', i + 1);
  const close = source.indexOf(quote, i + 1);
  if (lt !== -1 && (close === -1 || lt < close)) {
    fail(source, lt, `"<" is not allowed in the value of attribute ${name} of <${element}> (write &lt;, or close the value's ${quote})`);
  }
  cutShort(source, names, depth, `inside the value of attribute ${name} of <${element}>`);
}

/** Why `</...` at `lt` does not close `expected`. */
function endTagError(source: string, lt: number, expected: string | undefined, opened: number, names: readonly string[], depth: number, root: string | undefined): never {
  const end = nameEnd(source, lt + 2);
  if (end === lt + 2) {
    if (end >= source.length) cutShort(source, names, depth, 'inside an end tag');
    fail(source, end, `expected an element name after "</", found ${shown(source, end)}`);
  }
  const found = source.slice(lt + 2, end);
  if (expected === undefined) fail(source, lt, `found the end tag </${found}> but no element is open${root === undefined ? '' : ` (the root element <${root}> is closed)`}`);
  if (found !== expected) {
    const { line, column } = lineColumn(source, opened);
    fail(source, lt, `expected </${expected}> (to close the <${expected}> at line ${line}, column ${column}), found </${found}>`);
  }
  let i = end;
  while (source.charCodeAt(i) <= 32) i++;
  if (i >= source.length) cutShort(source, names, depth, `inside the end tag </${found}>`);
  fail(source, i, `expected ">" to end </${found}> (an end tag has no attributes), found ${shown(source, i)}`);
}

function outsideRootError(source: string, at: number, root: string | undefined): never {
  const text = JSON.stringify(source.slice(at, at + 20).split(/[\r\n<]/)[0]);
  if (root === undefined) fail(source, at, `expected the root element, found text ${text}`);
  fail(source, at, `expected only comments, processing instructions and whitespace after the root element <${root}>, found text ${text}`);
}

/**
 * The single pass. Elements being built have their children object, text and attributes at their
 * depth in `kids`, `texts` and `attrs`; below a skipped element (`skipFrom`) only names are kept, to
 * match end tags.
 *
 * A CLI runs this once per file, mostly before V8 has optimized it, where each character looked at
 * from JavaScript costs far more than a native search. So the loop jumps with indexOf: `nextLt`,
 * `nextGt`, `nextSpace`, `nextAmp` and `nextCdataEnd` are where the next `<`, `>`, space, `&` and
 * `]]>` are, each found lazily and once, so most text and attribute values cost a few comparisons
 * (`>>> 0` turns indexOf's -1 into an offset past any document). `nextUnusual` is the next tag
 * UNUSUAL_MARKUP found: that one is read character by character, with every check made here; any
 * other is taken as UNUSUAL_MARKUP vouched for it.
 */
function readDocument(source: string, roleOf: ReadonlyMap<string, number>): Record<string, unknown> {
  const length = source.length;
  const document: Record<string, unknown> = {};
  const names: string[] = [];
  const opened: number[] = [];
  const kids: Array<Record<string, unknown> | undefined> = [];
  const texts: string[] = [];
  const attrs: Array<Record<string, string> | undefined> = [];
  const elementRoles: number[] = [];
  const seen: string[] = [];
  let depth = 0;
  let skipFrom = -1;
  let root: string | undefined;
  // Text before a comment, joined to the text after it: fast-xml-parser trimmed the two as one.
  let pending = '';
  let nextLt = -1;
  let nextGt = -1;
  let nextSpace = -1;
  let nextAmp = -1;
  let nextCdataEnd = -1;
  let nextUnusual = -1;
  let seenStart = 0;
  let seenStop = 0;
  let pos = 0;

  if (source.startsWith('<?xml', 0) && (source.charCodeAt(5) <= 32 || source.charCodeAt(5) === 63)) {
    DECLARATION_AT.lastIndex = 0;
    if (!DECLARATION_AT.test(source)) {
      const close = source.indexOf('?>');
      if (close === -1) fail(source, 0, 'the XML declaration is not closed (expected "?>")');
      fail(source, 0, `expected an XML declaration like <?xml version="1.0" encoding="utf-8"?>, found ${JSON.stringify(source.slice(0, close + 2))}`);
    }
    pos = DECLARATION_AT.lastIndex;
  }

  for (;;) {
    if (nextLt < pos) nextLt = source.indexOf('<', pos) >>> 0;
    const lt = nextLt;
    if (depth === 0) {
      const end = lt < length ? lt : length;
      for (let i = pos; i < end; i++) if (source.charCodeAt(i) > 32) outsideRootError(source, i, root);
      if (lt >= length) break;
    } else {
      if (lt >= length) cutShort(source, names, depth);
      if (pos < lt) {
        if (nextAmp < pos) nextAmp = source.indexOf('&', pos) >>> 0;
        if (nextAmp < lt) {
          checkReferences(source, pos, lt);
          nextAmp = source.indexOf('&', lt) >>> 0;
        }
        if (nextCdataEnd < pos) nextCdataEnd = source.indexOf(']]>', pos) >>> 0;
        if (nextCdataEnd < lt) fail(source, nextCdataEnd, '"]]>" is not allowed in text (write ]]&gt;)');
      }
    }
    if (nextUnusual < lt) {
      UNUSUAL_MARKUP.lastIndex = lt;
      nextUnusual = UNUSUAL_MARKUP.exec(source)?.index ?? length;
    }
    const usual = nextUnusual !== lt;
    const building = skipFrom < 0 && depth > 0;
    const c1 = source.charCodeAt(lt + 1);

    if (c1 === 33 || c1 === 63) {
      let end: number;
      let comment = false;
      if (c1 === 63) {
        // <?target ...?>
        const q = nameEnd(source, lt + 2);
        if (q === lt + 2) fail(source, q, `expected a processing instruction name after "<?", found ${shown(source, q)}`);
        const target = source.slice(lt + 2, q);
        if (target.toLowerCase() === 'xml') fail(source, lt, 'the XML declaration (<?xml ...?>) is only allowed at the very start of the document');
        const close = source.indexOf('?>', q);
        if (close === -1) fail(source, lt, 'this processing instruction is not closed (expected "?>" before the end of the document; is the file cut short?)');
        if (close !== q && source.charCodeAt(q) > 32) fail(source, q, `expected whitespace or "?>" after <?${target}, found ${shown(source, q)}`);
        end = close + 2;
      } else if (source.startsWith('--', lt + 2)) {
        const close = source.indexOf('-->', lt + 4);
        if (close === -1) fail(source, lt, 'this comment is not closed (expected "-->" before the end of the document; is the file cut short?)');
        const dashes = source.indexOf('--', lt + 4);
        if (dashes < close) fail(source, dashes, '"--" is not allowed inside a comment');
        end = close + 3;
        comment = true;
      } else if (source.startsWith('[CDATA[', lt + 2)) {
        if (depth === 0) fail(source, lt, 'a CDATA section is only allowed inside the root element');
        const close = source.indexOf(']]>', lt + 9);
        if (close === -1) fail(source, lt, 'this CDATA section is not closed (expected "]]>" before the end of the document; is the file cut short?)');
        end = close + 3;
      } else if (/^doctype/i.test(source.slice(lt + 2, lt + 9))) {
        fail(source, lt, 'XML with a DOCTYPE is not accepted (no DTDs or entity declarations)');
      } else {
        fail(source, lt, 'expected a comment (<!-- -->) or a CDATA section (<![CDATA[ ]]>) after "<!" (write &lt; for a "<" in text)');
      }
      if (building) {
        if (comment) {
          if (lt > pos) pending += source.slice(pos, lt);
        } else {
          let text = texts[depth - 1]! + textOf(source, pos, lt, pending);
          pending = '';
          // fast-xml-parser kept CDATA untrimmed but still ran it through the entity decoding.
          if (c1 === 33 && end - 3 > lt + 9) text += decodeXmlText(source.slice(lt + 9, end - 3).replace(/\r\n?/g, '\n'));
          texts[depth - 1] = text;
        }
      }
      pos = end;
      continue;
    }

    if (building && (pending !== '' || pos < lt)) {
      const text = textOf(source, pos, lt, pending);
      if (text !== '') texts[depth - 1] += text;
      pending = '';
    }

    if (c1 === 47) {
      // </name>, or </name > read the long way
      const name = names[depth - 1];
      let q = lt + 2 + (name?.length ?? 0);
      if (name === undefined || !source.startsWith(name, lt + 2)) endTagError(source, lt, name, opened[depth - 1] ?? 0, names, depth, root);
      let c = source.charCodeAt(q);
      if (!usual) while (c <= 32) c = source.charCodeAt(++q);
      if (c !== 62) endTagError(source, lt, name, opened[depth - 1] ?? 0, names, depth, root);
      depth--;
      if (building) {
        const text = texts[depth]!;
        const children = kids[depth];
        const attributes = attrs[depth];
        let value: unknown;
        if (children !== undefined) {
          if (text !== '') children['#text'] = text;
          if (attributes !== undefined) Object.assign(children, attributes);
          value = children;
        } else if (attributes !== undefined) {
          value = text === '' ? attributes : Object.assign({ '#text': text }, attributes);
        } else {
          value = text;
        }
        addChild(depth === 0 ? document : (kids[depth - 1] ??= {}), name, elementRoles[depth]!, value);
      } else if (skipFrom === depth) {
        skipFrom = -1;
        addChild(depth === 0 ? document : (kids[depth - 1] ??= {}), name, elementRoles[depth]!, '');
      }
      pos = q + 1;
      continue;
    }

    // <name attr="value" ...> or <name .../>: a usual one's name ends at the first space or ">" (less a "/" before it).
    let q: number;
    if (usual) {
      if (nextSpace <= lt) nextSpace = source.indexOf(' ', lt) >>> 0;
      if (nextGt <= lt) nextGt = source.indexOf('>', lt) >>> 0;
      q = nextSpace < nextGt ? nextSpace : source.charCodeAt(nextGt - 1) === 47 ? nextGt - 1 : nextGt;
    } else {
      q = nameEnd(source, lt + 1);
      if (q === lt + 1) {
        if (q >= length) cutShort(source, names, depth, 'after "<"');
        fail(source, q, `expected an element name after "<", found ${shown(source, q)} (write &lt; for a "<" in text)`);
      }
    }
    const name = source.slice(lt + 1, q);
    if (depth === 0 && root !== undefined) fail(source, lt, `expected one root element, found a second one, <${name}>, after <${root}>`);
    const role = skipFrom < 0 ? (roleOf.get(name) ?? 0) : 0;
    const keep = skipFrom < 0 && !(role & SKIPPED);
    if (keep && role & REFUSED) fail(source, lt + 1, `the element name <${name}> is not accepted (it would clash with a JavaScript object property)`);
    // In an unusual tag a "<" before its ">" can only be inside an attribute value, where XML does not allow it.
    const ltInTag = usual ? length : source.indexOf('<', q) >>> 0;
    let attributes: Record<string, string> | undefined;
    let count = 0;
    let c = source.charCodeAt(q);
    for (;;) {
      let nameStart: number;
      let nameStop: number;
      let valueStart: number;
      if (usual) {
        if (c !== 32) break;
        const after = source.charCodeAt(q + 1);
        if (after === 47 || after === 62) {
          c = after;
          q++;
          break;
        }
        nameStart = q + 1;
        nameStop = source.indexOf('=', nameStart);
        valueStart = nameStop + 2;
      } else {
        if (c === 62 || c === 47) break;
        if (c > 32) {
          if (q >= length) cutShort(source, names, depth, `inside the start tag of <${name}>`);
          fail(source, q, `expected whitespace, ">" or "/>" after ${count === 0 ? `<${name}` : 'an attribute value'}, found ${shown(source, q)}`);
        }
        do c = source.charCodeAt(++q);
        while (c <= 32);
        if (c === 62 || c === 47) break;
        nameStart = q;
        nameStop = nameEnd(source, q);
        valueStart = attributeValueStart(source, q, nameStop, name, names, depth);
      }
      const valueEnd = source.indexOf(source.charCodeAt(valueStart - 1) === 34 ? '"' : "'", valueStart);
      if (valueEnd === -1 || ltInTag < valueEnd) attributeError(source, nameStart, name, names, depth);
      if (nextAmp < valueStart) nextAmp = source.indexOf('&', valueStart) >>> 0;
      const hasReference = nextAmp < valueEnd;
      if (hasReference) {
        checkReferences(source, valueStart, valueEnd);
        nextAmp = source.indexOf('&', valueEnd) >>> 0;
      }
      if (keep) {
        const attributeName = source.slice(nameStart, nameStop);
        const key = `@_${attributeName}`;
        if (attributes === undefined) attributes = {};
        else if (attributes[key] !== undefined) fail(source, nameStart, `attribute ${attributeName} appears twice in the start tag of <${name}>`);
        // fast-xml-parser trimmed attribute values too (and normalized line breaks in the whole document).
        let value = source.slice(valueStart, valueEnd).trim();
        if (value.includes('\r')) value = value.replace(/\r\n?/g, '\n');
        attributes[key] = hasReference ? decodeXmlText(value) : value;
      } else if (count > 0) {
        // Names are only cut out to tell a repeated one, so not for the first.
        if (count === 1) seen[0] = source.slice(seenStart, seenStop);
        const attributeName = source.slice(nameStart, nameStop);
        for (let k = 0; k < count; k++) if (seen[k] === attributeName) fail(source, nameStart, `attribute ${attributeName} appears twice in the start tag of <${name}>`);
        seen[count] = attributeName;
      } else {
        seenStart = nameStart;
        seenStop = nameStop;
      }
      count++;
      q = valueEnd + 1;
      c = source.charCodeAt(q);
    }
    if (c === 47 && source.charCodeAt(q + 1) !== 62) fail(source, q, `expected ">" after "/" in the start tag of <${name}>, found ${shown(source, q + 1)}`);
    if (q >= length) cutShort(source, names, depth, `inside the start tag of <${name}>`);
    if (depth === 0) root = name;
    if (c === 47) {
      if (skipFrom < 0) addChild(depth === 0 ? document : (kids[depth - 1] ??= {}), name, role, keep ? (attributes ?? '') : '');
      pos = q + 2;
      continue;
    }
    if (depth === MAX_DEPTH) fail(source, lt, `elements nested more than ${MAX_DEPTH} deep are not accepted`);
    names[depth] = name;
    opened[depth] = lt;
    if (skipFrom < 0) {
      elementRoles[depth] = role;
      if (keep) {
        kids[depth] = undefined;
        texts[depth] = '';
        attrs[depth] = attributes;
      } else {
        skipFrom = depth;
      }
    }
    depth++;
    pos = q + 1;
  }
  if (root === undefined) fail(source, length, 'expected a root element, found none');
  return document;
}

export function parseXml(text: string, options: ParseXmlOptions = {}): Record<string, unknown> {
  if (text.length > MAX_XML_BYTES) throw new XmlInputError(`XML is larger than ${MAX_XML_BYTES} bytes`);
  const source = stripBom(text);
  checkCharacters(source);
  return readDocument(source, roles(options));
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
