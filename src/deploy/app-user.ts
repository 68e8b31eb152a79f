import type { DataverseClient } from '../dataverse/client.js';
import { DataverseCodes, DataverseError, TransientError } from '../dataverse/errors.js';
import * as dv from '../dataverse/operations.js';
import { DvpkgError } from '../errors.js';
import type { Manifest } from '../package/manifest.js';
import { boundRoleIds } from './decide.js';
import type { Ui } from './ui.js';
import { sleep } from '../util/sleep.js';

/** The application user and its role binding: created or found, never duplicated. */

/** How long 0x8004F510 right after consent is retried: the service principal takes time to reach Dataverse. */
const CONSENT_LAG_MS = 90_000;

export function consentMissing(manifest: Manifest, url: string, code: number | undefined): DvpkgError {
  return new DvpkgError(
    'DVPKG_CONSENT_MISSING',
    `admin consent for ${manifest.app.name} (${manifest.app.clientId}) is missing in this tenant${code ? ` (AADSTS${code})` : ''}. A Global Administrator must open this link and accept, then run again (or run with --wait-for-consent):\n  ${url}`,
  );
}

export function disabledUser(manifest: Manifest, user: dv.AppUserRow): DvpkgError {
  return new DvpkgError(
    'DVPKG_APP_USER_FAILED',
    `the application user for ${manifest.app.name} (${user.systemuserid}) is disabled. Enable it in the Power Platform admin center (Environments > your environment > Settings > Application users > Activate), then run again.`,
  );
}

/**
 * Creates the application user, or finds the one an earlier, interrupted attempt created.
 * Right after consent Dataverse may not see the service principal yet (0x8004F510), so that
 * answer is retried for a while before it is taken as "consent missing".
 */
export async function ensureAppUser(client: DataverseClient, manifest: Manifest, rootBu: string, consentUrl: string, ui: Ui): Promise<{ id: string; created: boolean; row?: dv.AppUserRow }> {
  const lagDeadline = Date.now() + CONSENT_LAG_MS;
  for (let attempt = 1; ; attempt++) {
    let duplicate = false;
    try {
      const id = await dv.createAppUser(client, manifest.app.clientId, rootBu);
      if (id) return { id, created: true };
    } catch (error) {
      duplicate = error instanceof DataverseError && error.is(DataverseCodes.duplicateRecord);
      if (error instanceof DataverseError && error.is(DataverseCodes.appIdNotFound)) {
        if (Date.now() >= lagDeadline) throw consentMissing(manifest, consentUrl, undefined);
        if (attempt === 1) ui.info('Dataverse does not see the app yet (it can take a minute after consent); retrying...');
        await sleep(Math.min(10_000, 1_000 * attempt));
        continue;
      }
      if (!(error instanceof TransientError) && !(error instanceof DataverseError && error.is(DataverseCodes.duplicateRecord))) throw appUserError(error);
    }
    const row = await dv.findAppUser(client, manifest.app.clientId);
    if (row) {
      if (row.isdisabled) throw disabledUser(manifest, row);
      return { id: row.systemuserid, created: false, row };
    }
    if (duplicate) {
      // Dataverse holds a user for this app that a query cannot see, such as a deleted one not yet purged: retrying cannot help.
      throw new DvpkgError(
        'DVPKG_APP_USER_FAILED',
        `Dataverse says an application user for ${manifest.app.name} (${manifest.app.clientId}) already exists, but it cannot be found; it may have been deleted and not yet purged. Remove or restore it in the Power Platform admin center (Application users), then run again.`,
      );
    }
    if (attempt >= 5) throw new DvpkgError('DVPKG_APP_USER_FAILED', 'could not create the application user after 5 attempts; run again');
  }
}

export async function bindRole(client: DataverseClient, userId: string, roleId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dv.associateRole(client, userId, roleId);
      return;
    } catch (error) {
      // Associating an existing link is an error (0x80040237); after an interrupted attempt it means done.
      if (error instanceof DataverseError && error.is(DataverseCodes.duplicateRecord)) return;
      if (!(error instanceof TransientError) || attempt >= 5) throw appUserError(error);
    }
    const user = await dv.findAppUserById(client, userId);
    if (user && boundRoleIds(user).has(roleId)) return;
  }
}

function appUserError(error: unknown): unknown {
  if (error instanceof DataverseError) return new DvpkgError('DVPKG_APP_USER_FAILED', `${error.method} ${error.path.split('?')[0]} was refused: ${error.status} ${error.code} ${error.serviceMessage}`);
  if (error instanceof TransientError) return new DvpkgError('DVPKG_APP_USER_FAILED', `${error.message}; run again to finish`);
  return error;
}
