/**
 * The few HTML pages the authorize endpoint answers with. They work in a real browser and stay parseable by a
 * plain HTTP test: every value sits in a double-quoted, HTML-escaped attribute.
 */
import type { Reply } from '../context.js';
import type { EmulatorError } from '../wire-errors.js';

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function page(status: number, title: string, body: string): Reply {
  const html = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>\n`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store, no-cache' }, body: html };
}

/**
 * response_mode=form_post: a form to the redirect URI with hidden fields, submitted by script, with a noscript
 * button (the shape of Entra's "Working..." page; OAuth 2.0 Form Post Response Mode §2).
 */
export function formPostPage(action: string, fields: Record<string, string>): Reply {
  const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}" />`).join('');
  return page(
    200,
    'Working...',
    `<form method="POST" name="hiddenform" action="${escapeHtml(action)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script>document.forms[0].submit();</script>`,
  );
}

/** Problems Entra shows on its own page instead of redirecting: status 400, the AADSTS code and text. */
export function errorPage(error: EmulatorError): Reply {
  const body = error.body as { error?: string; error_description?: string; error_codes?: number[] };
  const description = body.error_description ?? error.message;
  return page(
    400,
    'Sign in to your account',
    `<h1>Sorry, but we're having trouble signing you in.</h1><p id="error-code" data-error="${escapeHtml(body.error ?? '')}" data-code="${escapeHtml(String(body.error_codes?.[0] ?? ''))}">${escapeHtml(description)}</p>`,
  );
}

/** The emulator's sign-in form. The ids `account`, `signin` and `cancel` are stable: browser tests fill and click them. */
export function signInPage(args: { action: string; flow: string; account: string; appName: string; error?: string }): Reply {
  const error = args.error === undefined ? '' : `<p id="error" role="alert">${escapeHtml(args.error)}</p>`;
  return page(
    200,
    'Sign in to your account',
    `<h1>Sign in</h1><p>to continue to ${escapeHtml(args.appName)} (dvpkg emulator)</p>${error}<form method="POST" action="${escapeHtml(args.action)}"><input type="hidden" name="flow" value="${escapeHtml(args.flow)}" /><label for="account">Email or phone</label> <input id="account" name="account" type="text" autocomplete="username" value="${escapeHtml(args.account)}" /> <button id="signin" type="submit" name="action" value="signin">Sign in</button> <button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button></form>`,
  );
}
