import { DataverseCodes, DataverseError, TransientError } from '../../dataverse/errors.js';
import * as dv from '../../dataverse/operations.js';
import { DvpkgError } from '../../errors.js';
import { poll } from '../../runtime/clock.js';
import type { PlanStep } from '../plan.js';
import type { ApplyContext, ApplyState, StepOutcome } from './context.js';
import { packageRoles } from './roles.js';

/** The application user: created or found, never duplicated. */

/** How long 0x8004F510 right after consent is retried: the service principal takes time to reach Dataverse. */
const CONSENT_LAG_MS = 90_000;

export function consentMissing(ctx: Pick<ApplyContext, 'manifest' | 'consentUrl'>, code: number | undefined): DvpkgError {
  const { app } = ctx.manifest;
  return new DvpkgError(
    'DVPKG_CONSENT_MISSING',
    `admin consent for ${app.name} (${app.clientId}) is missing in this tenant${code ? ` (AADSTS${code})` : ''}. A Global Administrator must open this link and accept, then run again (or run with --wait-for-consent):\n  ${ctx.consentUrl}${app.consentRedirectUri ? '' : `\n  ${NO_REPLY_ADDRESS}`}`,
  );
}

/**
 * The admin-consent link documents `redirect_uri` as required; a package without one sends the admin
 * to an error page after approval (AADSTS500113), although consent is recorded (fidelity-audit #7).
 */
export const NO_REPLY_ADDRESS = 'This package names no reply address for the app, so after you accept, Entra shows an error page (AADSTS500113): that is expected, consent is recorded; run this again.';

function deletedUserInTheWay(ctx: ApplyContext, deleted: dv.AppUserRow[]): DvpkgError {
  const { app } = ctx.manifest;
  return new DvpkgError(
    'DVPKG_APP_USER_FAILED',
    `Dataverse refuses a new application user for ${app.name} (${app.clientId}) while the deleted one (${deleted.map((u) => u.systemuserid).join(', ')}) is still held as a soft-deleted record. Run again with --purge-deleted-app-user to delete it permanently (a second delete, as Microsoft's own tooling does), then the user is created anew.`,
  );
}

/**
 * Creates the application user, or finds the one an earlier, interrupted attempt created.
 * Right after consent Dataverse may not see the service principal yet (0x8004F510), so that
 * answer is retried for a while before it is taken as "consent missing".
 */
export async function createAppUser(_step: Extract<PlanStep, { kind: 'create-app-user' }>, ctx: ApplyContext, state: ApplyState): Promise<StepOutcome> {
  const { client, manifest, clock } = ctx;
  const rootBu = (await packageRoles(ctx, state)).rootBusinessUnitId;
  let announced = false;
  let sent = 0;
  const result = await poll<StepOutcome>(
    async () => {
      let duplicate = false;
      try {
        sent++;
        const id = await dv.createAppUser(client, manifest.app.clientId, rootBu);
        if (id) {
          state.appUser = { systemuserid: id, applicationid: manifest.app.clientId, isdisabled: false, _businessunitid_value: rootBu, systemuserroles_association: [] };
          return { done: true, value: { status: 'done', outcome: `created ${id} in the root business unit`, changes: [{ kind: 'application-user-created', id }] } };
        }
      } catch (error) {
        if (error instanceof DataverseError && error.is(DataverseCodes.appIdNotFound)) {
          if (!announced) ctx.emit({ type: 'info', text: 'Dataverse does not see the app yet (it can take a minute after consent); retrying...' });
          announced = true;
          return { done: false };
        }
        duplicate = error instanceof DataverseError && error.is(DataverseCodes.duplicateRecord);
        if (!duplicate && !(error instanceof TransientError)) throw appUserError(error);
      }
      // The answer was lost or the user exists: an earlier attempt may have created it.
      const rows = await dv.findAppUsers(client, manifest.app.clientId);
      const row = rows.find((u) => u.deletedstate !== 1);
      if (row) {
        if (row.isdisabled) throw new DvpkgError('DVPKG_APP_USER_FAILED', `the application user for ${manifest.app.name} (${row.systemuserid}) is disabled; enable it in the Power Platform admin center, then run again`);
        state.appUser = row;
        return { done: true, value: { status: 'skipped', outcome: `found ${row.systemuserid} (created by an earlier attempt)`, changes: [] } };
      }
      if (duplicate) {
        const deleted = rows.filter((u) => u.deletedstate === 1);
        if (deleted.length > 0) throw deletedUserInTheWay(ctx, deleted);
        throw new DvpkgError('DVPKG_APP_USER_FAILED', `Dataverse says an application user for ${manifest.app.name} (${manifest.app.clientId}) already exists, but no such user can be read; check Application users in the Power Platform admin center, then run again`);
      }
      if (sent >= 5) throw new DvpkgError('DVPKG_APP_USER_FAILED', 'could not create the application user after 5 attempts; run again');
      return { done: false };
    },
    { intervalMs: (n) => Math.min(10_000, 1_000 * n), deadline: clock.now() + CONSENT_LAG_MS, clock, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
  if ('value' in result) return result.value;
  throw consentMissing(ctx, undefined);
}

/** Permanently deletes a soft-deleted application user: a DELETE of a row already deleted purges it. */
export async function purgeDeletedAppUser(step: Extract<PlanStep, { kind: 'purge-deleted-app-user' }>, ctx: ApplyContext): Promise<StepOutcome> {
  try {
    await dv.deleteSystemUser(ctx.client, step.userId);
  } catch (error) {
    if (!(error instanceof DataverseError && error.status === 404)) throw appUserError(error);
    return { status: 'skipped', outcome: `${step.userId} is already gone`, changes: [] };
  }
  return { status: 'done', outcome: `purged the deleted application user ${step.userId}`, changes: [{ kind: 'deleted-application-user-purged', id: step.userId }] };
}

export function appUserError(error: unknown): unknown {
  if (error instanceof DataverseError) return new DvpkgError('DVPKG_APP_USER_FAILED', `${error.method} ${error.path.split('?')[0]} was refused: ${error.status} ${error.code} ${error.serviceMessage}`);
  if (error instanceof TransientError) return new DvpkgError('DVPKG_APP_USER_FAILED', `${error.message}; run again to finish`);
  return error;
}
