import { cliOutput } from '../output.js';
import { appFlags } from './app-flags.js';
import path from 'node:path';
import { formatProblem, isDvpkgError } from '../../../errors.js';
import { loadSpec } from '../../../spec/index.js';
import { displayPath } from '../../../util/paths.js';

export async function runCheck(args: Parameters<typeof checkAndReport>[0]): Promise<number> {
  try {
    return await checkAndReport(args);
  } catch (error) {
    // --json prints its object whatever happened: a pipeline reads stdout, the person reads stderr.
    if (args.json && isDvpkgError(error)) cliOutput.out(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message }, problems: error.problems })}\n`);
    throw error;
  }
}

async function checkAndReport(args: { src: string; strict: boolean; rolesOnly: boolean; uniqueName: string | undefined; clientId?: string | undefined; appName?: string | undefined; adminClientId?: string | undefined; appRoles?: string[]; json: boolean }): Promise<number> {
  const src = path.resolve(args.src);
  const { model, warnings, format } = await loadSpec(src, {
    strict: args.strict,
    rolesOnly: args.rolesOnly,
    appRoles: args.appRoles ?? [],
    ...appFlags(args),
    ...(args.uniqueName !== undefined ? { uniqueName: args.uniqueName } : {}),
  });
  if (args.json) {
    cliOutput.out(`${JSON.stringify({ ok: true, format, solution: { uniqueName: model.uniqueName, version: model.version, roles: model.roles.length }, warnings })}\n`);
    return 0;
  }
  for (const warning of warnings) cliOutput.err(`${formatProblem(warning)}\n`);
  cliOutput.out(`${displayPath(src)}: OK (${model.uniqueName} ${model.version}, ${model.roles.length} role${model.roles.length === 1 ? '' : 's'}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'})\n`);
  return 0;
}
