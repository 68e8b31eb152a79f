import { expect } from 'chai';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runInit } from '../../src/programs/cli/commands/init.js';
import { createOutput } from '../../src/runtime/output.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

const ALL = ['--publisher', 'fabrikam', '--prefix', 'fab', '--app-client-id', '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d', '--app-name', 'Fabrikam Sync', '--unique-name', 'FabrikamSyncRoles'];

describe('dvpkg init', function () {
  this.timeout(60_000);
  after(removeTempDirs);

  it('with every flag, in an empty folder, writes a spec that dvpkg check accepts and ignores out/', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', dir, ...ALL]);
    expect(result.code, result.stderr).to.equal(0);
    const src = path.join(dir, 'solution-src');
    expect(result.stdout.split('\n')[0]).to.equal(`Wrote ${src}/ (FabrikamSyncRoles, one role for Fabrikam Sync)`);
    expect((await readdir(src, { recursive: true })).sort()).to.deep.equal(['roles', path.join('roles', 'fabrikam-sync.json'), 'solution.json']);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).to.equal('out/\n');
    const solution = JSON.parse(await readFile(path.join(src, 'solution.json'), 'utf8')) as Record<string, unknown>;
    expect(solution).to.include({ uniqueName: 'FabrikamSyncRoles', version: '1.0.0.0' });
    expect(solution['$schema']).to.match(/schemas\/solution\.schema\.json$/);
    expect(solution['app']).to.deep.equal({ clientId: '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d', name: 'Fabrikam Sync', roles: ['Fabrikam Sync'] });
    const role = JSON.parse(await readFile(path.join(src, 'roles', 'fabrikam-sync.json'), 'utf8')) as { privileges: Record<string, string> };
    expect(role.privileges).to.deep.equal({ prvReadAccount: 'Basic', prvReadRole: 'Local', prvReadUser: 'Local' });
    const check = await runCli(['check', '--src', src]);
    expect(check.code, check.stderr).to.equal(0);
    expect(check.stdout).to.contain('OK (FabrikamSyncRoles 1.0.0.0, 1 role');
    const built = await runCli(['build', '--src', src, '--out', path.join(dir, 'out')]);
    expect(built.code, built.stderr).to.equal(0);
  });

  it('without flags and no terminal, exits 2 listing every missing flag and writes nothing', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', dir]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      'dvpkg: stdin is not a terminal, so nothing can be asked; give --publisher <publisher unique name>, --prefix <publisher prefix>, --app-client-id <your multi-tenant app\'s client id>, --app-name <your app\'s name as admins know it>, --unique-name <unique name of the role solution> [DVPKG_USAGE]\n',
    );
    expect(await readdir(dir)).to.deep.equal([]);
    const some = await runCli(['init', dir, ...ALL.slice(0, 6)]);
    expect(some.stderr).to.equal('dvpkg: stdin is not a terminal, so nothing can be asked; give --app-name <your app\'s name as admins know it>, --unique-name <unique name of the role solution> [DVPKG_USAGE]\n');
  });

  it('names the flag of a value the spec would refuse, and writes nothing', async () => {
    const dir = await tempDir();
    const args = [...ALL];
    args[args.indexOf('fab')] = 'mscrmx';
    args[args.indexOf('8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d')] = 'not-a-guid';
    const result = await runCli(['init', dir, ...args]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('dvpkg: nothing was written [DVPKG_USAGE]\n');
    expect(result.stderr).to.match(/error: --prefix: "mscrmx": expected a prefix that does not start with "mscrm"/);
    expect(result.stderr).to.match(/error: --app-client-id: "not-a-guid": expected/);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('refuses a folder that has a solution-src already, and adds out/ to a .gitignore only once', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, '.gitignore'), 'node_modules/');
    expect((await runCli(['init', dir, ...ALL])).code).to.equal(0);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).to.equal('node_modules/\nout/\n');
    const again = await runCli(['init', dir, ...ALL]);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.contain(`${path.join(dir, 'solution-src')}: exists already; dvpkg init writes a new spec folder`);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).to.equal('node_modules/\nout/\n');
  });

  it('at a terminal, asks for what the flags did not give, in order', async () => {
    const dir = await tempDir();
    const asked: string[] = [];
    const answers = ['Fabrikam Sync', 'FabrikamSyncRoles'];
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const code = await runInit({ dir, publisher: 'fabrikam', prefix: 'fab', appClientId: '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d' }, createOutput({ stdout: sink, stderr: sink }), async (question) => {
      asked.push(question);
      return answers.shift()!;
    });
    expect(code).to.equal(0);
    expect(asked).to.deep.equal(["Your app's name as admins know it", 'Unique name of the role solution (e.g. FabrikamSyncRoles)']);
    expect(JSON.parse(await readFile(path.join(dir, 'solution-src', 'solution.json'), 'utf8'))).to.include({ uniqueName: 'FabrikamSyncRoles', displayName: 'Fabrikam Sync' });
  });
});
