import { expect } from 'chai';
import JSZip from 'jszip';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { rawZip } from '../support/raw-zip.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runNode, type RunResult } from '../support/cli.js';
import { buildSamplePackage, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { REPO_ROOT } from '../support/paths.js';
import { unpackedSolutionXml, validRole, validSolution } from '../support/spec-builders.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';
import { BASE_ZIP, KUDOS_ZIP, PD_PROJECT, PDPKG } from '../support/whole-app-package.js';
import { adminSignIn, solutionZip, waitFor, webApi } from '../emulator/helpers.js';

/**
 * Issue 6, item 4: a corpus of bad inputs for every reader dvpkg has. Each case asserts the documented
 * exit code (or HTTP status and Dataverse error code), a message that names what is wrong, no stack
 * trace, and that nothing partial is written.
 */

const BIN = path.join(REPO_ROOT, 'bin', 'dvpkg.js');
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
const GUID = '6a0c1f2e-3b4d-4c5e-8f60-718293a4b5c6';
const SECRET = 'S3cr3t-bad-input-canary-value';

let tried = 0;

// ---------------------------------------------------------------------------------------------
// Inputs

/** Names of every file under `dir`; none when `dir` does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function half(text: string): string;
function half(data: Buffer): Buffer;
function half(value: string | Buffer): string | Buffer {
  return value.slice(0, Math.floor(value.length / 2));
}
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function jsonSpec(files: Record<string, string | Buffer | object> = {}): Record<string, string | Buffer | object> {
  return { 'solution.json': validSolution(), 'roles/reader.json': validRole(), ...files };
}

const SOLUTION_XML = unpackedSolutionXml({ uniqueName: 'ContosoRoles', displayName: 'Contoso Roles', version: '1.0.0.0' });
const roleXml = (name = 'Contoso Reader', level = 'Global', id = `{${GUID}}`) =>
  `<?xml version="1.0" encoding="utf-8"?>
<Role id="${id}" name="${name}">
  <IsCustomizable>1</IsCustomizable>
  <RolePrivileges>
    <RolePrivilege name="prvReadAccount" level="${level}" />
  </RolePrivileges>
</Role>
`;
const withoutProlog = (xml: string) => xml.replace(/^\ufeff?<\?xml[^>]*>\s*/, '');
const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
`;
const EXTERNAL_ENTITY = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n';

/** A SolutionPackager tree (`pac solution unpack`), with some of its files replaced or removed (null). */
function unpackedTree(files: Record<string, string | null> = {}): Record<string, string> {
  const tree: Record<string, string | null> = {
    'Other/Solution.xml': SOLUTION_XML,
    'Other/Customizations.xml': '<ImportExportXml><Roles /></ImportExportXml>\n',
    'Roles/Reader.xml': roleXml(),
    ...files,
  };
  return Object.fromEntries(Object.entries(tree).filter((entry): entry is [string, string] => entry[1] !== null));
}

/**
 * A tree that holds more than roles: a user-owned and an organization-owned custom table next to
 * its role, which `privileges` replaces.
 */
function appTree(privileges?: Record<string, string>, files: Record<string, string | null> = {}): Record<string, string> {
  const roots = `<RootComponents>
      <RootComponent type="1" schemaName="contoso_widget" behavior="0" />
      <RootComponent type="1" schemaName="contoso_setting" behavior="0" />
      <RootComponent type="20" id="{${GUID}}" behavior="0" />
    </RootComponents>
  </SolutionManifest>`;
  const entity = (name: string, ownership: string) =>
    `<Entity><Name>${name}</Name><EntityInfo><entity Name="${name}"><OwnershipTypeMask>${ownership}</OwnershipTypeMask><IsActivity>0</IsActivity></entity></EntityInfo></Entity>\n`;
  const role = privileges
    ? roleXml().replace(/<RolePrivileges>[\s\S]*<\/RolePrivileges>/, `<RolePrivileges>${Object.entries(privileges).map(([n, l]) => `<RolePrivilege name="${n}" level="${l}" />`).join('')}</RolePrivileges>`)
    : roleXml();
  return unpackedTree({
    'Other/Solution.xml': SOLUTION_XML.replace('</SolutionManifest>', roots),
    'Entities/contoso_Widget/Entity.xml': entity('contoso_Widget', 'UserOwned'),
    'Entities/contoso_Setting/Entity.xml': entity('contoso_Setting', 'OrgOwned'),
    'Roles/Reader.xml': role,
    ...files,
  });
}

async function zipOf(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, data] of Object.entries(entries)) zip.file(name, data);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}


// ---------------------------------------------------------------------------------------------
// Command-line cases: dvpkg build/check/verify/emulator and the deploy runner

interface Invocation {
  tool: 'dvpkg' | 'runner';
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The runner's package folder (its working directory). */
  packageDir?: string;
  /** Folders that must hold no file afterwards (build --out). */
  noFilesIn?: string[];
  /** Files that must not exist afterwards (verify --report/--junit, the runner's --report when it never started). */
  absent?: string[];
  /** The runner's --report: written on failure by design, so it must be complete JSON of this run. */
  report?: string;
  /** Text that must appear nowhere in the output. */
  neverShown?: string[];
}

interface CliCase {
  name: string;
  given: (dir: string) => Promise<Invocation>;
  exit: number;
  /** The error code printed as `[CODE]`. */
  code: string;
  message: RegExp;
}

/** No Azure SDK variables from the developer's shell: each case sets what it means to. */
const CLEAN_ENV: NodeJS.ProcessEnv = { AZURE_CLIENT_ID: undefined, AZURE_TENANT_ID: undefined, AZURE_CLIENT_SECRET: undefined, AZURE_CLIENT_CERTIFICATE_PATH: undefined, DVPKG_CLIENT_SECRET: undefined, DVPKG_DEBUG: undefined };

let pkg: BuiltPackage;
let deadPort = 0;

const dvpkg = (args: string[], more: Omit<Invocation, 'tool' | 'args'> = {}): Invocation => ({ tool: 'dvpkg', args, ...more });

async function build(dir: string, tree: Record<string, string | Buffer | object>, extra: string[] = [], command = 'build'): Promise<Invocation> {
  const src = await writeTree(path.join(dir, 'src'), tree);
  const out = path.join(dir, 'out');
  return dvpkg([command, '--src', src, ...(command === 'build' ? ['--out', out] : []), ...extra], { noFilesIn: [out] });
}
const check = (dir: string, tree: Record<string, string | Buffer | object>, extra: string[] = []) => build(dir, tree, extra, 'check');

async function verify(dir: string, args: string[], env: NodeJS.ProcessEnv = { AZURE_CLIENT_SECRET: SECRET }): Promise<Invocation> {
  const report = path.join(dir, 'verify.json');
  const junit = path.join(dir, 'verify.xml');
  return dvpkg(['verify', ...args, '--report', report, '--junit', junit], { env, absent: [report, junit] });
}
const https = 'https://contoso.crm.dynamics.com';

async function verifyPackage(dir: string, file: string, content: Buffer | string): Promise<Invocation> {
  const location = path.join(dir, file);
  await writeFile(location, content);
  return verify(dir, ['--org', https, '--package', location]);
}

const manifestText = () => readFile(path.join(pkg.dir, 'manifest.json'), 'utf8');
const manifestWith = async (change: (m: Record<string, unknown>) => void) => {
  const manifest = JSON.parse(await manifestText()) as Record<string, unknown>;
  change(manifest);
  return json(manifest);
};

/** The runner, run in the sample package as the admin would; flags only, so the package is shared. */
function runner(args: string[], more: Omit<Invocation, 'tool' | 'args'> = {}): Invocation {
  return { tool: 'runner', args, packageDir: pkg.dir, ...more };
}

/** The runner in its own copy of the package, changed by `damage`; it reports to --report. */
async function damagedRunner(dir: string, damage: (packageDir: string) => Promise<void>): Promise<Invocation> {
  const copy = path.join(dir, 'package');
  await cp(pkg.dir, copy, { recursive: true });
  await damage(copy);
  const report = path.join(dir, 'report.json');
  return { tool: 'runner', args: ['--org', `http://127.0.0.1:${deadPort}/orgs/contoso`, '--yes', '--report', report], packageDir: copy, report };
}

/**
 * deploy.mjs carries the sha256 of its manifest, so an edited manifest stops at the integrity check.
 * Stamping the edited manifest's hash in its place reaches the manifest reader behind that check, as
 * a package built damaged would.
 */
async function writeStampedManifest(packageDir: string, text: string): Promise<void> {
  const runnerFile = path.join(packageDir, 'deploy.mjs');
  const stamp = createHash('sha256').update(await readFile(path.join(packageDir, 'manifest.json'))).digest('hex');
  const runnerText = await readFile(runnerFile, 'latin1');
  expect(runnerText.split(stamp)).to.have.length(2, 'deploy.mjs holds its manifest hash once');
  await writeFile(runnerFile, runnerText.replace(stamp, createHash('sha256').update(text).digest('hex')), 'latin1');
  await writeFile(path.join(packageDir, 'manifest.json'), text);
}

const solutionZipName = () => path.basename(pkg.dir).replace(/_deploy$/, '_managed.zip');

// Included solutions (issue 11): the real Kudos fixtures, damaged or mislabelled copies in the spec folder

type Tree = Record<string, string | Buffer | object>;
const fixture = (() => {
  const cache = new Map<string, Promise<Buffer>>();
  return (file: string) => {
    if (!cache.has(file)) cache.set(file, readFile(file));
    return cache.get(file)!;
  };
})();
/** A copy of `zipFile` changed by `change` (JSZip rewrites it). */
async function rezipped(zipFile: string, change: (zip: JSZip) => Promise<void> | void): Promise<Buffer> {
  const zip = await JSZip.loadAsync(await fixture(zipFile));
  await change(zip);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
/** A copy of a real zip with one field of `entry`'s central-directory record changed (PKWARE APPNOTE 4.3.12: flags at 8, CRC-32 at 16). */
async function withDirectoryField(zipFile: string, entry: string, field: { at: number; bytes: 2 | 4 }, change: (value: number) => number): Promise<Buffer> {
  const zip = Buffer.from(await fixture(zipFile));
  for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at !== -1; at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    const name = zip.subarray(at + 46, at + 46 + zip.readUInt16LE(at + 28)).toString('utf8');
    if (name !== entry) continue;
    if (field.bytes === 2) zip.writeUInt16LE(change(zip.readUInt16LE(at + field.at)) & 0xffff, at + field.at);
    else zip.writeUInt32LE(change(zip.readUInt32LE(at + field.at)) >>> 0, at + field.at);
    return zip;
  }
  throw new Error(`${zipFile} has no entry ${entry}`);
}
/** A JSON spec whose solution.json lists `solutions`, with `files` beside it. */
const includingSpec = (solutions: unknown, files: Tree = {}): Tree => jsonSpec({ 'solution.json': validSolution({ solutions }), ...files });
/** The `pac package init` project of the fixtures, with its .csproj's `..\..\Solutions\…` zips placed as given. */
async function pdProject(zips: Record<string, string>): Promise<Tree> {
  const tree: Tree = {};
  for (const name of ['mpa_Kudos.DeploymentPackage.csproj', 'PkgAssets/ImportConfig.xml', 'PkgAssets/manifest.ppkg.json']) tree[`DeploymentPackages/mpa_Kudos/${name}`] = await readFile(path.join(PD_PROJECT, name));
  for (const [name, file] of Object.entries(zips)) tree[`Solutions/${name}/bin/Release/${name}_managed.zip`] = await fixture(file);
  return tree;
}
/** The same bad input given to `build` (nothing may land in --out) and to `check`. */
function buildAndCheck(name: string, tree: () => Promise<Tree>, message: RegExp): CliCase[] {
  return (['build', 'check'] as const).map((command) => ({ name: `${name} (${command})`, given: async (d: string) => build(d, await tree(), [], command), exit: 2, code: 'DVPKG_SPEC_INVALID', message }));
}

const CLI_CASES: Record<string, CliCase[]> = {
  'dvpkg build / check: JSON spec': [
    { name: 'solution.json with a syntax error', given: (d) => build(d, jsonSpec({ 'solution.json': '{ "uniqueName": "ContosoRoles",, }' })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json:1:\d+: \(missing\): expected valid JSON/ },
    { name: 'solution.json cut in half', given: (d) => build(d, jsonSpec({ 'solution.json': half(json(validSolution())) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json:\d+:\d+: \(missing\): expected valid JSON/ },
    { name: 'role file cut in half', given: (d) => build(d, jsonSpec({ 'roles/reader.json': half(json(validRole())) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /roles[\\/]reader\.json:\d+:\d+: \(missing\): expected valid JSON/ },
    { name: 'a bare word where a value goes', given: (d) => check(d, jsonSpec({ 'roles/reader.json': '{\n  "name": "R",\n  "privileges": nope\n}\n' })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /roles[\\/]reader\.json:3:18: \(missing\): expected valid JSON \(Unexpected token 'o'\)/ },
    { name: 'empty solution.json', given: (d) => check(d, jsonSpec({ 'solution.json': '' })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json:1:1: \(missing\): expected valid JSON/ },
    { name: 'role file in UTF-16', given: (d) => check(d, jsonSpec({ 'roles/reader.json': Buffer.from(`\ufeff${json(validRole())}`, 'utf16le') })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /roles[\\/]reader\.json:1:1: \(missing\): expected valid JSON \(Unexpected token/ },
    { name: 'solution.json is a folder', given: async (d) => { await mkdir(path.join(d, 'src', 'solution.json', 'x'), { recursive: true }); return check(d, { 'roles/reader.json': validRole() }); }, exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: \(missing\): expected a readable file \(it is a folder\)/ },
    { name: 'solution.json is an array', given: (d) => check(d, jsonSpec({ 'solution.json': '[]' })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: \[\]: expected a JSON object/ },
    { name: 'role file nested 100,000 deep', given: (d) => check(d, jsonSpec({ 'roles/reader.json': `${'['.repeat(100_000)}${']'.repeat(100_000)}` })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /roles[\\/]reader\.json: \[\.\.\.\]: expected a JSON object/ },
    { name: 'uniqueName of the wrong type', given: (d) => check(d, jsonSpec({ 'solution.json': validSolution({ uniqueName: 42 }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: uniqueName: 42: expected letters, digits and _/ },
    { name: 'optionValuePrefix as a string', given: (d) => check(d, jsonSpec({ 'solution.json': validSolution({ publisher: { uniqueName: 'contoso', displayName: 'Contoso', prefix: 'contoso', optionValuePrefix: '12345' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: publisher\.optionValuePrefix: "12345": expected an integer from 10000 to 99999/ },
    { name: 'privileges as an array', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: ['prvReadAccount'] }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges: \["prvReadAccount"\]: expected an object mapping privilege names to levels/ },
    { name: 'customizable as a string', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ customizable: 'yes' }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: customizable: "yes": expected true or false/ },
    { name: 'missing publisher', given: (d) => { const solution = validSolution(); delete solution['publisher']; return build(d, jsonSpec({ 'solution.json': solution })); }, exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: publisher: \(missing\): expected an object with uniqueName/ },
    { name: 'role without a name', given: (d) => { const role = validRole(); delete role['name']; return build(d, jsonSpec({ 'roles/reader.json': role })); }, exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: name: \(missing\): expected a non-empty role name/ },
    { name: 'role without privileges', given: (d) => { const role = validRole(); delete role['privileges']; return check(d, jsonSpec({ 'roles/reader.json': role })); }, exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges: \(missing\): expected an object mapping/ },
    { name: 'no roles folder', given: (d) => check(d, { 'solution.json': validSolution() }), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /roles: \(missing\): expected a roles\/ folder with at least one role file/ },
    { name: 'app.adminClientId not a GUID', given: (d) => build(d, jsonSpec({ 'solution.json': validSolution({ app: { clientId: '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d', name: 'Contoso App', adminClientId: 'contoso-admin' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: app\.adminClientId: "contoso-admin": expected the client id \(GUID\) of your multi-tenant public client for admin sign-in/ },
    { name: 'app.clientId not a GUID', given: (d) => build(d, jsonSpec({ 'solution.json': validSolution({ app: { clientId: '8d3b5f2a-6c1e-4f7a-9b2d', name: 'Contoso App' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: app\.clientId: "8d3b5f2a-6c1e-4f7a-9b2d": expected the app registration \(client\) id, a GUID/ },
    { name: 'role id not a GUID', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ id: '{not-a-guid}' }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: id: "\{not-a-guid\}": expected a GUID/ },
    { name: 'role id with an unpaired brace', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ id: `{${GUID}` }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: new RegExp(`reader\\.json: id: "\\{${GUID}": expected a GUID`) },
    { name: 'publisher prefix of 10 characters', given: (d) => check(d, jsonSpec({ 'solution.json': validSolution({ publisher: { uniqueName: 'contoso', displayName: 'Contoso', prefix: 'contoso123', optionValuePrefix: 12345 } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: publisher\.prefix: "contoso123": expected at most 8 characters \(got 10\)/ },
    { name: 'uniqueName of 66 characters', given: (d) => check(d, jsonSpec({ 'solution.json': validSolution({ uniqueName: 'A'.repeat(66) }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: uniqueName: "A{66}": expected at most 65 characters \(got 66\)/ },
    { name: 'role name of 101 characters', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ name: 'R'.repeat(101) }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: name: "R{101}": expected at most 100 characters \(got 101\)/ },
    { name: 'privilege name one letter off', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { prvReadAcount: 'Global' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.prvReadAcount: "prvReadAcount": expected a privilege name Dataverse defines \(did you mean prvReadAccount\?\)/ },
    { name: 'privilege unknown to the catalog, with --strict', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { prvFlyToMoon: 'Global' } }) }), ['--strict']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: [^\n]*reader\.json: privileges\.prvFlyToMoon: "prvFlyToMoon": expected a privilege the built-in catalog lists/ },
    { name: 'privilege name without the prv form', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { readAccount: 'Global' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.readAccount: "readAccount": expected a privilege name: "prv" \+ capitalised verb/ },
    { name: 'unknown level', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { prvReadContact: 'Sometimes' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.prvReadContact: "Sometimes": expected one of Basic, Local, Deep, Global/ },
    { name: 'level as a number', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { prvReadAccount: 4 } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.prvReadAccount: 4: expected one of Basic, Local, Deep, Global/ },
    { name: 'level the catalog rules out', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { prvReadSolution: 'Basic' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.prvReadSolution: "Basic": prvReadSolution allows only Global$/m },
    { name: 'the same privilege twice', given: (d) => check(d, jsonSpec({ 'roles/reader.json': '{ "name": "R", "privileges": { "prvReadAccount": "Global", "prvReadAccount": "Deep" } }' })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.prvReadAccount: \(missing\): expected each privilege once/ },
    { name: 'version of two parts', given: (d) => build(d, jsonSpec({ 'solution.json': validSolution({ version: '1.0' }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /solution\.json: version: "1\.0": expected four numeric parts/ },
    { name: 'system table named by its logical name', given: (d) => check(d, jsonSpec({ 'roles/reader.json': validRole({ privileges: { prvReadSystemUser: 'Global' } }) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /reader\.json: privileges\.prvReadSystemUser: "prvReadSystemUser": expected a privilege name Dataverse defines: the privileges of table systemuser are named after User[^\n]*\(did you mean prvReadUser\?\)/ },
    { name: '--roles-only with a JSON spec', given: (d) => build(d, jsonSpec(), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: --roles-only: true: expected an unpacked solution as --src \(Other\/Solution\.xml\); a JSON spec already builds roles only/ },
  ],

  'dvpkg build / check: unpacked solution': [
    { name: 'tree without Other/Solution.xml', given: (d) => build(d, unpackedTree({ 'Other/Solution.xml': null })), exit: 2, code: 'DVPKG_INPUT_NOT_FOUND', message: /--src .*src: found neither solution\.json \(dvpkg JSON spec\) nor Other\/Solution\.xml/ },
    { name: 'tree without Other/Customizations.xml', given: (d) => build(d, unpackedTree({ 'Other/Customizations.xml': null })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Other[\\/]Customizations\.xml: \(missing\): expected a readable file \(there is no file there\)/ },
    { name: 'role XML with a mismatched end tag', given: (d) => build(d, unpackedTree({ 'Roles/Reader.xml': roleXml().replace('level="Global" />', 'level="Global">') })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:6:3: \(missing\): expected well-formed XML \(expected <\/RolePrivilege> \(to close the <RolePrivilege> at line 5, column 5\), found <\/RolePrivileges>\)/ },
    { name: 'role XML with "billion laughs" entities', given: (d) => build(d, unpackedTree({ 'Roles/Reader.xml': BILLION_LAUGHS + withoutProlog(roleXml('&lol4;')) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:2:1: \(missing\): expected well-formed XML \(XML with a DOCTYPE is not accepted/ },
    { name: 'role XML with an external entity', given: async (d) => ({ ...(await build(d, unpackedTree({ 'Roles/Reader.xml': EXTERNAL_ENTITY + withoutProlog(roleXml('&xxe;')) }))), neverShown: ['root:x:0'] }), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:2:1: \(missing\): expected well-formed XML \(XML with a DOCTYPE is not accepted/ },
    { name: 'role XML using an undeclared entity', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': roleXml('&xxe;') })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:2:\d+: \(missing\): expected well-formed XML \("&xxe;" is not a defined entity/ },
    { name: 'role XML with a reference to no character', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': roleXml('R&#99999999;') })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:2:\d+: \(missing\): expected well-formed XML \("&#99999999;" is not a defined entity/ },
    { name: 'Solution.xml cut in half', given: (d) => check(d, unpackedTree({ 'Other/Solution.xml': half(SOLUTION_XML) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Other[\\/]Solution\.xml:\d+:\d+: \(missing\): expected well-formed XML \(the document ends [^\n]*before <ImportExportXml>, <SolutionManifest>.* closed \(is the file cut short\?\)\)/ },
    { name: 'role XML cut in half', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': half(roleXml()) })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:\d+:\d+: \(missing\): expected well-formed XML \(the document ends [^\n]*before <Role> is closed \(is the file cut short\?\)\)/ },
    { name: 'empty role XML', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': '' })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:1:1: \(missing\): expected well-formed XML \(expected a root element, found none\)/ },
    { name: 'role XML with two root elements', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': `${roleXml()}<Role id="{${GUID}}" name="Contoso Admin" />\n` })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:8:1: \(missing\): expected well-formed XML \(expected one root element, found a second one, <Role>, after <Role>\)/ },
    { name: 'role XML with text after the root element', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': `${roleXml()}trailing\n` })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml:8:1: \(missing\): expected well-formed XML \(expected only comments, processing instructions and whitespace after the root element <Role>, found text "trailing"\)/ },
    { name: 'role XML with a bad id and level', given: (d) => check(d, unpackedTree({ 'Roles/Reader.xml': roleXml('Contoso Reader', 'Always', 'nope') })), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml: id: "nope": expected a GUID[\s\S]*Roles[\\/]Reader\.xml: privileges\.prvReadAccount: "Always": expected one of Basic/ },
    { name: '--client-id that is not a GUID', given: (d) => build(d, unpackedTree(), ['--client-id', 'nope', '--app-name', 'Contoso App']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: --client-id: "nope": expected the app registration \(client\) id, a GUID/ },
    { name: 'tree with tables besides its role (no --roles-only)', given: (d) => build(d, appTree()), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Other[\\/]Solution\.xml: RootComponents\.RootComponent\[0\]: "table contoso_widget": expected only security roles[^\n]*or pass --roles-only[\s\S]*RootComponent\[1\]: "table contoso_setting"/ },
    { name: 'same, with check', given: (d) => check(d, appTree()), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /RootComponents\.RootComponent\[1\]: "table contoso_setting": expected only security roles/ },
    { name: 'role listed in Solution.xml with no role file', given: (d) => build(d, appTree(undefined, { 'Roles/Reader.xml': roleXml('Contoso Reader', 'Global', '{11111111-2222-4333-8444-555555555555}') }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: new RegExp(`RootComponents\\.RootComponent\\[2\\]: "security role \\{${GUID}\\}": expected a role with this id in Roles/\\*\\.xml`) },
    { name: 'misspelled privilege of a table the tree defines', given: (d) => build(d, appTree({ prvReadcontoso_Widgte: 'Basic' }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Roles[\\/]Reader\.xml: privileges\.prvReadcontoso_Widgte: "prvReadcontoso_Widgte": expected a privilege of a table this solution defines \(did you mean prvReadcontoso_Widget\?\)/ },
    { name: 'Assign on an organization-owned table', given: (d) => check(d, appTree({ prvAssigncontoso_Setting: 'Global' }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Reader\.xml: privileges\.prvAssigncontoso_Setting: "prvAssigncontoso_Setting": expected a privilege table contoso_Setting has: it is organization-owned, so it has no Assign or Share privilege/ },
    { name: 'Basic on an organization-owned table', given: (d) => build(d, appTree({ prvReadcontoso_Setting: 'Basic' }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Reader\.xml: privileges\.prvReadcontoso_Setting: "Basic": prvReadcontoso_Setting allows only Global \(table contoso_Setting is organization-owned\)/ },
    { name: 'system table named by its logical name', given: (d) => build(d, appTree({ prvWriteAnnotation: 'Basic' }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Reader\.xml: privileges\.prvWriteAnnotation: "prvWriteAnnotation": expected a privilege name Dataverse defines: the privileges of table annotation are named after Note[^\n]*\(did you mean prvWriteNote\?\)/ },
    { name: 'Entity.xml cut in half', given: (d) => build(d, appTree(undefined, { 'Entities/contoso_Widget/Entity.xml': '<Entity><EntityInfo><entity Name="contoso_Widget">' }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Entities[\\/]contoso_Widget[\\/]Entity\.xml:1:51: \(missing\): expected well-formed XML \(the document ends before <Entity>, <EntityInfo>, <entity> are closed \(is the file cut short\?\)\)/ },
    { name: '--unique-name that is not a name', given: (d) => build(d, appTree(), ['--roles-only', '--unique-name', 'Contoso Roles']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: --unique-name: "Contoso Roles": expected letters, digits and _, starting with a letter/ },
    { name: '--unique-name equal to the source\'s', given: (d) => build(d, appTree(), ['--roles-only', '--unique-name', 'contosoroles']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: --unique-name: "contosoroles": expected a unique name other than the source's \(ContosoRoles\)/ },
    { name: '--unique-name without --roles-only', given: (d) => check(d, unpackedTree(), ['--unique-name', 'ContosoSecurity']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: --unique-name: "ContosoSecurity": expected to be given with --roles-only/ },
    { name: '--unique-name given without a value', given: (d) => build(d, appTree(), ['--roles-only', '--unique-name']), exit: 2, code: 'DVPKG_USAGE', message: /Not enough arguments following: unique-name/ },
    { name: '--roles-only whose <UniqueName>Roles is too long', given: (d) => build(d, appTree(undefined, { 'Other/Solution.xml': SOLUTION_XML.replace('<UniqueName>ContosoRoles</UniqueName>', `<UniqueName>C${'o'.repeat(61)}</UniqueName>`) }), ['--roles-only']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /Other[\\/]Solution\.xml: UniqueName: "Co{61}Roles": expected a role solution name that is at most 65 characters \(got 67\) \(pass --unique-name\)/ },
  ],

  'dvpkg build / check: included solutions ("solutions" in solution.json)': [
    ...buildAndCheck('solution zip cut in half', async () => includingSpec(['solutions/base_managed.zip'], { 'solutions/base_managed.zip': half(await fixture(BASE_ZIP)) }), /solutions[\\/]base_managed\.zip: \(missing\): expected a readable solution zip: not a zip file \(no end-of-central-directory record; is the file cut short\?\)/),
    ...buildAndCheck('text file named .zip', async () => includingSpec(['solutions/base_managed.zip'], { 'solutions/base_managed.zip': 'Export the solution as managed and put the zip here.\n' }), /solutions[\\/]base_managed\.zip: \(missing\): expected a readable solution zip: not a zip file \(it does not start with a zip signature\)/),
    ...buildAndCheck('unmanaged solution zip (<Managed>0</Managed>)', async () => includingSpec(['solutions/base_managed.zip'], { 'solutions/base_managed.zip': await rezipped(BASE_ZIP, async (zip) => { zip.file('solution.xml', (await zip.file('solution.xml')!.async('string')).replace('<Managed>1</Managed>', '<Managed>0</Managed>')); }) }), /solutions[\\/]base_managed\.zip: solution\.xml: Managed: "mpa_EmployeeExperienceBase \(unmanaged\)": expected a managed solution \(<Managed>1<\/Managed>\)[^\n]*\(export mpa_EmployeeExperienceBase again as managed\)/),
    ...buildAndCheck('the same solution listed twice (two copies)', async () => includingSpec(['solutions/base_managed.zip', 'solutions/copy_managed.zip'], { 'solutions/base_managed.zip': await fixture(BASE_ZIP), 'solutions/copy_managed.zip': await fixture(BASE_ZIP) }), /solutions[\\/]copy_managed\.zip: solution\.xml: UniqueName: "mpa_EmployeeExperienceBase": expected each solution once \([^\n]*solutions[\\/]base_managed\.zip is mpa_EmployeeExperienceBase 1\.0\.0\.16 too\)/),
    ...buildAndCheck('the same zip listed twice', async () => includingSpec(['solutions/base_managed.zip', 'solutions/base_managed.zip'], { 'solutions/base_managed.zip': await fixture(BASE_ZIP) }), /expected each solution once \(this file is listed twice\)[\s\S]*solution\.json: solutions\[1\]: "[^"\n]*base_managed\.zip": expected a solution file named unlike the others in the package/),
    ...buildAndCheck('the two solutions in the wrong order', async () => includingSpec(['solutions/kudos_managed.zip', 'solutions/base_managed.zip'], { 'solutions/base_managed.zip': await fixture(BASE_ZIP), 'solutions/kudos_managed.zip': await fixture(KUDOS_ZIP) }), /solutions[\\/]kudos_managed\.zip: import order: "mpa_Kudos, mpa_EmployeeExperienceBase": expected mpa_Kudos after mpa_EmployeeExperienceBase, which it requires \(list them in this order: mpa_EmployeeExperienceBase, mpa_Kudos\)/),
    ...buildAndCheck('solution zip with a "../evil.xml" entry', async () => includingSpec(['solutions/base_managed.zip'], { 'solutions/base_managed.zip': await rezipped(BASE_ZIP, (zip) => void zip.file('../evil.xml', '<evil />')) }), /solutions[\\/]base_managed\.zip: \(missing\): expected a readable solution zip: entry "\.\.\/evil\.xml" points outside the zip/),
    ...buildAndCheck('solution zip whose customizations.xml does not match its CRC-32', async () => includingSpec(['solutions/base_managed.zip'], { 'solutions/base_managed.zip': await withDirectoryField(BASE_ZIP, 'customizations.xml', { at: 16, bytes: 4 }, (crc) => crc ^ 0xff) }), /solutions[\\/]base_managed\.zip: \(missing\): expected a readable solution zip: customizations\.xml is damaged \(its size or checksum differs from the zip's directory\)/),
    ...buildAndCheck('solution zip with an encrypted entry', async () => includingSpec(['solutions/base_managed.zip'], { 'solutions/base_managed.zip': await withDirectoryField(BASE_ZIP, 'solution.xml', { at: 8, bytes: 2 }, (flags) => flags | 0x1) }), /solutions[\\/]base_managed\.zip: \(missing\): expected a readable solution zip: entry "solution\.xml" is encrypted/),
    ...buildAndCheck('a path that does not exist', async () => includingSpec(['solutions/nope_managed.zip']), /solution\.json: solutions\[0\]: "solutions\/nope_managed\.zip": expected a managed solution zip, a Package Deployer project folder or a \.pdpkg\.zip \(there is nothing at [^\n]*nope_managed\.zip\)/),
    ...buildAndCheck('Package Deployer project whose PdSolution file is missing', async () => includingSpec(['DeploymentPackages/mpa_Kudos'], await pdProject({ mpa_Kudos: KUDOS_ZIP })), /mpa_Kudos\.DeploymentPackage\.csproj:20: PdSolution\.Include: "\.\.\\\\\.\.\\\\Solutions\\\\mpa_EmployeeExperienceBase\\\\bin\\\\Release\\\\mpa_EmployeeExperienceBase_managed\.zip": expected an existing solution zip \(there is no file at [^\n]*mpa_EmployeeExperienceBase_managed\.zip\)/),
    ...buildAndCheck('folder with no .csproj', async () => includingSpec(['DeploymentPackages/mpa_Kudos'], { 'DeploymentPackages/mpa_Kudos/PkgAssets/ImportConfig.xml': await readFile(path.join(PD_PROJECT, 'PkgAssets', 'ImportConfig.xml')) }), /DeploymentPackages[\\/]mpa_Kudos: \(missing\): expected one \.csproj file \(a `pac package init` project\)/),
    ...buildAndCheck('.pdpkg.zip without ImportConfig.xml', async () => includingSpec(['built/kudos.pdpkg.zip'], { 'built/kudos.pdpkg.zip': await rezipped(PDPKG, (zip) => void zip.remove('PkgAssets/ImportConfig.xml')) }), /built[\\/]kudos\.pdpkg\.zip: \(missing\): expected a Package Deployer package: a folder \(PkgAssets\/\) with ImportConfig\.xml at the zip root, or an AppSource package with package\.zip/),
    ...buildAndCheck('solution zip named .pdpkg.zip', async () => includingSpec(['built/base.pdpkg.zip'], { 'built/base.pdpkg.zip': await fixture(BASE_ZIP) }), /built[\\/]base\.pdpkg\.zip: \(missing\): expected a Package Deployer package: a folder \(PkgAssets\/\) with ImportConfig\.xml at the zip root/),
    ...buildAndCheck('"solutions" that is not a list', async () => includingSpec('solutions/base_managed.zip', { 'solutions/base_managed.zip': await fixture(BASE_ZIP) }), /solution\.json: solutions: "solutions\/base_managed\.zip": expected a list of managed solution zips, Package Deployer projects or packages, in import order/),
    ...buildAndCheck('entry object with an unknown key', async () => includingSpec([{ path: 'solutions/base_managed.zip', overwrite: true }], { 'solutions/base_managed.zip': await fixture(BASE_ZIP) }), /solution\.json: solutions\[0\]\.overwrite: true: expected one of path, overwriteUnmanagedCustomizations, publishWorkflowsAndActivatePlugins/),
  ],

  'dvpkg build / check: templates, flags and folders': [
    { name: '--templates folder that does not exist', given: (d) => build(d, jsonSpec(), ['--templates', path.join(d, 'nope')]), exit: 2, code: 'DVPKG_TEMPLATE_INVALID', message: /--templates .*nope: missing template solution\.xml\.hbs \(there is no file there\)/ },
    {
      name: '--templates with a broken Handlebars template',
      given: async (d) => {
        const templates = path.join(d, 'templates');
        await cp(path.join(REPO_ROOT, 'templates'), templates, { recursive: true });
        await writeFile(path.join(templates, 'customizations.xml.hbs'), '{{#each roles}}<Role>');
        return build(d, jsonSpec(), ['--templates', templates]);
      },
      exit: 2,
      code: 'DVPKG_TEMPLATE_INVALID',
      message: /customizations\.xml\.hbs: not a valid Handlebars template/,
    },
    { name: '--version that is not four numbers', given: (d) => build(d, jsonSpec(), ['--version', 'abc']), exit: 2, code: 'DVPKG_SPEC_INVALID', message: /error: --version: "abc": expected four numeric parts/ },
    { name: '--src with no folder', given: async (d) => dvpkg(['check', '--src', path.join(d, 'nope')]), exit: 2, code: 'DVPKG_INPUT_NOT_FOUND', message: /--src .*nope: not a folder/ },
    { name: '--src folder that holds no spec', given: (d) => build(d, { 'README.md': 'no spec here' }), exit: 2, code: 'DVPKG_INPUT_NOT_FOUND', message: /--src .*src: found neither solution\.json/ },
    { name: '--src given without a value', given: async (d) => dvpkg(['build', '--out', path.join(d, 'out'), '--src'], { noFilesIn: [path.join(d, 'out')] }), exit: 2, code: 'DVPKG_USAGE', message: /Not enough arguments following: src/ },
    {
      name: '--out is a file',
      given: async (d) => {
        const src = await writeTree(path.join(d, 'src'), jsonSpec());
        const out = path.join(d, 'out-file');
        await writeFile(out, 'not a folder');
        return dvpkg(['build', '--src', src, '--out', out]);
      },
      exit: 2,
      code: 'DVPKG_USAGE',
      message: /--out .*out-file: not a folder/,
    },
    { name: '--out given twice', given: (d) => build(d, jsonSpec(), ['--out', path.join(d, 'other')]), exit: 2, code: 'DVPKG_USAGE', message: /--out given 2 times \(.*out, .*other\); give it once/ },
    { name: 'a folder where the solution zip goes', given: async (d) => { await mkdir(path.join(d, 'out', 'ContosoRoles_1_0_0_0_managed.zip'), { recursive: true }); return build(d, jsonSpec()); }, exit: 2, code: 'DVPKG_USAGE', message: /--out .*out: a folder is in the way of ContosoRoles_1_0_0_0_managed\.zip/ },
    {
      name: 'a folder where the package zip goes',
      given: async (d) => { await mkdir(path.join(d, 'out', 'ContosoRoles_1_0_0_0_deploy.zip'), { recursive: true }); return build(d, jsonSpec()); },
      exit: 2,
      code: 'DVPKG_USAGE',
      message: /--out .*out: a folder is in the way of ContosoRoles_1_0_0_0_deploy\.zip/,
    },
    { name: 'unknown flag', given: (d) => build(d, jsonSpec(), ['--sauce', 'x']), exit: 2, code: 'DVPKG_USAGE', message: /--sauce: no such flag/ },
    { name: 'stray positional argument', given: (d) => check(d, jsonSpec(), ['extra']), exit: 2, code: 'DVPKG_USAGE', message: /extra: not a flag \(flags start with --\)/ },
    { name: 'unknown command', given: async () => dvpkg(['deploy']), exit: 2, code: 'DVPKG_USAGE', message: /deploy: no such command \(init, build, check, diff, pull, verify, fleet-report, emulator\); a deploy package deploys itself: node <package folder>\/deploy\.mjs --org <url>/ },
    { name: 'no command', given: async () => dvpkg([]), exit: 2, code: 'DVPKG_USAGE', message: /Name a command: init, build, check, diff, pull, verify, fleet-report, emulator/ },
  ],

  'dvpkg verify': [
    { name: 'missing --org', given: (d) => verify(d, ['--package', pkg.dir]), exit: 2, code: 'DVPKG_USAGE', message: /give --org <url> for one org, or --orgs <file> for many/ },
    { name: 'missing --package', given: (d) => verify(d, ['--org', https]), exit: 2, code: 'DVPKG_USAGE', message: /Missing required argument: package/ },
    { name: '--org that is not a URL', given: (d) => verify(d, ['--org', 'contoso', '--package', pkg.dir]), exit: 2, code: 'DVPKG_USAGE', message: /--org contoso: expected a URL such as https:\/\// },
    { name: '--org over plain http to a remote host', given: (d) => verify(d, ['--org', 'http://contoso.crm.dynamics.com', '--package', pkg.dir]), exit: 2, code: 'DVPKG_USAGE', message: /--org http:\/\/contoso\.crm\.dynamics\.com: expected an https:\/\/ URL/ },
    { name: '--org on a closed loopback port', given: (d) => verify(d, ['--org', `http://127.0.0.1:${deadPort}/orgs/contoso`, '--package', pkg.dir]), exit: 2, code: 'DVPKG_ORG_UNREACHABLE', message: /cannot reach the org at http:\/\/127\.0\.0\.1:\d+\/orgs\/contoso \(ECONNREFUSED\); check --org/ },
    { name: '--authority-host over plain http to a remote host', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--authority-host', 'http://login.example']), exit: 2, code: 'DVPKG_USAGE', message: /--authority-host http:\/\/login\.example: expected an https:\/\/ URL/ },
    { name: '--package that does not exist', given: (d) => verify(d, ['--org', https, '--package', path.join(d, 'nope')]), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*nope: not found/ },
    { name: '--package .zip that is not a zip', given: (d) => verifyPackage(d, 'package.zip', 'not a zip at all'), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*package\.zip: not a readable zip/ },
    { name: '--package .zip cut in half', given: async (d) => verifyPackage(d, 'package.zip', half(await readFile(`${pkg.dir}.zip`))), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*package\.zip: not a readable zip/ },
    { name: '--package .zip without a manifest', given: async (d) => verifyPackage(d, 'package.zip', await zipOf({ 'README.md': 'hello' })), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*package\.zip: has no manifest\.json/ },
    { name: '--package .zip with 151 entries', given: async (d) => verifyPackage(d, 'package.zip', await zipOf({ 'manifest.json': await manifestText(), ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}.txt`, 'x'])) })), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*package\.zip: has 151 entries; a deploy package has a few \(the runner, the manifest, the README and its solution zips\)/ },
    { name: '--package .zip whose manifest inflates to 200 MiB behind a small declared size', given: async (d) => verifyPackage(d, 'package.zip', rawZip([{ name: 'manifest.json', bombMiB: 200, claimedSize: 1000 }])), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*package\.zip: manifest\.json expands to more than \d+ bytes/ },
    { name: 'manifest.json with a syntax error', given: (d) => verifyPackage(d, 'manifest.json', '{ "formatVersion": 1,, }'), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*manifest\.json: manifest\.json is not valid JSON/ },
    { name: 'manifest.json cut in half', given: async (d) => verifyPackage(d, 'manifest.json', half(await manifestText())), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /--package .*manifest\.json: manifest\.json is not valid JSON/ },
    { name: 'manifest.json of format 3', given: async (d) => verifyPackage(d, 'manifest.json', await manifestWith((m) => (m['formatVersion'] = 3))), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /formatVersion: 3: expected 1 or 2/ },
    { name: 'manifest.json with a solution file "../x.zip"', given: async (d) => verifyPackage(d, 'manifest.json', await manifestWith((m) => ((m['solutions'] as Array<Record<string, unknown>>)[0]!['file'] = '../x.zip'))), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /solutions\[0\]\.file: expected a file name in the package folder/ },
    { name: '--tenant that climbs out of the sign-in path', given: (d) => verify(d, ['--org', `http://127.0.0.1:${deadPort}/orgs/contoso`, '--authority-host', `http://127.0.0.1:${deadPort}`, '--package', pkg.dir, '--tenant', '../../common']), exit: 2, code: 'DVPKG_USAGE', message: /--tenant \.\.\/\.\.\/common: expected a tenant id \(GUID\) or domain/ },
    { name: 'AZURE_TENANT_ID with a slash', given: (d) => verify(d, ['--org', https, '--package', pkg.dir], { AZURE_CLIENT_SECRET: SECRET, AZURE_TENANT_ID: 'contoso/common' }), exit: 2, code: 'DVPKG_USAGE', message: /AZURE_TENANT_ID contoso\/common: expected a tenant id \(GUID\) or domain/ },
    { name: '--client-id that is not a GUID', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--client-id', 'nope']), exit: 2, code: 'DVPKG_USAGE', message: /--client-id nope: expected a GUID \(the app's client id\)/ },
    { name: 'no credential at all', given: (d) => verify(d, ['--org', https, '--package', pkg.dir], {}), exit: 2, code: 'DVPKG_USAGE', message: /no app credential: set AZURE_CLIENT_SECRET/ },
    { name: '--certificate that does not exist', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--certificate', path.join(d, 'app.pem')]), exit: 2, code: 'DVPKG_USAGE', message: /--certificate .*app\.pem: cannot read it \(there is no file there\)/ },
    { name: '--report given without a value', given: async () => dvpkg(['verify', '--org', https, '--package', pkg.dir, '--report'], { env: { AZURE_CLIENT_SECRET: SECRET } }), exit: 2, code: 'DVPKG_USAGE', message: /Not enough arguments following: report/ },
    { name: '--certificate that is not a PEM', given: async (d) => { await writeFile(path.join(d, 'app.pem'), 'not a certificate'); return verify(d, ['--org', https, '--package', pkg.dir, '--certificate', path.join(d, 'app.pem')]); }, exit: 2, code: 'DVPKG_USAGE', message: /--certificate .*app\.pem: no private key found; expected a PEM file/ },
    { name: 'unknown flag', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--bogus']), exit: 2, code: 'DVPKG_USAGE', message: /--bogus: no such flag/ },
    { name: '--auth browser (a person) for verify', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--auth', 'browser']), exit: 2, code: 'DVPKG_USAGE', message: /--auth browser: expected certificate, client-secret, federated or azure-cli \(verify signs in as the ISV app, not as a person\)/ },
    { name: '--cloud china for a public-cloud org', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--cloud', 'china']), exit: 2, code: 'DVPKG_USAGE', message: /this org is in the public cloud, not China \(operated by 21Vianet\) .*; use --cloud public/ },
    { name: '--federated-token-file that is a folder', given: (d) => verify(d, ['--org', https, '--package', pkg.dir, '--federated-token-file', d], {}), exit: 2, code: 'DVPKG_USAGE', message: /--federated-token-file .*: cannot read it \(it is a folder\)/ },
  ],

  'dvpkg diff': [
    { name: '<old> that does not exist', given: async (d) => dvpkg(['diff', path.join(d, 'nope'), pkg.dir]), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /<old> .*nope: not found; expected a deploy package folder, its \.zip, or its manifest\.json/ },
    { name: '<new> manifest that is not JSON', given: async (d) => { await writeFile(path.join(d, 'manifest.json'), '{ nope'); return dvpkg(['diff', pkg.dir, path.join(d, 'manifest.json')]); }, exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /<new> .*manifest\.json: manifest\.json is not valid JSON/ },
    { name: 'only one package', given: async () => dvpkg(['diff', pkg.dir]), exit: 2, code: 'DVPKG_USAGE', message: /Not enough non-option arguments: got 1, need at least 2/ },
    { name: '--json and --markdown together', given: async () => dvpkg(['diff', pkg.dir, pkg.dir, '--json', '--markdown']), exit: 2, code: 'DVPKG_USAGE', message: /Arguments json and markdown are mutually exclusive/ },
  ],

  'dvpkg emulator': [
    { name: '--port out of range', given: async () => dvpkg(['emulator', '--port', '70000']), exit: 2, code: 'DVPKG_USAGE', message: /--port 70000: expected a port number from 0 to 65535/ },
    { name: '--port that is not a number', given: async () => dvpkg(['emulator', '--port', 'abc']), exit: 2, code: 'DVPKG_USAGE', message: /--port abc: expected a port number from 0 to 65535/ },
    { name: '--host that is no address', given: async () => dvpkg(['emulator', '--host', '999.1.1.1']), exit: 2, code: 'DVPKG_USAGE', message: /--host 999\.1\.1\.1 --port 0: cannot listen there \(E[A-Z_]+\)/ },
    { name: '--faults that do not parse', given: async () => dvpkg(['emulator', '--faults', 'sometimes-slow']), exit: 2, code: 'DVPKG_USAGE', message: /Invalid fault spec: "sometimes-slow" should look like 429/ },
    { name: '--faults with a rate above 1', given: async () => dvpkg(['emulator', '--faults', '503:1.5']), exit: 2, code: 'DVPKG_USAGE', message: /rate must be between 0 and 1/ },
    { name: '--state file that does not exist', given: async (d) => dvpkg(['emulator', '--state', path.join(d, 'seed.json')]), exit: 2, code: 'DVPKG_INPUT_NOT_FOUND', message: /seed file .*seed\.json/ },
    { name: '--state file with a syntax error', given: async (d) => { await writeFile(path.join(d, 'seed.json'), '{ "tenants": [ '); return dvpkg(['emulator', '--state', path.join(d, 'seed.json')]); }, exit: 2, code: 'DVPKG_INPUT_UNREADABLE', message: /seed file .*seed\.json is not valid JSON/ },
    { name: '--app that is not a GUID', given: async () => dvpkg(['emulator', '--app', 'fabrikam-sync']), exit: 2, code: 'DVPKG_USAGE', message: /--app fabrikam-sync: expected an app \(client\) id GUID/ },
    { name: 'unknown flag', given: async () => dvpkg(['emulator', '--tls']), exit: 2, code: 'DVPKG_USAGE', message: /--tls: no such flag/ },
  ],

  'deploy runner (deploy.mjs)': [
    { name: 'unknown flag', given: async (d) => runner(['--org', https, '--bogus', '--report', path.join(d, 'r.json')], { absent: [path.join(d, 'r.json')] }), exit: 2, code: 'DVPKG_USAGE', message: /Unknown option '--bogus'/ },
    { name: 'stray positional argument', given: async () => runner(['--org', https, 'contoso']), exit: 2, code: 'DVPKG_USAGE', message: /Unexpected argument 'contoso'/ },
    { name: 'missing --org', given: async (d) => runner(['--yes', '--report', path.join(d, 'r.json')], { absent: [path.join(d, 'r.json')] }), exit: 2, code: 'DVPKG_USAGE', message: /--org is required/ },
    { name: '--org over plain http to a remote host', given: async (d) => runner(['--org', 'http://contoso.crm.dynamics.com', '--report', path.join(d, 'r.json')], { absent: [path.join(d, 'r.json')] }), exit: 2, code: 'DVPKG_USAGE', message: /--org http:\/\/contoso\.crm\.dynamics\.com: expected an https:\/\/ URL/ },
    { name: '--org on a closed loopback port', given: async (d) => ({ ...runner(['--org', `http://127.0.0.1:${deadPort}/orgs/contoso`, '--yes', '--report', path.join(d, 'r.json')]), report: path.join(d, 'r.json') }), exit: 2, code: 'DVPKG_ORG_UNREACHABLE', message: /cannot reach the org at http:\/\/127\.0\.0\.1:\d+\/orgs\/contoso \(ECONNREFUSED\); check --org/ },
    { name: '--report given without a value', given: async () => runner(['--org', https, '--report']), exit: 2, code: 'DVPKG_USAGE', message: /Option '--report <value>' argument missing/ },
    { name: 'a secret passed as --client-secret', given: async () => runner(['--org', https, '--auth', 'client-secret', '--client-id', GUID, `--client-secret=${SECRET}`], { neverShown: [SECRET] }), exit: 2, code: 'DVPKG_USAGE', message: /--client-secret: secrets are not accepted as flag values/ },
    { name: '--auth that is no mode', given: async () => runner(['--org', https, '--auth', 'password']), exit: 2, code: 'DVPKG_USAGE', message: /--auth password: expected browser, device-code, client-secret, certificate, federated or azure-cli/ },
    { name: '--cloud that is no cloud', given: async () => runner(['--org', https, '--cloud', 'mars']), exit: 2, code: 'DVPKG_USAGE', message: /--cloud mars: expected one of public, usgov, usgovhigh, dod, china/ },
    { name: 'an org of another cloud than --cloud', given: async () => runner(['--org', 'https://contoso.crm.microsoftdynamics.us']), exit: 2, code: 'DVPKG_USAGE', message: /--org https:\/\/contoso\.crm\.microsoftdynamics\.us: this org is in US Government \(GCC High\), not the public cloud .*; use --cloud usgovhigh/ },
    { name: 'an org host that is no Dataverse host', given: async () => runner(['--org', 'https://contoso.example.com']), exit: 2, code: 'DVPKG_USAGE', message: /--org https:\/\/contoso\.example\.com: not a Dataverse org host of the public cloud \(expected \*\.dynamics\.com\)/ },
    { name: '--auth federated with no federated token', given: async () => runner(['--org', https, '--auth', 'federated', '--client-id', GUID]), exit: 2, code: 'DVPKG_USAGE', message: /--auth federated: no federated token; pass --federated-token-file <file>/ },
    { name: '--federated-token-file that does not exist', given: async (d) => runner(['--org', https, '--auth', 'federated', '--client-id', GUID, '--federated-token-file', path.join(d, 'token')]), exit: 2, code: 'DVPKG_USAGE', message: /--federated-token-file .*token: cannot read it \(there is no file there\)/ },
    { name: 'AZURE_FEDERATED_TOKEN_FILE holding no token', given: async (d) => { await writeFile(path.join(d, 'token'), 'hello'); return runner(['--org', https, '--auth', 'federated', '--client-id', GUID], { env: { AZURE_FEDERATED_TOKEN_FILE: path.join(d, 'token') } }); }, exit: 2, code: 'DVPKG_USAGE', message: /AZURE_FEDERATED_TOKEN_FILE .*token: does not hold a token \(expected a JWT/ },
    { name: 'DVPKG_FEDERATED_WAIT_SECONDS that is no number', given: async () => runner(['--org', https], { env: { DVPKG_FEDERATED_WAIT_SECONDS: 'soon' } }), exit: 2, code: 'DVPKG_USAGE', message: /DVPKG_FEDERATED_WAIT_SECONDS soon: expected a number of seconds/ },
    { name: '--orgs file that does not exist', given: async (d) => runner(['--orgs', path.join(d, 'orgs.txt'), '--yes']), exit: 2, code: 'DVPKG_USAGE', message: /--orgs .*orgs\.txt: cannot read it \(there is no file there\)/ },
    { name: '--orgs file with a line that is no URL', given: async (d) => { await writeFile(path.join(d, 'orgs.txt'), `${https}\ncontoso prod\n`); return runner(['--orgs', path.join(d, 'orgs.txt'), '--yes']); }, exit: 2, code: 'DVPKG_USAGE', message: /--orgs .*orgs\.txt line 2: contoso: expected a URL/ },
    { name: '--orgs JSON that is not a list', given: async (d) => { await writeFile(path.join(d, 'orgs.json'), '{"url": "x"}'); return runner(['--orgs', path.join(d, 'orgs.json'), '--yes']); }, exit: 2, code: 'DVPKG_USAGE', message: /orgs\.json: expected a JSON list of \{ "url", "tenant"\?, "cloud"\?, "name"\? \}/ },
    { name: '--org and --orgs together', given: async (d) => runner(['--org', https, '--orgs', path.join(d, 'orgs.txt'), '--yes']), exit: 2, code: 'DVPKG_USAGE', message: /--org, --orgs and --all-environments: give one org, a file of orgs, or all your environments/ },
    { name: '--concurrency 0', given: async (d) => runner(['--orgs', path.join(d, 'orgs.txt'), '--yes', '--concurrency', '0']), exit: 2, code: 'DVPKG_USAGE', message: /--concurrency 0: expected a whole number from 1 to 32/ },
    { name: '--shard 4/3', given: async (d) => runner(['--orgs', path.join(d, 'orgs.txt'), '--yes', '--shard', '4/3']), exit: 2, code: 'DVPKG_USAGE', message: /--shard 4\/3: expected i\/n with 1 <= i <= n <= 256/ },
    { name: '--report with --orgs', given: async (d) => runner(['--orgs', path.join(d, 'orgs.txt'), '--yes', '--report', path.join(d, 'r.json')]), exit: 2, code: 'DVPKG_USAGE', message: /--report names one file; with --orgs use --report-dir <folder>/ },
    { name: '--match without --all-environments', given: async () => runner(['--org', https, '--match', 'prod*']), exit: 2, code: 'DVPKG_USAGE', message: /--match works only with --all-environments/ },
    { name: '--all-environments without --tenant', given: async () => runner(['--all-environments', '--plan']), exit: 2, code: 'DVPKG_USAGE', message: /--all-environments needs --tenant <id or domain>/ },
    { name: '--fail-fast with one org', given: async () => runner(['--org', https, '--fail-fast']), exit: 2, code: 'DVPKG_USAGE', message: /--fail-fast works only with --orgs or --all-environments/ },
    { name: '--delete-user without --remove', given: async () => runner(['--org', https, '--delete-user']), exit: 2, code: 'DVPKG_USAGE', message: /--delete-user works only with --remove/ },
    { name: '--force without --remove', given: async () => runner(['--org', https, '--force']), exit: 2, code: 'DVPKG_USAGE', message: /--force works only with --remove/ },
    { name: '--remove with --accept-privilege-changes', given: async () => runner(['--org', https, '--remove', '--accept-privilege-changes']), exit: 2, code: 'DVPKG_USAGE', message: /--accept-privilege-changes does not go with --remove, which only takes the package away/ },
    { name: '--admin-client-id that is not a GUID', given: async () => runner(['--org', https, '--admin-client-id', 'contoso-admin']), exit: 2, code: 'DVPKG_USAGE', message: /--admin-client-id contoso-admin: expected a GUID/ },
    { name: '--auth client-secret with no secret', given: async () => runner(['--org', https, '--auth', 'client-secret', '--client-id', GUID]), exit: 2, code: 'DVPKG_USAGE', message: /--auth client-secret: no secret; set DVPKG_CLIENT_SECRET/ },
    { name: '--auth certificate without --certificate', given: async () => runner(['--org', https, '--auth', 'certificate', '--client-id', GUID]), exit: 2, code: 'DVPKG_USAGE', message: /--auth certificate needs --certificate/ },
    { name: '--client-secret-file that does not exist', given: async (d) => runner(['--org', https, '--auth', 'client-secret', '--client-id', GUID, '--client-secret-file', path.join(d, 'secret.txt')]), exit: 2, code: 'DVPKG_USAGE', message: /--client-secret-file .*secret\.txt: cannot read it \(there is no file there\)/ },
    { name: '--client-secret-file that is a folder', given: async (d) => runner(['--org', https, '--auth', 'client-secret', '--client-id', GUID, '--client-secret-file', d]), exit: 2, code: 'DVPKG_USAGE', message: /--client-secret-file .*: cannot read it \(it is a folder\)/ },
    {
      name: '--certificate that is not a PEM',
      given: async (d) => {
        await writeFile(path.join(d, 'app.pem'), 'not a certificate');
        const report = path.join(d, 'r.json');
        return { ...runner(['--org', `http://127.0.0.1:${deadPort}/orgs/contoso`, '--tenant', 'contoso.example', '--auth', 'certificate', '--client-id', GUID, '--certificate', path.join(d, 'app.pem'), '--report', report]), report };
      },
      exit: 2,
      code: 'DVPKG_USAGE',
      message: /--certificate .*app\.pem: no private key found; expected a PEM file/,
    },
    { name: '--client-id that is not a GUID', given: async () => runner(['--org', https, '--auth', 'client-secret', '--client-id', 'automation-app'], { env: { DVPKG_CLIENT_SECRET: SECRET }, neverShown: [SECRET] }), exit: 2, code: 'DVPKG_USAGE', message: /--client-id automation-app: expected a GUID/ },
    { name: '--wait-for-consent that is not a number', given: async () => runner(['--org', https, '--wait-for-consent=soon']), exit: 2, code: 'DVPKG_USAGE', message: /--wait-for-consent=soon: expected a number of seconds/ },
    { name: '--tenant with a slash', given: async () => runner(['--org', https, '--tenant', 'contoso/../common']), exit: 2, code: 'DVPKG_USAGE', message: /--tenant contoso\/\.\.\/common: expected a tenant id \(GUID\) or domain/ },
    { name: '--admin-client-id that is not a GUID', given: async () => runner(['--org', https, '--admin-client-id', 'admin']), exit: 2, code: 'DVPKG_USAGE', message: /--admin-client-id admin: expected a GUID/ },
    { name: 'manifest.json edited after the build', given: (d) => damagedRunner(d, async (dir) => writeFile(path.join(dir, 'manifest.json'), (await manifestText()).replace('"formatVersion": 2', '"formatVersion": 1'))), exit: 8, code: 'DVPKG_INTEGRITY_FAILED', message: /manifest\.json: sha256 is [0-9a-f]{64}, but the package says [0-9a-f]{64}/ },
    { name: 'manifest.json with a syntax error (stamped)', given: (d) => damagedRunner(d, (dir) => writeStampedManifest(dir, '{ "formatVersion": 1,, }')), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /manifest\.json: not valid JSON/ },
    { name: 'manifest.json cut in half (stamped)', given: (d) => damagedRunner(d, async (dir) => writeStampedManifest(dir, half(await manifestText()))), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /manifest\.json: not valid JSON/ },
    { name: 'manifest.json of format 3 (stamped)', given: (d) => damagedRunner(d, async (dir) => writeStampedManifest(dir, await manifestWith((m) => (m['formatVersion'] = 3)))), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /manifest\.json: not a manifest this runner understands:\s+formatVersion: 3: expected 1 or 2/ },
    { name: 'manifest.json with a solution file "../x.zip" (stamped)', given: (d) => damagedRunner(d, async (dir) => writeStampedManifest(dir, await manifestWith((m) => ((m['solutions'] as Array<Record<string, unknown>>)[0]!['file'] = '../x.zip')))), exit: 2, code: 'DVPKG_PACKAGE_INVALID', message: /manifest\.json: not a manifest this runner understands:\s+solutions\[0\]\.file: expected a file name in the package folder/ },
    { name: 'solution zip missing', given: (d) => damagedRunner(d, (dir) => rm(path.join(dir, solutionZipName()))), exit: 8, code: 'DVPKG_INTEGRITY_FAILED', message: /_managed\.zip: missing \(there is no file there\); the package is incomplete/ },
    { name: 'solution zip cut in half', given: (d) => damagedRunner(d, async (dir) => writeFile(path.join(dir, solutionZipName()), half(await readFile(path.join(dir, solutionZipName()))))), exit: 8, code: 'DVPKG_INTEGRITY_FAILED', message: /_managed\.zip: sha256 is [0-9a-f]{64}, but the package says/ },
  ],
};

async function run(invocation: Invocation, cwd: string): Promise<RunResult> {
  const env = { ...CLEAN_ENV, ...invocation.env };
  if (invocation.tool === 'runner') return runNode([path.join(invocation.packageDir!, 'deploy.mjs'), ...invocation.args], { cwd: invocation.packageDir!, env, timeoutMs: 30_000 });
  return runNode([BIN, ...invocation.args], { cwd, env, timeoutMs: 30_000 });
}

describe('bad input corpus (issue 6, item 4)', function () {
  this.timeout(60_000);

  before(async () => {
    [pkg, deadPort] = await Promise.all([buildSamplePackage(), closedPort()]);
  });
  after(async () => {
    await removeTempDirs();
    console.log(`bad inputs tried: ${tried}`);
  });

  for (const [group, cases] of Object.entries(CLI_CASES)) {
    describe(group, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const dir = await tempDir('dvpkg-bad-');
          const invocation = await c.given(dir);
          tried++;
          const result = await run(invocation, dir);
          const output = `${result.stdout}\n${result.stderr}`;
          expect(result.code, output).to.equal(c.exit);
          expect(output, output).to.match(c.message);
          expect(output).to.contain(`[${c.code}]`);
          expect(output).to.not.match(STACK_TRACE);
          expect(output).to.not.match(/unexpected error|This is a bug/);
          for (const text of invocation.neverShown ?? []) expect(output).to.not.contain(text);
          for (const folder of invocation.noFilesIn ?? []) expect(await filesUnder(folder), `${folder} after a failed build`).to.deep.equal([]);
          for (const file of invocation.absent ?? []) expect(await exists(file), `${file} after a failure`).to.equal(false);
          if (invocation.report) {
            const report = JSON.parse(await readFile(invocation.report, 'utf8')) as { outcome: string; exitCode: number; error?: { code: string }; steps: unknown[] };
            expect(report).to.include({ outcome: 'failed', exitCode: c.exit });
            expect(report.error?.code).to.equal(c.code);
            expect(report.steps).to.be.an('array').that.is.not.empty;
            expect((await readdir(path.dirname(invocation.report))).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
          }
        });
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // The emulator's solution import, over HTTP as a client would send it

  describe('emulator solution import', () => {
    let emulator: RunningEmulator;
    let token: string;
    let files: Record<string, string>;

    before(async () => {
      // The entry cap is lowered so a small zip can exceed it; the default admits real solutions.
      emulator = await startSampleEmulator({ importDurationMs: 20, zipLimits: { maxEntries: 200 } });
      token = (await adminSignIn(emulator)).accessToken;
      const good = await JSZip.loadAsync(Buffer.from(await solutionZip({ roles: [{ id: GUID, name: 'Contoso Reader', privileges: [{ name: 'prvReadAccount', level: 'Global' }] }] }), 'base64'));
      files = {};
      for (const name of Object.keys(good.files)) files[name] = await good.file(name)!.async('string');
    });
    afterEach(() => emulator.reset());
    after(() => emulator.close());

    const solutionFiles = (replace: Record<string, string | null> = {}) =>
      Object.fromEntries(Object.entries({ ...files, ...replace }).filter((entry): entry is [string, string] => entry[1] !== null));

    interface ImportCase {
      name: string;
      action: 'ImportSolution' | 'ImportSolutionAsync';
      /** The request body, or a zip to send as CustomizationFile. */
      body: () => Promise<Buffer | string | Record<string, unknown>>;
      status: number;
      /** The Dataverse error code, in the answer or (for the async action) in the failed async operation. */
      code: string;
      message: RegExp;
    }

    const bomb = () => rawZip([{ name: 'solution.xml', data: files['solution.xml'] }, { name: 'customizations.xml', bombMiB: 200 }, { name: '[Content_Types].xml', data: files['[Content_Types].xml'] }]);
    const IMPORT_CASES: ImportCase[] = [
      { name: 'zip without customizations.xml', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'customizations.xml': null })), status: 400, code: '0x80048060', message: /must contain the following files at its root: solution\.xml, customizations\.xml, and \[Content_Types\]\.xml/ },
      { name: 'zip with an extra top-level folder (Sol/solution.xml)', action: 'ImportSolution', body: () => zipOf(Object.fromEntries(Object.entries(files).map(([n, c]) => [`Sol/${n}`, c]))), status: 400, code: '0x80048060', message: /must contain the following files at its root/ },
      { name: 'zip-slip entry "../../evil.xml"', action: 'ImportSolution', body: () => zipOf({ ...files, '../../evil.xml': '<evil />' }), status: 400, code: '0x80048060', message: /The entry '\.\.\/\.\.\/evil\.xml' is not a relative path inside the package/ },
      { name: 'zip-slip root file "../solution.xml"', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'solution.xml': null, '../solution.xml': files['solution.xml']! })), status: 400, code: '0x80048060', message: /The entry '\.\.\/solution\.xml' is not a relative path/ },
      { name: 'absolute entry "/tmp/evil.xml"', action: 'ImportSolution', body: () => zipOf({ ...files, '/tmp/evil.xml': '<evil />' }), status: 400, code: '0x80048060', message: /The entry '\/tmp\/evil\.xml' is not a relative path/ },
      { name: 'zip bomb: customizations.xml inflates to 200 MiB of zeros', action: 'ImportSolution', body: async () => bomb(), status: 400, code: '0x80048060', message: /The expanded content exceeds 67108864 bytes/ },
      { name: 'zip with 201 entries', action: 'ImportSolution', body: () => zipOf({ ...files, ...Object.fromEntries(Array.from({ length: 198 }, (_, i) => [`WebResources/${i}.txt`, 'x'])) }), status: 400, code: '0x80048060', message: /The compressed file has 201 entries; the limit is 200/ },
      { name: 'zip cut in half', action: 'ImportSolution', body: async () => half(await zipOf(files)), status: 400, code: '0x80048060', message: /The solution file is invalid/ },
      { name: 'customizations.xml with "billion laughs"', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'customizations.xml': `${BILLION_LAUGHS}<ImportExportXml><Roles><Role id="{${GUID}}" name="&lol4;" /></Roles></ImportExportXml>` })), status: 400, code: '0x8004802c', message: /\(customizations\.xml: DTDs and entity declarations are not allowed\)/ },
      { name: 'solution.xml with an external entity', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'solution.xml': EXTERNAL_ENTITY + withoutProlog(files['solution.xml']!).replace('<UniqueName>', '<UniqueName>&xxe;') })), status: 400, code: '0x8004802c', message: /\(solution\.xml: DTDs and entity declarations are not allowed\)/ },
      { name: 'solution.xml using an undeclared entity', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'solution.xml': files['solution.xml']!.replace('<UniqueName>', '<UniqueName>&xxe;') })), status: 400, code: '0x8004802c', message: /\(solution\.xml: "&xxe;" is not a defined entity .*\(line \d+, column \d+\)\)/ },
      { name: 'customizations.xml cut in half', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'customizations.xml': half(files['customizations.xml']!) })), status: 400, code: '0x8004802c', message: /\(customizations\.xml: / },
      { name: 'role with an id that is not a GUID', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'customizations.xml': files['customizations.xml']!.replace(`{${GUID}}`, '{not-a-guid}') })), status: 400, code: '0x8004801a', message: /Role 'Contoso Reader' needs a GUID id and a name/ },
      { name: 'role privilege with an unknown level', action: 'ImportSolution', body: () => zipOf(solutionFiles({ 'customizations.xml': files['customizations.xml']!.replace('level="Global"', 'level="Sometimes"') })), status: 400, code: '0x8004801a', message: /RolePrivilege 'prvReadAccount' of role Contoso Reader has level 'Sometimes'/ },
      { name: 'CustomizationFile that is not base64', action: 'ImportSolution', body: async () => ({ CustomizationFile: 'not base64!' }), status: 400, code: '0x80040203', message: /'CustomizationFile' is required and must be base64/ },
      { name: 'body that is not JSON', action: 'ImportSolution', body: async () => '{ "CustomizationFile": ', status: 400, code: '0x80040203', message: /The request body is not valid JSON/ },
      { name: 'async: zip cut in half', action: 'ImportSolutionAsync', body: async () => half(await zipOf(files)), status: 200, code: '0x80048060', message: /The solution file is invalid/ },
      { name: 'async: zip bomb', action: 'ImportSolutionAsync', body: async () => bomb(), status: 200, code: '0x80048060', message: /The expanded content exceeds 67108864 bytes/ },
      { name: 'async: zip-slip entry', action: 'ImportSolutionAsync', body: () => zipOf({ ...files, '../../evil.xml': '<evil />' }), status: 200, code: '0x80048060', message: /The entry '\.\.\/\.\.\/evil\.xml'/ },
      { name: 'async: customizations.xml with a DOCTYPE', action: 'ImportSolutionAsync', body: () => zipOf(solutionFiles({ 'customizations.xml': BILLION_LAUGHS + withoutProlog(files['customizations.xml']!) })), status: 200, code: '0x8004802c', message: /DTDs and entity declarations are not allowed/ },
    ];

    for (const c of IMPORT_CASES) {
      it(`${c.action}: ${c.name}`, async () => {
        const input = await c.body();
        const data = typeof input === 'string' ? input : Buffer.isBuffer(input) ? { CustomizationFile: input.toString('base64'), OverwriteUnmanagedCustomizations: false, PublishWorkflows: true } : input;
        tried++;
        const api = webApi(emulator.orgUrl, token);
        // As given: axios would quote a string that is not JSON.
        const response = await api.post(c.action, data, { headers: { 'Content-Type': 'application/json' }, transformRequest: [(body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body))] });
        expect(response.status, JSON.stringify(response.data)).to.equal(c.status);
        let code: string;
        let message: string;
        if (c.action === 'ImportSolutionAsync') {
          const id = (response.data as { AsyncOperationId: string }).AsyncOperationId;
          const operation = await waitFor(async () => {
            const op = await api.get(`asyncoperations(${id})`, { params: { $select: 'statecode,statuscode,message' } });
            return op.data.statecode === 3 ? (op.data as { statuscode: number; message: string }) : undefined;
          }, 10_000);
          expect(operation.statuscode, 'the async operation failed').to.equal(31);
          [code, message] = [operation.message.slice(0, operation.message.indexOf(':')), operation.message];
        } else {
          ({ code, message } = (response.data as { error: { code: string; message: string } }).error);
        }
        expect(code.toLowerCase()).to.equal(c.code);
        expect(message).to.match(c.message);
        expect(message).to.not.match(STACK_TRACE);
        const org = emulator.state.data.orgs[0]!;
        expect(org.solutions.map((s) => s['uniquename']), 'no solution row after a refused import').to.not.include('ContosoSecurityRoles');
        expect(org.roles.filter((r) => r['name'] === 'Contoso Reader'), 'no role after a refused import').to.deep.equal([]);
        expect(org.activeImportJobId, 'the import lock is released').to.equal(null);
      });
    }
  });
});
