import type { DeployEvent } from '../../../../deploy/events.js';
import type { Plan } from '../../../../deploy/plan.js';
import type { RunReport, StepName } from '../../../../deploy/report.js';
import { retryText } from '../../event-words.js';
import type { SessionState } from '../protocol.js';

/**
 * What the page shows, folded from the server's messages: a pure function of the session and the run's
 * events, so a page that reconnects and replays the events shows the same thing.
 */

export interface StepView {
  name: StepName;
  title: string;
  status: 'running' | 'done' | 'skipped' | 'failed';
  outcome?: string;
  percent?: number;
}

export interface PageState {
  session?: SessionState;
  steps: StepView[];
  signIn?: { kind: 'browser'; url: string; opened: boolean } | { kind: 'device-code'; message: string };
  /** The sign-in step's outcome: who signed in, to which tenant. */
  signedIn?: string;
  plan?: Plan;
  consent?: { state: Plan['consent']['state'] | 'granted'; url: string; waitSeconds?: number };
  /** The run has asked its question (Apply this plan?). */
  asked: boolean;
  notes: Array<{ kind: 'info' | 'warning' | 'error' | 'wait'; text: string }>;
  report?: RunReport;
}

export type Stage = 'sign-in' | 'consent' | 'plan' | 'progress' | 'outcome';

export const STAGES: ReadonlyArray<{ stage: Stage; title: string }> = [
  { stage: 'sign-in', title: 'Package and sign-in' },
  { stage: 'consent', title: 'Admin consent' },
  { stage: 'plan', title: 'Plan' },
  { stage: 'progress', title: 'Apply' },
  { stage: 'outcome', title: 'Outcome' },
];

export const initialState = (): PageState => ({ steps: [], asked: false, notes: [] });

export function withSession(state: PageState, session: SessionState): PageState {
  return { ...state, session };
}

export function withEvent(state: PageState, event: DeployEvent): PageState {
  switch (event.type) {
    case 'step-started':
      return { ...state, steps: [...state.steps, { name: event.step, title: event.title, status: 'running' }] };
    case 'step-finished': {
      const { step } = event;
      const index = state.steps.map((s) => s.name === step.name && s.status === 'running').lastIndexOf(true);
      const steps = state.steps.map((s, i) => (i === index ? { ...s, status: step.status, outcome: step.outcome, percent: s.percent === undefined ? undefined : 100 } : s));
      const next: PageState = { ...state, steps };
      if (step.name === 'sign-in' && step.status === 'done') next.signedIn = step.outcome;
      if (step.name === 'consent' && step.status === 'done' && state.consent) next.consent = { ...state.consent, state: 'granted' };
      return next;
    }
    case 'progress':
      return { ...state, steps: state.steps.map((s, i) => (i === state.steps.length - 1 && s.name === event.step ? { ...s, percent: Math.max(0, Math.min(100, Math.round(event.percent))) } : s)) };
    case 'retry':
      return { ...state, notes: [...state.notes, { kind: 'wait', text: retryText(event) }] };
    case 'info':
    case 'warning':
    case 'error':
      return { ...state, notes: [...state.notes, { kind: event.type, text: event.text }] };
    case 'device-code':
      return { ...state, signIn: { kind: 'device-code', message: event.message } };
    case 'browser-sign-in':
      return { ...state, signIn: { kind: 'browser', url: event.url, opened: event.opened } };
    case 'plan':
      return { ...state, plan: event.plan, consent: { state: event.plan.consent.state, url: event.plan.consent.consentUrl } };
    case 'consent-required':
      return { ...state, consent: { state: 'missing', url: event.url, ...(event.waitSeconds !== undefined ? { waitSeconds: event.waitSeconds } : {}) } };
    case 'prompt':
      return { ...state, asked: true };
    case 'done':
      return { ...state, report: event.report };
    case 'removal-plan':
      return state;
  }
}

/** Where the run is, as the page's steps: each stage follows from what the run has said so far. */
export function stageOf(state: PageState): Stage {
  if (state.report) return 'outcome';
  if (state.asked && state.session?.waiting !== 'answer') return 'progress';
  if (state.plan && state.consent?.state === 'missing') return 'consent';
  if (state.plan) return 'plan';
  return 'sign-in';
}
