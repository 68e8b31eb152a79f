import { readCertificateFile } from '../../auth/certificate-file.js';
import { PUBLIC_AUTHORITY_HOST } from '../../auth/authority.js';
import type { Credential } from '../../auth/tokens.js';
import { usageError } from '../../errors.js';
import { normalizeGuid } from '../../spec/guid.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { checkServiceUrl, checkTenant } from '../../util/url.js';
import { redactSecrets, registerSecret } from '../../util/redact.js';
import { junitXml } from '../../verify/junit.js';
import { loadManifest } from '../../verify/load-manifest.js';
import { runVerify, type VerifyReport } from '../../verify/run.js';

export interface VerifyArgs {
  org: string;
  package: string;
  tenant?: string;
  clientId?: string;
  certificate?: string;
  authorityHost?: string;
  report?: string;
  junit?: string;
  json: boolean;
  probe: boolean;
}

/** Flags win over the Azure SDK environment variables; the secret comes only from the environment. */
export async function runVerifyCommand(args: VerifyArgs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const secret = env['AZURE_CLIENT_SECRET'];
  // Before anything that can fail: a message may echo a value that is the secret (say it was put in AZURE_CLIENT_ID).
  registerSecret(secret);
  const orgUrl = checkServiceUrl('--org', args.org);
  const authorityHost = args.authorityHost ? checkServiceUrl('--authority-host', args.authorityHost) : PUBLIC_AUTHORITY_HOST;
  const manifest = await loadManifest(args.package);
  const clientIdRaw = args.clientId ?? env['AZURE_CLIENT_ID'] ?? manifest.app.clientId;
  const clientId = normalizeGuid(clientIdRaw);
  if (!clientId) throw usageError(`--client-id ${clientIdRaw}: expected the app's client id (a GUID)`);
  const tenant = args.tenant ?? env['AZURE_TENANT_ID'];
  if (tenant !== undefined) checkTenant(args.tenant !== undefined ? '--tenant' : 'AZURE_TENANT_ID', tenant);
  const certificatePath = args.certificate ?? env['AZURE_CLIENT_CERTIFICATE_PATH'];
  let credential: Credential;
  if (certificatePath) credential = { kind: 'certificate', clientId, ...readCertificateFile(certificatePath, args.certificate ? '--certificate' : 'AZURE_CLIENT_CERTIFICATE_PATH') };
  else if (secret) credential = { kind: 'client-secret', clientId, secret };
  else throw usageError('no app credential: set AZURE_CLIENT_SECRET, or pass --certificate <pem> (or set AZURE_CLIENT_CERTIFICATE_PATH)');

  const report = await runVerify({
    orgUrl,
    manifest,
    credential,
    ...(tenant ? { tenant: normalizeGuid(tenant) ?? tenant } : {}),
    authorityHost,
    authorityHostGiven: args.authorityHost !== undefined,
    probe: args.probe,
    onWarning: (text) => process.stderr.write(`warning: ${redactSecrets(text)}\n`),
  });
  process.stdout.write(redactSecrets(args.json ? `${JSON.stringify(report)}\n` : table(report)));
  if (args.report) await writeReport('--report', args.report, `${redactSecrets(JSON.stringify(report, null, 2))}\n`);
  if (args.junit) await writeReport('--junit', args.junit, redactSecrets(junitXml(report.checks, `dvpkg verify ${manifest.solution.uniqueName} ${manifest.solution.version}`, report.startedAt)));
  return report.exitCode;
}

/** A report path is the user's input: a folder in the way or no permission is a usage error, after the results are shown. */
async function writeReport(flag: string, file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (error) {
    throw usageError(`${flag} ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function table(report: VerifyReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length), 5);
  const lines = [`dvpkg verify: ${report.package.solution} ${report.package.version} in ${report.org} as app ${report.clientId}`, ''];
  for (const check of report.checks) {
    const mark = check.status === 'pass' ? 'PASS' : check.status === 'fail' ? 'FAIL' : 'SKIP';
    lines.push(`${mark}  ${check.name.padEnd(width)}  ${check.actual}`);
    if (check.status === 'fail') {
      lines.push(`      ${''.padEnd(width)}  expected: ${check.expected}`);
      for (const detail of check.details) lines.push(`      ${''.padEnd(width)}  - ${detail}`);
    }
  }
  const count = (status: string) => report.checks.filter((c) => c.status === status).length;
  lines.push('', `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped: ${report.outcome.toUpperCase()}`, '');
  return lines.join('\n');
}
