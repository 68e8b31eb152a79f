import { formatValue, type Problem } from '../errors.js';
import type { PrivilegeCatalog } from './catalog.js';
import { checkAdminClientId } from './admin-client.js';
import { deriveRoleId, normalizeGuid } from './guid.js';
import { LEVEL_CHOICES, levelNotAllowed, parseLevel } from './levels.js';
import { sortPrivileges, type AppModel, type Level, type PrivilegeGrant, type RoleModel, type SolutionModel } from './model.js';
import type { SourceDoc, SpecInput } from './source.js';
import { INVALID_XML_CHARS } from '../util/xml.js';
import { checkRootComponents, rolesOnlyIdentity } from './source-components.js';
import { privilegeTableName } from './system-table-names.js';
import { tablePrivileges, type TablePrivileges } from './table-privileges.js';
import { isHttpsOrLoopback } from '../util/url.js';
import { UNIQUE_NAME_EXPECTED, UNIQUE_NAME_MAX, UNIQUE_NAME_PATTERN, UPGRADE_EXPECTED, UPGRADE_SUFFIX } from './names.js';

/**
 * Pure validation: input documents in, model and every problem out. Nothing here
 * stops at the first problem, so a user fixes the whole spec in one pass.
 */

export interface ValidateOptions {
  strict: boolean;
  catalog: PrivilegeCatalog;
  /** `--version` from the command line; wins over the spec's version. */
  version?: string;
  /** App details from flags, for unpacked trees that carry none. */
  app?: { clientId?: string; name?: string; adminClientId?: string };
  /** `--roles-only`: build an unpacked tree's roles into a separate role solution. */
  rolesOnly?: boolean;
  /** `--unique-name`: that role solution's unique name. */
  uniqueName?: string;
  /** Roles the spec's included solutions ship, which `app.roles` may name instead of a role in roles/. */
  includedRoles?: readonly RoleModel[];
}

export interface ValidationResult {
  model?: SolutionModel;
  problems: Problem[];
}

const PUBLISHER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PREFIX = /^[A-Za-z][A-Za-z0-9]{1,7}$/;
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}\.\d{1,9}$/;
const PRIVILEGE_NAME = /^prv[A-Z][A-Za-z0-9_]*$/;
const PRIVILEGE_VERBS = /^prv(?:Create|Read|Write|Delete|AppendTo|Append|Assign|Share)(.+)$/i;

const SOLUTION_FIELDS = new Set(['$schema', 'uniqueName', 'displayName', 'description', 'version', 'languageCode', 'publisher', 'app', 'solutions', 'settings']);
const PUBLISHER_FIELDS = new Set(['uniqueName', 'displayName', 'description', 'prefix', 'optionValuePrefix']);
const APP_FIELDS = new Set(['clientId', 'name', 'roles', 'consentRedirectUri', 'adminClientId']);
const ROLE_FIELDS = new Set(['$schema', 'id', 'name', 'description', 'customizable', 'isInherited', 'privileges']);

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Collects problems for one file; each check reports the field path, value and expectation. */
class FileChecks {
  constructor(
    readonly file: string,
    private readonly problems: Problem[],
  ) {}

  error(path: string, value: unknown, expected: string, hint?: string): void {
    this.problems.push({ severity: 'error', file: this.file, path, value, expected, ...(hint ? { hint } : {}) });
  }

  warning(path: string, value: unknown, expected: string, hint?: string): void {
    this.problems.push({ severity: 'warning', file: this.file, path, value, expected, ...(hint ? { hint } : {}) });
  }

  /** A depth the privilege does not allow, answered in the words the user wrote it in. */
  level(path: string, written: unknown, privilege: string, allowed: readonly Level[], why?: string): void {
    this.problems.push({ severity: 'error', file: this.file, path, value: written, expected: `a level ${privilege} allows`, message: levelNotAllowed(privilege, written, allowed, why) });
  }

  adminClientId(value: unknown, where: { file: string; path: string }): string | undefined {
    return checkAdminClientId(value, where, this.problems);
  }

  /** Problems with a value that came from elsewhere, such as a flag, are reported under that source. */
  sibling(file: string): FileChecks {
    return new FileChecks(file, this.problems);
  }

  unknownFields(obj: Obj, allowed: Set<string>, prefix: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.has(key)) this.error(`${prefix}${key}`, obj[key], `no such field (allowed: ${[...allowed].filter((k) => k !== '$schema').join(', ')})`);
    }
  }

  text(obj: Obj, key: string, prefix: string, rule: { required: boolean; max: number; pattern?: RegExp; expected?: string }): string | undefined {
    const value = obj[key];
    const path = `${prefix}${key}`;
    if (value === undefined || value === '') {
      if (rule.required) this.error(path, value, rule.expected ?? `a non-empty string of at most ${rule.max} characters`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.error(path, value, rule.expected ?? 'a string');
      return undefined;
    }
    if (value.length > rule.max) {
      this.error(path, value, `at most ${rule.max} characters (got ${value.length})`);
      return undefined;
    }
    if (INVALID_XML_CHARS.test(value)) {
      this.error(path, value, 'text without control characters');
      return undefined;
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      this.error(path, value, rule.expected ?? `text matching ${rule.pattern}`);
      return undefined;
    }
    return value;
  }
}

export function validateSpec(input: SpecInput, options: ValidateOptions): ValidationResult {
  const problems: Problem[] = [...input.problems];
  const solutionDoc = input.solution;
  const solution = solutionDoc ? checkSolution(solutionDoc, input, options, problems) : undefined;
  const privileges: PrivilegeChecks = { catalog: options.catalog, tables: tablePrivileges(input.tables ?? []) };
  const roles = input.roles.map((doc) => checkRole(doc, solution?.publisherName, privileges, problems));
  const includedRoles = options.includedRoles ?? [];
  // roles/ may be empty when app.roles names roles the included solutions ship.
  const namesIncluded = includedRoles.length > 0 && solution?.appDraft?.roles !== undefined;
  if (input.roles.length === 0 && input.problems.length === 0 && !namesIncluded) {
    const shipped = includedRoles.length > 0 ? `, or app.roles naming roles the included solutions ship (${includedRoles.map((r) => formatValue(r.name)).join(', ')})` : '';
    problems.push({ severity: 'error', file: input.dir, path: 'roles', value: undefined, expected: `at least one role${shipped}` });
  }
  checkRoleSet(input.roles, roles, problems);
  const rolesOnly = { rolesOnly: options.rolesOnly ?? false, ...(options.uniqueName !== undefined ? { uniqueName: options.uniqueName } : {}) };
  const roleIds = new Set(roles.map((r) => r.id).filter((id): id is string => id !== undefined));
  checkRootComponents(input, roleIds, solution?.model?.uniqueName, rolesOnly, problems);
  const identity = solution?.model ? rolesOnlyIdentity(input, solution.model, rolesOnly, problems) : undefined;
  const picked: RoleModel[] = [];
  const app = solution?.appDraft ? checkAppRoles(solution.appDraft, roles, includedRoles, picked, problems) : undefined;
  if (options.strict) {
    for (const problem of problems) if (problem.severity === 'warning') problem.severity = 'error';
  }
  if (problems.some((p) => p.severity === 'error') || !solution?.model) return { problems };
  // Added after --strict on purpose: it is about the flag the user chose, not about the input.
  if (identity) problems.push(sharedRoleIdsWarning(solution.model.uniqueName, identity.uniqueName));
  const model: SolutionModel = {
    ...solution.model,
    ...(identity ?? {}),
    ...(app ? { app } : {}),
    roles: [...roles.map((r) => r.model!), ...picked],
    ...(roles.length === 0 && picked.length > 0 ? { rolesFrom: 'included' as const } : {}),
  };
  return { model, problems };
}

/**
 * The roles keep their ids, so the same roles ship in the source solution and in the role
 * solution. Dataverse layers a component that several managed solutions carry (the one imported
 * last is on top; uninstalling one leaves the others' layers), but how two layers of one role's
 * privileges combine is not documented, so the user hears about it.
 */
function sharedRoleIdsWarning(source: string, target: string): Problem {
  return {
    severity: 'warning',
    file: '--roles-only',
    path: '',
    value: true,
    expected: `roles that no other solution ships: ${target} keeps the role ids of ${source}, so where both are installed they carry the same roles, and how Dataverse combines their privileges is not documented (the one imported last is on top)`,
  };
}

interface CheckedSolution {
  model?: Omit<SolutionModel, 'roles' | 'app'>;
  publisherName?: string;
  appDraft?: { checks: FileChecks; clientId: string; name: string; roles: string[] | undefined; consentRedirectUri: string | undefined; adminClientId: string | undefined };
}

function checkSolution(doc: SourceDoc, input: SpecInput, options: ValidateOptions, problems: Problem[]): CheckedSolution {
  const checks = new FileChecks(doc.file, problems);
  for (const key of doc.duplicateKeys) checks.error(key, undefined, 'each field once (this one appears more than once)');
  if (!isObject(doc.data)) {
    checks.error('', doc.data, 'a JSON object');
    return {};
  }
  const data = doc.data;
  if (input.format === 'json') checks.unknownFields(data, SOLUTION_FIELDS, '');

  const uniqueName = checks.text(data, 'uniqueName', '', {
    required: true,
    max: UNIQUE_NAME_MAX,
    pattern: UNIQUE_NAME_PATTERN,
    expected: UNIQUE_NAME_EXPECTED,
  });
  if (uniqueName && UPGRADE_SUFFIX.test(uniqueName)) checks.error('uniqueName', uniqueName, UPGRADE_EXPECTED);
  const displayName = checks.text(data, 'displayName', '', { required: true, max: 256 });
  const description = checks.text(data, 'description', '', { required: false, max: 2000 }) ?? '';

  let version: string | undefined;
  if (options.version !== undefined) {
    if (VERSION.test(options.version)) version = options.version;
    else problems.push({ severity: 'error', file: '--version', path: '', value: options.version, expected: 'four numeric parts, e.g. 1.0.0.0' });
  } else {
    version = checks.text(data, 'version', '', { required: true, max: 43, pattern: VERSION, expected: 'four numeric parts, e.g. 1.0.0.0' });
  }

  let languageCode = 1033;
  if (data['languageCode'] !== undefined) {
    const value = data['languageCode'];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 65535) languageCode = value;
    else checks.error('languageCode', value, 'a Windows LCID such as 1033');
  }

  const publisherValue = data['publisher'];
  let publisher: SolutionModel['publisher'] | undefined;
  if (!isObject(publisherValue)) {
    checks.error('publisher', publisherValue, 'an object with uniqueName, displayName, prefix and optionValuePrefix');
  } else {
    if (input.format === 'json') checks.unknownFields(publisherValue, PUBLISHER_FIELDS, 'publisher.');
    const pUnique = checks.text(publisherValue, 'uniqueName', 'publisher.', {
      required: true,
      max: 256,
      pattern: PUBLISHER_NAME,
      expected: 'letters, digits and _, starting with a letter or _',
    });
    const pDisplay = checks.text(publisherValue, 'displayName', 'publisher.', { required: true, max: 256 });
    const pDescription = checks.text(publisherValue, 'description', 'publisher.', { required: false, max: 2000 }) ?? '';
    let prefix = checks.text(publisherValue, 'prefix', 'publisher.', {
      required: true,
      max: 8,
      pattern: PREFIX,
      expected: '2 to 8 letters or digits, starting with a letter',
    });
    if (prefix && /^mscrm/i.test(prefix)) {
      checks.error('publisher.prefix', prefix, 'a prefix that does not start with "mscrm" (reserved by Microsoft)');
      prefix = undefined;
    }
    const optionValue = publisherValue['optionValuePrefix'];
    const optionOk = typeof optionValue === 'number' && Number.isInteger(optionValue) && optionValue >= 10000 && optionValue <= 99999;
    if (!optionOk) checks.error('publisher.optionValuePrefix', optionValue, 'an integer from 10000 to 99999');
    if (pUnique && pDisplay && prefix && optionOk) {
      publisher = { uniqueName: pUnique, displayName: pDisplay, description: pDescription, prefix, optionValuePrefix: optionValue };
    }
  }

  const appDraft = checkApp(data, input, options, checks);
  const model = uniqueName && displayName && version && publisher && !UPGRADE_SUFFIX.test(uniqueName)
    ? { uniqueName, displayName, description, version, languageCode, publisher }
    : undefined;
  return { ...(model ? { model } : {}), ...(publisher ? { publisherName: publisher.uniqueName } : {}), ...(appDraft ? { appDraft } : {}) };
}

function checkApp(data: Obj, input: SpecInput, options: ValidateOptions, checks: FileChecks): CheckedSolution['appDraft'] {
  const fromFlags = options.app ?? {};
  const value = data['app'];
  if (value === undefined && input.format === 'unpacked' && fromFlags.clientId === undefined) return undefined;
  if (value !== undefined && !isObject(value)) {
    checks.error('app', value, 'an object with clientId, name and optional roles');
    return undefined;
  }
  const app: Obj = { ...(value ?? {}), ...(fromFlags.clientId !== undefined ? { clientId: fromFlags.clientId } : {}), ...(fromFlags.name !== undefined ? { name: fromFlags.name } : {}) };
  if (value === undefined && fromFlags.clientId === undefined) {
    checks.error('app', undefined, 'the ISV app: { "clientId": "<app registration GUID>", "name": "...", "roles": [...] }');
    return undefined;
  }
  if (value !== undefined) checks.unknownFields(app, APP_FIELDS, 'app.');
  const clientId = normalizeGuid(app['clientId']);
  if (!clientId) {
    const expected = 'the app registration (client) id, a GUID such as 11111111-2222-3333-4444-555555555555';
    if (fromFlags.clientId !== undefined) checks.sibling('--client-id').error('', fromFlags.clientId, expected);
    else checks.error('app.clientId', app['clientId'], expected);
  }
  const name = checks.text(app, 'name', 'app.', { required: input.format === 'json', max: 256 });
  // An unpacked tree names no app: its name comes from the flag (it used to fall back to "ISV application" unsaid).
  if (name === undefined && input.format !== 'json') checks.sibling('--app-name').error('', fromFlags.name, "the ISV app's display name, for the admin's README and the plan (with --client-id)");
  const rolesValue = app['roles'];
  let roles: string[] | undefined;
  if (rolesValue !== undefined) {
    if (Array.isArray(rolesValue) && rolesValue.length > 0 && rolesValue.every((r) => typeof r === 'string' && r !== '')) roles = rolesValue as string[];
    else checks.error('app.roles', rolesValue, 'a non-empty array of role names (omit it to give the app every role)');
  }
  const consentRedirectUri = checkRedirectUri(app['consentRedirectUri'], input, checks);
  // An unpacked tree has no place for it: only the flag can set it, so that is where a problem is reported.
  const adminClientId =
    fromFlags.adminClientId !== undefined || input.format !== 'json'
      ? checks.adminClientId(fromFlags.adminClientId, { file: '--admin-client-id', path: '' })
      : checks.adminClientId(app['adminClientId'], { file: checks.file, path: 'app.adminClientId' });
  if (!clientId || !name) return undefined;
  return { checks, clientId, name, roles, consentRedirectUri, adminClientId };
}

/**
 * Entra's admin-consent endpoint requires a redirect URI registered on the app; without one
 * the link the runner prints for a missing consent may be refused.
 */
function checkRedirectUri(value: unknown, input: SpecInput, checks: FileChecks): string | undefined {
  const expected = 'a redirect URI registered on the app registration (https://…), where Entra sends the admin after consent';
  if (value === undefined) {
    if (input.format === 'json') checks.warning('app.consentRedirectUri', value, `${expected}; without it the admin-consent link has none`);
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !isHttpsOrLoopback(url) || url.hash) {
    checks.error('app.consentRedirectUri', value, expected);
    return undefined;
  }
  return value as string;
}

function checkAppRoles(
  draft: NonNullable<CheckedSolution['appDraft']>,
  roles: CheckedRole[],
  includedRoles: readonly RoleModel[],
  picked: RoleModel[],
  problems: Problem[],
): AppModel | undefined {
  const known = roles.map((r) => r.name).filter((n): n is string => n !== undefined);
  const redirect = {
    ...(draft.consentRedirectUri === undefined ? {} : { consentRedirectUri: draft.consentRedirectUri }),
    ...(draft.adminClientId === undefined ? {} : { adminClientId: draft.adminClientId }),
  };
  if (draft.roles === undefined) return { clientId: draft.clientId, name: draft.name, roles: known, ...redirect };
  const candidates = [...known, ...includedRoles.map((r) => r.name)];
  const names: string[] = [];
  let ok = true;
  draft.roles.forEach((roleName, index) => {
    if (known.includes(roleName) || names.includes(roleName)) {
      if (!names.includes(roleName)) names.push(roleName);
      return;
    }
    // A role of roles/ wins over one of the same name an included solution ships.
    const shipped = includedRoles.find((r) => r.name === roleName);
    if (shipped) {
      picked.push(shipped);
      names.push(roleName);
      return;
    }
    ok = false;
    const close = candidates.find((k) => k.toLowerCase() === roleName.toLowerCase());
    const where = includedRoles.length > 0 ? 'in roles/ or shipped by an included solution' : 'in this spec';
    problems.push({
      severity: 'error',
      file: draft.checks.file,
      path: `app.roles[${index}]`,
      value: roleName,
      expected: `the name of a role ${where} (${candidates.map((k) => formatValue(k)).join(', ') || 'none'})`,
      ...(close ? { hint: `did you mean ${formatValue(close)}?` } : {}),
    });
  });
  return ok ? { clientId: draft.clientId, name: draft.name, roles: names, ...redirect } : undefined;
}

interface CheckedRole {
  name?: string;
  id?: string;
  model?: RoleModel;
}

interface PrivilegeChecks {
  catalog: PrivilegeCatalog;
  tables: TablePrivileges;
}

function checkRole(doc: SourceDoc, publisherName: string | undefined, privilegeChecks: PrivilegeChecks, problems: Problem[]): CheckedRole {
  const checks = new FileChecks(doc.file, problems);
  for (const key of doc.duplicateKeys) {
    checks.error(key, undefined, key.includes('privileges.') ? 'each privilege once (this one is listed more than once)' : 'each field once (this one appears more than once)');
  }
  if (!isObject(doc.data)) {
    checks.error('', doc.data, 'a JSON object with name, description and privileges');
    return {};
  }
  const data = doc.data;
  checks.unknownFields(data, ROLE_FIELDS, '');
  const name = checks.text(data, 'name', '', { required: true, max: 100, expected: 'a non-empty role name of at most 100 characters' });
  const description = checks.text(data, 'description', '', { required: false, max: 2000 }) ?? '';

  let id: string | undefined;
  if (data['id'] !== undefined) {
    id = normalizeGuid(data['id']);
    if (!id) checks.error('id', data['id'], 'a GUID such as 6a0c1f2e-3b4d-4c5e-8f60-718293a4b5c6 (braces optional)');
  } else if (name && publisherName) {
    id = deriveRoleId(publisherName, name);
  }

  let customizable = true;
  if (data['customizable'] !== undefined) {
    if (typeof data['customizable'] === 'boolean') customizable = data['customizable'];
    else checks.error('customizable', data['customizable'], 'true or false');
  }
  const inherited = data['isInherited'];
  if (inherited !== undefined && inherited !== '0' && inherited !== '1') checks.error('isInherited', inherited, '"0" or "1"');

  const privileges = checkPrivileges(data['privileges'], checks, privilegeChecks);
  if (!name || !id || !privileges || (inherited !== undefined && inherited !== '0' && inherited !== '1')) {
    return { ...(name ? { name } : {}), ...(id ? { id } : {}) };
  }
  const model: RoleModel = {
    id,
    name,
    description,
    customizable,
    ...(inherited === '0' || inherited === '1' ? { isInherited: inherited } : {}),
    privileges,
  };
  return { name, id, model };
}

function checkPrivileges(value: unknown, checks: FileChecks, privilegeChecks: PrivilegeChecks): PrivilegeGrant[] | undefined {
  if (!isObject(value)) {
    checks.error('privileges', value, 'an object mapping privilege names to levels, e.g. { "prvReadAccount": "Global" }');
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    checks.error('privileges', value, 'at least one privilege (an empty role grants nothing)');
    return undefined;
  }
  const grants: PrivilegeGrant[] = [];
  const seen = new Map<string, string>();
  let ok = true;
  for (const [name, rawLevel] of entries) {
    const path = `privileges.${name}`;
    const level = parseLevel(rawLevel);
    if (!level) {
      checks.error(path, rawLevel, LEVEL_CHOICES);
      ok = false;
    }
    if (!PRIVILEGE_NAME.test(name)) {
      const spelled = privilegeChecks.tables.spelling(name) ?? privilegeChecks.catalog.getIgnoreCase(name)?.name;
      checks.error(path, name, 'a privilege name: "prv" + capitalised verb and table, e.g. prvReadAccount or prvReadcontoso_Widget', spelled ? `did you mean ${spelled}?` : undefined);
      ok = false;
      continue;
    }
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      checks.error(path, name, `each privilege once (same as ${formatValue(earlier)} apart from case)`);
      ok = false;
      continue;
    }
    seen.set(name.toLowerCase(), name);
    if (!checkPrivilegeName(name, level, rawLevel, path, checks, privilegeChecks)) ok = false;
    if (level) grants.push({ name, level });
  }
  return ok ? sortPrivileges(grants) : undefined;
}

/**
 * In order: the tables the source defines (the catalog cannot know them), the catalog's real
 * names, near misses of the source's tables, system tables named by their logical name, and only
 * then the catalog's suggestions and its "unknown name" warning.
 */
function checkPrivilegeName(name: string, level: Level | undefined, written: unknown, path: string, checks: FileChecks, { catalog, tables }: PrivilegeChecks): boolean {
  const table = PRIVILEGE_VERBS.exec(name)?.[1] ?? '';
  const own = tables.check(name, level);
  if (own.kind === 'ok') return true;
  const entry = catalog.get(name);
  if (entry) {
    if (level && !entry.depths.includes(level)) {
      checks.level(path, written, name, entry.depths);
      return false;
    }
    return true;
  }
  if (own.kind === 'level') {
    checks.level(path, written, name, own.allowed, own.why);
    return false;
  }
  if (own.kind === 'error') {
    checks.error(path, name, own.expected, own.hint);
    return false;
  }
  const legacy = privilegeTableName(table);
  if (legacy !== undefined) {
    const right = name.slice(3, name.length - table.length);
    checks.error(path, name, `a privilege name Dataverse defines: the privileges of table ${table.toLowerCase()} are named after ${legacy}, not its logical name`, `did you mean prv${right}${legacy}?`);
    return false;
  }
  const suggestion = catalog.suggest(name);
  if (suggestion) {
    checks.error(path, name, 'a privilege name Dataverse defines', `did you mean ${suggestion}?`);
    return false;
  }
  const kind = table.includes('_') ? 'a custom-table privilege' : 'a privilege the built-in catalog does not list (first-party app or newer table?)';
  checks.warning(path, name, `a privilege the built-in catalog lists (this looks like ${kind}; the deploy step checks it against the target org)`);
  return true;
}

function checkRoleSet(docs: SourceDoc[], roles: CheckedRole[], problems: Problem[]): void {
  const byName = new Map<string, number>();
  const byId = new Map<string, number>();
  roles.forEach((role, index) => {
    const doc = docs[index]!;
    if (role.name) {
      const key = role.name.toLowerCase();
      const first = byName.get(key);
      if (first !== undefined) {
        problems.push({ severity: 'error', file: doc.file, path: 'name', value: role.name, expected: `a role name not used by another role (also in ${docs[first]!.file})` });
      } else byName.set(key, index);
    }
    if (role.id) {
      const first = byId.get(role.id);
      if (first !== undefined) {
        problems.push({ severity: 'error', file: doc.file, path: 'id', value: role.id, expected: `an id not used by another role (also in ${docs[first]!.file})` });
      } else byId.set(role.id, index);
    }
  });
}
