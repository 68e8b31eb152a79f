import type { DeployEvent, EventSink } from '../../deploy/events.js';
import type { Output } from '../../runtime/output.js';
import { createRenderer } from './render.js';

/**
 * How a fleet run shows its orgs. On a terminal: one live line per org (its current step and progress),
 * redrawn in place, with warnings and sign-in prompts printed above. Elsewhere: each org's usual lines,
 * prefixed with its name. With --json: every event as a line carrying `org`.
 */

export interface FleetView {
  sink(name: string): EventSink;
  /** A message for the whole run (a sign-in prompt, a note), shown once. */
  shared: EventSink;
  /** Stops redrawing, leaving the last state of each line on screen. */
  close(): void;
}

function prefixed(output: Output, prefix: string): Output {
  const add = (text: string) => text.replace(/(^|\n)(?=.)/g, `$1${prefix}`);
  return { ...output, stdoutIsTTY: false, out: (text) => output.out(add(text)), err: (text) => output.err(add(text)) };
}

export function createFleetView(output: Output, names: readonly string[], json: boolean): FleetView {
  if (json) {
    const line = (event: DeployEvent, org?: string) => output.out(`${JSON.stringify(event.type === 'done' ? { type: 'report', ...(org ? { org } : {}), ...event.report } : { ...event, ...(org ? { org } : {}) })}\n`);
    return { sink: (name) => (event) => line(event, name), shared: (event) => line(event), close: () => undefined };
  }
  const shared = createRenderer(output, false);
  if (!output.stdoutIsTTY) return { sink: (name) => createRenderer(prefixed(output, `[${name}] `), false), shared, close: () => undefined };

  const width = Math.max(...names.map((n) => n.length));
  const status = new Map(names.map((n) => [n, 'waiting']));
  let drawn = 0;
  let open = true;
  const draw = () => {
    if (!open) return;
    const lines = names.map((n) => `${n.padEnd(width)}  ${status.get(n)}`);
    output.out(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l.slice(0, 160)}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const above = (event: DeployEvent) => {
    if (drawn > 0) output.out(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
    shared(event);
    draw();
  };
  return {
    shared: above,
    sink: (name) => (event) => {
      switch (event.type) {
        case 'step-started':
          status.set(name, event.title);
          break;
        case 'progress':
          status.set(name, `${(status.get(name) ?? '').replace(/ \d+%$/, '')} ${Math.round(event.percent)}%`);
          break;
        case 'retry':
          status.set(name, `${(status.get(name) ?? '').replace(/ \(retrying.*\)$/, '')} (retrying: ${event.reason})`);
          break;
        case 'error':
          status.set(name, `failed: ${event.text.split('\n')[0]}`);
          break;
        case 'warning':
        case 'consent-required':
          return above(event.type === 'warning' ? { type: 'warning', text: `${name}: ${event.text}` } : { type: 'info', text: `${name}: admin consent is missing; a Global Administrator must open ${event.url}` });
        case 'done':
          status.set(name, `${event.report.outcome} (exit ${event.report.exitCode})`);
          break;
        default:
          return;
      }
      draw();
    },
    close: () => {
      open = false;
    },
  };
}
