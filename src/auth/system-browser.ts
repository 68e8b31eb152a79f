import { spawn } from 'node:child_process';

/**
 * Whether a browser can be opened for a person's sign-in, and opening it. Without a display (an SSH
 * session, CI, a container) the browser sign-in cannot complete on this machine, so the runner falls
 * back to device code and says why.
 */

export interface DisplayCheck {
  available: boolean;
  /** Why not, in the user's words. */
  reason?: string;
}

export function displayAvailable(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): DisplayCheck {
  if (env['CI']) return { available: false, reason: 'this looks like a CI job (CI is set)' };
  if (env['SSH_CONNECTION'] || env['SSH_TTY']) return { available: false, reason: 'this is an SSH session' };
  if (platform === 'win32' || platform === 'darwin') return { available: true };
  if (env['DISPLAY'] || env['WAYLAND_DISPLAY']) return { available: true };
  return { available: false, reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
}

function opener(url: string, platform: NodeJS.Platform): { command: string; args: string[] } {
  // rundll32 hands the URL to the default browser without a shell, so `&` in the query stays intact.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  if (platform === 'darwin') return { command: 'open', args: [url] };
  return { command: 'xdg-open', args: [url] };
}

/** Resolves true once the opener started, false when it could not be started (the URL is printed either way). */
export function openSystemBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const { command, args } = opener(url, platform);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
