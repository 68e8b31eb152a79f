/// <reference lib="dom" />
import type { DeployEvent } from '../../../../deploy/events.js';
import type { Decision, SessionState } from '../protocol.js';
import { initialState, stageOf, withEvent, withSession, type PageState, type Stage } from './state.js';
import { consentView, h, outcomeView, packageView, planView, progressView, signInView, stagesView, type Send } from './view.js';

/**
 * The `deploy.mjs --ui` page: one flow from the package to the outcome. It listens to the run's event
 * stream, shows it, and sends the admin's decisions; the run in the terminal does all the work.
 */

const root = document.getElementById('app')!;
let state: PageState = initialState();
let connection = 'Connecting to deploy.mjs...';

const send: Send = (action, settings) => {
  const decision: Decision = { action, ...(settings ? { settings } : {}) };
  void fetch('/api/decision', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(decision) }).then(async (response) => {
    if (!response.ok) {
      connection = `The run did not take "${action}": ${((await response.json().catch(() => ({}))) as { message?: string }).message ?? response.statusText}`;
      render();
    }
  });
};

/** A section per stage; each is rebuilt only when what it shows changed, so focus and scroll stay put. */
interface Section {
  stage: Stage | 'package';
  title: string;
  element: HTMLElement;
  heading: HTMLElement;
  body: HTMLElement;
  key: string;
  visible(state: PageState): boolean;
  /** What the section shows depends on, and nothing more. */
  keyOf(state: PageState): unknown;
  build(state: PageState): HTMLElement[];
}

function section(stage: Section['stage'], title: string, visible: Section['visible'], keyOf: Section['keyOf'], build: Section['build']): Section {
  const heading = h('h2', { tabindex: '-1', id: `${stage}-title` }, title);
  const body = h('div');
  const element = h('section', { 'aria-labelledby': `${stage}-title`, class: 'card', hidden: '' }, heading, body);
  return { stage, title, element, heading, body, key: '', visible, keyOf, build };
}

const sections: Section[] = [
  section('package', 'Package', () => true, (s) => [s.session?.package, s.session?.org, s.steps.find((step) => step.name === 'integrity')], packageView),
  section('sign-in', 'Sign in', () => true, (s) => [s.signedIn, s.signIn, s.session?.waiting, s.steps.some((step) => step.name === 'sign-in')], (s) => signInView(s, send)),
  section('consent', 'Admin consent', (s) => s.plan !== undefined, (s) => [s.consent, s.plan?.package.appName], consentView),
  section('plan', 'Plan', (s) => s.plan !== undefined, (s) => [s.plan, s.session?.waiting, s.session?.question, s.asked, s.report !== undefined, s.consent?.state], (s) => planView(s, send)),
  section('progress', 'Progress', (s) => s.asked && s.session?.waiting !== 'answer', (s) => [s.steps, s.notes], progressView),
];

const title = h('h1', {}, 'Deploy package');
const stages = h('nav', { 'aria-label': 'Steps' });
const connectionLine = h('p', { class: 'connection' });
const status = h('div', { role: 'status', class: 'status-region', 'aria-live': 'polite' });
const outcome = h('section', { 'aria-labelledby': 'outcome-title', class: 'card' }, h('h2', { id: 'outcome-title', tabindex: '-1' }, 'Outcome'), status);
root.append(h('header', {}, title, stages, connectionLine), h('main', {}, ...sections.map((s) => s.element), outcome));

let shownStage: Stage | undefined;
let statusKey = '';

function render(): void {
  const pkg = state.session?.package;
  title.textContent = pkg ? `Deploy ${pkg.solution.displayName} ${pkg.solution.version}` : 'Deploy package';
  document.title = `${title.textContent} - dvpkg`;
  stages.replaceChildren(stagesView(state));
  connectionLine.textContent = connection;
  for (const s of sections) {
    const visible = s.visible(state);
    s.element.hidden = !visible;
    if (!visible) continue;
    const key = JSON.stringify(s.keyOf(state) ?? null);
    if (key === s.key) continue;
    s.key = key;
    s.body.replaceChildren(...s.build(state));
  }
  const key = JSON.stringify(state.report ?? null);
  if (key !== statusKey) {
    statusKey = key;
    status.replaceChildren(...outcomeView(state).filter((c): c is Node | string => c !== undefined && c !== false));
  }
  // A keyboard or screen-reader user lands on what is new: the heading of the stage the run has reached.
  const stage = stageOf(state);
  if (shownStage !== undefined && stage !== shownStage) {
    const target = stage === 'outcome' ? outcome.querySelector('h2')! : sections.find((s) => s.stage === stage)?.heading;
    target?.focus();
  }
  shownStage = stage;
}

const events = new EventSource('/api/events');
events.addEventListener('open', () => {
  connection = '';
  render();
});
events.addEventListener('session', (message) => {
  state = withSession(state, JSON.parse((message as MessageEvent<string>).data) as SessionState);
  render();
});
events.addEventListener('deploy', (message) => {
  const event = JSON.parse((message as MessageEvent<string>).data) as DeployEvent;
  state = withEvent(state, event);
  // The run is over: the server stops, and the page keeps what it shows.
  if (event.type === 'done') events.close();
  render();
});
events.addEventListener('error', () => {
  if (state.report) return;
  connection = events.readyState === EventSource.CLOSED ? 'The connection to deploy.mjs ended. The terminal shows the run; open the URL it printed to follow it again.' : 'Lost the connection to deploy.mjs; trying again... (the run goes on in the terminal)';
  render();
});
render();
