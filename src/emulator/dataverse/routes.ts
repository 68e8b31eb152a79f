/**
 * The Web API under `/orgs/{org}/api/data/v9.2/`: find the org, authenticate, then one route per operation.
 * Unmatched paths and methods answer 501 naming the route.
 */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { orgNotFound, routeNotImplemented, unknownSegment } from '../wire-errors.js';
import { dispatch, route, type Route } from '../server.js';
import type { OrgState } from '../state.js';
import { authenticate, type Caller } from './auth.js';
import { ENTITY_SETS, collectionReply, entityReply, entitySet, parseKey } from './entity-sets.js';
import { retrieveRolePrivilegesRole, retrieveUserPrivileges, retrieveUsersPrivilegesThroughTeams, serviceDocument, whoAmI } from './functions.js';
import { deleteAndPromote, deleteAndPromoteAsync, importSolution, importSolutionAsync, retrieveSolutionImportResult, stageAndUpgrade, stageAndUpgradeAsync } from './import-actions.js';
import { deleteSolution, retrieveDependenciesForUninstall, uninstallSolutionAsync } from './uninstall-actions.js';
import { associateRole, createSystemUser, deleteSystemUser, disassociateRole, listUserRoles, updateSystemUser } from './systemusers.js';
import { createEnvironmentVariableValue, updateEnvironmentVariableValue } from './environment-variable-values.js';
import { updateConnectionReference } from './connection-references.js';

type OrgHandler = (ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller) => Reply | Promise<Reply>;

const API_PREFIX = '/api/data/v9.2';
const SETS = Object.keys(ENTITY_SETS).join('|');
const KEY = '\\((?<id>[^)]*)\\)';
const USER = `^/systemusers${KEY}`;
const NS = 'Microsoft\\.Dynamics\\.CRM\\.';
/** `(Name=value,…)`, function parameters (aliases `@p` resolved from the query). */
const ARGS = '\\((?<args>[^)]*)\\)';

/** Per-org routes; handlers get the org and the authenticated caller through the request params. */
const apiRoutes: Array<{ method: string; pattern: RegExp; handler: OrgHandler }> = [
  { method: 'GET', pattern: /^\/?$/, handler: (ctx, req, org) => serviceDocument(ctx, req, org) },
  { method: 'GET', pattern: /^\/WhoAmI(\(\))?$/, handler: whoAmI },
  { method: 'POST', pattern: /^\/systemusers$/, handler: createSystemUser },
  { method: 'PATCH', pattern: new RegExp(`${USER}$`), handler: updateSystemUser },
  { method: 'GET', pattern: new RegExp(`${USER}/systemuserroles_association$`), handler: listUserRoles },
  { method: 'POST', pattern: new RegExp(`${USER}/systemuserroles_association/\\$ref$`), handler: associateRole },
  { method: 'DELETE', pattern: new RegExp(`${USER}/systemuserroles_association/\\$ref$`), handler: disassociateRole },
  { method: 'DELETE', pattern: new RegExp(`${USER}/systemuserroles_association\\((?<roleId>[^)]*)\\)/\\$ref$`), handler: disassociateRole },
  { method: 'DELETE', pattern: new RegExp(`${USER}$`), handler: deleteSystemUser },
  { method: 'GET', pattern: new RegExp(`${USER}/${NS}RetrieveUserPrivileges(\\(\\))?$`), handler: retrieveUserPrivileges },
  { method: 'GET', pattern: new RegExp(`${USER}/${NS}RetrieveUsersPrivilegesThroughTeams${ARGS}$`), handler: retrieveUsersPrivilegesThroughTeams },
  { method: 'GET', pattern: new RegExp(`^/RetrieveRolePrivilegesRole${ARGS}$`), handler: retrieveRolePrivilegesRole },
  { method: 'GET', pattern: new RegExp(`^/RetrieveSolutionImportResult${ARGS}$`), handler: retrieveSolutionImportResult },
  { method: 'GET', pattern: new RegExp(`^/RetrieveDependenciesForUninstall${ARGS}$`), handler: retrieveDependenciesForUninstall },
  // Unbound functions cannot be called bound: OData answers as for any unknown segment (0x80060888, 404 in field reports).
  { method: 'GET', pattern: new RegExp(`^/[a-z]+${KEY}/(?<segment>${NS}(?:RetrieveRolePrivilegesRole|RetrieveSolutionImportResult|RetrieveDependenciesForUninstall)(?:\\([^)]*\\))?)$`), handler: (ctx, req) => { throw unknownSegment(req.params.segment ?? '', ctx.options.statuses.unknownSegment); } },
  { method: 'GET', pattern: new RegExp(`^/(?<set>${SETS})$`), handler: (ctx, req, org, caller) => collectionReply(ctx, req, org, caller, entitySet(req.params.set ?? '')) },
  {
    method: 'GET',
    pattern: new RegExp(`^/(?<set>${SETS})${KEY}$`),
    handler: (ctx, req, org, caller) => entityReply(ctx, req, org, caller, entitySet(req.params.set ?? ''), parseKey(req.params.id, req.params.set ?? '')),
  },
  { method: 'POST', pattern: /^\/ImportSolution$/, handler: importSolution },
  { method: 'POST', pattern: /^\/ImportSolutionAsync$/, handler: importSolutionAsync },
  { method: 'POST', pattern: /^\/StageAndUpgrade$/, handler: stageAndUpgrade },
  { method: 'POST', pattern: /^\/StageAndUpgradeAsync$/, handler: stageAndUpgradeAsync },
  { method: 'POST', pattern: /^\/DeleteAndPromote$/, handler: deleteAndPromote },
  { method: 'POST', pattern: /^\/DeleteAndPromoteAsync$/, handler: deleteAndPromoteAsync },
  { method: 'POST', pattern: /^\/UninstallSolutionAsync$/, handler: uninstallSolutionAsync },
  { method: 'DELETE', pattern: new RegExp(`^/solutions${KEY}$`), handler: deleteSolution },
  { method: 'POST', pattern: /^\/environmentvariablevalues$/, handler: createEnvironmentVariableValue },
  { method: 'PATCH', pattern: new RegExp(`^/environmentvariablevalues${KEY}$`), handler: updateEnvironmentVariableValue },
  { method: 'PATCH', pattern: new RegExp(`^/connectionreferences${KEY}$`), handler: updateConnectionReference },
];

async function webApi(ctx: EmulatorContext, req: EmulatorRequest): Promise<Reply> {
  const orgName = req.params.org ?? '';
  const org = ctx.state.org(orgName);
  if (!org) throw orgNotFound(orgName);
  req.note.org = org.name;
  const rest = req.params.rest ?? '';
  if (rest !== API_PREFIX && !rest.startsWith(`${API_PREFIX}/`)) throw routeNotImplemented(req.method, req.path);
  const caller = authenticate(ctx, req, org);
  const admitted = ctx.protection.admit(caller.identity);
  if ('refused' in admitted) {
    req.note.throttle = admitted.kind;
    throw admitted.refused;
  }
  const routes: Route[] = apiRoutes.map((r) => route(r.method, r.pattern, (c, q) => r.handler(c, q, org, caller)));
  try {
    return await dispatch(ctx, routes, req, rest.slice(API_PREFIX.length));
  } finally {
    admitted.release();
  }
}

export const dataverseRoutes: Route[] = [route('*', /^\/orgs\/(?<org>[^/]+)(?<rest>\/.*)?$/, webApi)];
