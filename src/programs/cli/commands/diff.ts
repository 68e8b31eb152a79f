import { diffPackages, type PackageDiff } from '../../../core/package-diff.js';
import { loadManifest } from '../../../verify/load-manifest.js';
import { cliOutput } from '../output.js';

/** `dvpkg diff <old> <new>`: exit 0 when nothing widens access, 1 when something does (a release pipeline's review gate). */
export async function runDiff(args: { old: string; new: string; json: boolean; markdown: boolean }): Promise<number> {
  const diff = diffPackages(await loadManifest(args.old, '<old>'), await loadManifest(args.new, '<new>'));
  cliOutput.out(args.json ? `${JSON.stringify(diff, null, 2)}\n` : args.markdown ? markdown(diff) : text(diff));
  return diff.widens ? 1 : 0;
}

const SOLUTION_WORDS: Record<PackageDiff['solutions'][number]['change'], (s: PackageDiff['solutions'][number]) => string> = {
  added: (s) => `${s.uniqueName} ${s.to} (new)`,
  removed: (s) => `${s.uniqueName} ${s.from} (no longer shipped: the new package does not remove it from orgs)`,
  upgraded: (s) => `${s.uniqueName} ${s.from} -> ${s.to}`,
  downgraded: (s) => `${s.uniqueName} ${s.from} -> ${s.to} (a lower version: Dataverse refuses to downgrade a managed solution)`,
  unchanged: (s) => `${s.uniqueName} ${s.to} (unchanged)`,
};

function roleHeading(role: PackageDiff['roles'][number]): string {
  const whose = role.appRole ? "the application user's role" : 'not given to the application user';
  return { added: `new role "${role.role}" (${whose})`, removed: `role "${role.role}" is no longer shipped (${whose})`, changed: `role "${role.role}" (${whose})` }[role.change];
}

function text(diff: PackageDiff): string {
  const lines = [`dvpkg diff: ${diff.from.solution} ${diff.from.version} -> ${diff.to.solution} ${diff.to.version}`, '', 'Solutions:'];
  for (const s of diff.solutions) lines.push(`  ${SOLUTION_WORDS[s.change](s)}`);
  const app = diff.app;
  lines.push('', `Application user: app ${app.clientId.to}${app.clientId.changed ? ` (was ${app.clientId.from})` : ''}`);
  for (const r of app.rolesAdded) lines.push(`  ! also gets "${r}"`);
  for (const r of app.rolesRemoved) lines.push(`  no longer gets "${r}"`);
  lines.push('', diff.roles.length === 0 ? 'Roles: no privilege changes' : 'Roles:');
  for (const role of diff.roles) {
    lines.push(`  ${roleHeading(role)}:`);
    role.details.forEach((d, i) => lines.push(`    ${role.changes[i]!.widens && role.change !== 'removed' ? '! ' : '  '}${d}`));
  }
  lines.push('', diff.widens ? `WIDENS ACCESS (${diff.widening.length} change${diff.widening.length === 1 ? '' : 's'} marked !): review before release` : 'Nothing widens access.', '');
  return lines.join('\n');
}

function markdown(diff: PackageDiff): string {
  const lines = [`## Security changes in ${diff.to.solution} ${diff.to.version}`, ''];
  lines.push(diff.widens ? `**This release widens the access of ${diff.app.clientId.changed ? 'the app' : 'the application user'}** compared with ${diff.from.version}:` : `This release does not widen any access compared with ${diff.from.version}.`, '');
  for (const line of diff.widening) lines.push(`- ${line}`);
  if (diff.widening.length > 0) lines.push('');
  lines.push('### Solutions', '', '| Solution | Before | After |', '|---|---|---|');
  for (const s of diff.solutions) lines.push(`| ${s.uniqueName} | ${s.from ?? '-'} | ${s.to ?? '-'} |`);
  for (const role of diff.roles) {
    lines.push('', `### ${roleHeading(role).replace(/^./, (c) => c.toUpperCase())}`, '');
    role.details.forEach((d, i) => lines.push(`- ${role.changes[i]!.widens && role.change !== 'removed' ? '**widens:** ' : ''}${d.replace(/ \((prv\w+)\)$/, ' (`$1`)')}`));
  }
  lines.push('');
  return lines.join('\n');
}
