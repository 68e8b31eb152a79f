import { DataverseError, TransientError } from '../../dataverse/errors.js';
import * as dv from '../../dataverse/settings.js';
import { DvpkgError } from '../../errors.js';
import { poll } from '../../runtime/clock.js';
import type { Manifest } from '../../package/manifest.js';
import type { PlanStep } from '../plan.js';
import { apiName, declaredSettings, type Declared } from '../settings/plan-settings.js';
import type { GivenSetting } from '../settings/input.js';
import type { ApplyContext, StepOutcome } from './context.js';

/**
 * Settings go in with the import as ComponentParameters; those of a solution already at this version
 * are written with the Web API, each only while the org's value differs (read just before writing, and
 * again after a write whose answer was lost, so that it is not sent again as a second value row). A connection the org does
 * not know is refused by the org, not found beforehand: connections are not in Dataverse to look up.
 */

const key = (name: string) => name.toLowerCase();

/** The ComponentParameters of one solution's import: the given values of the named settings. */
export function componentParameters(manifest: Manifest, names: readonly string[], given: ReadonlyMap<string, GivenSetting>): dv.ComponentParameter[] {
  const declared = declaredSettings(manifest);
  return names.flatMap((name): dv.ComponentParameter[] => {
    const d = declared.find((x) => key(x.name) === key(name));
    const value = given.get(key(name))?.value;
    if (!d || value === undefined) return [];
    if (d.reference) return [{ '@odata.type': 'Microsoft.Dynamics.CRM.connectionreference', connectionreferencelogicalname: d.name, connectionid: value, connectorid: d.reference.connectorId }];
    return [{ '@odata.type': 'Microsoft.Dynamics.CRM.environmentvariablevalue', schemaname: d.name, value }];
  });
}

const CONNECTION_NOT_FOUND = /Could not find connection '([^']+)' for API '([^']+)'/;

/** The org's ConnectionNotFound, told in the admin's terms: which reference, which connection, what to do. */
export function connectionRefused(text: string, manifest: Manifest, given: ReadonlyMap<string, GivenSetting>, what: string): DvpkgError | undefined {
  const match = CONNECTION_NOT_FOUND.exec(text);
  if (!match) return undefined;
  const [, connectionId, api] = match as unknown as [string, string, string];
  const reference = declaredSettings(manifest).find((d) => d.reference && given.get(key(d.name))?.value === connectionId && apiName(d.reference.connectorId) === apiName(api));
  const named = reference ? `connection reference ${reference.name} (${reference.displayName}, ${given.get(key(reference.name))!.where})` : 'a connection reference';
  return new DvpkgError(
    'DVPKG_IMPORT_FAILED',
    `${what}: the org has no connection ${connectionId} of connector ${api} for ${named}. Create the connection in the maker portal (Connections, as the account the flows run as) or give the id of one of that connector, then run again.`,
  );
}

/** Tries of one setting's write whose answer was lost before the run stops (run again to finish). */
const WRITE_TRIES = 5;

export async function setSettings(step: Extract<PlanStep, { kind: 'set-settings' }>, ctx: ApplyContext): Promise<StepOutcome> {
  const declared = declaredSettings(ctx.manifest).filter((d) => step.names.some((n) => key(n) === key(d.name)));
  const variables = declared.filter((d) => d.variable).map((d) => d.name);
  const references = declared.filter((d) => d.reference).map((d) => d.name);
  const variableRows = variables.length > 0 ? await dv.findVariables(ctx.client, variables) : [];
  const referenceRows = references.length > 0 ? await dv.findReferences(ctx.client, references) : [];
  const written: string[] = [];
  for (const d of declared) {
    const value = ctx.settings.get(key(d.name))!.value;
    const wrote = d.variable
      ? await untilHeld(ctx, d.name, variableRows.find((r) => key(r.schemaname) === key(d.name)), async () => (await dv.findVariables(ctx.client, [d.name]))[0], (row) => writeVariable(ctx, d, value, row))
      : await untilHeld(ctx, d.name, referenceRows.find((r) => key(r.connectionreferencelogicalname) === key(d.name)), async () => (await dv.findReferences(ctx.client, [d.name]))[0], (row) => writeReference(ctx, d, value, row));
    if (wrote) written.push(d.name);
  }
  if (written.length === 0) return { status: 'skipped', outcome: 'the org already holds every value (set by an earlier attempt)', changes: [] };
  return { status: 'done', outcome: `set ${written.join(', ')}`, changes: written.map((name) => ({ kind: 'setting-written', id: name })) };
}

/**
 * Writes one setting until the org holds its value. A write with no clear answer (a 503, a dropped connection)
 * may have been carried out, so the row is read again and only what it still lacks is sent: a lost POST of a
 * value row is followed by a PATCH of that row or nothing, never by a second row. True when this run wrote.
 */
async function untilHeld<Row>(ctx: ApplyContext, name: string, first: Row | undefined, read: () => Promise<Row | undefined>, write: (row: Row | undefined) => Promise<boolean>): Promise<boolean> {
  let row = first;
  let sent = false;
  const result = await poll<boolean>(
    async (attempt) => {
      if (attempt > 1) row = await read();
      try {
        return { done: true, value: (await write(row)) || sent };
      } catch (error) {
        if (!(error instanceof TransientError) || attempt >= WRITE_TRIES) throw error;
        sent = true;
        ctx.emit({ type: 'info', text: `writing ${name} got no clear answer; reading the org before trying again` });
        return { done: false };
      }
    },
    // A write still under way when its answer was lost is given time to land before the read.
    { intervalMs: (n) => Math.min(1_000 * 2 ** (n - 1), 15_000), deadline: Number.POSITIVE_INFINITY, clock: ctx.clock, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
  // No deadline: the tries end it, by a value or by the last error.
  return 'value' in result && result.value;
}

/** Sends the value unless the org holds it: false when there was nothing to write. */
async function writeVariable(ctx: ApplyContext, d: Declared, value: string, row: dv.VariableRow | undefined): Promise<boolean> {
  if (!row) throw missing(d.name, d.solution.uniqueName, 'environment variable definition');
  const current = row.environmentvariabledefinition_environmentvariablevalue?.[0];
  if (current?.value === value) return false;
  if (current) await dv.updateVariableValue(ctx.client, current.environmentvariablevalueid, value);
  else await dv.createVariableValue(ctx.client, row.environmentvariabledefinitionid, row.schemaname, value);
  return true;
}

async function writeReference(ctx: ApplyContext, d: Declared, value: string, row: dv.ReferenceRow | undefined): Promise<boolean> {
  if (!row) throw missing(d.name, d.solution.uniqueName, 'connection reference');
  if (row.connectionid === value) return false;
  try {
    await dv.setReferenceConnection(ctx.client, row.connectionreferenceid, value);
  } catch (error) {
    const refused = error instanceof DataverseError ? connectionRefused(error.serviceMessage, ctx.manifest, ctx.settings, `setting ${d.name}`) : undefined;
    throw refused ?? error;
  }
  return true;
}

function missing(name: string, solution: string, what: string): DvpkgError {
  return new DvpkgError('DVPKG_IMPORT_FAILED', `the org has no ${what} ${name}, although ${solution} is installed; run again, and if it stays missing, check ${solution} in the maker portal (Solutions)`);
}
