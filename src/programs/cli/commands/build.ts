import { cliOutput } from '../output.js';
import { appFlags } from './app-flags.js';
import path from 'node:path';
import { buildSolution } from '../../../build.js';
import { formatProblems } from '../../../errors.js';
import { withJsonFailure } from './json-failure.js';
import { displayPath } from '../../../util/paths.js';

export interface BuildArgs {
  src: string;
  out: string;
  version: string | undefined;
  templates: string | undefined;
  strict: boolean;
  clientId: string | undefined;
  appName: string | undefined;
  adminClientId: string | undefined;
  appRoles: string[];
  rolesOnly: boolean;
  uniqueName: string | undefined;
  json: boolean;
  verbose: boolean;
}

export function runBuild(args: Parameters<typeof buildAndReport>[0]): Promise<number> {
  return withJsonFailure(args.json, () => buildAndReport(args));
}

async function buildAndReport(args: BuildArgs): Promise<number> {
  const result = await buildSolution({
    requireApp: true,
    src: path.resolve(args.src),
    out: path.resolve(args.out),
    strict: args.strict,
    rolesOnly: args.rolesOnly,
    appRoles: args.appRoles,
    ...(args.uniqueName !== undefined ? { uniqueName: args.uniqueName } : {}),
    ...(args.version !== undefined ? { version: args.version } : {}),
    ...(args.templates !== undefined ? { templates: path.resolve(args.templates) } : {}),
    ...appFlags(args),
  });
  const built = result.solution;
  // Every solution the package imports, in import order (the package's manifest lists the same).
  const solutions = [
    ...(result.model.included ?? []).map((s) => ({ uniqueName: s.uniqueName, version: s.version, file: s.fileName, sha256: s.sha256, source: 'included' })),
    ...(built ? [{ uniqueName: built.uniqueName, version: built.version, file: built.fileName, sha256: built.sha256, source: 'built' }] : []),
  ];
  if (args.json) {
    const output = {
      ok: true,
      solution: built
        ? { uniqueName: built.uniqueName, version: built.version, zip: built.zip, sha256: built.sha256, roles: result.model.roles.map((r) => ({ id: r.id, name: r.name, privileges: r.privileges.length })) }
        : null,
      package: result.package ? { dir: result.package.dir, zip: result.package.zip, sha256: result.package.sha256 } : null,
      solutions,
      warnings: result.warnings,
    };
    cliOutput.out(`${JSON.stringify(output)}\n`);
    return 0;
  }
  for (const line of formatProblems(result.warnings, { verbose: args.verbose })) cliOutput.err(`${line}\n`);
  const roles = result.model.roles.length;
  const privileges = result.model.roles.reduce((n, r) => n + r.privileges.length, 0);
  const included = (result.model.included ?? []).map((s) => `  includes  ${s.uniqueName} ${s.version} (${s.fileName}), imported ${built ? 'first' : 'in this order'}\n`).join('');
  cliOutput.out(
    (built
      ? `Built ${built.uniqueName} ${built.version} (managed, ${roles} role${roles === 1 ? '' : 's'}, ${privileges} privileges)\n${included}` +
        `  solution  ${displayPath(built.zip)}\n` +
        `  sha256    ${built.sha256}\n`
      : `Packaged ${solutions.length} solution${solutions.length === 1 ? '' : 's'} for ${result.model.app?.name}: the application user gets ${result.model.roles.map((r) => `"${r.name}"`).join(', ')} (${privileges} privileges)\n${included}`) +
      (result.package
        ? `  package   ${displayPath(result.package.dir)}/ (run: node ${displayPath(path.join(result.package.dir, 'deploy.mjs'))} --org <url>)\n` +
          `            ${displayPath(result.package.zip)}\n` +
          `  sha256    ${result.package.sha256}\n`
        : ''),
  );
  return 0;
}
