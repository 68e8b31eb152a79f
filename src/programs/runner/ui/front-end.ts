import type { ServerResponse } from 'node:http';
import type { DeployEvent } from '../../../deploy/events.js';
import { rolesSolution, type Manifest } from '../../../package/manifest.js';
import type { Redactor } from '../../../runtime/output.js';
import type { GivenSetting } from '../../../deploy/settings/input.js';
import { declaredSettings } from '../../../deploy/settings/plan-settings.js';
import { DECISIONS, type Decision, type PackageSummary, type SessionState, type SettingField } from './protocol.js';

/**
 * The `--ui` front end of one run, beside the terminal's: a sink that keeps every event (so a page that
 * connects late, or again, sees the whole run) and forwards it to the pages' event streams, and the two
 * questions the run asks (start signing in? apply the plan?) answered by the page's buttons. It adds no
 * deployment logic: the run's engine decides everything else and says it as events.
 *
 * Every event leaves as JSON through the run's Redactor, like every line the terminal prints.
 */

const KEEPALIVE_MS = 15_000;
/** A reload closes the stream and opens it again at once: only a page gone this long is reported. */
const GONE_NOTICE_MS = 2_000;

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
/** The longest value the page may send for one setting (environment variable values are text up to 100,000 characters). */
const MAX_SETTING_LENGTH = 100_000;

interface Pending {
  kind: NonNullable<SessionState['waiting']>;
  question?: string;
  resolve(answer: boolean): void;
}

export interface UiFrontEndOptions {
  redactor: Redactor;
  /** A line for the terminal. */
  say(text: string): void;
  url: string;
  org: string;
  planOnly: boolean;
  /** Stop after no page has been connected this long: a pending question is then answered Cancel. */
  idleMs: number;
  /** The page server is no longer needed (idle, or the run ended). */
  onStop(): void;
}

export class UiFrontEnd {
  readonly #history: string[] = [];
  readonly #clients = new Set<ServerResponse>();
  readonly #options: UiFrontEndOptions;
  #session: SessionState;
  #pending: Pending | undefined;
  #stopped = false;
  #pageSeen = false;
  #fields: SettingField[] = [];
  #given: GivenSetting[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  #goneTimer: NodeJS.Timeout | undefined;
  readonly #keepalive: NodeJS.Timeout;

  constructor(options: UiFrontEndOptions) {
    this.#options = options;
    this.#session = { org: options.org, planOnly: options.planOnly };
    this.#keepalive = setInterval(() => this.#write(': keepalive\n\n'), KEEPALIVE_MS);
    this.#keepalive.unref();
    this.#armIdle();
  }

  readonly sink = (event: DeployEvent): void => {
    this.#history.push(this.#options.redactor.redact(JSON.stringify(event)));
    this.#write(this.#eventFrame(this.#history.length - 1));
  };

  showPackage(manifest: Manifest): void {
    const roles = rolesSolution(manifest);
    const summary: PackageSummary = {
      publisher: roles.publisher.displayName,
      solution: { uniqueName: roles.uniqueName, displayName: roles.displayName, version: roles.version },
      app: { name: manifest.app.name, clientId: manifest.app.clientId },
      solutions: manifest.solutions.map((s) => ({ uniqueName: s.uniqueName, displayName: s.displayName, version: s.version, source: s.source })),
      settings: this.#fields = settingFields(manifest),
    };
    this.#update({ ...this.#session, package: summary });
  }

  /** Waits for the page's Sign in; false when the page cancelled or went away. */
  start(): Promise<boolean> {
    return this.#ask('start', undefined, 'Waiting for "Sign in" on the page.');
  }

  /** The values typed on the page with its Sign in (none before). */
  get settings(): readonly GivenSetting[] {
    return this.#given;
  }

  /** The run's confirm question, answered by the page's Apply (true) or Cancel (false). */
  readonly confirm = (question: string): Promise<boolean> => this.#ask('answer', question, 'Waiting for "Apply" or "Cancel" on the page.');

  decide(body: unknown): { status: number; message: string } {
    const action = (body as { action?: unknown } | null)?.action as Decision['action'];
    if (!DECISIONS.includes(action)) return { status: 400, message: 'expected { "action": "sign-in" | "apply" | "cancel" }' };
    const pending = this.#pending;
    const fits = pending && (action === 'cancel' || (action === 'sign-in' ? pending.kind === 'start' : pending.kind === 'answer'));
    if (!pending || !fits) return { status: 409, message: `the run is not waiting for "${action}" now` };
    if (action === 'sign-in') {
      const given = this.#typed((body as Decision).settings);
      if (typeof given === 'string') return { status: 400, message: given };
      this.#given = given;
    }
    this.#settle(action !== 'cancel');
    return { status: 202, message: 'ok' };
  }

  /** A page's event stream: the session, every event after `lastEventId`, then each new one as it comes. */
  events(res: ServerResponse, lastEventId: number | undefined): void {
    if (this.#stopped) {
      res.end();
      return;
    }
    this.#pageSeen = true;
    this.#clients.add(res);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#goneTimer);
    res.write(this.#sessionFrame());
    for (let i = lastEventId === undefined ? 0 : lastEventId + 1; i < this.#history.length; i++) res.write(this.#eventFrame(i));
    res.on('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size > 0 || this.#stopped) return;
      this.#armIdle();
      this.#goneTimer = setTimeout(() => {
        if (this.#clients.size === 0 && !this.#stopped) this.#options.say(`The page was closed; the run goes on here. To follow it again, open ${this.#options.url} (the page server stops after ${seconds(this.#options.idleMs)} s without a page).`);
      }, GONE_NOTICE_MS);
    });
  }

  /** The run has ended (its last event is out): end the streams. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#keepalive);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#goneTimer);
    this.#settle(false);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#options.onStop();
  }

  /** The page's values, checked only as far as the page can get them wrong; the plan checks them as it checks flags. */
  #typed(values: unknown): GivenSetting[] | string {
    if (values === undefined) return [];
    if (values === null || typeof values !== 'object' || Array.isArray(values)) return 'settings: expected an object of setting names and values';
    const given: GivenSetting[] = [];
    for (const [name, value] of Object.entries(values)) {
      const field = this.#fields.find((f) => f.name === name);
      if (!field) return `settings: ${name}: the package declares no such setting`;
      if (typeof value !== 'string' || value.length > MAX_SETTING_LENGTH) return `settings: ${name}: expected text of at most ${MAX_SETTING_LENGTH} characters`;
      if (value !== '') given.push({ name, value, source: 'page', where: 'the --ui page', kind: field.kind });
    }
    return given;
  }

  #ask(kind: Pending['kind'], question: string | undefined, line: string): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    this.#options.say(line);
    return new Promise<boolean>((resolve) => {
      this.#pending = { kind, ...(question ? { question } : {}), resolve };
      this.#update({ ...this.#withoutWaiting(), waiting: kind, ...(question ? { question } : {}) });
    });
  }

  #settle(answer: boolean): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    if (!this.#stopped) this.#update(this.#withoutWaiting());
    pending.resolve(answer);
  }

  #withoutWaiting(): SessionState {
    const { waiting: _waiting, question: _question, ...rest } = this.#session;
    return rest;
  }

  #update(session: SessionState): void {
    this.#session = session;
    this.#write(this.#sessionFrame());
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      const waiting = this.#pending !== undefined;
      this.#options.say(`${this.#pageSeen ? 'The page has been closed' : 'Nobody opened the page'} for ${seconds(this.#options.idleMs)} s: the page server stopped${waiting ? ', and the question it was asking counts as Cancel' : '; the run goes on here'}.`);
      this.stop();
    }, this.#options.idleMs);
    // The run, not this timer, keeps the process alive.
    this.#idleTimer.unref();
  }

  #eventFrame(index: number): string {
    return `id: ${index}\nevent: deploy\ndata: ${this.#history[index]}\n\n`;
  }

  #sessionFrame(): string {
    return `event: session\ndata: ${this.#options.redactor.redact(JSON.stringify(this.#session))}\n\n`;
  }

  #write(frame: string): void {
    for (const res of this.#clients) res.write(frame);
  }
}

function settingFields(manifest: Manifest): SettingField[] {
  return declaredSettings(manifest).map((d) => ({
    name: d.name,
    kind: d.kind,
    displayName: d.displayName,
    description: d.description,
    required: d.required,
    secret: d.secret,
    ...(d.reference ? { connectorId: d.reference.connectorId } : {}),
  }));
}
