/**
 * Redirect URI matching (entra-docs reply-url.md): the registered URI must match exactly, path case-sensitive;
 * `http://` is "supported *only* for *localhost* URIs"; for loopback URIs "the port component ... is ignored for
 * the purposes of matching". `127.0.0.1` is a loopback host as well ("Prefer 127.0.0.1 over localhost") but only
 * a registration naming it matches it: the page never says the two names are interchangeable (inferred).
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/** A loopback redirect stands for the "Mobile and desktop applications" platform: a public client (scenario-desktop-app-registration.md). */
export function isLoopbackRedirect(uri: string): boolean {
  const url = parse(uri);
  return url !== undefined && LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
}

export function redirectUriRegistered(registered: readonly string[], requested: string): boolean {
  const wanted = parse(requested);
  if (!wanted) return false;
  const loopback = LOOPBACK_HOSTS.has(wanted.hostname.toLowerCase());
  if (wanted.protocol === 'http:' && !loopback) return false;
  return registered.some((candidate) => {
    const url = parse(candidate);
    return (
      url !== undefined &&
      url.protocol === wanted.protocol &&
      url.hostname.toLowerCase() === wanted.hostname.toLowerCase() &&
      (loopback || url.port === wanted.port) &&
      url.pathname === wanted.pathname &&
      url.search === wanted.search
    );
  });
}
