/**
 * What a source solution holds besides roles: its root components (`Other/Solution.xml`
 * `RootComponents/RootComponent`) and the custom tables it defines.
 */

export interface RootComponent {
  /** Position in `RootComponents`, for messages that point into the file. */
  index: number;
  /** The `type` attribute as written: a componenttype code such as "1", rarely a name. */
  type: string;
  /** `schemaName`, else `id`. */
  name: string;
  /** 0 includes the component and its subcomponents; 1 and 2 only reference an existing one. */
  behavior: string;
}

export type TableOwnership = 'user' | 'organization';

export interface TableDefinition {
  /** As the export spells it (`Entity.xml` `entity/@Name`), or the root component's lower-case name without one. */
  schemaName: string;
  /** Undefined when the source does not say (no `Entities/<name>/Entity.xml`): the depth is not checked then. */
  ownership?: TableOwnership;
}

export const ROLE_COMPONENT_TYPE = '20';
export const TABLE_COMPONENT_TYPE = '1';

/**
 * Names for the `componenttype` choices of the solutioncomponent table
 * (MicrosoftDocs/powerapps-docs powerapps-docs/developer/data-platform/reference/entities/solutioncomponent.md,
 * "ComponentType Choices/Options"). 80 (model-driven app) is not in that list; Microsoft notes that
 * "some newer component types are not in this list" (AddSolutionComponentRequest.ComponentType), and
 * real exports use 80 for the app module whose site map is 62 (the prompt-library and Kudos trees).
 * Codes of 10000 and up are object type codes of newer component tables (connection references,
 * custom APIs …) that differ per org, so they are named by number.
 */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  '1': 'table',
  '2': 'column',
  '3': 'relationship',
  '9': 'choice (option set)',
  '10': 'table relationship',
  '14': 'alternate key',
  '20': 'security role',
  '24': 'form',
  '26': 'view',
  '29': 'process or cloud flow',
  '31': 'report',
  '36': 'email template',
  '44': 'duplicate detection rule',
  '59': 'chart',
  '60': 'system form',
  '61': 'web resource',
  '62': 'site map',
  '63': 'connection role',
  '65': 'hierarchy rule',
  '66': 'custom control',
  '70': 'field security profile',
  '80': 'model-driven app',
  '90': 'plug-in type',
  '91': 'plug-in assembly',
  '92': 'SDK message processing step',
  '93': 'SDK message processing step image',
  '95': 'service endpoint',
  '152': 'SLA',
  '161': 'mobile offline profile',
  '300': 'canvas app',
  '371': 'connector',
  '372': 'connector',
  '380': 'environment variable definition',
  '381': 'environment variable value',
  '400': 'AI project type',
  '401': 'AI project',
  '402': 'AI configuration',
  '430': 'entity analytics configuration',
  '431': 'attribute image configuration',
  '432': 'entity image configuration',
};

/** "table cr84c_prompt", "model-driven app cr84c_PromptManager", "component of type 10112 {…}". */
export function describeComponent(component: Pick<RootComponent, 'type' | 'name' | 'behavior'>): string {
  const kind = TYPE_NAMES[component.type] ?? (/^\d+$/.test(component.type) ? `component of type ${component.type}` : component.type);
  const referenced = component.behavior === '0' || component.behavior === '' ? '' : ' (referenced, not defined here)';
  return `${kind} ${component.name}${referenced}`;
}
