import { cliOutput } from '../output.js';
import path from 'node:path';
import { buildSolution } from '../../../build.js';
import { formatProblem } from '../../../errors.js';
import { displayPath } from '../../../util/paths.js';

export interface BuildArgs {
  src: string;
  out: string;
  version: string | undefined;
  templates: string | undefined;
  strict: boolean;
  clientId: string | undefined;
  appName: string | undefined;
  rolesOnly: boolean;
  uniqueName: string | undefined;
  json: boolean;
}

export async function runBuild(args: BuildArgs): Promise<number> {
  const result = await buildSolution({
    src: path.resolve(args.src),
    out: path.resolve(args.out),
    strict: args.strict,
    rolesOnly: args.rolesOnly,
    ...(args.uniqueName !== undefined ? { uniqueName: args.uniqueName } : {}),
    ...(args.version !== undefined ? { version: args.version } : {}),
    ...(args.templates !== undefined ? { templates: path.resolve(args.templates) } : {}),
    ...(args.clientId !== undefined || args.appName !== undefined
      ? { app: { ...(args.clientId !== undefined ? { clientId: args.clientId } : {}), ...(args.appName !== undefined ? { name: args.appName } : {}) } }
      : {}),
  });
  if (args.json) {
    const output = {
      solution: {
        uniqueName: result.solution.uniqueName,
        version: result.solution.version,
        zip: result.solution.zip,
        sha256: result.solution.sha256,
        roles: result.model.roles.map((r) => ({ id: r.id, name: r.name, privileges: r.privileges.length })),
      },
      package: result.package ? { dir: result.package.dir, zip: result.package.zip, sha256: result.package.sha256 } : null,
      // Every solution the package imports, in import order (the package's manifest lists the same).
      solutions: [
        ...(result.model.included ?? []).map((s) => ({ uniqueName: s.uniqueName, version: s.version, file: s.fileName, sha256: s.sha256, source: 'included' })),
        { uniqueName: result.solution.uniqueName, version: result.solution.version, file: result.solution.fileName, sha256: result.solution.sha256, source: 'built' },
      ],
      warnings: result.warnings,
    };
    cliOutput.out(`${JSON.stringify(output)}\n`);
    return 0;
  }
  for (const warning of result.warnings) cliOutput.err(`${formatProblem(warning)}\n`);
  const roles = result.model.roles.length;
  const privileges = result.model.roles.reduce((n, r) => n + r.privileges.length, 0);
  const included = (result.model.included ?? []).map((s) => `  includes  ${s.uniqueName} ${s.version} (${s.fileName}), imported first\n`).join('');
  cliOutput.out(
    `Built ${result.solution.uniqueName} ${result.solution.version} (managed, ${roles} role${roles === 1 ? '' : 's'}, ${privileges} privileges)\n` +
      included +
      `  solution  ${displayPath(result.solution.zip)}\n` +
      `  sha256    ${result.solution.sha256}\n` +
      (result.package
        ? `  package   ${displayPath(result.package.dir)}/ (run: node ${displayPath(path.join(result.package.dir, 'deploy.mjs'))} --org <url>)\n` +
          `            ${displayPath(result.package.zip)}\n` +
          `  sha256    ${result.package.sha256}\n`
        : '  package   not written: the spec names no ISV app (pass --client-id and --app-name)\n'),
  );
  return 0;
}
