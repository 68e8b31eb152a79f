/**
 * Last line of defence before anything reaches a terminal, a log or a report: values
 * registered as secrets, bearer tokens, JWTs, PEM blocks and secret-looking form fields
 * are replaced. Callers register every secret they read (env vars, files) up front.
 */

const registered = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]'],
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted token]'],
  [/\b(client_secret|client_assertion|access_token|refresh_token|id_token|device_code|password)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/"(client_secret|clientSecret|client_assertion|access_token|accessToken|refresh_token|id_token|password|privateKey)"\s*:\s*"[^"]*"/gi, '"$1":"[redacted]"'],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join('[redacted]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
