/**
 * System tables whose privileges carry a legacy name instead of the table's logical name, so
 * `prvWriteAnnotation` is a mistake for `prvWriteNote`. Sources (Microsoft Learn, Dynamics 365 SDK):
 * - "RetrievePrincipalAccess message privileges" (previous-versions/dynamicscrm-2016/developers-guide/gg309363):
 *   annotation → prvReadNote; appointment, email, fax, letter, phonecall, task, … → prvReadActivity;
 *   template → prvReadEmailTemplate; salesorder → prvReadOrder; processsession → prvReadWorkflowSession;
 *   userquery → prvReadUserQuery.
 * - "SystemUser (user) entity privileges" (gg328102) and KB 4563997: systemuser → prvReadUser.
 * - "ExecuteByIdSavedQuery message privileges" (gg334661): savedquery → prvReadQuery.
 * - "KbArticle (article) entity privileges" (gg328522): kbarticle → prvReadArticle.
 * Keys are logical names, values the name the privileges use.
 */
const ACTIVITY_TABLES = [
  'activitypointer',
  'appointment',
  'bulkoperation',
  'campaignactivity',
  'campaignresponse',
  'email',
  'fax',
  'incidentresolution',
  'letter',
  'opportunityclose',
  'orderclose',
  'phonecall',
  'quoteclose',
  'recurringappointmentmaster',
  'serviceappointment',
  'task',
];

const PRIVILEGE_TABLE_NAMES: ReadonlyMap<string, string> = new Map([
  ['annotation', 'Note'],
  ['systemuser', 'User'],
  ['savedquery', 'Query'],
  ['userquery', 'UserQuery'],
  ['kbarticle', 'Article'],
  ['template', 'EmailTemplate'],
  ['salesorder', 'Order'],
  ['processsession', 'WorkflowSession'],
  ...ACTIVITY_TABLES.map((table): [string, string] => [table, 'Activity']),
]);

/** The name a system table's privileges use, when `table` is its logical name and that differs. */
export function privilegeTableName(table: string): string | undefined {
  const name = PRIVILEGE_TABLE_NAMES.get(table.toLowerCase());
  return name !== undefined && name !== table ? name : undefined;
}
