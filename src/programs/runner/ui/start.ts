import { displayAvailable, openSystemBrowser } from '../../../auth/system-browser.js';
import type { EventSink } from '../../../deploy/events.js';
import type { Manifest } from '../../../package/manifest.js';
import { MATRIX_CSS } from '../../../package/privilege-matrix.js';
import type { Output } from '../../../runtime/output.js';
import type { UiOptions } from '../args.js';
import { UiFrontEnd } from './front-end.js';
import { pageAssets } from './page-assets.js';
import { newToken } from './security.js';
import { startUiServer } from './server.js';
import type { GivenSetting } from '../../../deploy/settings/input.js';

/**
 * `deploy.mjs --ui`: starts the page's server, prints its URL (with this run's token) and opens it, and
 * hands the runner the page's front end: its event sink, its two questions, and the way to stop it.
 * Loaded only with --ui (a dynamic import), so other runs never load it.
 */

export interface UiRun {
  sink: EventSink;
  showPackage(manifest: Manifest): void;
  /** Waits for the page's Sign in; false: cancelled, or no page came. */
  start(): Promise<boolean>;
  /** The setting values typed on the page with its Sign in. */
  settings(): readonly GivenSetting[];
  confirm(question: string): Promise<boolean>;
  close(): Promise<void>;
}

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deploy package - dvpkg</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<noscript>This page needs JavaScript. The terminal shows the run too.</noscript>
<div id="app"></div>
</body>
</html>
`;

export async function startUi(options: UiOptions, context: { output: Output; json: boolean; env: NodeJS.ProcessEnv; org: string; planOnly: boolean }): Promise<UiRun> {
  const { output } = context;
  const say = (text: string) => (context.json ? output.err : output.out)(`${text}\n`);
  const assets = await pageAssets();
  let frontEnd: UiFrontEnd | undefined;
  const server = await startUiServer(
    { port: options.port, token: newToken() },
    {
      html: HTML,
      script: assets.script,
      styles: `${assets.styles}\n${MATRIX_CSS}`,
      // The server answers only once the front end below exists: nobody has the URL before it is printed.
      events: (res, last) => frontEnd!.events(res, last),
      decide: (body) => frontEnd!.decide(body),
    },
  );
  let closing: Promise<void> | undefined;
  const stopServer = () => (closing ??= server.close());
  const ui = new UiFrontEnd({ redactor: output.redactor, say, url: server.url, org: context.org, planOnly: context.planOnly, idleMs: options.idleMs, onStop: () => void stopServer() });
  frontEnd = ui;
  say(`Open ${server.url}`);
  const display = displayAvailable(context.env);
  if (!options.open) say('  in a browser on this machine (--no-open: no browser was started).');
  else if (!display.available) say(`  in a browser on this machine (none was started: ${display.reason}).`);
  else say((await openSystemBrowser(server.url)) ? '  (opened in your browser; if it did not open, open the URL above).' : '  in a browser on this machine (the browser could not be started).');
  return {
    sink: ui.sink,
    showPackage: (manifest) => ui.showPackage(manifest),
    start: () => ui.start(),
    settings: () => ui.settings,
    confirm: ui.confirm,
    close: async () => {
      ui.stop();
      await stopServer();
    },
  };
}
