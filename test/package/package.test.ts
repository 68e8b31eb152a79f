import { expect } from 'chai';
import JSZip from 'jszip';
import { parseManifest } from '../../src/package/manifest.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import { sha256Hex } from '../../src/util/hash.js';
import { runNode } from '../support/cli.js';
import { SAMPLE_SRC } from '../support/paths.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

describe('deploy package', () => {
  after(removeTempDirs);

  it('holds the runner, the solution zip, the manifest and the admin README (Markdown and HTML), as a folder and as a zip', async () => {
    const out = await tempDir();
    const result = await buildSolution({ src: SAMPLE_SRC, out });
    const pkg = result.package!;
    expect(path.basename(pkg.dir)).to.equal('FabrikamSyncConnector_1_0_0_0_deploy');
    expect(pkg.zip).to.equal(path.join(out, 'FabrikamSyncConnector_1_0_0_0_deploy.zip'));
    expect((await readdir(pkg.dir)).sort()).to.deep.equal(['FabrikamSyncConnector_1_0_0_0_managed.zip', 'README.html', 'README.md', 'deploy.mjs', 'manifest.json']);
    const zip = await JSZip.loadAsync(await readFile(pkg.zip));
    expect(Object.keys(zip.files).sort()).to.deep.equal(
      ['FabrikamSyncConnector_1_0_0_0_managed.zip', 'README.html', 'README.md', 'deploy.mjs', 'manifest.json'].map((f) => `FabrikamSyncConnector_1_0_0_0_deploy/${f}`).sort(),
    );
    for (const name of await readdir(pkg.dir)) {
      const inZip = await zip.file(`FabrikamSyncConnector_1_0_0_0_deploy/${name}`)!.async('nodebuffer');
      expect(inZip.equals(await readFile(path.join(pkg.dir, name))), name).to.equal(true);
    }
    expect(pkg.sha256).to.equal(sha256Hex(await readFile(pkg.zip)));
    expect((await stat(path.join(pkg.dir, 'deploy.mjs'))).size).to.be.below(2 * 1024 * 1024);
  });

  it('reads a format-1 manifest (one solution) as format 2, and refuses one it cannot trust', async () => {
    const result = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const current = JSON.parse(await readFile(path.join(result.package!.dir, 'manifest.json'), 'utf8'));
    const { solutions, ...rest } = current;
    const { source: _s, requires: _r, creates: _c, ...solution } = solutions[0];
    const parsed = parseManifest({ ...rest, formatVersion: 1, solution });
    expect(parsed.problems).to.equal(undefined);
    expect(parsed.manifest!.solutions).to.deep.equal(solutions);
    expect(parseManifest({ ...current, formatVersion: 3 }).problems).to.deep.equal(['formatVersion: 3: expected 1 or 2 (this runner reads formats 1 and 2)']);
    expect(parseManifest({ ...current, solutions: [solutions[0], solutions[0]] }).problems).to.deep.equal(['solutions[1]: FabrikamSyncConnector is listed twice']);
    expect(parseManifest({ ...current, solutions: [{ ...solutions[0], file: 'manifest.json' }] }).problems).to.deep.equal(['solutions[0].file: expected a file name in the package folder']);
  });

  it('writes a manifest with the solution hash, the app, every role and privilege, and no secret', async () => {
    const result = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const manifest = JSON.parse(await readFile(path.join(result.package!.dir, 'manifest.json'), 'utf8'));
    expect(manifest.formatVersion).to.equal(2);
    expect(manifest.solutions).to.have.length(1);
    expect(manifest.solutions[0]).to.include({ uniqueName: 'FabrikamSyncConnector', version: '1.0.0.0', file: 'FabrikamSyncConnector_1_0_0_0_managed.zip', sha256: result.solution!.sha256, source: 'built' });
    expect(manifest.solutions[0]).to.deep.include({ requires: [], creates: [] });
    expect(manifest.app).to.deep.equal({ clientId: '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d', name: 'Fabrikam Sync', roles: ['Fabrikam Sync Connector'], consentRedirectUri: 'https://sync.fabrikam.example/consented' });
    expect(manifest.roles).to.have.length(1);
    expect(manifest.roles[0].id).to.equal(result.model.roles[0]!.id);
    expect(manifest.roles[0].privileges).to.deep.equal(result.model.roles[0]!.privileges);
    expect(manifest.dvpkgVersion).to.match(/^\d+\.\d+\.\d+/);
    expect(JSON.stringify(manifest)).to.not.match(/secret|password|private|BEGIN /i);
  });

  it('explains every privilege in plain words in the admin README', async () => {
    const result = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const readme = await readFile(path.join(result.package!.dir, 'README.md'), 'utf8');
    expect(readme).to.contain('| Account | Read | Organization |');
    expect(readme).to.contain('| Note (annotation) | Create | User |');
    expect(readme).to.contain('| Contact | Update | Parent: Child BUs |');
    const rows = readme.split('\n').filter((l) => /^\| [^T-]/.test(l) && l.split('|').length === 5 && !l.startsWith('| Code') && !l.startsWith('| Option'));
    expect(rows.length).to.be.at.least(result.model.roles[0]!.privileges.length);
    expect(readme).to.contain('adminconsent?client_id=8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d&redirect_uri=https%3A%2F%2Fsync.fabrikam.example%2Fconsented');
    expect(readme).to.contain('node deploy.mjs --org');
    expect(readme).to.match(/\| 8 \| the package has been changed/);
    expect(readme).to.contain(`sha256 ${result.solution!.sha256}`);
    expect(readme).to.match(/## How to remove it/);
    expect(readme).to.contain('node deploy.mjs --org https://<your-org>.crm.dynamics.com --remove');
    expect(readme).to.contain('`az ad sp delete --id 8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d`');
  });

  it("names the admin's sign-in app: the ISV's own from the spec, or Microsoft's sample app as such, with a build warning", async () => {
    const sample = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    expect(sample.warnings.map((w) => `${path.basename(w.file)} ${w.path}`)).to.include('solution.json app.adminClientId');
    const sampleReadme = await readFile(path.join(sample.package!.dir, 'README.md'), 'utf8');
    expect(sampleReadme).to.contain("You sign in through Microsoft's Dataverse sample app (`51f81489-12ee-4a9e-aaae-a2591f45987d`), which\nMicrosoft provides for development and prototyping");
    const own = await buildSolution({ src: SAMPLE_SRC, out: await tempDir(), app: { adminClientId: '3c6a1f0e-9b2d-4e7f-8a1c-5d4e3f2a1b0c' } });
    expect(own.warnings.map((w) => w.path)).to.not.include('app.adminClientId');
    const { manifest } = parseManifest(JSON.parse(await readFile(path.join(own.package!.dir, 'manifest.json'), 'utf8')));
    expect(manifest?.adminClientId).to.equal('3c6a1f0e-9b2d-4e7f-8a1c-5d4e3f2a1b0c');
    const ownReadme = await readFile(path.join(own.package!.dir, 'README.md'), 'utf8');
    expect(ownReadme).to.contain("You sign in through Fabrikam, Inc.'s sign-in app\n(`3c6a1f0e-9b2d-4e7f-8a1c-5d4e3f2a1b0c`)");
  });

  it('is byte-identical across builds', async () => {
    const a = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const b = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    expect(a.package!.sha256).to.equal(b.package!.sha256);
  });

  it('ships a runner that prints its help quickly without npm install', async () => {
    const result = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const run = await runNode([path.join(result.package!.dir, 'deploy.mjs'), '--help'], { cwd: await tempDir() });
    expect(run.code).to.equal(0);
    for (const flag of ['--org', '--tenant', '--auth', '--plan', '--yes', '--report', '--json', '--wait-for-consent', '--authority-host', '--admin-client-id', '--overwrite-unmanaged-customizations']) {
      expect(run.stdout, flag).to.contain(flag);
    }
    expect(run.stdout).to.match(/8 package integrity check failed/);
  });
});
