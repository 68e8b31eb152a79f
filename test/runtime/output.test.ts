import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createOutput, MIN_SECRET_LENGTH, Redactor } from '../../src/runtime/output.js';
import { formatProblem } from '../../src/errors.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

function memory(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write: (chunk, _encoding, done) => { text += String(chunk); done(); } }), text: () => text };
}

describe('the redacting output', () => {
  after(removeTempDirs);

  it('redacts on every sink: stdout, stderr and report files', async () => {
    const secret = 'pA55~w0rd.for-the-app_1';
    const redactor = new Redactor();
    redactor.add(secret);
    const out = memory();
    const err = memory();
    const output = createOutput({ stdout: out.stream, stderr: err.stream }, redactor);
    const file = path.join(await tempDir(), 'report.json');
    output.out(`stdout ${secret}\n`);
    output.err(`stderr client_secret=${secret}&x=1\n`);
    await output.file(file, JSON.stringify({ message: `failed: ${secret}`, access_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }));
    const everything = [out.text(), err.text(), await readFile(file, 'utf8')].join('\n');
    expect(everything).to.not.contain(secret);
    expect(everything).to.not.contain('eyJhbGciOiJub25lIn0');
    expect(out.text()).to.equal('stdout [redacted]\n');
  });

  it('replaces whole secret values of a minimum length: a short placeholder does not rewrite ordinary words', () => {
    const redactor = new Redactor();
    redactor.add('wrong');
    redactor.add('Winter2026');
    expect('wrong'.length).to.be.below(MIN_SECRET_LENGTH);
    expect(redactor.redact('the wrong secret was given, wrongly')).to.equal('the wrong secret was given, wrongly');
    // Wherever the value stands, none of it is shown.
    expect(redactor.redact('Winter2026 and xWinter2026y')).to.equal('[redacted] and x[redacted]y');
  });

  it("never shows a secret's first characters: a value cut short in a message is redacted too, the rest of the text kept", () => {
    const secret = 'Q7~vz' + 'k'.repeat(90);
    const redactor = new Redactor();
    redactor.add(secret);
    // A long value that is not a string is shown cut at 80 characters.
    const problem = formatProblem({ severity: 'error', file: 'settings.json', path: 'EnvironmentVariables[0]', value: { SchemaName: 'fab_Key', Value: secret }, expected: 'SchemaName and Value' });
    expect(problem).to.equal(`error: settings.json: EnvironmentVariables[0]: {"SchemaName":"fab_Key","Value":"${secret.slice(0, 44)}...: expected SchemaName and Value`);
    expect(redactor.redact(problem)).to.equal('error: settings.json: EnvironmentVariables[0]: {"SchemaName":"fab_Key","Value":"[redacted]...: expected SchemaName and Value');
    expect(redactor.redact(`${secret.slice(0, 20)}… and ${secret.slice(0, 20)} not cut`)).to.equal(`[redacted]… and ${secret.slice(0, 20)} not cut`);
  });
});
