import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type Handlebars from 'handlebars';
import HandlebarsRuntimeModule from 'handlebars/runtime.js';
import { DvpkgError } from '../errors.js';
import { displayPath } from '../util/paths.js';
import { escapeXml } from '../util/xml.js';
import { DEFAULT_TEMPLATES_DIR, PRECOMPILED_TEMPLATES_DIR } from '../util/package-root.js';
import { fileErrorReason } from '../util/file-errors.js';

export type Template = (context: object) => string;

// The runtime is the full module without the compiler; its own type declarations are empty.
const HandlebarsRuntime = HandlebarsRuntimeModule as unknown as typeof Handlebars;
type Environment = ReturnType<typeof Handlebars.create>;

/** dvpkg's own Handlebars environments, so helpers never leak into a caller's global instance. */
function withHelpers<T extends Environment>(env: T): T {
  env.registerHelper('xml', (value: unknown) => new env.SafeString(escapeXml(value === undefined || value === null ? '' : String(value))));
  return env;
}

/** The shipped templates are precompiled: the runtime runs them, without the compiler's weight at start-up. */
const runtime = withHelpers(HandlebarsRuntime.create());

/**
 * Strict mode makes a template that names a field we do not provide fail loudly
 * instead of rendering an empty attribute into a solution that then fails import.
 */
export async function loadTemplate(dir: string, name: string): Promise<Template> {
  const file = path.join(dir, name);
  const compiled = (path.resolve(dir) === path.resolve(DEFAULT_TEMPLATES_DIR) && (await precompiled(name))) || (await compileFile(dir, file, name));
  return (context) => {
    try {
      return compiled(context);
    } catch (error) {
      throw new DvpkgError('DVPKG_TEMPLATE_INVALID', `${displayPath(file)}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
}

/**
 * `npm run build` precompiles the shipped templates (scripts/bundle.mjs): compiling them at
 * run time is a tenth of a build's time. Templates from --templates are compiled as read.
 */
async function precompiled(name: string): Promise<Template | undefined> {
  try {
    const spec = (await import(pathToFileURL(path.join(PRECOMPILED_TEMPLATES_DIR, `${name}.js`)).href)) as { default: TemplateSpecification };
    return runtime.template(spec.default);
  } catch {
    return undefined;
  }
}

type TemplateSpecification = Parameters<typeof runtime.template>[0];

async function compileFile(dir: string, file: string, name: string): Promise<Template> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new DvpkgError('DVPKG_TEMPLATE_INVALID', `--templates ${displayPath(dir)}: missing template ${name} (${fileErrorReason(error)})`);
  }
  // Only templates from --templates need the compiler.
  const handlebars = withHelpers((await import('handlebars')).default.create());
  try {
    handlebars.parse(source);
  } catch (error) {
    throw new DvpkgError('DVPKG_TEMPLATE_INVALID', `${displayPath(file)}: not a valid Handlebars template (${(error as Error).message.split('\n')[0]})`);
  }
  return handlebars.compile(source, { strict: true });
}
