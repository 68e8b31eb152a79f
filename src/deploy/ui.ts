import { createInterface } from 'node:readline/promises';
import { redactSecrets } from '../util/redact.js';
import type { StepName, StepReport } from './report.js';

/**
 * Everything the runner shows. Human mode writes to stdout; `--json` mode writes one JSON
 * event per line to stdout and the human text to stderr. Every line passes redaction.
 */

export interface Ui {
  stepStarted(name: StepName, title: string): void;
  stepEnded(step: StepReport): void;
  info(text: string): void;
  warn(text: string): void;
  progress(percent: number): void;
  confirm(question: string): Promise<boolean>;
  event(type: string, data: Record<string, unknown>): void;
  interactive: boolean;
}

const SYMBOLS = { done: 'ok', skipped: '--', failed: 'FAILED' } as const;

export function createUi(options: { json: boolean; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; stdin: NodeJS.ReadStream }): Ui {
  const human = options.json ? options.stderr : options.stdout;
  const tty = Boolean(human.isTTY) && !options.json;
  let progressShown = false;
  let lastPercentBucket = -1;
  const line = (text: string) => {
    if (progressShown) {
      human.write('\n');
      progressShown = false;
    }
    human.write(`${redactSecrets(text)}\n`);
  };
  return {
    interactive: Boolean(options.stdin.isTTY),
    stepStarted(_name, title) {
      lastPercentBucket = -1;
      line(`> ${title}`);
    },
    stepEnded(step) {
      line(`  ${SYMBOLS[step.status]} ${step.outcome} (${(step.durationMs / 1000).toFixed(1)} s, ${step.requests} request${step.requests === 1 ? '' : 's'})`);
      if (options.json) options.stdout.write(`${redactSecrets(JSON.stringify({ type: 'step', ...step }))}\n`);
    },
    info(text) {
      for (const part of text.split('\n')) line(`  ${part}`);
    },
    warn(text) {
      line(`  warning: ${text}`);
    },
    progress(percent) {
      const rounded = Math.max(0, Math.min(100, Math.round(percent)));
      if (tty) {
        const width = 30;
        const filled = Math.round((rounded / 100) * width);
        human.write(`\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(rounded).padStart(3)}%`);
        progressShown = true;
        return;
      }
      const bucket = Math.floor(rounded / 25);
      if (bucket > lastPercentBucket) {
        lastPercentBucket = bucket;
        line(`  import progress ${rounded}%`);
      }
    },
    async confirm(question) {
      const rl = createInterface({ input: options.stdin, output: human });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
    event(type, data) {
      if (options.json) options.stdout.write(`${redactSecrets(JSON.stringify({ type, ...data }))}\n`);
    },
  };
}
