import { expect } from 'chai';
import { describePrivilege, privilegeParts } from '../../src/package/describe-privilege.js';

describe('privilege words', () => {
  it('splits a table privilege into its verb and table, AppendTo before Append', () => {
    expect(privilegeParts('prvAppendToAccount')).to.deep.equal({ verb: 'AppendTo', table: 'Account' });
    expect(privilegeParts('prvAppendAccount')).to.deep.equal({ verb: 'Append', table: 'Account' });
    expect(privilegeParts('prvWriteNote')).to.deep.equal({ verb: 'Write', table: 'Note (annotation)' });
  });

  it("names the package's own tables as the admin sees them, matching the schema name in any case", () => {
    const tables = new Map([['mpa_kudo', 'Kudo (mpa_kudo)']]);
    expect(privilegeParts('prvReadmpa_Kudo', tables)).to.deep.equal({ verb: 'Read', table: 'Kudo (mpa_kudo)' });
    expect(describePrivilege('prvSharempa_kudo', tables)).to.deep.equal({ table: 'Kudo (mpa_kudo)', access: 'Share' });
  });

  it('says a privilege that is not about a table in words, and a verb alone is no table privilege', () => {
    expect(privilegeParts('prvRead')).to.equal(undefined);
    expect(describePrivilege('prvPublishDuplicateRule')).to.deep.equal({ table: '(not a table)', access: 'Publish Duplicate Rule' });
  });
});
