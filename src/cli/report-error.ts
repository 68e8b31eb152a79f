import { ExitCode, formatProblem, isDvpkgError } from '../errors.js';
import { redactSecrets } from '../util/redact.js';

const ISSUES_URL = 'https://github.com/dvpkg/dvpkg/issues';

/** Turns any thrown value into stderr lines and an exit code; user errors never show a stack. */
export function reportError(error: unknown, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): number {
  if (isDvpkgError(error)) {
    write(`dvpkg: ${redactSecrets(error.message)} [${error.code}]`);
    for (const problem of error.problems) write(`  ${redactSecrets(formatProblem(problem))}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`dvpkg: unexpected error: ${redactSecrets(message)}`);
  if (process.env['DVPKG_DEBUG'] && error instanceof Error && error.stack) write(redactSecrets(error.stack));
  write(`This is a bug in dvpkg. Please report it at ${ISSUES_URL} with the command you ran (set DVPKG_DEBUG=1 for details).`);
  return ExitCode.unexpected;
}
