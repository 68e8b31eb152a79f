import type { Manifest, ManifestRole } from '../package/manifest.js';
import { describePrivilege, LEVEL_SHORT } from '../package/describe-privilege.js';
import type { ImportAction, OrgState } from './decide.js';

/** The plan the runner shows before it changes anything: every action and every privilege granted. */
export function planText(manifest: Manifest, targets: ManifestRole[], state: OrgState): string {
  const lines: string[] = [];
  const version = manifest.solution.version;
  // Only actions that can run reach the plan: preflight refuses the others.
  const importLine: Partial<Record<ImportAction, string>> = {
    install: `install ${manifest.solution.uniqueName} ${version} (managed)`,
    upgrade: `upgrade ${manifest.solution.uniqueName} ${state.installed?.version} -> ${version}`,
    promote: `apply the upgrade to ${version} already staged as ${manifest.solution.uniqueName}_Upgrade`,
    skip: `${manifest.solution.uniqueName} ${version} is already installed: no import`,
  };
  lines.push(`1. Solution: ${importLine[state.action] ?? state.action}`);
  lines.push(`2. Application user for ${manifest.app.name} (${manifest.app.clientId}): ${state.appUser ? 'exists' : 'create in the root business unit'}`);
  const toBind = state.unbound;
  lines.push(`3. Roles: ${toBind.length === 0 ? 'already bound' : `give ${toBind.map((r) => `"${r.name}"`).join(', ')}`}`);
  lines.push('Privileges the application user gets:');
  for (const role of targets) {
    for (const grant of role.privileges) {
      const words = describePrivilege(grant.name);
      lines.push(`   ${words.access.padEnd(42)} ${words.table.padEnd(28)} ${LEVEL_SHORT[grant.level]}`);
    }
  }
  return lines.join('\n');
}
