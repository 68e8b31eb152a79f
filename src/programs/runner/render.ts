import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';
import type { DeployEvent, EventSink } from '../../deploy/events.js';
import type { RunReport } from '../../deploy/report.js';
import type { Output } from '../../runtime/output.js';
import { outcomeText, retryText } from './event-words.js';
import { planText, removalPlanText } from './plan-text.js';

/**
 * The runner's two renderers of one event stream. On a terminal: lines, a progress bar, the plan as
 * text. With `--json`: one JSON object per event on stdout (the plan as an object, progress and
 * retries included), the human text on stderr, and the report as the last line.
 */

const SYMBOLS = { done: 'ok', skipped: '--', failed: 'FAILED' } as const;

export function createRenderer(output: Output, json: boolean): EventSink {
  const human = (text: string) => (json ? output.err(text) : output.out(text));
  const tty = !json && output.stdoutIsTTY;
  let barShown = false;
  let lastBucket = -1;
  const line = (text: string) => {
    if (barShown) {
      human('\n');
      barShown = false;
    }
    human(`${text}\n`);
  };
  const indented = (text: string) => {
    for (const part of text.split('\n')) line(`  ${part}`);
  };
  return (event: DeployEvent) => {
    if (json && event.type !== 'done') output.out(`${JSON.stringify(event)}\n`);
    switch (event.type) {
      case 'step-started':
        lastBucket = -1;
        return line(`> ${event.title}`);
      case 'step-finished': {
        const { step } = event;
        const took = `${(step.durationMs / 1000).toFixed(1)} s, ${step.requests} request${step.requests === 1 ? '' : 's'}`;
        // A failure is printed once, by the error reporter; the step line only marks where it happened.
        return line(step.status === 'failed' ? `  ${SYMBOLS.failed} (${took})` : `  ${SYMBOLS[step.status]} ${step.outcome} (${took})`);
      }
      case 'progress': {
        const percent = Math.max(0, Math.min(100, Math.round(event.percent)));
        if (tty) {
          const filled = Math.round((percent / 100) * 30);
          human(`\r  [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(percent).padStart(3)}%`);
          barShown = true;
          return;
        }
        const bucket = Math.floor(percent / 25);
        if (bucket > lastBucket) {
          lastBucket = bucket;
          line(`  import progress ${percent}%`);
        }
        return;
      }
      case 'retry':
        return indented(retryText(event));
      case 'info':
      case 'device-code':
        return indented(event.type === 'info' ? event.text : event.message);
      case 'browser-sign-in':
        return indented(event.opened ? `Sign in in the browser window that opened. If none did, open:\n${event.url}` : `To sign in, open this URL in a browser on this machine:\n${event.url}`);
      case 'warning':
        return line(`  warning: ${event.text}`);
      case 'error':
        return line(`  error: ${event.text}`);
      case 'consent-required':
        return event.waitSeconds === undefined ? undefined : indented(`Waiting up to ${event.waitSeconds} s for consent (link above)...`);
      case 'plan':
        return indented(planText(event.plan));
      case 'removal-plan':
        return indented(removalPlanText(event.plan));
      case 'prompt':
        return;
      case 'done':
        return finish(output, json, event.report);
    }
  };
}

function finish(output: Output, json: boolean, report: RunReport): void {
  if (json) {
    output.out(`${JSON.stringify({ type: 'report', ...report })}\n`);
    return;
  }
  output.out(`\n${outcomeText(report)}\n`);
}

/** A yes/no question on the terminal; undefined when stdin is not one. */
export function terminalConfirm(stdin: Readable & { isTTY?: boolean }, output: Output, json: boolean): ((question: string) => Promise<boolean>) | undefined {
  if (!stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: stdin, terminal: false });
    try {
      (json ? output.err : output.out)(`${question} [y/N] `);
      const answer = await rl.question('');
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}
