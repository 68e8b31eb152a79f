/**
 * What the `--ui` server and its page say to each other, shared by both sides (the page bundles it).
 * The server sends server-sent events on GET /api/events: `session` (this value, whenever it changes)
 * and `deploy` (each DeployEvent of the run, with its index as the event id, so a page that reconnects
 * resumes where it was). The page sends a Decision to POST /api/decision.
 */

export interface PackageSummary {
  publisher: string;
  /** The package's own (roles) solution: its name and version are the package's. */
  solution: { uniqueName: string; displayName: string; version: string };
  app: { name: string; clientId: string };
  /** Every solution, in import order. */
  solutions: Array<{ uniqueName: string; displayName: string; version: string; source: 'built' | 'included' }>;
  /** The deployment settings the package declares, for the admin to fill in before signing in. */
  settings: SettingField[];
}

export interface SettingField {
  name: string;
  kind: 'environment-variable' | 'connection-reference';
  displayName: string;
  description: string;
  required: boolean;
  /** Typed into a password field; its value never comes back to the page. */
  secret: boolean;
  connectorId?: string;
}

export interface SessionState {
  org: string;
  planOnly: boolean;
  /** Once the package has passed its integrity check. */
  package?: PackageSummary;
  /** What the run waits for from the page: `start` (Sign in), `answer` (Apply or Cancel). */
  waiting?: 'start' | 'answer';
  question?: string;
}

export const DECISIONS = ['sign-in', 'apply', 'cancel'] as const;

export interface Decision {
  action: (typeof DECISIONS)[number];
  /** With `sign-in`: values typed on the page, by setting name; they win over --settings and --set. */
  settings?: Record<string, string>;
}
