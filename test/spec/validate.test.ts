import { expect } from 'chai';
import path from 'node:path';
import { formatProblem, isDvpkgError, type Problem } from '../../src/errors.js';
import { defaultCatalog } from '../../src/spec/catalog.js';
import { deriveRoleId } from '../../src/spec/guid.js';
import { loadSpec } from '../../src/spec/index.js';
import type { SpecInput } from '../../src/spec/source.js';
import { validateSpec, type ValidateOptions } from '../../src/spec/validate.js';
import { CONTOSO_ADMIN_CLIENT_ID, validRole, validSolution } from '../support/spec-builders.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

function input(solution: unknown, roles: unknown[], format: SpecInput['format'] = 'json'): SpecInput {
  return {
    format,
    dir: 'spec',
    solution: { file: 'solution.json', data: solution, duplicateKeys: [] },
    roles: roles.map((data, i) => ({ file: `roles/role${i}.json`, data, duplicateKeys: [] })),
    problems: [],
  };
}

function validate(solution: unknown, roles: unknown[], options: Partial<ValidateOptions> = {}) {
  return validateSpec(input(solution, roles), { strict: false, catalog: defaultCatalog(), ...options });
}

function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}

/** Exactly one error, at that file and path, whose printed line matches `expected`. */
function expectOneError(problems: Problem[], file: string, fieldPath: string, expected: RegExp): Problem {
  const errors = errorsOf(problems);
  expect(errors.map(formatProblem), 'errors').to.have.length(1);
  const [error] = errors as [Problem];
  expect(error.file).to.equal(file);
  expect(error.path).to.equal(fieldPath);
  expect(formatProblem(error)).to.match(expected);
  return error;
}

describe('spec validation', () => {
  after(removeTempDirs);

  it('accepts a valid spec and builds the model with canonical levels and a derived role id', () => {
    const result = validate(validSolution(), [validRole({ privileges: { prvReadContact: 'parent: child business units', prvReadAccount: 'Organization' } })]);
    expect(errorsOf(result.problems)).to.deep.equal([]);
    const model = result.model!;
    expect(model.languageCode).to.equal(1033);
    expect(model.app).to.deep.equal({ clientId: '11111111-2222-4333-8444-555555555555', name: 'Contoso App', roles: ['Contoso Reader'], consentRedirectUri: 'https://app.contoso.example/consented', adminClientId: CONTOSO_ADMIN_CLIENT_ID });
    expect(model.roles[0]!.id).to.equal(deriveRoleId('contoso', 'Contoso Reader'));
    expect(model.roles[0]!.customizable).to.equal(true);
    expect(model.roles[0]!.privileges).to.deep.equal([
      { name: 'prvReadAccount', level: 'Global' },
      { name: 'prvReadContact', level: 'Deep' },
    ]);
  });

  it('derives the same role id on every build, and a different one per publisher', () => {
    const a = validate(validSolution(), [validRole()]).model!.roles[0]!.id;
    const b = validate(validSolution({ version: '2.0.0.0' }), [validRole()]).model!.roles[0]!.id;
    const other = validate(validSolution({ publisher: { uniqueName: 'fabrikam', displayName: 'F', prefix: 'fab', optionValuePrefix: 20000 } }), [validRole()]).model!.roles[0]!.id;
    expect(a).to.equal(b);
    expect(a).to.not.equal(other);
    expect(a).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps an explicit id, normalised to lower case without braces', () => {
    const model = validate(validSolution(), [validRole({ id: '{346C8295-A669-F011-BEC2-00224823101F}' })]).model!;
    expect(model.roles[0]!.id).to.equal('346c8295-a669-f011-bec2-00224823101f');
  });

  const solutionCases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['unique name with a hyphen', { uniqueName: 'Contoso-Roles' }, 'uniqueName', /letters, digits and _/],
    ['unique name starting with a digit', { uniqueName: '1Contoso' }, 'uniqueName', /starting with a letter/],
    ['unique name over 65 characters', { uniqueName: `A${'b'.repeat(65)}` }, 'uniqueName', /at most 65/],
    ['unique name containing _upgrade', { uniqueName: 'Contoso_Upgrade' }, 'uniqueName', /_upgrade/],
    ['version with three parts', { version: '1.0.0' }, 'version', /four numeric parts/],
    ['version with letters', { version: '1.0.0.beta' }, 'version', /four numeric parts/],
    ['missing display name', { displayName: undefined }, 'displayName', /non-empty string/],
    ['language code as text', { languageCode: 'en' }, 'languageCode', /LCID/],
    ['an unknown field', { uniqeName: 'x' }, 'uniqeName', /no such field/],
    ['publisher prefix too short', { publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'c', optionValuePrefix: 12345 } }, 'publisher.prefix', /2 to 8/],
    ['publisher prefix too long', { publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'contosoabc', optionValuePrefix: 12345 } }, 'publisher.prefix', /at most 8/],
    ['publisher prefix starting with a digit', { publisher: { uniqueName: 'contoso', displayName: 'C', prefix: '9abc', optionValuePrefix: 12345 } }, 'publisher.prefix', /starting with a letter/],
    ['publisher prefix mscrm', { publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'mscrmx', optionValuePrefix: 12345 } }, 'publisher.prefix', /mscrm/],
    ['option value prefix below range', { publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'con', optionValuePrefix: 9999 } }, 'publisher.optionValuePrefix', /10000 to 99999/],
    ['option value prefix above range', { publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'con', optionValuePrefix: 100000 } }, 'publisher.optionValuePrefix', /10000 to 99999/],
    ['publisher unique name with a space', { publisher: { uniqueName: 'con toso', displayName: 'C', prefix: 'con', optionValuePrefix: 12345 } }, 'publisher.uniqueName', /letters, digits and _/],
    ['client id not a GUID', { app: { clientId: 'not-a-guid', name: 'App' } }, 'app.clientId', /GUID/],
    ['no app section', { app: undefined }, 'app', /clientId/],
    ['app role that does not exist', { app: { clientId: '11111111-2222-4333-8444-555555555555', name: 'App', roles: ['Nope'] } }, 'app.roles[0]', /name of a role in this spec/],
  ];
  for (const [title, overrides, fieldPath, expected] of solutionCases) {
    it(`rejects ${title} (solution.json: ${fieldPath})`, () => {
      const solution = validSolution(overrides);
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete solution[k];
      const result = validate(solution, [validRole()]);
      expectOneError(result.problems, 'solution.json', fieldPath, expected);
      expect(result.model).to.equal(undefined);
    });
  }

  const roleCases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a name over 100 characters', { name: 'R'.repeat(101) }, 'name', /at most 100/],
    ['a missing name', { name: undefined }, 'name', /non-empty role name/],
    ['a malformed id', { id: '1234-not-a-guid' }, 'id', /GUID/],
    ['an id with one brace', { id: '{346c8295-a669-f011-bec2-00224823101f' }, 'id', /GUID/],
    ['an unknown level', { privileges: { prvReadAccount: 'Everything' } }, 'privileges.prvReadAccount', /Basic, Local, Deep, Global/],
    ['a level that is not text', { privileges: { prvReadAccount: 3 } }, 'privileges.prvReadAccount', /Basic, Local, Deep, Global/],
    ['an empty role', { privileges: {} }, 'privileges', /at least one privilege/],
    ['privileges as an array', { privileges: ['prvReadAccount'] }, 'privileges', /object mapping/],
    ['a privilege name of the wrong shape', { privileges: { readAccount: 'Global' } }, 'privileges.readAccount', /"prv" \+ capitalised verb/],
    ['a privilege listed twice in different case', { privileges: { prvReadAccount: 'Global', prvReadACCOUNT: 'Global' } }, 'privileges.prvReadACCOUNT', /each privilege once/],
    ['a depth the catalog does not allow', { privileges: { prvReadWebResource: 'Basic' } }, 'privileges.prvReadWebResource', /: "Basic": prvReadWebResource allows only Global$/],
    ['Basic on a business-unit-owned table', { privileges: { prvReadUser: 'User' } }, 'privileges.prvReadUser', /: "User": prvReadUser allows Business Unit \(Local\), Parent: Child BUs \(Deep\) or Organization \(Global\)$/],
    ['a portal depth the catalog does not allow', { privileges: { prvReadSolution: 'User' } }, 'privileges.prvReadSolution', /: "User": prvReadSolution allows only Organization \(Global\)$/],
    ['the level dvpkg prints, where not allowed', { privileges: { prvReadSolution: 'Parent: Child BUs' } }, 'privileges.prvReadSolution', /: "Parent: Child BUs": prvReadSolution allows only Organization \(Global\)$/],
    ['customizable as text', { customizable: 'yes' }, 'customizable', /true or false/],
  ];
  for (const [title, overrides, fieldPath, expected] of roleCases) {
    it(`rejects a role with ${title} (${fieldPath})`, () => {
      const role = validRole(overrides);
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete role[k];
      const result = validate(validSolution(), [role]);
      expectOneError(result.problems, 'roles/role0.json', fieldPath, expected);
    });
  }

  it('suggests the right case for a name that differs only in case', () => {
    const result = validate(validSolution(), [validRole({ privileges: { prvreadaccount: 'Global' } })]);
    const error = expectOneError(result.problems, 'roles/role0.json', 'privileges.prvreadaccount', /"prvreadaccount": expected a privilege name: "prv" \+ capitalised verb and table/);
    expect(error.hint).to.equal('did you mean prvReadAccount?');
    const lower = validate(validSolution(), [validRole({ privileges: { prvReadaccount: 'Global' } })]);
    expect(expectOneError(lower.problems, 'roles/role0.json', 'privileges.prvReadaccount', /privilege name Dataverse defines/).hint).to.equal('did you mean prvReadAccount?');
  });

  it('reports a likely typo with a "did you mean" suggestion', () => {
    const result = validate(validSolution(), [validRole({ privileges: { prvReadAcount: 'Global' } })]);
    const error = expectOneError(result.problems, 'roles/role0.json', 'privileges.prvReadAcount', /privilege name Dataverse defines/);
    expect(error.hint).to.equal('did you mean prvReadAccount?');
    expect(formatProblem(error)).to.equal(
      'error: roles/role0.json: privileges.prvReadAcount: "prvReadAcount": expected a privilege name Dataverse defines (did you mean prvReadAccount?)',
    );
  });

  const logicalNames: Array<[string, string]> = [
    ['prvWriteAnnotation', 'prvWriteNote'],
    ['prvReadSystemUser', 'prvReadUser'],
    ['prvReadActivityPointer', 'prvReadActivity'],
    ['prvCreateEmail', 'prvCreateActivity'],
    ['prvReadSavedQuery', 'prvReadQuery'],
    ['prvReaduserquery', 'prvReadUserQuery'],
    ['prvReadKbArticle', 'prvReadArticle'],
    ['prvReadTemplate', 'prvReadEmailTemplate'],
  ];
  for (const [written, right] of logicalNames) {
    it(`rejects ${written}, a system table's logical name, suggesting ${right}`, () => {
      const result = validate(validSolution(), [validRole({ privileges: { [written]: 'Global' } })]);
      const error = expectOneError(result.problems, 'roles/role0.json', `privileges.${written}`, /are named after \w+, not its logical name/);
      expect(error.hint).to.equal(`did you mean ${right}?`);
    });
  }

  it('names the table and the privilege name in the logical-name message', () => {
    const result = validate(validSolution(), [validRole({ privileges: { prvWriteAnnotation: 'Basic' } })]);
    expect(errorsOf(result.problems).map(formatProblem)).to.deep.equal([
      'error: roles/role0.json: privileges.prvWriteAnnotation: "prvWriteAnnotation": expected a privilege name Dataverse defines: the privileges of table annotation are named after Note, not its logical name (did you mean prvWriteNote?)',
    ]);
  });

  it('warns about custom-table privileges, and fails them with --strict', () => {
    const role = validRole({ privileges: { prvReadcontoso_Widget: 'Basic', prvReadAccount: 'Global' } });
    const lenient = validate(validSolution(), [role]);
    expect(errorsOf(lenient.problems)).to.deep.equal([]);
    expect(lenient.problems).to.have.length(1);
    expect(lenient.problems[0]!.severity).to.equal('warning');
    expect(lenient.problems[0]!.expected).to.match(/custom-table privilege/);
    expect(lenient.model).to.not.equal(undefined);
    const strict = validate(validSolution(), [role], { strict: true });
    expectOneError(strict.problems, 'roles/role0.json', 'privileges.prvReadcontoso_Widget', /custom-table privilege/);
  });

  it('rejects two roles with the same name or id, naming both files', () => {
    const result = validate(validSolution(), [validRole(), validRole({ name: 'contoso reader' })]);
    const error = expectOneError(result.problems, 'roles/role1.json', 'name', /not used by another role/);
    expect(error.expected).to.contain('roles/role0.json');
    const ids = validate(validSolution(), [validRole({ id: '346c8295-a669-f011-bec2-00224823101f' }), validRole({ name: 'Other', id: '{346C8295-A669-F011-BEC2-00224823101F}' })]);
    expectOneError(ids.problems, 'roles/role1.json', 'id', /not used by another role/);
  });

  it('reports every problem at once', () => {
    const result = validate(validSolution({ uniqueName: 'bad name', version: '1' }), [validRole({ privileges: { prvReadAcount: 'Nope' } })]);
    const paths = errorsOf(result.problems).map((p) => `${p.file}#${p.path}`);
    expect(paths).to.include.members(['solution.json#uniqueName', 'solution.json#version', 'roles/role0.json#privileges.prvReadAcount']);
  });

  it('uses --version over the spec and checks it', () => {
    expect(validate(validSolution(), [validRole()], { version: '3.1.4.1' }).model!.version).to.equal('3.1.4.1');
    expectOneError(validate(validSolution(), [validRole()], { version: '3.1' }).problems, '--version', '', /four numeric parts/);
  });

  describe('reading files', () => {
    it('points at the line and column of a JSON syntax error', async () => {
      const dir = await writeTree(await tempDir(), { 'solution.json': validSolution(), 'roles/a.json': '{\n  "name": "A",\n  "privileges": { "prvReadAccount": "Global", }\n}\n' });
      const error = await loadSpec(dir).catch((e: unknown) => e);
      expect(isDvpkgError(error)).to.equal(true);
      if (!isDvpkgError(error)) return;
      expect(error.code).to.equal('DVPKG_SPEC_INVALID');
      expect(error.exitCode).to.equal(2);
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]!.file).to.equal(`${path.join(dir, 'roles', 'a.json')}:3:47`);
      expect(error.problems[0]!.expected).to.match(/valid JSON/);
    });

    it('catches a privilege written twice with the same key (which JSON.parse would hide)', async () => {
      const dir = await writeTree(await tempDir(), {
        'solution.json': validSolution(),
        'roles/a.json': '{ "name": "A", "privileges": { "prvReadAccount": "Global", "prvReadAccount": "Basic" } }',
      });
      const error = await loadSpec(dir).catch((e: unknown) => e);
      expect(isDvpkgError(error) && error.problems.map((p) => p.path)).to.deep.equal(['privileges.prvReadAccount']);
    });

    it('names the missing roles folder', async () => {
      const dir = await writeTree(await tempDir(), { 'solution.json': validSolution() });
      const error = await loadSpec(dir).catch((e: unknown) => e);
      expect(isDvpkgError(error) && error.problems[0]!.expected).to.match(/roles\/ folder/);
    });
  });
});

describe('spec validation: the admin-consent redirect URI', () => {
  const check = (app: Record<string, unknown>) =>
    validateSpec(
      { format: 'json', dir: 'spec', solution: { file: 'solution.json', data: validSolution({ app }), duplicateKeys: [] }, roles: [{ file: 'r.json', data: validRole(), duplicateKeys: [] }], problems: [] },
      { strict: false, catalog: defaultCatalog() },
    );

  it('carries it into the model', () => {
    const result = check({ clientId: '11111111-2222-4333-8444-555555555555', name: 'A', consentRedirectUri: 'https://a.example/done' });
    expect(result.model!.app!.consentRedirectUri).to.equal('https://a.example/done');
  });

  it('warns when it is missing and rejects one that is not an https URL', () => {
    const missing = check({ clientId: '11111111-2222-4333-8444-555555555555', name: 'A', adminClientId: CONTOSO_ADMIN_CLIENT_ID });
    expect(missing.problems.map((p) => `${p.severity} ${p.path}`)).to.deep.equal(['warning app.consentRedirectUri']);
    const bad = check({ clientId: '11111111-2222-4333-8444-555555555555', name: 'A', consentRedirectUri: 'ftp://a.example/x', adminClientId: CONTOSO_ADMIN_CLIENT_ID });
    expect(bad.problems.map((p) => `${p.severity} ${p.path}`)).to.deep.equal(['error app.consentRedirectUri']);
  });
});

describe('spec validation: the admin sign-in client (app.adminClientId)', () => {
  const check = (app: Record<string, unknown>, flags: ValidateOptions['app'] = undefined) =>
    validateSpec(
      { format: 'json', dir: 'spec', solution: { file: 'solution.json', data: validSolution({ app }), duplicateKeys: [] }, roles: [{ file: 'r.json', data: validRole(), duplicateKeys: [] }], problems: [] },
      { strict: false, catalog: defaultCatalog(), ...(flags ? { app: flags } : {}) },
    );
  const base = { clientId: '11111111-2222-4333-8444-555555555555', name: 'A', consentRedirectUri: 'https://a.example/done' };

  it('carries the ISV public client into the model and the manifest without a warning', () => {
    const result = check({ ...base, adminClientId: CONTOSO_ADMIN_CLIENT_ID.toUpperCase() });
    expect(result.problems).to.deep.equal([]);
    expect(result.model!.app!.adminClientId).to.equal(CONTOSO_ADMIN_CLIENT_ID);
  });

  it("warns when the package would sign admins in through Microsoft's sample app, absent or named", () => {
    for (const app of [base, { ...base, adminClientId: '51f81489-12ee-4a9e-aaae-a2591f45987d' }]) {
      const result = check(app);
      expect(result.problems.map((p) => `${p.severity} ${p.file} ${p.path}`)).to.deep.equal(['warning solution.json app.adminClientId']);
      expect(result.problems[0]!.expected).to.match(/development and prototyping only/);
      expect(result.model, 'a warning still builds').to.not.equal(undefined);
    }
  });

  it('refuses a value that is not a GUID, and lets --admin-client-id win over the file', () => {
    const bad = check({ ...base, adminClientId: 'contoso-admin' });
    expect(bad.problems.map((p) => `${p.severity} ${p.path}`)).to.deep.equal(['error app.adminClientId']);
    expect(bad.problems[0]!.expected).to.match(/http:\/\/localhost redirect/);
    const flagged = check({ ...base, adminClientId: 'contoso-admin' }, { adminClientId: CONTOSO_ADMIN_CLIENT_ID });
    expect(flagged.problems).to.deep.equal([]);
    expect(flagged.model!.app!.adminClientId).to.equal(CONTOSO_ADMIN_CLIENT_ID);
  });
});

describe('spec validation: levels as dvpkg itself prints them', () => {
  it('accepts "Parent: Child BUs", the words of the admin README and the plan, as Deep', () => {
    const result = validate(validSolution(), [validRole({ privileges: { prvReadContact: 'Parent: Child BUs', prvReadAccount: 'parent:child bus' } })]);
    expect(errorsOf(result.problems)).to.deep.equal([]);
    expect(result.model!.roles[0]!.privileges.map((p) => `${p.name}=${p.level}`).sort()).to.deep.equal(['prvReadAccount=Deep', 'prvReadContact=Deep']);
    const bad = validate(validSolution(), [validRole({ privileges: { prvReadContact: 'Parent only' } })]);
    expect(errorsOf(bad.problems)[0]!.expected).to.contain('(or User, Business Unit, Parent: Child BUs, Organization)');
  });
});
