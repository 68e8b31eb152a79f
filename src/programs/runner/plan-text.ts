import { differenceLines } from '../../deploy/deploy-org.js';
import type { Plan } from '../../deploy/plan.js';
import type { RemovalPlan, RemovalStep } from '../../deploy/removal/plan.js';
import { NO_REPLY_ADDRESS } from '../../deploy/steps/app-user.js';
import { settingsText } from './settings-text.js';

/** The plan as an admin reads it in a terminal: every change, every privilege granted, and what differs. */
export function planText(plan: Plan): string {
  const lines: string[] = [];
  const { appName, appClientId } = plan.package;
  const importLine = (s: Plan['solutions'][number]): string =>
    ({
      install: `install ${s.uniqueName} ${s.version} (managed)`,
      upgrade: `upgrade ${s.uniqueName} ${s.installed} -> ${s.version}`,
      promote: `apply the upgrade to ${s.version} already staged as ${s.uniqueName}_Upgrade`,
      skip: `${s.uniqueName} ${s.version} is already installed: no import`,
    })[s.action as string] ?? `${s.uniqueName}: refused (${s.action})`;
  if (plan.solutions.length === 1) lines.push(`1. Solution: ${importLine(plan.solutions[0]!)}`);
  else {
    lines.push('1. Solutions, in this order:');
    plan.solutions.forEach((s, i) => lines.push(`   ${String.fromCharCode(97 + i)}. ${importLine(s)}`));
  }
  for (const r of plan.requirements) lines.push(`   needs ${r.uniqueName} ${r.version} or later in the org: ${r.met ? `${r.installed} is installed` : r.installed ? `only ${r.installed} is installed` : 'not installed'}`);
  const user = plan.appUser.state === 'missing' ? `create in the root business unit${plan.appUser.deletedRows ? ` (a deleted one is still held by Dataverse)` : ''}` : plan.appUser.state;
  lines.push(`2. Application user for ${appName} (${appClientId}): ${user}`);
  const toBind = plan.roles.filter((r) => !r.bound);
  lines.push(`3. Roles: ${toBind.length === 0 ? 'already bound' : `give ${toBind.map((r) => `"${r.name}"`).join(', ')}`}`);
  lines.push('Privileges the application user gets:');
  for (const grant of plan.grants) lines.push(`   ${grant.access.padEnd(42)} ${grant.table.padEnd(28)} ${grant.depth}`);
  for (const change of plan.privilegeChanges) {
    const heading = change.newRole ? `This upgrade gives the application user a new role, "${change.role}":` : `What this upgrade changes in "${change.role}" (compared with the org now):`;
    lines.push(heading);
    // Widening first, marked: that is what the admin is asked to approve.
    change.details.forEach((detail, i) => lines.push(`   ${change.changes[i]!.widens ? '! ' : '  '}${detail}`));
  }
  if (plan.privilegeChanges.some((c) => c.widens)) lines.push('   (! widens the access the application user has now)');
  if (plan.newTables.length > 0) lines.push(`New tables this upgrade brings: ${plan.newTables.join(', ')}`);
  lines.push(...settingsText(plan));
  if (plan.differences.length > 0) {
    lines.push('The org differs from this package (this run does not change that):');
    for (const line of plan.differences.flatMap(differenceLines)) lines.push(`   ${line}`);
  }
  if (plan.consent.state === 'missing') {
    lines.push(`Admin consent for ${appName} is missing (AADSTS${plan.consent.code ?? '?'}). A Global Administrator must open:`, `   ${plan.consent.consentUrl}`);
    if (!plan.consent.consentUrl.includes('redirect_uri=')) lines.push(`   ${NO_REPLY_ADDRESS}`);
  }
  for (const refusal of plan.refusals) lines.push(`Refused: ${refusal.message}`, ...refusal.details.map((d) => `   ${d}`));
  return lines.join('\n');
}

function removalStepText(step: RemovalStep): string {
  switch (step.kind) {
    case 'unbind-role':
      return `take "${step.roleName}" from the application user`;
    case 'disable-app-user':
      return `disable the application user ${step.userId}`;
    case 'delete-app-user':
      return 'delete the application user (records it owns are not deleted)';
    case 'uninstall-solution':
      return `uninstall ${step.uniqueName} ${step.version}, with its components and their data`;
  }
}

/** The removal plan as the admin reads it: what is taken away, in order, what stays, and what only Entra can do. */
export function removalPlanText(plan: RemovalPlan): string {
  const { appName, appClientId } = plan.package;
  const lines = [`Removing ${plan.package.solution} (${appName}, app ${appClientId}):`];
  if (plan.steps.length === 0) lines.push('   nothing of this package is left in the org');
  plan.steps.forEach((step, i) => lines.push(`${i + 1}. ${removalStepText(step)}`));
  for (const kept of plan.kept) lines.push(`Kept: ${kept.uniqueName} ${kept.installed}: ${kept.reason}`);
  for (const refusal of plan.refusals) lines.push(`Refused: ${refusal.message}`, ...refusal.details.map((d) => `   ${d}`));
  lines.push(
    `Afterwards, only Entra can remove ${appName}'s access to your tenant (its enterprise application): in the Microsoft Entra admin center, Enterprise applications > ${appName} > Properties > Delete, or run`,
    `   ${plan.revokeConsent.azureCli}`,
    `   (Microsoft Graph: ${plan.revokeConsent.graphRequest})`,
  );
  return lines.join('\n');
}
