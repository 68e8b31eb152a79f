import { expect } from 'chai';
import axios from 'axios';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli } from '../support/cli.js';
import { runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator } from '../support/deploy-harness.js';
import { REPO_ROOT, SAMPLE_SRC } from '../support/paths.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

const ROLE_ID = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
/** A role as someone clicks it together in the maker portal: unsorted, every depth. */
const DEV_ROLE = {
  id: ROLE_ID,
  name: 'Fabrikam Dev Sync',
  privileges: [
    { name: 'prvWriteContact', level: 'Deep' },
    { name: 'prvReadAccount', level: 'Global' },
    { name: 'prvCreateNote', level: 'Basic' },
    { name: 'prvReadContact', level: 'Local' },
    { name: 'prvReadSolution', level: 'Global' },
    // What `dvpkg verify` needs the app to read.
    { name: 'prvReadUser', level: 'Local' },
    { name: 'prvReadRole', level: 'Local' },
  ],
};

/** Its device-code prompt is on stderr too; the rest is what the test is about. */
const afterSignIn = (stderr: string) => stderr.replace(/^To sign in, use a web browser.*\n/m, '');

describe('dvpkg pull (against the emulator)', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let src: string;

  const pull = (args: string[]) => runCli(['pull', '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, '--auth', 'device-code', '--src', src, ...args]);

  beforeEach(async () => {
    emulator = await startSampleEmulator();
    await axios.post(`${emulator.controlUrl}/orgs/contoso/roles`, DEV_ROLE);
    src = path.join(await tempDir(), 'solution-src');
    await cp(SAMPLE_SRC, src, { recursive: true });
    await rm(path.join(src, 'roles'), { recursive: true });
  });
  afterEach(async () => {
    await emulator?.close();
  });
  after(removeTempDirs);

  it('writes the role file with the id kept, privileges sorted and levels canonical', async () => {
    const result = await pull(['--role', 'Fabrikam Dev Sync']);
    expect(result.code, result.stderr).to.equal(0);
    const file = path.join(src, 'roles', 'fabrikam-dev-sync.json');
    expect(result.stdout).to.equal(`Pulled "Fabrikam Dev Sync" (7 privileges, id ${ROLE_ID}) to ${file}\n`);
    const schema = path.relative(path.dirname(file), path.join(REPO_ROOT, 'schemas', 'role.schema.json'));
    expect(await readFile(file, 'utf8')).to.equal(
      `${JSON.stringify(
        {
          $schema: schema,
          id: ROLE_ID,
          name: 'Fabrikam Dev Sync',
          privileges: { prvCreateNote: 'Basic', prvReadAccount: 'Global', prvReadContact: 'Local', prvReadRole: 'Local', prvReadSolution: 'Global', prvReadUser: 'Local', prvWriteContact: 'Deep' },
        },
        null,
        2,
      )}\n`,
    );
  });

  it('builds, deploys and verifies the pulled role to the same privileges in another org', async () => {
    expect((await pull(['--role', 'Fabrikam Dev Sync'])).code).to.equal(0);
    const spec = JSON.parse(await readFile(path.join(src, 'solution.json'), 'utf8')) as { uniqueName: string; app: { roles: string[] } };
    spec.uniqueName = 'FabrikamDevSync';
    spec.app.roles = ['Fabrikam Dev Sync'];
    await writeFile(path.join(src, 'solution.json'), JSON.stringify(spec));
    const out = await tempDir();
    const built = await runCli(['build', '--src', src, '--out', out, '--json']);
    expect(built.code, built.stderr).to.equal(0);
    const pkgDir = (JSON.parse(built.stdout) as { package: { dir: string } }).package.dir;

    const subscriber = await startSampleEmulator();
    try {
      subscriber.grantConsent(subscriber.tenantId, SAMPLE_CLIENT_ID);
      const deployed = await runDeployer({ dir: pkgDir, runner: path.join(pkgDir, 'deploy.mjs'), version: '1.0.0.0' }, subscriber, ['--yes', '--auth', 'device-code']);
      expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
      const org = subscriber.state.data.orgs[0]!;
      const role = org.roles.find((r) => r['roleid'] === ROLE_ID)!;
      expect(role, 'the role keeps its id').to.not.equal(undefined);
      const granted = org.roleprivileges
        .filter((rp) => rp.roleid === ROLE_ID)
        .map((rp) => ({ name: org.privileges.find((p) => p['privilegeid'] === rp.privilegeid)!['name'], level: rp.depth }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      expect(granted).to.deep.equal([...DEV_ROLE.privileges].sort((a, b) => a.name.localeCompare(b.name)));
      const secret = subscriber.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!.clientSecret;
      const verified = await runCli(['verify', '--org', subscriber.orgUrl, '--authority-host', subscriber.authorityHost, '--package', pkgDir], { env: { AZURE_CLIENT_SECRET: secret } });
      expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    } finally {
      await subscriber.close();
    }
  });

  it('refuses to overwrite a role file without --force, writing nothing; --force overwrites', async () => {
    const file = path.join(src, 'roles', 'fabrikam-dev-sync.json');
    await cp(path.join(SAMPLE_SRC, 'roles', 'connector.json'), file);
    const before = await readFile(file, 'utf8');
    const refused = await pull(['--role', 'Fabrikam Dev Sync']);
    expect(refused.code).to.equal(2);
    expect(afterSignIn(refused.stderr)).to.equal(`dvpkg: nothing was written [DVPKG_USAGE]\n  error: ${file}: "Fabrikam Dev Sync": expected a file that does not exist yet (pass --force to overwrite it)\n`);
    expect(await readFile(file, 'utf8')).to.equal(before);
    const forced = await pull(['--role', 'Fabrikam Dev Sync', '--force']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).to.include({ id: ROLE_ID });
  });

  it('names a role the org does not have, with the nearest names, and writes nothing', async () => {
    const result = await pull(['--role', 'Fabrikam Dev Sink', '--role', 'Fabrikam Dev Sync']);
    expect(result.code).to.equal(2);
    expect(afterSignIn(result.stderr)).to.equal(
      `dvpkg: a role is not in the org [DVPKG_USAGE]\n  error: --role: "Fabrikam Dev Sink": expected the name of a role in ${emulator.orgUrl} (business unit contoso) (did you mean "Fabrikam Dev Sync"?)\n`,
    );
    expect(await readdir(src)).to.not.include('roles');
  });

  it('warns about privileges neither the catalog nor the spec knows, alike ones grouped', async () => {
    const unknown = ['prvAppendmsdyn_AIBFeedbackLoop', 'prvAppendmsdyn_AIEvent', 'prvAppendmsdyn_dmsrequest', 'prvAppendmsdyn_dmsrequeststatus', 'prvAppendmsdyn_kbattachment'];
    const privileges = [{ name: 'prvReadAccount', level: 'Global' }, ...unknown.map((name) => ({ name, level: 'Global' }))];
    await axios.post(`${emulator.controlUrl}/orgs/contoso/roles`, { id: 'a1d2c3b4-4a5e-4f60-8a7b-9c0d1e2f3a4b', name: 'Widgets', privileges });
    const result = await pull(['--role', 'Widgets']);
    expect(result.code, result.stderr).to.equal(0);
    const file = path.join(src, 'roles', 'widgets.json');
    expect(afterSignIn(result.stderr)).to.equal(
      `warning: ${file}: privileges.* (5): "prvAppendmsdyn_AIBFeedbackLoop", "prvAppendmsdyn_AIEvent", "prvAppendmsdyn_dmsrequest" and 2 more (--verbose lists all): expected a privilege of the built-in catalog or of a table the spec defines or includes (a first-party app or a table not yet in the spec?)\n`,
    );
    const known = await pull(['--role', 'Fabrikam Dev Sync']);
    expect(afterSignIn(known.stderr), 'no warning for known privileges').to.equal('');
  });

  it('pulls with a warning when the spec folder holds a broken solution.json, checking against the catalog only', async () => {
    await writeFile(path.join(src, 'solution.json'), '{ "uniqueName": ');
    const result = await pull(['--role', 'Fabrikam Dev Sync']);
    expect(result.code, result.stderr).to.equal(0);
    expect(afterSignIn(result.stderr)).to.match(new RegExp(`^warning: --src ${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not read \\(.+\\); privileges are checked against the built-in catalog only\\n$`));
    expect(JSON.parse(await readFile(path.join(src, 'roles', 'fabrikam-dev-sync.json'), 'utf8'))).to.include({ id: ROLE_ID });
  });
});
