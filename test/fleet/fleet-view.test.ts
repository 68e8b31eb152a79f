import { expect } from 'chai';
import type { RunReport } from '../../src/deploy/report.js';
import { createFleetView } from '../../src/programs/runner/fleet-view.js';
import { Redactor, type Output } from '../../src/runtime/output.js';

function memoryOutput(tty: boolean): Output & { text: () => string } {
  let text = '';
  return { redactor: new Redactor(), stdoutIsTTY: tty, stderrIsTTY: tty, out: (t) => void (text += t), err: (t) => void (text += t), file: async () => undefined, text: () => text };
}

const report = (outcome: RunReport['outcome'], exitCode: number) => ({ outcome, exitCode, steps: [], action: 'deploy' }) as unknown as RunReport;

describe('fleet view: a live line per org on a terminal, prefixed lines elsewhere', () => {
  it('redraws one line per org in place on a terminal, printing warnings above it', () => {
    const output = memoryOutput(true);
    const view = createFleetView(output, ['contoso', 'fabrikam'], false);
    view.sink('contoso')({ type: 'step-started', step: 'import-solution', title: 'Importing FabrikamSyncConnector 1.0.0.0' });
    view.sink('contoso')({ type: 'progress', step: 'import-solution', percent: 40 });
    view.sink('fabrikam')({ type: 'warning', text: 'the org names another sign-in host' });
    view.sink('fabrikam')({ type: 'error', text: 'admin consent is missing\nlink' });
    view.sink('contoso')({ type: 'done', report: report('succeeded', 0) });
    view.close();
    const text = output.text();
    expect(text).to.contain('\x1b[2A');
    expect(text).to.contain('contoso   Importing FabrikamSyncConnector 1.0.0.0 40%');
    expect(text).to.contain('warning: fabrikam: the org names another sign-in host');
    const last = text.slice(text.lastIndexOf('\x1b[2A'));
    expect(last).to.contain('contoso   succeeded (exit 0)');
    expect(last).to.contain('fabrikam  failed: admin consent is missing');
  });

  it('prefixes every line with the org elsewhere, and adds the org to each JSON event', () => {
    const plain = memoryOutput(false);
    createFleetView(plain, ['contoso'], false).sink('contoso')({ type: 'step-started', step: 'sign-in', title: 'Signing in' });
    expect(plain.text()).to.equal('[contoso] > Signing in\n');
    const json = memoryOutput(false);
    createFleetView(json, ['contoso'], true).sink('contoso')({ type: 'step-started', step: 'sign-in', title: 'Signing in' });
    expect(JSON.parse(json.text())).to.deep.equal({ type: 'step-started', step: 'sign-in', title: 'Signing in', org: 'contoso' });
  });
});
