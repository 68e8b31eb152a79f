#!/usr/bin/env node
// Builds src/emulator/data/privileges.json, the emulator's own privilege table (what a fresh org's
// `privileges` entity set holds). It is deliberately independent of the product's build-time catalog
// (src/spec/privileges.json, scripts/build-catalog.mjs): test/emulator/privilege-drift.test.ts compares
// the two, so a mistake in one shows up as a difference instead of passing silently.
//
//   node scripts/build-emulator-privileges.mjs
//
// Inputs, read at build time and never copied into the repository:
//   - every role in the real exports under ../shared/fixtures/real (loose XML files and the solution zips),
//     see its SOURCES.md. A depth a real export grants is always allowed: Dataverse exported it.
//   - table ownership and per-privilege depths from Microsoft docs, cited per list below.
//
// Each entry: name, canbebasic/canbelocal/canbedeep/canbeglobal, canbeentityreference,
// canbeparententityreference, and `basis` (how the depths were decided: documented, observed, inferred).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const realDir = path.resolve(root, '../shared/fixtures/real');
const outFile = path.join(root, 'src/emulator/data/privileges.json');

const BASIC = 'Basic';
const LOCAL = 'Local';
const DEEP = 'Deep';
const GLOBAL = 'Global';
const ALL_FOUR = [BASIC, LOCAL, DEEP, GLOBAL];

// "A privilege is the capability to perform specific operation: Create, Read, Write, Delete, Append,
// AppendTo, Assign, and Share" (MicrosoftDocs/powerapps-docs developer/data-platform/security-concepts.md).
// Real exports spell one of them "Appendto" (prvAppendtoCategory), so the verb matches case-insensitively,
// longest first.
const TABLE_VERB = /^prv(appendto|append|assign|create|delete|read|share|write)(.+)$/i;

// Depths by table ownership, keyed by the table part of the privilege name (case-insensitive).
// Organization-owned: "These access levels can only be Global or None" (security-concepts.md).
// Business-owned tables scope to a business unit, so Local/Deep/Global (the CRM SDK privilege pages
// for SystemUser gg328102, Team gg328054, BusinessUnit gg309344 and Role gg309683 mark exactly those).
const OWNERSHIP_DEPTHS = [
  {
    depths: [GLOBAL],
    // powerapps-docs developer/data-platform/reference/entities/<table>.md, "OwnershipType | OrganizationOwned"
    // (Query = savedquery, the privilege uses the old name).
    tables: ['Solution', 'WebResource', 'SystemForm', 'PluginType', 'PluginAssembly', 'SdkMessage',
      'SdkMessageProcessingStep', 'SdkMessageProcessingStepImage', 'Organization', 'TransactionCurrency',
      'Query', 'AppModule', 'ConnectionRole', 'DocumentTemplate', 'EntityMap', 'AttributeMap', 'LanguageLocale'],
  },
  {
    depths: [GLOBAL],
    // Metadata tables: entity.md, attribute.md, relationship.md and entitykey.md say "OwnershipType | None";
    // with no owner there is nothing narrower than the organization (inferred from that).
    tables: ['Entity', 'Attribute', 'Relationship', 'EntityKey'],
  },
  {
    depths: [LOCAL, DEEP, GLOBAL],
    // systemuser.md, team.md, businessunit.md, role.md, usersettings.md, calendar.md: "OwnershipType |
    // BusinessOwned" (User = systemuser). The field report "The privilege prvDeleteUserSettings … can't
    // have depth = Basic" (solution-format.md §4.4) matches.
    tables: ['User', 'Team', 'BusinessUnit', 'Role', 'UserSettings', 'Calendar'],
  },
  {
    depths: ALL_FOUR,
    // lead.md, opportunity.md, incident.md: "OwnershipType | UserOwned"; user/team-owned tables take all four.
    tables: ['Lead', 'Opportunity', 'Incident'],
  },
];

// Privileges without a table, with the depths Microsoft documents for them.
const DOCUMENTED = [
  // "Privileges not associated with an entity" (learn.microsoft.com previous-versions/dynamicscrm-2013/
  // developers-guide/gg328200): one depth mark, Global.
  { depths: [GLOBAL], names: ['prvActOnBehalfOfAnotherUser', 'prvActivateBusinessProcessFlow', 'prvActivateBusinessRule'] },
  // Same page: all four depth marks.
  { depths: ALL_FOUR, names: ['prvActivateSynchronousWorkflow'] },
  // "BulkDeleteOperation entity privileges" (gg309599): Global.
  { depths: [GLOBAL], names: ['prvBulkDelete'] },
];

// Privileges the emulator's own routes check (src/emulator/dataverse). They must exist even when no real
// export here holds them. Depths follow the ownership lists above (prvAssignRole: Role is business-owned;
// gg309683 marks Local/Deep/Global), or are inferred.
const EMULATOR_CHECKS = [
  'prvReadSolution', 'prvImportCustomization', 'prvAssignRole', 'prvReadRole', 'prvWriteRole', 'prvCreateRole',
  'prvReadUser', 'prvCreateUser', 'prvWriteUser', 'prvDisableUser', 'prvReadBusinessUnit',
  'prvReadTeam', 'prvReadImportJob', 'prvReadAsyncOperation', 'prvReadAccount', 'prvReadContact', 'prvReadNote',
  'prvWriteAccount', 'prvWriteContact',
];
// prvDisableUser is a user privilege without a table verb: gg328102 lists it with Local/Deep/Global.
const USER_SCOPED = new Set(['prvDisableUser']);

// Table privileges whose names Microsoft documents but that no real export here holds. The CRM SDK
// "<Entity> entity privileges" pages (learn.microsoft.com previous-versions/dynamicscrm-2016/developers-guide):
// Team gg328054, BusinessUnit gg309344, Role gg309683, Lead gg334808, Opportunity gg328513; the incident names
// from "CloseIncident message privileges" (gg334798) and "Assign message privileges" (gg334473).
const EIGHT = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'];
const DOCUMENTED_NAMES = [
  ...['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'].map((right) => `prv${right}Team`),
  ...['Create', 'Read', 'Write', 'Delete', 'Append'].map((right) => `prv${right}BusinessUnit`),
  ...['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign'].map((right) => `prv${right}Role`),
  ...EIGHT.map((right) => `prv${right}Lead`),
  ...EIGHT.map((right) => `prv${right}Opportunity`),
  'prvReadIncident', 'prvWriteIncident', 'prvAppendToIncident', 'prvAssignIncident',
];

// Microsoft's own table prefix: msdyn_ tables are first-party (powerapps-docs reference/entities/msdyn_*.md),
// present in every org that has the app installed, so their privileges are kept. Any other prefix is a
// custom table of the solution that ships it; the emulator creates those privileges when it imports the
// table (src/emulator/import/custom-tables.ts), so they are left out here.
const FIRST_PARTY_PREFIXES = ['msdyn_'];

function tablePart(name) {
  return TABLE_VERB.exec(name)?.[2];
}

function isCustomTablePrivilege(name) {
  const table = tablePart(name);
  if (!table || !table.includes('_')) return false;
  return !FIRST_PARTY_PREFIXES.some((prefix) => table.toLowerCase().startsWith(prefix));
}

function rolePrivileges(xml) {
  const out = [];
  const element = /<RolePrivilege\b([^>]*)\/?>/g;
  for (let match = element.exec(xml); match; match = element.exec(xml)) {
    const attributes = match[1] ?? '';
    const name = /\bname="([^"]+)"/.exec(attributes)?.[1];
    const level = /\blevel="([^"]+)"/.exec(attributes)?.[1];
    if (!name || !ALL_FOUR.includes(level)) throw new Error(`unexpected RolePrivilege ${match[0]}`);
    out.push({ name, level });
  }
  return out;
}

function filesUnder(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(full, suffix);
      return entry.name.toLowerCase().endsWith(suffix) ? [full] : [];
    })
    .sort();
}

/** Every (name, level) a real export grants, with how many files were read. */
async function observedGrants() {
  const grants = new Map();
  const add = (privileges) => {
    for (const { name, level } of privileges) {
      if (isCustomTablePrivilege(name)) continue;
      if (!grants.has(name)) grants.set(name, new Set());
      grants.get(name).add(level);
    }
  };
  const xmlFiles = filesUnder(realDir, '.xml');
  for (const file of xmlFiles) add(rolePrivileges(readFileSync(file, 'utf8')));
  // Solution zips only (the built Package Deployer package holds the same solutions again).
  const zips = filesUnder(path.join(realDir, 'templates-for-power-platform', 'solutions'), '.zip');
  for (const file of zips) {
    const zip = await JSZip.loadAsync(readFileSync(file));
    const customizations = zip.file(/^customizations\.xml$/i)[0];
    if (customizations) add(rolePrivileges(await customizations.async('string')));
  }
  if (grants.size === 0) throw new Error(`no role privileges found under ${realDir}`);
  return { grants, files: xmlFiles.length + zips.length };
}

function decide(name, observed) {
  const documented = DOCUMENTED.find((group) => group.names.includes(name));
  if (documented) return { depths: documented.depths, basis: 'documented' };
  if (USER_SCOPED.has(name)) return { depths: [LOCAL, DEEP, GLOBAL], basis: 'documented' };
  const table = tablePart(name)?.toLowerCase();
  const owned = OWNERSHIP_DEPTHS.find((group) => group.tables.some((t) => t.toLowerCase() === table));
  if (owned) return { depths: owned.depths, basis: 'documented' };
  // A real Basic grant proves a user/team-owned table, and such tables allow all four depths.
  if (observed?.has(BASIC)) return { depths: ALL_FOUR, basis: 'observed' };
  // Unknown ownership (inferred): allow all four, so the emulator never refuses a depth Dataverse may accept;
  // the drift test reports these names where the product catalog is narrower.
  return { depths: ALL_FOUR, basis: 'inferred' };
}

async function build() {
  const { grants, files } = await observedGrants();
  const names = new Set([...grants.keys(), ...DOCUMENTED.flatMap((g) => g.names), ...DOCUMENTED_NAMES, ...EMULATOR_CHECKS]);
  const widened = [];
  const entries = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : 1)).map((name) => {
    const observed = grants.get(name);
    const { depths, basis } = decide(name, observed);
    const extra = [...(observed ?? [])].filter((level) => !depths.includes(level));
    if (extra.length) widened.push(`${name} +${extra.join(',')}`);
    const allowed = new Set([...depths, ...(observed ?? [])]);
    return {
      name,
      canbebasic: allowed.has(BASIC),
      canbelocal: allowed.has(LOCAL),
      canbedeep: allowed.has(DEEP),
      canbeglobal: allowed.has(GLOBAL),
      // "Information that specifies whether the privilege applies to the local reference of an external
      // party" / "to parent reference of the external party", default False (powerapps-docs
      // reference/entities/privilege.md). No table here is enabled for external parties, so false (inferred).
      canbeentityreference: false,
      canbeparententityreference: false,
      basis: extra.length ? 'observed' : basis,
    };
  });
  const doc = {
    source: 'Generated by scripts/build-emulator-privileges.mjs from the real exports in ../shared/fixtures/real and the Microsoft sources cited there; do not edit by hand.',
    privileges: entries,
  };
  // One privilege per line: diffs of a regenerated table stay readable.
  const lines = doc.privileges.map((entry) => `  ${JSON.stringify(entry)}`).join(',\n');
  writeFileSync(outFile, `{\n"source": ${JSON.stringify(doc.source)},\n"privileges": [\n${lines}\n]\n}\n`);
  process.stderr.write(`${path.relative(root, outFile)}: ${entries.length} privileges (${grants.size} seen in ${files} real files)\n`);
  if (widened.length) process.stderr.write(`real exports widen the documented depths: ${widened.join('; ')}\n`);
}

await build();
