// Builds dist/: the library modules transpiled one for one (the package's `exports`, the demo),
// the CLI bundle (dist/bin/, one chunk per lazily imported command, so start-up parses only what a
// command uses) and the deploy runner (dist/runner/deploy.mjs, one self-contained file that needs
// nothing but Node at the subscriber). Type declarations come from `npm run build:types` (tsc),
// which only a published package needs; `npm run typecheck` checks the types.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const outdir = path.join(root, 'dist', 'bin');

// Bundled CommonJS dependencies (yargs, handlebars) call require(); ESM output needs one.
const requireShim = "import { createRequire as __dvpkgCreateRequire } from 'node:module'; const require = __dvpkgCreateRequire(import.meta.url);";

const sources = (await readdir(path.join(root, 'src'), { recursive: true })).map((f) => path.join(root, 'src', f));
await build({
  entryPoints: sources.filter((f) => f.endsWith('.ts')),
  outdir: path.join(root, 'dist'),
  outbase: path.join(root, 'src'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Node 20.10+ reads `import … with { type: 'json' }`; esbuild would drop the attribute for node20.
  supported: { 'import-attributes': true },
  logLevel: 'warning',
});
// JSON data modules are imported as they are, beside the modules that import them.
for (const file of sources.filter((f) => f.endsWith('.json'))) {
  const target = path.join(root, 'dist', path.relative(path.join(root, 'src'), file));
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(file, target);
}

// yargs' ESM build lays help out with cliui's ESM build, which wraps at a fixed column mid-word; cliui's
// CommonJS build wraps on words (wrap-ansi). Resolving cliui as require() makes help break lines between words.
const requireFromRoot = createRequire(path.join(root, 'package.json'));
const cliuiOnWords = {
  name: 'cliui-on-words',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, () => ({ path: requireFromRoot.resolve('cliui') }));
  },
};

// After every command handler yargs lays out that command's whole help text and keeps it for a later
// showHelp() (about 20 ms of wrapping and string widths a run). dvpkg never calls showHelp() after a
// command has run, and its fail() handler prints no help, so the cache is never read: it is not made.
// The text replaced is checked, so a yargs release that changes it fails the build instead of going on.
const CACHE_HELP = 'self.cacheHelpMessage = function () {\n        cachedHelpMessage = this.help();\n    };';
const noHelpCache = {
  name: 'no-help-cache',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]usage\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(CACHE_HELP)) throw new Error(`${args.path}: cacheHelpMessage is not as scripts/bundle.mjs expects; check the no-help-cache plugin against this yargs`);
      return { contents: source.replace(CACHE_HELP, 'self.cacheHelpMessage = function () {};'), loader: 'js' };
    });
  },
};

// The CLI bundle is built beside dist/bin and swapped in, so a failed build leaves the last good one.
const staging = `${outdir}.${process.pid}.tmp`;
await rm(staging, { recursive: true, force: true });
await build({
  entryPoints: { dvpkg: path.join(root, 'src', 'programs', 'cli', 'main.ts') },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  banner: { js: requireShim },
  plugins: [cliuiOnWords, noHelpCache],
  logLevel: 'warning',
});
await rm(outdir, { recursive: true, force: true });
await rename(staging, outdir);

// The `deploy.mjs --ui` page: a script for the browser and its styles. They go into deploy.mjs as strings
// (in place of ui/page-assets.ts, which reads them from dist/runner/ui/ when the runner runs from source).
const pageDir = path.join(root, 'src', 'programs', 'runner', 'ui', 'page');
const pageBuild = { bundle: true, minify: true, write: false, legalComments: 'none', logLevel: 'warning' };
const [pageScript, pageStyles] = await Promise.all([
  build({ ...pageBuild, entryPoints: [path.join(pageDir, 'main.ts')], platform: 'browser', format: 'iife', target: 'es2020' }),
  build({ ...pageBuild, entryPoints: [path.join(pageDir, 'styles.css')], loader: { '.css': 'css' } }),
]).then((results) => results.map((r) => r.outputFiles[0].text));
const pageOut = path.join(root, 'dist', 'runner', 'ui');
await mkdir(pageOut, { recursive: true });
await writeFile(path.join(pageOut, 'app.js'), pageScript);
await writeFile(path.join(pageOut, 'app.css'), pageStyles);
const inlinePage = {
  name: 'inline-ui-page',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]ui[\\/]page-assets\.ts$/ }, () => ({
      contents: `export async function pageAssets() { return ${JSON.stringify({ script: pageScript, styles: pageStyles })}; }`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [path.join(root, 'src', 'programs', 'runner', 'main.ts')],
  plugins: [inlinePage],
  outfile: path.join(root, 'dist', 'runner', 'deploy.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'eof',
  banner: { js: `#!/usr/bin/env node\n${requireShim}` },
  logLevel: 'warning',
});

// The shipped templates, precompiled with the same options src/render/templates.ts compiles with.
const Handlebars = createRequire(import.meta.url)('handlebars');
const templatesOut = path.join(root, 'dist', 'templates');
await rm(templatesOut, { recursive: true, force: true });
await mkdir(templatesOut, { recursive: true });
for (const name of (await readdir(path.join(root, 'templates'))).filter((n) => n.endsWith('.hbs'))) {
  const spec = Handlebars.precompile(await readFile(path.join(root, 'templates', name), 'utf8'), { strict: true });
  await writeFile(path.join(templatesOut, `${name}.js`), `export default ${spec};\n`);
}
