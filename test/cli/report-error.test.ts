import { expect } from 'chai';
import { Writable } from 'node:stream';
import { DvpkgError, reportError } from '../../src/errors.js';
import { createOutput, Redactor } from '../../src/runtime/output.js';

function capture(error: unknown, redactor = new Redactor()): { code: number; lines: string[] } {
  let text = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => { text += String(chunk); done(); } });
  const code = reportError(error, createOutput({ stdout: sink, stderr: sink }, redactor), 'dvpkg');
  return { code, lines: text.trimEnd().split('\n') };
}

describe('error reporting', () => {
  it('prints a user error with its code and problems, and returns its exit code', () => {
    const { code, lines } = capture(
      new DvpkgError('DVPKG_SPEC_INVALID', 'spec: 1 problem', { problems: [{ severity: 'error', file: 'roles/a.json', path: 'name', value: 7, expected: 'a string' }] }),
    );
    expect(code).to.equal(2);
    expect(lines).to.deep.equal(['dvpkg: spec: 1 problem [DVPKG_SPEC_INVALID]', '  error: roles/a.json: name: 7: expected a string']);
  });

  it('turns an unexpected error into exit 1 with a please-report line and no stack', () => {
    const { code, lines } = capture(new TypeError('boom'));
    expect(code).to.equal(1);
    expect(lines[0]).to.equal('dvpkg: unexpected error: boom');
    expect(lines.at(-1)).to.match(/This is a bug in dvpkg\. Please report it/);
    expect(lines.join('\n')).to.not.match(/\n\s+at /);
  });

  it('never prints a registered secret, a bearer token or a private key', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-value-for-test');
    const { lines } = capture(
      new Error('failed with s3cr3t-value-for-test; Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln -----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----'),
      redactor,
    );
    const text = lines.join('\n');
    expect(text).to.not.contain('s3cr3t-value-for-test');
    expect(text).to.not.contain('eyJhbGciOiJSUzI1NiJ9');
    expect(text).to.not.contain('MIIabc');
  });
});
