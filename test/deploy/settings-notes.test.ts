import { expect } from 'chai';
import { unsetSettingNotes, type PlanSetting } from '../../src/deploy/settings/plan-settings.js';

const base = { solution: 'mpa_Sap', solutionDisplayName: 'Account assistant for SAP', required: false, secret: false, hasCurrent: false, write: 'none' } as const;

describe('settings the run leaves empty', () => {
  it('names a variable with neither a value nor a default, and a reference without a connection, with where to set each', () => {
    const settings: PlanSetting[] = [
      { ...base, name: 'mpa_ApiKey', kind: 'environment-variable', displayName: 'API key', description: 'The key of the SAP gateway', source: 'unset' },
      { ...base, name: 'mpa_Region', kind: 'environment-variable', displayName: 'Region', description: '', source: 'default', value: 'eu' },
      { ...base, name: 'mpa_Sap', kind: 'connection-reference', displayName: 'SAP ERP', description: '', source: 'unset', connectorId: 'shared_saperp', flows: ['ReadUser'] },
      { ...base, name: 'mpa_Mail', kind: 'connection-reference', displayName: 'Mail', description: '', source: 'org', value: 'c1', hasCurrent: true },
    ];
    expect(unsetSettingNotes(settings)).to.deep.equal([
      'environment variable mpa_ApiKey (API key) has no value and no default: The key of the SAP gateway. Set it in the maker portal: Solutions > Account assistant for SAP > Environment Variables, or run again with --set mpa_ApiKey=<value>',
      'connection reference mpa_Sap (SAP ERP) has no connection; the flows "ReadUser" stay off until it has one. Set it in the maker portal: Solutions > Account assistant for SAP > Connection References, or run again with --settings',
    ]);
  });
});
