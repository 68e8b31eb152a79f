import { reportError } from '../../errors.js';
import { createOutput } from '../../runtime/output.js';

/** The CLI process's one redacting output; every command prints through it. */
export const cliOutput = createOutput(process);

export function reportCliError(error: unknown, verbose: boolean): number {
  return reportError(error, cliOutput, 'dvpkg', { debug: Boolean(process.env['DVPKG_DEBUG']), verbose });
}
