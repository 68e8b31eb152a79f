/**
 * Solution removal: `POST UninstallSolutionAsync {SolutionUniqueName}` → `{AsyncOperationId}` (learn
 * …/webapi/reference/uninstallsolutionasync, uninstallsolutionasyncresponse), `DELETE solutions(<id>)`
 * (synchronous, 204: terraform-provider-power-platform api_solution.go DeleteSolution), and the unbound
 * function `RetrieveDependenciesForUninstall(SolutionUniqueName=…)` → `Collection(dependency)` (learn
 * …/webapi/reference/retrievedependenciesforuninstall). Removing needs prvDeleteSolution and reading the
 * dependencies prvReadSolution (no page names the privileges: inferred from the solution table's own ones).
 */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import { dataverseError, invalidArgument, recordNotFound, solutionConcurrency, solutionNotFound, type ImportFailure } from '../wire-errors.js';
import { checkUninstall, dependenciesForUninstall, solutionByName } from '../import/uninstall.js';
import { removeSolution, type OrgState, type SolutionRow } from '../state.js';
import type { Caller } from './auth.js';
import { odataReply, parseKey } from './entity-sets.js';
import { functionArguments } from './functions.js';
import { jsonBody } from './request-body.js';
import { requirePrivilege } from './security.js';

function refusal(ctx: EmulatorContext, failure: ImportFailure) {
  return dataverseError(ctx.options.statuses.solutionDependencies, failure.code, failure.message);
}

function namedSolution(org: OrgState, uniqueName: unknown, kind: 'parameter' | 'function parameter'): SolutionRow {
  if (typeof uniqueName !== 'string' || uniqueName === '') throw invalidArgument(`The ${kind} 'SolutionUniqueName' (Edm.String) is required.`);
  const target = solutionByName(org, uniqueName);
  if (!target) throw solutionNotFound(uniqueName);
  return target;
}

/**
 * The unknown name is answered on the call (inferred); the lock follows `concurrentImport` like an import;
 * a refusal comes from the job (3/31) or the call (`uninstallDependencyRefusal`). The job checks again when it
 * completes, so what changed in between counts.
 */
export function uninstallSolutionAsync(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvDeleteSolution', 'solution');
  const target = namedSolution(org, jsonBody(req).SolutionUniqueName, 'parameter');
  if (org.activeImportJobId && ctx.options.concurrentImport === 'reject-start') throw solutionConcurrency();
  if (ctx.options.uninstallDependencyRefusal === 'sync') {
    const failure = checkUninstall(org, target);
    if (failure) throw refusal(ctx, failure);
  }
  const asyncOperationId = ctx.imports.uninstallAsync(org, () => {
    if (!org.solutions.includes(target)) return { code: '0x80040217', section: 'solutionManifest', message: `Entity 'solution' With UniqueName = ${target.uniquename} Does Not Exist` };
    const failure = checkUninstall(org, target);
    if (!failure) removeSolution(org, target);
    return failure;
  });
  return odataReply(200, { '@odata.context': `${webApiBase(ctx, org.name)}$metadata#Microsoft.Dynamics.CRM.UninstallSolutionAsyncResponse`, AsyncOperationId: asyncOperationId });
}

/** Synchronous: every refusal, the lock included, answers the request (as DeleteAndPromote does here). */
export function deleteSolution(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvDeleteSolution', 'solution');
  const id = parseKey(req.params.id, 'solution');
  const target = org.solutions.find((s) => s.solutionid === id);
  if (!target) throw recordNotFound('solution', id);
  if (org.activeImportJobId) throw solutionConcurrency();
  const failure = checkUninstall(org, target);
  if (failure) throw refusal(ctx, failure);
  removeSolution(org, target);
  return odataReply(204);
}

export function retrieveDependenciesForUninstall(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadSolution', 'solution');
  const target = namedSolution(org, functionArguments(req, req.params.args ?? '').get('SolutionUniqueName'), 'function parameter');
  return odataReply(200, { '@odata.context': `${webApiBase(ctx, org.name)}$metadata#dependencies`, value: dependenciesForUninstall(org, target).map((d) => d.row) });
}
