import { expect } from 'chai';
import { parseXml, withoutElements, XmlInputError } from '../../src/util/xml.js';

describe('XML reading: elements the reader skips', () => {
  const doc = [
    '<ImportExportXml>',
    '  <Entity Name="mpa_kudo">',
    '    <!-- <FormXml> in a comment is no element -->',
    '    <FormXml a=">"><forms><form id="1"/></forms>',
    '    </FormXml>',
    '    <FormXmlNotes>kept</FormXmlNotes>',
    '  </Entity>',
    '</ImportExportXml>',
  ].join('\n');

  it('empties each skipped element, keeping its line breaks, comments and similar names untouched', () => {
    expect(withoutElements(doc, ['FormXml'])).to.equal(
      ['<ImportExportXml>', '  <Entity Name="mpa_kudo">', '    <!-- <FormXml> in a comment is no element -->', '    <FormXml/>', '', '    <FormXmlNotes>kept</FormXmlNotes>', '  </Entity>', '</ImportExportXml>'].join('\n'),
    );
    const parsed = parseXml(doc, { skip: ['FormXml'] }) as { ImportExportXml: { Entity: Record<string, unknown> } };
    expect(parsed.ImportExportXml.Entity['FormXmlNotes']).to.equal('kept');
    expect(parsed.ImportExportXml.Entity['FormXml']).to.equal('');
  });

  it('still validates what is read, with line numbers that point into the file', () => {
    const broken = doc.replace('<FormXmlNotes>kept</FormXmlNotes>', '<FormXmlNotes>kept</FormXmlNote>');
    let caught: unknown;
    try {
      parseXml(broken, { skip: ['FormXml'] });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(XmlInputError);
    expect((caught as XmlInputError).line).to.equal(6);
  });

  it('validates the whole document when a skipped element is not closed', () => {
    const unclosed = doc.replace('    </FormXml>\n', '');
    expect(withoutElements(unclosed, ['FormXml'])).to.equal(undefined);
    expect(() => parseXml(unclosed, { skip: ['FormXml'] })).to.throw(XmlInputError);
  });
});
