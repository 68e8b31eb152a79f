import { cliOutput } from '../output.js';
import { appFlags } from './app-flags.js';
import path from 'node:path';
import { formatProblems } from '../../../errors.js';
import { withJsonFailure } from './json-failure.js';
import { loadSpec } from '../../../spec/index.js';
import { displayPath } from '../../../util/paths.js';

export function runCheck(args: Parameters<typeof checkAndReport>[0]): Promise<number> {
  return withJsonFailure(args.json, () => checkAndReport(args));
}

async function checkAndReport(args: { src: string; strict: boolean; rolesOnly: boolean; uniqueName: string | undefined; clientId?: string | undefined; appName?: string | undefined; adminClientId?: string | undefined; appRoles?: string[]; json: boolean; verbose: boolean }): Promise<number> {
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
  for (const line of formatProblems(warnings, { verbose: args.verbose })) cliOutput.err(`${line}\n`);
  cliOutput.out(`${displayPath(src)}: OK (${model.uniqueName} ${model.version}, ${model.roles.length} role${model.roles.length === 1 ? '' : 's'}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'})\n`);
  return 0;
}
