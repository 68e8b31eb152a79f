/// <reference lib="dom" />
import type { Plan, PlanStep } from '../../../../deploy/plan.js';
import { matrixLegendHtml, privilegeMatrices, privilegeMatrixHtml } from '../../../../package/privilege-matrix.js';
import { outcomeText } from '../../event-words.js';
import type { Decision, SettingField } from '../protocol.js';
import { STAGES, stageOf, type PageState, type StepView } from './state.js';
import { settingWords } from '../../settings-text.js';

/**
 * The page's sections, built with DOM calls from the page state (text is set as text, never as HTML; the
 * privilege matrix is the escaped HTML of package/privilege-matrix.ts). Buttons send decisions; nothing
 * here decides anything about the deploy.
 */

export type Send = (action: Decision['action'], settings?: Record<string, string>) => void;

type Child = Node | string | undefined | false;

export function h(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

function button(label: string, action: Decision['action'], send: Send, primary = false): HTMLElement {
  const b = h('button', { type: 'button', class: primary ? 'primary' : 'secondary' }, label);
  b.addEventListener('click', () => {
    (b as HTMLButtonElement).disabled = true;
    send(action);
  });
  return b;
}

/** The stages as a list, the current one marked in text and for assistive technology, not only by colour. */
export function stagesView(state: PageState): HTMLElement {
  const current = stageOf(state);
  const index = STAGES.findIndex((s) => s.stage === current);
  return h(
    'ol',
    { class: 'stages' },
    ...STAGES.map((s, i) => h('li', { class: i < index ? 'past' : i === index ? 'current' : 'future', ...(i === index ? { 'aria-current': 'step' } : {}) }, `${i + 1}. ${s.title}`, i < index ? ' (done)' : i === index ? ' (now)' : '')),
  );
}

export function packageView(state: PageState): HTMLElement[] {
  const pkg = state.session?.package;
  const integrity = state.steps.find((s) => s.name === 'integrity');
  if (!pkg) return [h('p', {}, integrity?.status === 'failed' ? 'The package did not pass its integrity check; see the outcome below.' : 'Checking the package...')];
  return [
    h('dl', { class: 'facts' },
      h('dt', {}, 'Publisher'), h('dd', {}, pkg.publisher),
      h('dt', {}, 'App'), h('dd', {}, `${pkg.app.name} (client id ${pkg.app.clientId})`),
      h('dt', {}, 'Org'), h('dd', {}, state.session?.org ?? ''),
      h('dt', {}, 'Integrity'), h('dd', {}, integrity?.status === 'done' ? `Verified: ${integrity.outcome ?? ''}` : 'not checked yet'),
    ),
    h('table', { class: 'solutions' },
      h('caption', {}, 'Solutions, in import order'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Solution'), h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'From'))),
      h('tbody', {}, ...pkg.solutions.map((s) => h('tr', {}, h('th', { scope: 'row' }, `${s.displayName} (${s.uniqueName})`), h('td', {}, s.version), h('td', {}, s.source === 'built' ? 'security roles (dvpkg)' : pkg.publisher)))),
    ),
  ];
}

export function signInView(state: PageState, send: Send): HTMLElement[] {
  if (state.signedIn) return [h('p', { class: 'ok' }, `Signed in: ${state.signedIn.replace(/^signed in as /, '')}.`)];
  const waiting = state.session?.waiting === 'start';
  const out: HTMLElement[] = [];
  if (waiting) {
    const fields = state.session?.package?.settings ?? [];
    const form = fields.length > 0 ? settingsForm(fields) : undefined;
    if (form) out.push(form.element);
    out.push(h('p', {}, 'Sign in with your Dataverse System Administrator account. The sign-in happens in your browser; dvpkg keeps the tokens in the terminal program, never in this page.'));
    const signIn = h('button', { type: 'button', class: 'primary' }, 'Sign in');
    signIn.addEventListener('click', () => {
      (signIn as HTMLButtonElement).disabled = true;
      send('sign-in', form?.values());
    });
    out.push(h('div', { class: 'actions' }, signIn, button('Cancel', 'cancel', send)));
  } else if (state.signIn?.kind === 'browser') {
    out.push(h('p', {}, state.signIn.opened ? 'A sign-in tab opened in your browser. If none did, ' : 'Continue in the sign-in page: ', h('a', { href: state.signIn.url, target: '_blank', rel: 'noopener noreferrer' }, 'open the Microsoft sign-in page'), '.'));
  } else if (state.signIn?.kind === 'device-code') {
    out.push(h('p', {}, state.signIn.message));
  } else if (state.steps.some((s) => s.name === 'sign-in')) {
    out.push(h('p', {}, 'Signing in...'));
  }
  return out;
}

/**
 * The package's settings as labelled fields, before the sign-in: what is typed goes to the run with Sign in
 * and wins over --settings and --set; an empty field leaves the value to those, the org or the default.
 * A secret is typed into a password field and never shown again (the run sends it back to no page).
 */
function settingsForm(fields: readonly SettingField[]): { element: HTMLElement; values(): Record<string, string> } {
  const inputs = fields.map((field, i) => {
    const id = `setting-${i}`;
    const input = h('input', { id, name: field.name, type: field.secret ? 'password' : 'text', autocomplete: 'off', spellcheck: 'false', ...(field.kind === 'connection-reference' ? { placeholder: 'connection id' } : {}) }) as HTMLInputElement;
    const what = field.kind === 'environment-variable' ? 'environment variable' : `connection reference, ${field.connectorId?.split('/').at(-1) ?? 'connector unknown'}`;
    const label = h('label', { for: id }, h('strong', {}, field.displayName), ` (${field.name}; ${what}${field.required ? ', required' : ''}${field.secret ? ', secret' : ''})`);
    return { field, input, element: h('div', { class: 'setting' }, label, field.description ? h('p', { class: 'reason' }, field.description) : undefined, input) };
  });
  const element = h('fieldset', { class: 'settings-form' }, h('legend', {}, 'Settings this package declares (leave a field empty to keep the value given in the terminal, the org\'s or the default)'), ...inputs.map((i) => i.element));
  return { element, values: () => Object.fromEntries(inputs.filter((i) => i.input.value !== '').map((i) => [i.field.name, i.input.value])) };
}

export function consentView(state: PageState): HTMLElement[] {
  const consent = state.consent;
  if (!consent || !state.plan) return [];
  const app = state.plan.package.appName;
  if (consent.state === 'present') return [h('p', { class: 'ok' }, `Present: ${app} has admin consent in your tenant.`)];
  if (consent.state === 'granted') return [h('p', { class: 'ok' }, `Granted: ${app} now has admin consent in your tenant.`)];
  if (consent.state === 'unknown') return [h('p', {}, 'Unknown: dvpkg could not tell whether admin consent was granted; creating the application user will tell.')];
  const grant = h('button', { type: 'button', class: 'primary' }, 'Grant consent');
  // A click opens the consent page; the run itself checks again every few seconds until consent is there.
  grant.addEventListener('click', () => void window.open(consent.url, '_blank', 'noopener,noreferrer'));
  return [
    h('p', { class: 'attention' }, `Missing: a Global Administrator (or Privileged Role or Cloud Application Administrator) of your tenant must consent to ${app} first.`),
    h('div', { class: 'actions' }, grant),
    h('p', {}, `After consenting, return here: the run checks again every few seconds${consent.waitSeconds ? ` (for up to ${Math.round(consent.waitSeconds / 60)} minutes)` : ''} and goes on by itself.`),
  ];
}

function stepTitle(step: PlanStep): string {
  switch (step.kind) {
    case 'import-solution':
      return `${step.action === 'install' ? 'Install' : step.action === 'upgrade' ? 'Upgrade' : 'Apply the staged upgrade of'} ${step.uniqueName} ${step.version}`;
    case 'purge-deleted-app-user':
      return 'Purge the deleted application user';
    case 'create-app-user':
      return 'Create the application user';
    case 'bind-role':
      return `Give the role "${step.roleName}"`;
    case 'set-settings':
      return `Set ${step.names.join(', ')}`;
    case 'confirm-privileges':
      return 'Check the privileges';
  }
}

function matrixView(plan: Plan): HTMLElement {
  const box = h('div', { class: 'matrices' });
  // Escaped HTML from the one renderer README.html uses too.
  box.innerHTML = privilegeMatrices(plan.grants, plan.privilegeChanges).map(privilegeMatrixHtml).join('') + matrixLegendHtml();
  return box;
}

export function planView(state: PageState, send: Send): HTMLElement[] {
  const plan = state.plan;
  if (!plan) return [];
  const out: HTMLElement[] = [];
  out.push(plan.steps.length === 0 ? h('p', {}, 'Nothing to change: the org already matches this package.') : h('ol', { class: 'plan-steps' }, ...plan.steps.map((s) => h('li', {}, h('strong', {}, stepTitle(s)), h('br'), h('span', { class: 'reason' }, `Why: ${s.reason}`)))));
  out.push(h('h3', {}, `What ${plan.package.appName} will be allowed to do`), matrixView(plan));
  if (plan.settings.length > 0) {
    // Values come from --settings / --set in the terminal; a secret shows only as "(secret, set)".
    out.push(h('h3', {}, 'Settings (environment variables and connection references)'), h('ul', { class: 'settings' }, ...plan.settings.map((s) => h('li', {}, settingWords(s), s.description ? h('br') : undefined, s.description ? h('span', { class: 'reason' }, s.description) : undefined))));
  }
  for (const change of plan.privilegeChanges) {
    out.push(h('h3', {}, change.newRole ? `New role for the application user: "${change.role}"` : `What this upgrade changes in "${change.role}"`));
    out.push(h('ul', {}, ...change.details.map((d, i) => h('li', {}, change.changes[i]?.widens ? h('strong', {}, `Widens: ${d}`) : d))));
  }
  if (plan.newTables.length > 0) out.push(h('p', {}, `New tables this upgrade brings: ${plan.newTables.join(', ')}.`));
  if (plan.differences.length > 0) out.push(h('h3', {}, 'The org differs from this package (this run does not change that)'), h('ul', {}, ...plan.differences.flatMap((d) => d.details.map((line) => h('li', {}, d.role ? `${d.role}: ${line}` : line)))));
  for (const refusal of plan.refusals) out.push(h('div', { class: 'problem' }, h('p', {}, h('strong', {}, 'Refused: '), refusal.message), refusal.details.length > 0 ? h('ul', {}, ...refusal.details.map((d) => h('li', {}, d))) : undefined));
  if (state.session?.waiting === 'answer') out.push(h('p', {}, state.session.question ?? 'Apply this plan?'), h('div', { class: 'actions' }, button('Apply', 'apply', send, true), button('Cancel', 'cancel', send)));
  else if (!state.asked && !state.report && plan.steps.length > 0 && !state.session?.planOnly) out.push(h('p', {}, state.consent?.state === 'missing' ? 'Apply becomes available once admin consent is there.' : 'Preparing the question...'));
  return out;
}

const STATUS_WORDS: Record<StepView['status'], string> = { running: 'running', done: 'done', skipped: 'skipped', failed: 'failed' };

export function progressView(state: PageState): HTMLElement[] {
  const steps = state.steps.filter((s) => !['integrity', 'sign-in', 'read', 'plan', 'consent'].includes(s.name));
  if (steps.length === 0 && state.notes.length === 0) return [h('p', {}, 'Starting...')];
  return [
    h('ol', { class: 'progress-steps' }, ...steps.map((s) => h('li', { class: s.status }, h('strong', {}, s.title), ` - ${STATUS_WORDS[s.status]}`, s.outcome ? `: ${s.outcome}` : '', s.percent !== undefined && s.status === 'running' ? h('span', { class: 'bar' }, ' ', h('progress', { max: '100', value: String(s.percent), 'aria-label': `${s.title}: ${s.percent}%` }), ` ${s.percent}%`) : undefined))),
    state.notes.length > 0 ? notesView(state.notes) : h('span'),
  ];
}

/** The notes, a run of the same one said once with its count, the latest few only: the terminal has them all. */
const SHOWN_NOTES = 20;
const NOTE_WORDS: Record<PageState['notes'][number]['kind'], string> = { wait: 'Waiting', info: 'Note', warning: 'Warning', error: 'Error' };

function notesView(notes: PageState['notes']): HTMLElement {
  const runs: Array<{ line: string; count: number }> = [];
  for (const n of notes) {
    const line = `${NOTE_WORDS[n.kind]}: ${n.text}`;
    if (runs.at(-1)?.line === line) runs.at(-1)!.count++;
    else runs.push({ line, count: 1 });
  }
  const hidden = Math.max(0, runs.length - SHOWN_NOTES);
  return h('ul', { class: 'notes' }, hidden > 0 ? h('li', {}, `(${hidden} earlier not shown; the terminal has them all)`) : undefined, ...runs.slice(hidden).map((r) => h('li', {}, r.count > 1 ? `${r.line} (${r.count} times)` : r.line)));
}

const NEXT: Partial<Record<string, string>> = {
  failed: 'Fix what the message says, then run deploy.mjs --ui again: steps already done are not repeated.',
  differs: 'Review the differences (dvpkg verify reports them too); this run did not change them.',
};

/** The outcome, for the page's role="status" region. */
export function outcomeView(state: PageState): Child[] {
  const report = state.report;
  if (!report) return [];
  const headline: Record<string, string> = { succeeded: 'Done', 'nothing-to-do': 'Nothing to do', planned: 'Plan only', differs: 'Differs', cancelled: 'Cancelled', interrupted: 'Interrupted', failed: 'Failed' };
  const blob = new Blob([`${JSON.stringify(report, null, 2)}\n`], { type: 'application/json' });
  return [
    h('p', { class: `outcome ${report.outcome}` }, h('strong', {}, `${headline[report.outcome] ?? report.outcome}. `), outcomeText(report)),
    report.error ? h('div', { class: 'problem' }, h('p', {}, report.error.message), report.error.details?.length ? h('ul', {}, ...report.error.details.map((d) => h('li', {}, d))) : undefined) : undefined,
    NEXT[report.outcome] ? h('p', {}, `What to do next: ${NEXT[report.outcome]!}`) : undefined,
    h('p', {}, h('a', { href: URL.createObjectURL(blob), download: 'dvpkg-report.json' }, 'Download the report (JSON)')),
  ];
}
