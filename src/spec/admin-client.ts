import type { Problem } from '../errors.js';
import { normalizeGuid } from './guid.js';

/**
 * The public client the subscriber's admin signs in with. Microsoft's sample app id is for
 * "development and prototyping purposes … For production use, you should create an AppId"
 * (powerapps-docs use-connection-strings-xrm-tooling-connect.md; authenticate-oauth.md: "When you
 * publish your own apps, you must use your own registration values"), so a package that falls back
 * to it is built, with a warning.
 */
export const SAMPLE_ADMIN_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

const EXPECTED = 'the client id (GUID) of your multi-tenant public client for admin sign-in, registered with a http://localhost redirect under "Mobile and desktop applications"';

/** `where`: the field or flag the value came from; the problem is reported there. */
export function checkAdminClientId(value: unknown, where: { file: string; path: string }, problems: Problem[]): string | undefined {
  if (value === undefined) {
    problems.push({
      severity: 'warning',
      ...where,
      value,
      expected: `${EXPECTED}; without it admins sign in through Microsoft's sample app ${SAMPLE_ADMIN_CLIENT_ID}, which Microsoft provides for development and prototyping only`,
    });
    return undefined;
  }
  const id = normalizeGuid(value);
  if (!id) {
    problems.push({ severity: 'error', ...where, value, expected: EXPECTED });
    return undefined;
  }
  if (id === SAMPLE_ADMIN_CLIENT_ID) {
    problems.push({ severity: 'warning', ...where, value, expected: `${EXPECTED}; Microsoft provides this sample app for development and prototyping only` });
  }
  return id;
}
