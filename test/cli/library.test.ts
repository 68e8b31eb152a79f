import { expect } from 'chai';
import { SAMPLE_SRC } from '../support/paths.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

/** The package's public entry points, as an ISV build script imports them. */
describe('library API (package exports)', () => {
  after(removeTempDirs);

  it('exposes the build pipeline as dvpkg and the emulator as dvpkg/emulator', async () => {
    const dvpkg = (await import('dvpkg' as string)) as typeof import('../../src/index.js');
    const result = await dvpkg.buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    expect(result.model.uniqueName).to.equal('FabrikamSyncConnector');
    expect(result.package?.zip).to.match(/_deploy\.zip$/);
    const emulatorModule = (await import('dvpkg/emulator' as string)) as typeof import('../../src/emulator/index.js');
    const emulator = await emulatorModule.startEmulator();
    try {
      expect(emulator.orgUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/orgs\/contoso$/);
    } finally {
      await emulator.close();
    }
  });
});
