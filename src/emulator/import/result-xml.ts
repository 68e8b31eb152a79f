/**
 * The import job's `data` XML (wire ref §5.2): root `importexportxml` with progress/processed/succeeded, the
 * solution manifest, then one element per section each carrying a `<result>`; a failure names its component.
 */
import type { ImportFailure } from '../wire-errors.js';
import type { SolutionPackage } from './package.js';

const SECTIONS = ['entities', 'nodes', 'settings', 'dashboards', 'securityroles', 'workflows', 'templates', 'optionSets', 'rootComponents', 'dependencies'] as const;

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** .NET ticks, as the real log writes `datetimeticks`. */
function ticks(date: Date): string {
  return (BigInt(date.getTime()) * 10_000n + 621_355_968_000_000_000n).toString();
}

function result(date: Date, failure?: ImportFailure): string {
  const time = date.toISOString().slice(11, 22);
  return failure
    ? `<result result="failure" errorcode="${failure.code}" errortext="${escape(failure.jobText ?? failure.message)}" datetime="${time}" datetimeticks="${ticks(date)}" />`
    : `<result result="success" errorcode="0" errortext="" datetime="${time}" datetimeticks="${ticks(date)}" />`;
}

export function importResultXml(args: { started: Date; stopped: Date; pkg?: SolutionPackage; failure?: ImportFailure }): string {
  const { started, stopped, pkg, failure } = args;
  const manifestFailure = failure?.section === 'solutionManifest' ? failure : undefined;
  const roleFailure = failure?.section === 'securityroles' ? failure : undefined;
  const manifest = pkg
    ? `<solutionManifest languagecode="1033" id="${escape(pkg.uniqueName)}" LocalizedName="${escape(pkg.friendlyName)}" processed="true"><UniqueName>${escape(pkg.uniqueName)}</UniqueName><LocalizedName>${escape(pkg.friendlyName)}</LocalizedName><Version>${escape(pkg.version)}</Version><Managed>${pkg.managed ? 1 : 0}</Managed><Publisher>${escape(pkg.publisher)}</Publisher>${result(stopped, manifestFailure)}</solutionManifest>`
    : `<solutionManifest processed="true">${result(stopped, manifestFailure)}</solutionManifest>`;
  const sections = SECTIONS.map((section) => {
    if (section !== 'securityroles') return `<${section}>${result(stopped, failure && !manifestFailure && !roleFailure ? failure : undefined)}</${section}>`;
    const roles = (pkg && !manifestFailure ? pkg.roles : []).map((role) => {
      const failed = roleFailure?.component?.id === role.id ? roleFailure : undefined;
      return `<securityrole id="{${role.id}}" name="${escape(role.name)}" processed="true">${result(stopped, failed)}</securityrole>`;
    });
    return `<securityroles>${roles.join('')}${result(stopped, roleFailure)}</securityroles>`;
  });
  const status = failure ? 'failure' : 'success';
  // ServiceClient's RetrieveSolutionImportResultAsync (Extensions/DeploymentExtensions.cs) reads root
  // @succeeded and, on "failure", takes root @status as the error text.
  const rootStatus = failure ? `${failure.code}: ${failure.message}` : 'Succeeded';
  return `<importexportxml start="${ticks(started)}" stop="${ticks(stopped)}" progress="100" processed="true" succeeded="${status}" status="${escape(rootStatus)}"><solutionManifests>${manifest}</solutionManifests>${sections.join('')}</importexportxml>`;
}
