import { expect } from 'chai';
import { MAX_XML_BYTES, parseXml, XmlInputError, type ParseXmlOptions } from '../../src/util/xml.js';
import { fastXmlParser } from '../support/fast-xml-parser.js';

function failure(text: string, options?: ParseXmlOptions): XmlInputError {
  try {
    parseXml(text, options);
  } catch (error) {
    if (error instanceof XmlInputError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('XML reading: the object shape, as fast-xml-parser gave it', () => {
  const corpus: Array<[string, string, string[]?]> = [
    ['an element with only text is that text', '<a>text</a>'],
    ['empty and blank elements are empty strings', '<a><b/><c></c><d> \n </d><e/></a>'],
    ['repeated siblings become an array, in document order, keys in order of first appearance', '<a><b>1</b><c/><b>2</b><d/><b>3</b></a>'],
    ['attributes are @_name, their values trimmed and decoded', '<a x=" 1 " y="&lt;&amp;&gt;" z="&#32;v"/>'],
    ['text beside attributes is #text, before the attributes', '<a x="1">text</a>'],
    ['text beside children is #text, each run trimmed and joined with nothing between', '<a> one <b/> two <c/> three </a>'],
    ['children, then #text, then attributes', '<a q="1">x<b/>y</a>'],
    ['a comment does not end a run of text: both sides are trimmed as one', '<a> x <!-- c --> y </a>'],
    ['comments anywhere are dropped', '<!-- before --><a><!-- inside --><b/><!--\n--></a><!-- after -->'],
    ['CDATA is kept untrimmed and joined to the text around it', '<a>x <![CDATA[ <c> ]]> y</a>'],
    ['CDATA still goes through entity decoding, as it did', '<a><![CDATA[&amp; &lt;]]></a>'],
    ['an empty CDATA section is nothing', '<a><![CDATA[]]></a>'],
    ['the five entities and character references, decimal and hex, are decoded in text', '<a>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600; &#38;amp;</a>'],
    ['decoded spaces survive trimming (text is trimmed before it is decoded)', '<a>&#32;v&#x20;</a>'],
    ['">" in text and in a value is just a character', '<a b="x>y">1 > 0</a>'],
    ['single and double quotes', `<a b='"x"' c="'y'"/>`],
    ['whitespace around "=" and between attributes, tabs and line breaks in a tag', '<a\n  b = "1"\tc\t=\t\'2\'\n/>'],
    ['spaces before ">" and "/>" and in end tags', '<a ><b /><c></c ></a >'],
    ['the XML declaration, processing instructions and a BOM are ignored', '\ufeff<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<?pi data?><a><?target x?>t</a><?after?>'],
    ['CRLF and lone CR become \\n in text and values, as the whole document was normalized', '<a x="1\r\n2\r3">l1\r\nl2\rl3</a>'],
    ['namespace prefixes stay in names', '<x:a xmlns:x="urn:x"><x:b x:c="1"/></x:a>'],
    ['names beyond ASCII', '<é ü="1"><名前>x</名前></é>'],
    ["names of Object.prototype's own properties are renamed or kept as fast-xml-parser did", '<a><toString>1</toString><valueOf/><isPrototypeOf/><hasOwnProperty>2</hasOwnProperty></a>'],
    ['trimming is JavaScript\'s trim, so it takes no-break spaces too', '<a>\u00a0x\u00a0</a>'],
    ['"]]" without ">" is text', '<a>]] ]</a>'],
    ['always-array names are arrays even once, the root too', '<Role><RolePrivileges><RolePrivilege name="p"/></RolePrivileges></Role>', ['Role', 'RolePrivilege']],
    ['an always-array element that is empty is [""]', '<a><b/></a>', ['b']],
    ['an element with attributes and an always-array child', '<a><b x="1"/><b>t</b></a>', ['b']],
    ['a renamed element is an array by its new name, not its old one', '<a><toString>1</toString><valueOf/></a>', ['__toString', 'valueOf']],
  ];
  for (const [name, text, arrays] of corpus) {
    it(name, () => {
      const ours = parseXml(text, { arrays: arrays ?? [] });
      expect(ours).to.deep.equal(fastXmlParser(text, arrays));
      // Key order too: callers take Object.values and the first entries of what they read.
      expect(JSON.stringify(ours)).to.equal(JSON.stringify(fastXmlParser(text, arrays)));
    });
  }

  it('spells out the cases above that are easy to get wrong', () => {
    expect(parseXml('<a> x <!-- c --> y </a>')).to.deep.equal({ a: 'x  y' });
    expect(parseXml('<a> one <b/> two </a>')).to.deep.equal({ a: { b: '', '#text': 'onetwo' } });
    expect(parseXml('<a>x <![CDATA[ c ]]> y</a>')).to.deep.equal({ a: 'x c y' });
    expect(parseXml('<a><![CDATA[&amp;]]></a>')).to.deep.equal({ a: '&' });
    expect(parseXml('<a x=" 1 ">t</a>')).to.deep.equal({ a: { '#text': 't', '@_x': '1' } });
    expect(parseXml('<a><toString/></a>')).to.deep.equal({ a: { __toString: '' } });
    expect(parseXml('<Role/>', { arrays: ['Role'] })).to.deep.equal({ Role: [''] });
  });

  it('reads 100 levels of nesting', () => {
    const text = `${'<a>'.repeat(100)}x${'</a>'.repeat(100)}`;
    expect(JSON.stringify(parseXml(text))).to.equal(JSON.stringify(fastXmlParser(text)));
  });
});

describe('XML reading: what is refused, and where', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['an end tag that does not match', '<a>\n  <b>\n</a>', 3, 1, /^expected <\/b> \(to close the <b> at line 2, column 3\), found <\/a>$/],
    ['an end tag with nothing open', '</a>', 1, 1, /^found the end tag <\/a> but no element is open$/],
    ['an end tag after the root element', '<a></a></b>', 1, 8, /^found the end tag <\/b> but no element is open \(the root element <a> is closed\)$/],
    ['an end tag with an attribute', '<a></a b="1">', 1, 8, /^expected ">" to end <\/a> \(an end tag has no attributes\), found "b"$/],
    ['a value without quotes', '<a b=1/>', 1, 6, /^expected the value of attribute b of <a> in quotes \("\.\.\." or '\.\.\.'\), found "1"$/],
    ['an attribute without a value', '<a b/>', 1, 5, /^expected "=" and a quoted value after attribute b of <a>, found "\/"$/],
    ['attributes without a space between them', '<a b="1"c="2"/>', 1, 9, /^expected whitespace, ">" or "\/>" after an attribute value, found "c"$/],
    ['a repeated attribute', '<a b="1" b="2"/>', 1, 10, /^attribute b appears twice in the start tag of <a>$/],
    ['a repeated attribute spelled unusually', '<a\n b = "1"\n b="2"/>', 3, 2, /^attribute b appears twice in the start tag of <a>$/],
    ['"<" in a value', '<a b="x<y"/>', 1, 8, /^"<" is not allowed in the value of attribute b of <a> \(write &lt;, or close the value's "\)$/],
    ['a value whose closing quote is missing', '<a b="x>\n<c/></a>', 2, 1, /^"<" is not allowed in the value of attribute b of <a>/],
    ['"<" with no name after it', '<a>1 < 2</a>', 1, 7, /^expected an element name after "<", found U\+0020 \(write &lt; for a "<" in text\)$/],
    ['a name that cannot start a name', '<1a/>', 1, 2, /^expected an element name after "<", found "1"/],
    ['a "/" not followed by ">"', '<a/ >', 1, 3, /^expected ">" after "\/" in the start tag of <a>, found U\+0020$/],
    ['an entity XML does not define', '<a>\n&nbsp;</a>', 2, 1, /^"&nbsp;" is not a defined entity or an allowed character reference \(only &amp; &lt; &gt; &quot; &apos; and &#\.\.\.; are\)$/],
    ['a bare "&"', '<a>AT&T</a>', 1, 6, /^"&T" is not a defined entity/],
    ['an entity in a value', '<a b="&x;"/>', 1, 7, /^"&x;" is not a defined entity/],
    ['a reference to a character XML forbids', '<a>&#1;</a>', 1, 4, /^"&#1;" is not a defined entity or an allowed character reference/],
    ['a reference to a surrogate', '<a>&#xD800;</a>', 1, 4, /^"&#xD800;" is not a defined entity/],
    ['a reference beyond Unicode', '<a>&#x110000;</a>', 1, 4, /^"&#x110000;" is not a defined entity/],
    ['a character XML forbids', '<a>\n x\u0001</a>', 2, 3, /^character U\+0001 is not allowed in XML \(not even as a reference\)$/],
    ['half a surrogate pair', '<a b="\ud800"/>', 1, 7, /^half of a UTF-16 surrogate pair U\+D800 is not allowed in XML/],
    ['"]]>" in text', '<a>x]]>y</a>', 1, 5, /^"]]>" is not allowed in text \(write ]]&gt;\)$/],
    ['"--" in a comment', '<a><!-- a -- b --></a>', 1, 11, /^"--" is not allowed inside a comment$/],
    ['a comment not closed', '<a>\n<!-- x </a>', 2, 1, /^this comment is not closed \(expected "-->" before the end of the document; is the file cut short\?\)$/],
    ['a CDATA section not closed', '<a><![CDATA[ x </a>', 1, 4, /^this CDATA section is not closed/],
    ['a processing instruction not closed', '<a><?pi x </a>', 1, 4, /^this processing instruction is not closed/],
    ['a CDATA section outside the root element', '<![CDATA[x]]><a/>', 1, 1, /^a CDATA section is only allowed inside the root element$/],
    ['"<!" starting nothing XML knows', '<a><!x></a>', 1, 4, /^expected a comment \(<!-- -->\) or a CDATA section \(<!\[CDATA\[ \]\]>\) after "<!"/],
    ['a DOCTYPE', '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<a>&x;</a>', 2, 1, /^XML with a DOCTYPE is not accepted \(no DTDs or entity declarations\)$/],
    ['a DOCTYPE inside the root element', '<a><!DOCTYPE a></a>', 1, 4, /^XML with a DOCTYPE is not accepted/],
    ['an XML declaration not at the very start', '\n<?xml version="1.0"?><a/>', 2, 1, /^the XML declaration \(<\?xml \.\.\.\?>\) is only allowed at the very start of the document$/],
    ['an XML declaration without a version', '<?xml encoding="utf-8"?><a/>', 1, 1, /^expected an XML declaration like <\?xml version="1\.0" encoding="utf-8"\?>, found "<\?xml encoding=\\"utf-8\\"\?>"$/],
    ['a second root element', '<a/>\n<b/>', 2, 1, /^expected one root element, found a second one, <b>, after <a>$/],
    ['text after the root element', '<a/>\n trailing', 2, 2, /^expected only comments, processing instructions and whitespace after the root element <a>, found text "trailing"$/],
    ['text before the root element', 'x<a/>', 1, 1, /^expected the root element, found text "x"$/],
    ['no root element', '<!-- only a comment -->\n', 2, 1, /^expected a root element, found none$/],
    ['an empty document', '', 1, 1, /^expected a root element, found none$/],
    ['a document cut short', '<a>\n  <b>text', 2, 10, /^the document ends before <a>, <b> are closed \(is the file cut short\?\)$/],
    ['a document cut short in one element', '<Role>', 1, 7, /^the document ends before <Role> is closed \(is the file cut short\?\)$/],
    ['a document cut short in a start tag', '<a><b c="1"', 1, 12, /^the document ends inside the start tag of <b>, before <a> is closed \(is the file cut short\?\)$/],
    ['a document cut short in a value', '<a><b c="1', 1, 11, /^the document ends inside the value of attribute c of <b>, before <a> is closed/],
    ['a document cut short in an end tag', '<a></', 1, 6, /^the document ends inside an end tag, before <a> is closed/],
    ['a document cut short after "<"', '<a><', 1, 5, /^the document ends after "<", before <a> is closed/],
    ['an element name that would be a JavaScript prototype property', '<a><constructor/></a>', 1, 5, /^the element name <constructor> is not accepted \(it would clash with a JavaScript object property\)$/],
    ['__proto__ as an element name', '<a>\n<__proto__>x</__proto__></a>', 2, 2, /^the element name <__proto__> is not accepted/],
    ['nesting deeper than 100', `${'<a>'.repeat(101)}${'</a>'.repeat(101)}`, 1, 301, /^elements nested more than 100 deep are not accepted$/],
    ['lines counted across CRLF and lone CR, columns after a BOM', '\ufeff<a>\r\n<b>\r<c></b>', 3, 4, /^expected <\/c>/],
  ];
  for (const [name, text, line, column, message] of cases) {
    it(name, () => {
      const error = failure(text);
      expect(error.message).to.match(message);
      expect([error.line, error.column], error.message).to.deep.equal([line, column]);
    });
  }

  it('refuses a document over the size cap before reading it', () => {
    expect(failure(`<a>${' '.repeat(MAX_XML_BYTES)}</a>`).message).to.equal(`XML is larger than ${MAX_XML_BYTES} bytes`);
  });

  it('never expands an entity, even one that looks declared', () => {
    const error = failure('<a>&lol;</a>');
    expect(error.message).to.match(/"&lol;" is not a defined entity/);
  });
});

describe('XML reading: elements the reader skips', () => {
  const doc = [
    '<ImportExportXml>',
    '  <Entity Name="mpa_kudo">',
    '    <!-- <FormXml> in a comment is no element -->',
    '    <FormXml a=">"><forms><form id="1"/><FormXml>nested</FormXml></forms>',
    '    </FormXml>',
    '    <FormXmlNotes>kept</FormXmlNotes>',
    '    <FormXml b="self-closing"/>',
    '  </Entity>',
    '</ImportExportXml>',
  ].join('\n');

  it('gives each skipped element as an empty string, its attributes too, and leaves similar names alone', () => {
    const parsed = parseXml(doc, { skip: ['FormXml'] }) as { ImportExportXml: { Entity: Record<string, unknown> } };
    expect(parsed.ImportExportXml.Entity).to.deep.equal({ FormXml: ['', ''], FormXmlNotes: 'kept', '@_Name': 'mpa_kudo' });
    expect(parseXml(doc, { skip: ['FormXml'], arrays: ['FormXml', 'FormXmlNotes'] })).to.deep.equal({
      ImportExportXml: { Entity: { FormXml: ['', ''], FormXmlNotes: ['kept'], '@_Name': 'mpa_kudo' } },
    });
  });

  it('is what reading everything gives, with the skipped elements emptied', () => {
    const whole = parseXml(doc) as { ImportExportXml: { Entity: Record<string, unknown> } };
    expect(parseXml(doc, { skip: ['FormXml'] })).to.deep.equal({ ImportExportXml: { Entity: { ...whole.ImportExportXml.Entity, FormXml: ['', ''] } } });
  });

  it('still checks what it skips, with the line and column of what is wrong', () => {
    const broken = doc.replace('<form id="1"/>', '<form id="1" id="2"/>');
    expect(failure(broken, { skip: ['FormXml'] })).to.include({ message: 'attribute id appears twice in the start tag of <form>', line: 4, column: 40 });
    const mismatched = doc.replace('</forms>', '</form>');
    expect(failure(mismatched, { skip: ['FormXml'] })).to.include({ line: 4, column: 66 });
    expect(failure(mismatched, { skip: ['FormXml'] }).message).to.match(/^expected <\/forms> \(to close the <forms> at line 4, column 20\), found <\/form>$/);
    expect(failure(doc.replace('nested', 'AT&T'), { skip: ['FormXml'] })).to.include({ line: 4, column: 52 });
  });

  it('says which elements are open when a skipped one is not closed, or the document stops inside it', () => {
    const unclosed = doc.replace('    </FormXml>\n', '');
    expect(failure(unclosed, { skip: ['FormXml'] })).to.include({ message: 'expected </FormXml> (to close the <FormXml> at line 4, column 5), found </Entity>', line: 7, column: 3 });
    const cut = doc.slice(0, doc.indexOf('<form id'));
    expect(failure(cut, { skip: ['FormXml'] }).message).to.equal('the document ends before <ImportExportXml>, <Entity>, <FormXml>, <forms> are closed (is the file cut short?)');
  });
});
