import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { boundaryViolations, importSpecifiers, readSources } from './import-boundary.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

describe('emulator: import boundary', () => {
  it('src/emulator imports nothing outside itself, and only the bridges import the emulator', () => {
    const sources = readSources(SRC);
    expect(sources.some((s) => s.file === 'emulator/index.ts')).to.equal(true);
    expect(boundaryViolations(sources)).to.deep.equal([]);
  });

  it('reports an emulator file that imports product code', () => {
    const violations = boundaryViolations([{ file: 'emulator/dataverse/x.ts', text: "import { normalizeGuid } from '../../spec/guid.js';\nimport { ok } from './y.js';" }]);
    expect(violations).to.deep.equal([{ file: 'emulator/dataverse/x.ts', specifier: '../../spec/guid.js', rule: 'emulator imports product' }]);
    expect(boundaryViolations([{ file: 'emulator/state.ts', text: "import { normalizeGuid } from '../spec/guid.js';" }])).to.have.length(1);
  });

  it("reports an emulator import that reaches a sibling folder named like a product folder, such as ../dataverse/", () => {
    const files = [{ file: 'emulator/discovery/x.ts', text: "import { verifiedBearer } from '../dataverse/auth.js';\nimport { jwks } from '../entra/discovery.js';" }];
    expect(boundaryViolations(files, new Set(['dataverse', 'auth']))).to.deep.equal([{ file: 'emulator/discovery/x.ts', specifier: '../dataverse/auth.js', rule: 'emulator import reads like a product path' }]);
  });

  it('reports product files that import the emulator, except the CLI command and the demo', () => {
    const text = "export { startEmulator } from '../emulator/index.js';";
    const dynamic = "const m = await import('../../emulator/index.js');";
    expect(boundaryViolations([{ file: 'deploy/run.ts', text }]).map((v) => v.rule)).to.deep.equal(['product imports emulator']);
    expect(boundaryViolations([{ file: 'cli/commands/verify.ts', text: dynamic }])).to.have.length(1);
    expect(boundaryViolations([
      { file: 'cli/commands/emulator.ts', text: "import { startEmulator } from '../../emulator/index.js';" },
      { file: 'programs/cli/commands/emulator.ts', text: "import { startEmulator } from '../../../emulator/index.js';" },
      { file: 'demo/main.ts', text },
      { file: 'programs/demo/main.ts', text: "import { startEmulator } from '../../emulator/index.js';" },
    ])).to.deep.equal([]);
  });

  it('reads static, re-export, side-effect and dynamic imports, not comments', () => {
    const text = "import a from './a.js';\nimport type { B } from './b.js';\nexport * from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\n// import x from './commented.js';";
    expect(importSpecifiers(text)).to.have.members(['./a.js', './b.js', './c.js', './d.js', './e.js']);
  });
});
