import axios from 'axios';

/**
 * A browser without a browser: follows a sign-in URL over plain HTTP as a browser would, through a
 * sign-in form (filling the account field) and an auto-submitting form_post page, to the page the
 * redirect target answers with. It reads HTML generically (any attribute order, entities decoded), so
 * it works for whatever page the sign-in server serves, not just one shape.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };
const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, name: string) => ENTITIES[name] ?? '');

function attributes(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), decode(m[2]!)]));
}

interface HtmlForm {
  action: string;
  method: string;
  fields: Record<string, string>;
  /** Text inputs by id, which a person would type into. */
  textInputs: string[];
}

function firstForm(html: string, base: string): HtmlForm | undefined {
  const open = /<form\b[^>]*>/i.exec(html);
  if (!open) return undefined;
  const body = html.slice(open.index, html.indexOf('</form>', open.index) + 7);
  const form = attributes(open[0]);
  const fields: Record<string, string> = {};
  const textInputs: string[] = [];
  for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(input[0]);
    if (a['type'] === 'hidden' && a['name']) fields[a['name']] = a['value'] ?? '';
    else if ((a['type'] ?? 'text') === 'text' && a['name']) {
      fields[a['name']] = a['value'] ?? '';
      textInputs.push(a['name']);
    }
  }
  // The submit button a person clicks first, with its name and value, as a browser sends it.
  const button = /<button\b[^>]*type="submit"[^>]*>/i.exec(body);
  if (button) {
    const b = attributes(button[0]);
    if (b['name']) fields[b['name']] = b['value'] ?? '';
  }
  return { action: new URL(form['action'] ?? base, base).toString(), method: (form['method'] ?? 'GET').toUpperCase(), fields, textInputs };
}

export interface FollowResult {
  /** The final page's status and text: the redirect target's answer. */
  status: number;
  text: string;
  /** Every URL requested, in order. */
  visited: string[];
  /** Every form posted, with its fields (the authorization code among them). */
  posted: Array<Record<string, string>>;
}

export async function followSignIn(url: string, options: { account?: string } = {}): Promise<FollowResult> {
  const visited: string[] = [];
  const posted: Array<Record<string, string>> = [];
  let response = await axios.get<string>(url, { responseType: 'text', validateStatus: () => true, maxRedirects: 0 });
  visited.push(url);
  let current = url;
  for (let hop = 0; hop < 6; hop++) {
    const location = response.headers['location'];
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      current = new URL(location, current).toString();
      visited.push(current);
      response = await axios.get<string>(current, { responseType: 'text', validateStatus: () => true, maxRedirects: 0 });
      continue;
    }
    const form = response.status === 200 && typeof response.data === 'string' ? firstForm(response.data, current) : undefined;
    if (!form || form.method !== 'POST') break;
    for (const name of form.textInputs) if (options.account !== undefined && form.fields[name] === '') form.fields[name] = options.account;
    current = form.action;
    visited.push(current);
    posted.push({ ...form.fields });
    response = await axios.post<string>(current, new URLSearchParams(form.fields).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, responseType: 'text', validateStatus: () => true, maxRedirects: 0 });
  }
  return { status: response.status, text: String(response.data), visited, posted };
}

/** The sign-in URL the runner printed, once it is there. */
export function signInUrlIn(text: string): string | undefined {
  return /(https?:\/\/[^\s"]+\/oauth2\/v2\.0\/authorize\?[^\s"]+)/.exec(text)?.[1];
}
