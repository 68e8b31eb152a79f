import { expect } from 'chai';
import path from 'node:path';
import { runNode } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';

describe('npm run demo', function () {
  this.timeout(120_000);

  it('builds, consents, deploys, re-runs with zero writes, and summarises', async () => {
    const run = await runNode([path.join(REPO_ROOT, 'dist', 'programs', 'demo', 'main.js')], { timeoutMs: 110_000 });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/admin consent for Fabrikam Sync: 302 -> https:\/\/sync\.fabrikam\.example\/consented\?admin_consent=True/);
    expect(run.stdout).to.match(/roles\s+Fabrikam Sync Connector/);
    expect(run.stdout).to.match(/app user\s+# Fabrikam Sync [0-9a-f-]{36}, enabled: true/);
    expect(run.stdout).to.match(/second run\s+\d+ requests to the org, 0 writes/);
  });
});
