import { execFile } from 'node:child_process';
import { DvpkgError } from '../errors.js';
import { aadstsCode, explainAadsts } from './aadsts.js';
import { jwtClaims } from './jwt-claims.js';

/**
 * Tokens from a signed-in Azure CLI: `az account get-access-token --resource <org> --tenant <t>`
 * (azure-docs-cli reference; the JSON carries `accessToken` and `expires_on`). The same way the
 * Power Platform terraform provider gets Dataverse tokens (azidentity.NewAzureCLICredential), so a
 * pipeline that already ran `azure/login` needs nothing else. az keeps its own cache; dvpkg keeps a
 * token until five minutes before it expires.
 */

export interface AzToken {
  accessToken: string;
  expiresOnSeconds: number;
}

const EARLY_RENEW_SECONDS = 300;
const AZ_TIMEOUT_MS = 60_000;

function runAz(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number | string | null }> {
  return new Promise((resolve) => {
    // az is a .cmd script on Windows, which only a shell runs; the arguments are URLs and GUIDs.
    execFile('az', args, { env, timeout: AZ_TIMEOUT_MS, windowsHide: true, shell: process.platform === 'win32', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number | string }).code ?? 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

export async function azureCliToken(resource: string, tenant: string, env: NodeJS.ProcessEnv = process.env): Promise<AzToken> {
  const result = await runAz(['account', 'get-access-token', '--resource', resource, '--tenant', tenant, '--output', 'json'], env);
  if (result.code === 'ENOENT') throw new DvpkgError('DVPKG_SIGN_IN_FAILED', 'sign-in with the Azure CLI failed: az was not found on PATH; install the Azure CLI and run az login, or choose another --auth');
  if (result.code !== 0) {
    // az's own words, first line only, without its "ERROR:" prefix; never the command line (it holds nothing secret, but nothing useful either).
    const first = result.stderr.split(/\r?\n/).map((l) => l.replace(/^ERROR:\s*/, '').trim()).find((l) => l !== '') ?? `az exited with ${String(result.code)}`;
    const code = aadstsCode({ message: result.stderr });
    const meaning = code ? explainAadsts(code, 'azure-cli') : /az login/i.test(result.stderr) ? `the Azure CLI is not signed in to tenant ${tenant}: run az login --tenant ${tenant}` : undefined;
    throw new DvpkgError('DVPKG_SIGN_IN_FAILED', `sign-in with the Azure CLI failed: ${code ? `AADSTS${code}${meaning ? ` (${meaning})` : ''}` : meaning ?? first.slice(0, 300)}`);
  }
  let parsed: { accessToken?: unknown; expires_on?: unknown; expiresOn?: unknown };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new DvpkgError('DVPKG_SIGN_IN_FAILED', 'sign-in with the Azure CLI failed: az account get-access-token did not print JSON; update the Azure CLI');
  }
  if (typeof parsed.accessToken !== 'string' || parsed.accessToken === '') throw new DvpkgError('DVPKG_SIGN_IN_FAILED', 'sign-in with the Azure CLI failed: az printed no access token');
  const epoch = Number(parsed.expires_on);
  const claimsExp = jwtClaims(parsed.accessToken)?.exp;
  const expiresOnSeconds = Number.isFinite(epoch) && epoch > 0 ? epoch : typeof claimsExp === 'number' ? claimsExp : Math.floor(Date.now() / 1000) + 600;
  return { accessToken: parsed.accessToken, expiresOnSeconds };
}

export function stillFresh(token: AzToken, nowMs: number): boolean {
  return token.expiresOnSeconds - EARLY_RENEW_SECONDS > nowMs / 1000;
}
