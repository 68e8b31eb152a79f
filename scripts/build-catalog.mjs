#!/usr/bin/env node
// Builds src/spec/privileges.json, the shipped catalog of out-of-box privilege names and the depths
// each allows. Run after changing a list below or the real exports in ../shared/fixtures/real:
//   node scripts/build-catalog.mjs
//
// Depths come from table ownership (solution-format.md §5.2): organization-owned -> Global only,
// business-unit-owned -> Local/Deep/Global, user/team-owned -> all four. Any depth a real export
// grants is always added on top, so the catalog never rejects something Dataverse itself exported.
// Tables whose ownership is not verified below get all four: rejecting a valid depth blocks a user
// outright, while a too-wide entry only postpones the error to import time.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const realDir = path.resolve(repoRoot, '../shared/fixtures/real');
const outFile = path.join(repoRoot, 'src/spec/privileges.json');

const LEVELS = ['Basic', 'Local', 'Deep', 'Global'];
const ALL = LEVELS;
const BU = ['Local', 'Deep', 'Global'];
const GLOBAL = ['Global'];

// "Appendto" is how real exports spell prvAppendtoCategory, so verbs match case-insensitively;
// AppendTo must be tried before Append.
const TABLE_PRIVILEGE = /^prv(AppendTo|Append|Assign|Create|Delete|Read|Share|Write)(.+)$/i;

/**
 * Table ownership by the entity part of the privilege name (prvRead<Entity>), compared
 * case-insensitively. Where the privilege name differs from the logical name, the logical name
 * follows in the comment.
 */
const OWNERSHIP = [
  {
    depths: GLOBAL,
    // MicrosoftDocs/powerapps-docs powerapps-docs/developer/data-platform/reference/entities/<logicalname>.md:
    // "OwnershipType | OrganizationOwned". Article = kbarticle, ArticleTemplate = kbarticletemplate,
    // NewsArticle = businessunitnewsarticle, Query = savedquery,
    // SavedQueryVisualizations = savedqueryvisualization.
    entities: [
      'AppConfigMaster', 'AppModule', 'Article', 'ArticleTemplate', 'AttributeMap',
      'AzureServiceConnection', 'ComplexControl', 'ConnectionRole', 'DelveActionHub',
      'DocumentTemplate', 'EntityDataProvider', 'EntityMap', 'ExpanderEvent', 'ExpiredProcess',
      'HierarchyRule', 'KnowledgeBaseRecord', 'LanguageLocale', 'MobileOfflineProfile', 'NewProcess',
      'NewsArticle', 'OfficeGraphDocument', 'Organization', 'PluginType', 'Post', 'Query',
      'RecommendedDocument', 'RelationshipRole', 'SavedQueryVisualizations',
      'SdkMessageProcessingStep', 'SdkMessageProcessingStepImage', 'SharePointData', 'Solution',
      'SystemForm', 'TraceLog', 'TransactionCurrency', 'WebResource',
    ],
  },
  {
    depths: GLOBAL,
    // ../shared/reference/solution-format.md §5.2 (CRM SDK "SdkMessage entity privileges",
    // gg328085, marks only Global; every real export has these at Global).
    entities: ['PluginAssembly', 'SdkMessage'],
  },
  {
    depths: GLOBAL,
    // Metadata tables: the table reference gives "OwnershipType | None" for entity, attribute,
    // entitykey and relationship, so there is no owner or business unit to scope a depth to.
    entities: ['Attribute', 'Entity', 'EntityKey', 'Relationship'],
  },
  {
    depths: BU,
    // Table reference: "OwnershipType | BusinessOwned". User = systemuser. CRM SDK pages mark
    // Local/Deep/Global for SystemUser (gg328102), Team (gg328054), BusinessUnit (gg309344) and
    // Role (gg309683). UserSettings is the table behind the "prvDeleteUserSettings can't have
    // depth = Basic" import failure (solution-format.md §4.4).
    entities: ['BusinessUnit', 'Calendar', 'Role', 'Team', 'User', 'UserSettings'],
  },
  {
    depths: ALL,
    // Table reference: "OwnershipType | UserOwned". Activity = activitypointer, Note = annotation;
    // account/contact/lead/opportunity/incident also solution-format.md §5.2 (CRM SDK "Account
    // entity privileges", gg327880, marks all four).
    entities: [
      'Account', 'Activity', 'Category', 'ChannelAccessProfile', 'connector', 'Contact',
      'DuplicateRule', 'EmailServerProfile', 'EnvironmentVariableDefinition', 'ExternalParty', 'Goal',
      'Incident', 'InteractionForEmail', 'Lead', 'Note', 'Opportunity', 'Queue',
    ],
  },
];

/**
 * Privileges without a table (or with rules of their own), each with its documented depths.
 * Listed names are catalog entries even when no real export holds them.
 */
const DOCUMENTED_DEPTHS = [
  {
    depths: GLOBAL,
    // CRM 2011/2013 SDK "Privileges not associated with an entity" (gg328200) marks only Global;
    // prvBulkDelete also "BulkDeleteOperation entity privileges" (gg309599).
    names: [
      'prvActOnBehalfOfAnotherUser', 'prvActivateBusinessProcessFlow', 'prvActivateBusinessRule',
      'prvAddressBook', 'prvAdminFilter', 'prvAllowQuickCampaign', 'prvBrowseAvailability',
      'prvBulkDelete',
    ],
  },
  {
    depths: GLOBAL,
    // CRM 3.0 SDK "Business Unit Privileges" (aa476330): allowed scope Global.
    names: ['prvDisableBusinessUnit', 'prvReparentBusinessUnit'],
  },
  {
    depths: ['Deep', 'Global'],
    // aa476330: allowed scope "Deep, Global"; gg309344 marks two depths.
    names: ['prvCreateBusinessUnit'],
  },
  {
    depths: BU,
    // gg328200 (crm.5) for prvApproveRejectEmailAddress, SystemUser entity privileges (gg328102)
    // for the user ones, Team entity privileges (gg328054) for prvReparentTeam.
    names: [
      'prvApproveRejectEmailAddress', 'prvAssignManager', 'prvAssignTerritory', 'prvDisableUser',
      'prvReparentTeam',
    ],
  },
  {
    depths: ALL,
    // gg328200 marks all four for prvActivateSynchronousWorkflow (real exports hold it at Basic).
    // The rest of MicrosoftDocs/power-platform power-platform/admin/miscellaneous-privileges.md,
    // whose depths no source gives.
    names: [
      'prvActivateSynchronousWorkflow', 'prvApproveKnowledgeArticle', 'prvAssignPosition',
      'prvBulkEdit', 'prvConfigureInternetMarketing', 'prvConfigureSharePoint', 'prvConfigureYammer',
      'prvCreateOrgEmailTemplates', 'prvCreateOwnCalendar', 'prvDeleteAuditPartitions',
      'prvDeleteOwnCalendar', 'prvDeleteRecordChangeHistory', 'prvExportCustomization',
      'prvImportCustomization', 'prvISVExtensions', 'prvLanguageSettings', 'prvMerge',
      'prvOverrideCreatedOnCreatedBy', 'prvOverridePriceEngineInvoice',
      'prvOverridePriceEngineOpportunity', 'prvOverridePriceEngineOrder',
      'prvOverridePriceEngineQuote', 'prvPublishArticle', 'prvPublishCustomization',
      'prvPublishDuplicateRule', 'prvPublishKnowledgeArticle', 'prvPublishOrgMailMergeTemplate',
      'prvPublishOrgReport', 'prvPublishRSReport', 'prvQOIOverrideDelete', 'prvReadAuditPartitions',
      'prvReadAuditSummary', 'prvReadLicense', 'prvReadOwnCalendar', 'prvReadRecordAuditHistory',
      'prvReparentUser', 'prvRetrieveMultipleSocialInsights', 'prvRollupGoal',
      'prvSearchAvailability', 'prvSendAsUser', 'prvSendInviteForLive', 'prvUseInternetMarketing',
      'prvWebMailMerge', 'prvWorkflowExecution', 'prvWriteHierarchicalSecurityConfiguration',
      'prvWriteOwnCalendar',
    ],
  },
];

const STANDARD_VERBS = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'];
const standardEight = (entity) => STANDARD_VERBS.map((verb) => `prv${verb}${entity}`);

/** Table privileges whose names are verified but that no real export here happens to hold. */
const CURATED_TABLE_PRIVILEGES = [
  // solution-format.md §5.3 and the Basic User copy in apollo-healthcare/Roles/Apollo Staff.xml.
  ...standardEight('Account'),
  ...standardEight('Contact'),
  ...standardEight('Note'),
  ...standardEight('Activity'),
  // CRM SDK "Lead entity privileges" (gg334808) and "Opportunity entity privileges" (gg328513).
  ...standardEight('Lead'),
  ...standardEight('Opportunity'),
  // Only the incident names Microsoft documents: prvReadIncident (solution-format.md §5.1, KB
  // 4563997), prvWriteIncident/prvAppendToIncident ("CloseIncident message privileges", gg334798),
  // prvAssignIncident ("Assign message privileges", gg334473), prvShareIncident (CRM 3.0 SDK
  // CRMIncident.ModifyAccess, ms934403).
  'prvReadIncident', 'prvWriteIncident', 'prvAppendToIncident', 'prvAssignIncident', 'prvShareIncident',
  // gg328102 and CRM 3.0 SDK "User Privileges" (ms955935).
  'prvCreateUser', 'prvReadUser', 'prvWriteUser', 'prvAppendUser', 'prvAppendToUser',
  // gg328054.
  'prvCreateTeam', 'prvReadTeam', 'prvWriteTeam', 'prvDeleteTeam', 'prvAppendTeam', 'prvAppendToTeam',
  // gg309344 and aa476330.
  'prvReadBusinessUnit', 'prvWriteBusinessUnit', 'prvDeleteBusinessUnit', 'prvAppendBusinessUnit',
  // gg309683.
  'prvCreateRole', 'prvReadRole', 'prvWriteRole', 'prvDeleteRole', 'prvAppendRole', 'prvAppendToRole',
  'prvAssignRole',
  // Microsoft troubleshooting article "Environment load fails due to insufficient permissions in PAD
  // after 2.46": "assign the missing prvReadSolution privilege".
  'prvReadSolution',
  // SecLib::CheckPrivilege failures quoted in ../shared/reference/anchors.md (pnp/powerapps-samples #265).
  'prvCreateEntity',
];

function isCustomTablePrivilege(name) {
  return name.includes('_');
}

function listXmlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) return listXmlFiles(full);
      return d.name.toLowerCase().endsWith('.xml') ? [full] : [];
    })
    .sort();
}

function collectRolePrivileges(node, out) {
  if (Array.isArray(node)) {
    for (const item of node) collectRolePrivileges(item, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'RolePrivilege') {
        for (const p of Array.isArray(value) ? value : [value]) out.push(p);
      } else {
        collectRolePrivileges(value, out);
      }
    }
  }
}

/** Every (name, level) a real export grants, skipping custom tables. */
function readRealGrants() {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });
  const grants = new Map();
  const files = listXmlFiles(realDir);
  for (const file of files) {
    const found = [];
    collectRolePrivileges(parser.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')), found);
    for (const p of found) {
      const name = p['@_name'];
      const level = p['@_level'];
      if (typeof name !== 'string' || !LEVELS.includes(level)) {
        throw new Error(`${path.relative(realDir, file)}: unexpected RolePrivilege ${JSON.stringify(p)}`);
      }
      if (isCustomTablePrivilege(name)) continue;
      if (!grants.has(name)) grants.set(name, new Set());
      grants.get(name).add(level);
    }
  }
  if (grants.size === 0) throw new Error(`no role privileges found under ${realDir}`);
  return { grants, fileCount: files.length };
}

function checkUnique(lists, key) {
  const seen = new Set();
  for (const list of lists) {
    for (const item of list[key]) {
      const k = item.toLowerCase();
      if (seen.has(k)) throw new Error(`${item} is listed twice`);
      seen.add(k);
    }
  }
}

function build() {
  checkUnique(OWNERSHIP, 'entities');
  checkUnique(DOCUMENTED_DEPTHS, 'names');

  const ownership = new Map();
  for (const group of OWNERSHIP) {
    for (const entity of group.entities) ownership.set(entity.toLowerCase(), group.depths);
  }
  const documented = new Map();
  for (const group of DOCUMENTED_DEPTHS) {
    for (const name of group.names) documented.set(name, group.depths);
  }

  const { grants, fileCount } = readRealGrants();
  const names = new Set([...grants.keys(), ...documented.keys(), ...CURATED_TABLE_PRIVILEGES]);
  const unverified = new Set();
  // Only user/team-owned tables allow Basic (§5.2), so a real Basic grant already settles ownership.
  const provenUserOwned = new Set();
  const widened = [];
  const privileges = {};

  for (const name of names) {
    let base = documented.get(name);
    if (!base) {
      const match = TABLE_PRIVILEGE.exec(name);
      const entity = match ? match[2] : undefined;
      base = entity ? ownership.get(entity.toLowerCase()) : undefined;
      if (!base) {
        unverified.add(entity ?? name);
        base = ALL;
      }
      if (entity && grants.get(name)?.has('Basic')) provenUserOwned.add(entity);
    }
    const observed = grants.get(name) ?? new Set();
    const extra = [...observed].filter((level) => !base.includes(level));
    if (extra.length > 0) widened.push(`${name} +${extra.join(',')}`);
    privileges[name] = LEVELS.filter((level) => base.includes(level) || observed.has(level))
      .map((level) => level[0])
      .join('');
  }

  const sorted = {};
  for (const name of Object.keys(privileges).sort(compareNames)) sorted[name] = privileges[name];
  const doc = {
    source:
      'Generated by scripts/build-catalog.mjs from the real role exports in ../shared/fixtures/real ' +
      'and the sourced lists in that script; do not edit by hand. Depths: B=Basic L=Local D=Deep G=Global.',
    privileges: sorted,
  };
  writeFileSync(outFile, `${JSON.stringify(doc, null, 2)}\n`);

  const log = (line) => process.stderr.write(`${line}\n`);
  log(`${path.relative(repoRoot, outFile)}: ${names.size} privileges (${grants.size} from ${fileCount} real files)`);
  if (widened.length > 0) log(`widened by real exports: ${widened.join('; ')}`);
  const open = [...unverified].filter((e) => !provenUserOwned.has(e)).sort(compareNames);
  log(`no verified ownership or documented depths and no Basic grant, so all four allowed (${open.length}): ${open.join(', ')}`);
}

// Same order as compareNames in src/spec/model.ts, the order Dataverse exports privileges in.
function compareNames(a, b) {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

build();
