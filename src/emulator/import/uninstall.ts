/**
 * Uninstall checks against an org: which installed solutions still need a solution (the `dependency` rows
 * RetrieveDependenciesForUninstall answers) and the refusals. Removing is `removeSolution` (state.ts).
 */
import { solutionDependenciesExist, uninstallHoldingBase, type ImportFailure } from '../wire-errors.js';
import { derivedId, type OrgState, type SolutionRequirementRecord, type SolutionRow } from '../state.js';
import { normalizeGuid } from '../support/guid.js';
import { HOLDING_SUFFIX, attribute, findComponent, nodeComponentType, requiredSolution } from './apply.js';

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * A `dependency` row (powerapps-docs reference/entities/dependency.md). dependencytype 2 "Published" is what
 * the field messages show for these (coe-starter-kit#8293, #8619: "DependencyType: Published").
 */
export interface DependencyRow {
  dependencyid: string;
  dependencytype: number;
  dependentcomponentobjectid: string;
  dependentcomponenttype: number | null;
  dependentcomponentbasesolutionid: string;
  dependentcomponentparentid: string;
  requiredcomponentobjectid: string;
  requiredcomponenttype: number | null;
  requiredcomponentbasesolutionid: string;
  requiredcomponentparentid: string;
}

/** A dependency row with the names the refusal message uses. */
export interface SolutionDependency {
  row: DependencyRow;
  required: { type: number | null; name: string };
  dependent: { type: number | null; name: string };
}

export function solutionByName(org: OrgState, uniqueName: string): SolutionRow | undefined {
  return org.solutions.find((s) => s.uniquename.toLowerCase() === uniqueName.toLowerCase());
}

function objectId(org: OrgState, node: Array<[string, string]>, carried: string | undefined): string {
  return carried ?? normalizeGuid(attribute(node, 'id')) ?? derivedId('component', org.name, String(nodeComponentType(node) ?? ''), attribute(node, 'schemaName') ?? '');
}

function displayName(node: Array<[string, string]>): string {
  return attribute(node, 'displayName') ?? attribute(node, 'schemaName') ?? attribute(node, 'id') ?? '';
}

/**
 * A requirement of another installed solution blocks `target` when it names `target` ("UniqueName (version)")
 * or when `target` carries the required component (an "Active" requirement, or one met by a component,
 * `dependencyMatch`). That a manifest requirement stands for the dependency row is inferred: the emulator
 * models no component graph, only what the manifests declare.
 */
function blocks(org: OrgState, requirement: SolutionRequirementRecord, target: SolutionRow): boolean {
  if (requirement.solutionid === target.solutionid || !org.solutions.some((s) => s.solutionid === requirement.solutionid)) return false;
  const named = requiredSolution(requirement.solution)?.uniqueName.toLowerCase() === target.uniquename.toLowerCase();
  return named || findComponent(org, requirement.required, target.solutionid) !== undefined;
}

/** What RetrieveDependenciesForUninstall answers for `target`: the components of other solutions that need it. */
export function dependenciesForUninstall(org: OrgState, target: SolutionRow): SolutionDependency[] {
  return org.solutionrequirements.filter((r) => blocks(org, r, target)).map((r) => {
    const required = objectId(org, r.required, findComponent(org, r.required, target.solutionid)?.objectid);
    const dependent = objectId(org, r.dependent, findComponent(org, r.dependent, r.solutionid)?.objectid);
    return {
      row: {
        dependencyid: derivedId('dependency', org.name, r.solutionid, dependent, required),
        dependencytype: 2,
        dependentcomponentobjectid: dependent,
        dependentcomponenttype: nodeComponentType(r.dependent) ?? null,
        dependentcomponentbasesolutionid: r.solutionid,
        dependentcomponentparentid: EMPTY_GUID,
        requiredcomponentobjectid: required,
        requiredcomponenttype: nodeComponentType(r.required) ?? null,
        requiredcomponentbasesolutionid: target.solutionid,
        requiredcomponentparentid: EMPTY_GUID,
      },
      required: { type: nodeComponentType(r.required) ?? null, name: displayName(r.required) },
      dependent: { type: nodeComponentType(r.dependent) ?? null, name: displayName(r.dependent) },
    };
  });
}

/**
 * Why `target` cannot be uninstalled, if it cannot (the org's solution lock is the caller's business): a
 * pending upgrade of it (the base of a holding solution, refused loudly, inferred), or the components of other
 * solutions that need it (0x8004F01D). An unmanaged solution leaves its components behind, so nothing
 * depends on its removal.
 */
export function checkUninstall(org: OrgState, target: SolutionRow): ImportFailure | undefined {
  if (!target.uniquename.endsWith(HOLDING_SUFFIX) && solutionByName(org, `${target.uniquename}${HOLDING_SUFFIX}`)) return uninstallHoldingBase(target.uniquename);
  if (!target.ismanaged) return undefined;
  const dependencies = dependenciesForUninstall(org, target);
  return dependencies.length ? solutionDependenciesExist(dependencies) : undefined;
}
