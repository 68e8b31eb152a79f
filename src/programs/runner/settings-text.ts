import type { Plan } from '../../deploy/plan.js';
import type { PlanSetting } from '../../deploy/settings/plan-settings.js';

/** The plan's settings as the admin reads them: now, after the run, from where; a secret only as "(secret, set)". */

const SOURCE: Record<PlanSetting['source'], string> = { file: 'from --settings', flag: 'from --set', page: 'from the page', default: 'the default', org: 'kept', unset: 'not set' };

function shown(setting: PlanSetting, value: string | undefined, has: boolean): string {
  if (setting.secret) return has ? '(secret, set)' : '(none)';
  if (value === undefined) return setting.kind === 'connection-reference' ? '(no connection)' : '(none)';
  return JSON.stringify(value);
}

/** One setting in a line, for the terminal's plan and the --ui page alike (this module stays browser-safe). */
export function settingWords(s: PlanSetting): string {
  const now = shown(s, s.current, s.hasCurrent);
  const after = shown(s, s.value, s.source !== 'unset');
  const what = s.kind === 'environment-variable' ? 'environment variable' : `connection reference, ${s.connectorId?.split('/').at(-1) ?? 'connector unknown'}`;
  const head = `${s.name} (${s.displayName}; ${what}${s.required ? ', required' : ''}): `;
  if (s.write === 'import') return `${head}${now} -> ${after} ${SOURCE[s.source]}, set by the import of ${s.solution}`;
  if (s.write === 'web-api') return `${head}${now} -> ${after} ${SOURCE[s.source]}, written now`;
  if (s.source === 'file' || s.source === 'flag' || s.source === 'page') return `${head}${after} (${SOURCE[s.source]}; the org has it already)`;
  if (s.source === 'default') return `${head}${after} (the default; no value given)`;
  if (s.source === 'org') return `${head}${now} (kept; no value given)`;
  return `${head}not set${s.kind === 'connection-reference' ? `: set it in the maker portal (Solutions > ${s.solutionDisplayName} > Connection References)${s.flows?.length ? `; until then these flows stay off: ${s.flows.join(', ')}` : ''}` : ''}`;
}

export function settingsText(plan: Pick<Plan, 'settings'>): string[] {
  if (plan.settings.length === 0) return [];
  return ['Settings (environment variables and connection references):', ...plan.settings.flatMap((s) => [`   ${settingWords(s)}`, ...(s.description ? [`      ${s.description}`] : [])])];
}
