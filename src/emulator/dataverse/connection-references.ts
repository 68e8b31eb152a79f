/**
 * PATCH connectionreferences(<id>) with `connectionid`: how a deployer points a reference at a connection when
 * the solution is already at its version (Capgemini/powerapps-packagedeployer-template sets references by
 * updating the row). A connection the reference's connector does not have is refused with the API hub's
 * ConnectionNotFound, as that template's issue #55 shows it (status `statuses.connectionNotFound`, inferred);
 * `null` or "" clears it (inferred). Needs prvWriteconnectionreference (the table's own, inferred).
 */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { connectionNotFound, invalidArgument, queryNotSupported } from '../wire-errors.js';
import { nowIso, type ConnectionReferenceRow, type OrgState } from '../state.js';
import { connectionProblem, connectorApiName } from '../connections.js';
import type { Caller } from './auth.js';
import { ENTITY_SETS, entityReply, findRow, odataReply, parseKey } from './entity-sets.js';
import { jsonBody, wantsRepresentation } from './request-body.js';
import { requirePrivilege } from './security.js';

export function updateConnectionReference(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvWriteconnectionreference', 'connectionreference');
  const target = findRow(org, ENTITY_SETS.connectionreferences, parseKey(req.params.id, 'connectionreference')) as ConnectionReferenceRow;
  const body = jsonBody(req);
  for (const key of Object.keys(body)) if (key !== 'connectionid') throw queryNotSupported(`writing connectionreference.${key}`);
  const connectionId = body.connectionid;
  if (connectionId !== undefined && connectionId !== null && typeof connectionId !== 'string') throw invalidArgument('connectionreference.connectionid must be a string.');
  if (typeof connectionId === 'string' && connectionId !== '' && connectionProblem(org, connectionId, target.connectorid)) {
    throw connectionNotFound(connectionId, connectorApiName(target.connectorid ?? ''), ctx.options.statuses.connectionNotFound);
  }
  if (connectionId !== undefined) Object.assign(target, { connectionid: connectionId === '' ? null : connectionId, modifiedon: nowIso() });
  if (wantsRepresentation(req)) return entityReply(ctx, req, org, caller, ENTITY_SETS.connectionreferences, target.connectionreferenceid);
  return odataReply(204);
}
