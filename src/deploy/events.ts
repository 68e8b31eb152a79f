import type { Plan } from './plan.js';
import type { RemovalPlan } from './removal/plan.js';
import type { RunReport, StepName, StepReport } from './report.js';

/**
 * Everything a run has to say, as values. The console and `--json` renderers (and any other front
 * end) consume the same stream; steps never format terminal text.
 */
export type DeployEvent =
  | { type: 'step-started'; step: StepName; title: string }
  | { type: 'step-finished'; step: StepReport }
  | { type: 'progress'; step: StepName; percent: number }
  | { type: 'retry'; target: string; reason: string; delayMs: number; attempt: number }
  | { type: 'info'; text: string }
  | { type: 'warning'; text: string }
  /** What ended one org's run in a fleet (a single run reports its error itself). */
  | { type: 'error'; text: string }
  | { type: 'device-code'; message: string }
  /** The browser sign-in's URL (no secret in it: the PKCE verifier and the code never leave this process). */
  | { type: 'browser-sign-in'; url: string; opened: boolean }
  | { type: 'consent-required'; url: string; code?: number; waitSeconds?: number }
  | { type: 'plan'; plan: Plan }
  | { type: 'removal-plan'; plan: RemovalPlan }
  | { type: 'prompt'; question: string }
  | { type: 'done'; report: RunReport };

export type EventSink = (event: DeployEvent) => void;
