import { isDvpkgError } from '../../../errors.js';
import { cliOutput } from '../output.js';

/**
 * `--json` prints its object whatever happened: a pipeline reads stdout, the person reads stderr. A failure
 * prints `{ ok: false, error, problems }`, then goes on to the one error reporter as usual.
 */
export async function withJsonFailure(json: boolean, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (json && isDvpkgError(error)) cliOutput.out(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message }, problems: error.problems })}\n`);
    throw error;
  }
}
