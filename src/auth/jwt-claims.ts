/**
 * The claims of a token dvpkg holds, read to name who signed in. Not a validation: the token came
 * from Entra or the Azure CLI, and Dataverse checks it.
 */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A person's UPN, or the app id of an app-only token. */
export function tokenIdentity(token: string): string | undefined {
  const claims = jwtClaims(token);
  const name = claims?.['upn'] ?? claims?.['unique_name'] ?? claims?.['preferred_username'];
  if (typeof name === 'string') return name;
  const app = claims?.['appid'] ?? claims?.['azp'];
  return typeof app === 'string' ? `app ${app}` : undefined;
}
