/** ImportSolution(Async), StageAndUpgrade(Async) and DeleteAndPromote (wire ref §5.1, addendum §5, §10). */
import { randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import { MISSING_DEPENDENCIES_CODE, importFailureError, invalidArgument, recordNotFound, solutionConcurrency, upgradeNotAvailable } from '../wire-errors.js';
import { normalizeGuid } from '../support/guid.js';
import { promote, type ImportMode } from '../import/apply.js';
import type { OrgState } from '../state.js';
import type { Caller } from './auth.js';
import { odataReply } from './entity-sets.js';
import { effectivePrivileges, requirePrivilege } from './security.js';
import { functionArguments } from './functions.js';
import { jsonBody } from './request-body.js';
import { componentParameters } from './component-parameters.js';

function context(ctx: EmulatorContext, org: OrgState, type: string): string {
  return `${webApiBase(ctx, org.name)}$metadata#Microsoft.Dynamics.CRM.${type}`;
}

function failureStatus(ctx: EmulatorContext, code: string): number {
  return code === MISSING_DEPENDENCIES_CODE ? ctx.options.statuses.missingDependencies : ctx.options.statuses.importFailure;
}

function startImport(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller, args: { mode: ImportMode; async: boolean; requireJobId: boolean }) {
  requirePrivilege(org, caller.user, 'prvImportCustomization', 'solution');
  const body = jsonBody(req);
  const file = body.CustomizationFile;
  if (typeof file !== 'string' || file === '' || !/^[A-Za-z0-9+/=\s]+$/.test(file)) throw invalidArgument("The parameter 'CustomizationFile' is required and must be base64 (Edm.Binary).");
  const given = body.ImportJobId === undefined || args.async ? undefined : normalizeGuid(body.ImportJobId);
  if (body.ImportJobId !== undefined && !args.async && !given) throw invalidArgument("The parameter 'ImportJobId' must be a GUID.");
  if (args.requireJobId && !given) throw invalidArgument("The parameter 'ImportJobId' is required.");
  const mode: ImportMode = args.mode === 'update' && body.HoldingSolution === true ? 'holding' : args.mode;
  const parameters = componentParameters(body.ComponentParameters);
  return ctx.imports.start({
    org,
    mode,
    zip: Buffer.from(file, 'base64'),
    importJobId: given ?? randomUUID(),
    async: args.async,
    caller: { userId: caller.user.systemuserid, canWriteRole: effectivePrivileges(org, caller.user.systemuserid).has('prvWriteRole') },
    componentParameters: parameters,
  });
}

export async function importSolution(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Promise<Reply> {
  const outcome = await startImport(ctx, req, org, caller, { mode: 'update', async: false, requireJobId: false }).done;
  if (!outcome.ok) throw importFailureError(outcome.failure, failureStatus(ctx, outcome.failure.code));
  return odataReply(204);
}

export async function stageAndUpgrade(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Promise<Reply> {
  const outcome = await startImport(ctx, req, org, caller, { mode: 'upgrade', async: false, requireJobId: true }).done;
  if (!outcome.ok) throw importFailureError(outcome.failure, failureStatus(ctx, outcome.failure.code));
  return odataReply(200, { '@odata.context': context(ctx, org, 'StageAndUpgradeResponse'), SolutionId: outcome.solutionId });
}

function asyncReply(ctx: EmulatorContext, org: OrgState, type: string, started: { importJobId: string; asyncOperationId?: string }): Reply {
  return odataReply(200, { '@odata.context': context(ctx, org, type), AsyncOperationId: started.asyncOperationId, ImportJobKey: started.importJobId });
}

export function importSolutionAsync(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  return asyncReply(ctx, org, 'ImportSolutionAsyncResponse', startImport(ctx, req, org, caller, { mode: 'update', async: true, requireJobId: false }));
}

export function stageAndUpgradeAsync(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  return asyncReply(ctx, org, 'StageAndUpgradeAsyncResponse', startImport(ctx, req, org, caller, { mode: 'upgrade', async: true, requireJobId: false }));
}

function uniqueNameOf(req: EmulatorRequest, org: OrgState, caller: Caller): string {
  requirePrivilege(org, caller.user, 'prvImportCustomization', 'solution');
  const uniqueName = jsonBody(req).UniqueName;
  if (typeof uniqueName !== 'string' || uniqueName === '') throw invalidArgument("The parameter 'UniqueName' is required.");
  return uniqueName;
}

/** Polled like an import: asyncoperations(<AsyncOperationId>) reaches 3/30 or 3/31. */
export function deleteAndPromoteAsync(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  const asyncOperationId = ctx.imports.promoteAsync(org, uniqueNameOf(req, org, caller));
  return odataReply(200, { '@odata.context': context(ctx, org, 'DeleteAndPromoteAsyncResponse'), AsyncOperationId: asyncOperationId });
}

/**
 * RetrieveSolutionImportResult(ImportJobId=<guid>), unbound. Microsoft's provider reads
 * `SolutionOperationResult.Status` ("Passed" = success) and `ErrorMessages` (terraform-provider-power-platform
 * internal/services/solution/api_solution.go validateSolutionImportResult). The other fields and the
 * in-progress status are inferred.
 */
export function retrieveSolutionImportResult(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadImportJob', 'importjob');
  const raw = functionArguments(req, req.params.args ?? '').get('ImportJobId');
  const id = normalizeGuid(raw);
  if (!id) throw invalidArgument("The function parameter 'ImportJobId' (Edm.Guid) is required.");
  const job = org.importjobs.find((j) => j.importjobid === id);
  if (!job) throw recordNotFound('importjob', id);
  const failures = [...(job.data ?? '').matchAll(/<result result="failure" errorcode="([^"]*)" errortext="([^"]*)"/g)].map((m) => `${m[1] ?? ''}: ${unescapeXml(m[2] ?? '')}`);
  const status = job.completedon === null ? 'InProgress' : failures.length ? 'Failed' : 'Passed';
  return odataReply(200, {
    '@odata.context': context(ctx, org, 'RetrieveSolutionImportResultResponse'),
    SolutionOperationResult: { Status: status, ErrorMessages: [...new Set(failures)], WarningMessages: [] },
  });
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function deleteAndPromote(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  const uniqueName = uniqueNameOf(req, org, caller);
  if (org.activeImportJobId) throw solutionConcurrency();
  const solutionId = promote(org, uniqueName);
  if (!solutionId) throw upgradeNotAvailable(uniqueName);
  return odataReply(200, { '@odata.context': context(ctx, org, 'DeleteAndPromoteResponse'), SolutionId: solutionId });
}
