import type { RootComponent } from '../components.js';
import type { ConnectionReferenceModel, EnvironmentVariableModel, Level, RoleModel } from '../model.js';

/** What solution.xml of an export says: identity, publisher, `<Managed>`, root components, requirements. */
export interface SolutionManifest {
  uniqueName: string;
  version: string;
  displayName: string;
  publisher: { uniqueName: string; displayName: string; prefix: string };
  /** solution.xml `<Managed>`: 1 is managed; 0 (unmanaged) and anything else is not. */
  managed: boolean;
  rootComponents: RootComponent[];
  /** Solutions its `MissingDependencies` name, one entry per solution with the highest version required. */
  requires: SolutionRequirement[];
  /**
   * Components it needs that were unmanaged, or in no solution, where it was exported
   * (`solution="Active"`): no package can supply them, so the target org must already have them.
   */
  requiresUnmanaged: RequiredComponent[];
}

/** What dvpkg knows about one of the ISV's own managed solutions, read from its exported zip. */
export interface IncludedSolution extends SolutionManifest {
  /** Where it came from, as messages show it: `solutions/a.zip`, or `pkg.pdpkg.zip: PkgAssets/a.zip` inside a package. */
  file: string;
  /** How to find the bytes again: the file on disk and, inside a package, the entry names from outer to inner zip. */
  origin: SolutionOrigin;
  /** Size and SHA-256 (hex) of the solution zip itself. */
  size: number;
  sha256: string;
  /** Custom tables the solution creates on import (see IncludedTable). */
  tables: IncludedTable[];
  /** Roles in customizations.xml `Roles/Role`, in the model every other input builds to. */
  roles: RoleModel[];
  /** The deployment settings it brings: what an admin may (or must) give values for at import. */
  environmentVariables: EnvironmentVariableModel[];
  connectionReferences: ConnectionReferenceModel[];
}

export interface SolutionOrigin {
  path: string;
  entries: string[];
}

export type IncludedTableOwnership = 'user' | 'organization' | 'business';

export interface IncludedTable {
  /** `EntityInfo/entity/@Name`, the SchemaName with its case, which privilege names embed. */
  schemaName: string;
  /** `Entity/Name/@LocalizedName`, for the admin README. */
  displayName: string;
  /** `OwnershipTypeMask` (UserOwned/TeamOwned → user, OrgOwned → organization, BusinessOwned → business); activity tables are user-owned. */
  ownership: IncludedTableOwnership;
  isActivity: boolean;
  /**
   * The privileges importing the table creates. An export does not list them: names and depths are
   * inferred from the ownership (packages-research.md Q1.1–Q1.2), so `inferred` is always true here
   * and the org's `EntityDefinitions(...)/Privileges` stays the authority at deploy time.
   */
  privileges: CreatedPrivilege[];
  inferred: true;
}

export interface CreatedPrivilege {
  name: string;
  depths: readonly Level[];
}

export interface RequiredComponent {
  /** `Required/@type` as written: a componenttype code ("1") or a name ("connectionreference"). */
  type: string;
  /** `schemaName`, else `id`, else an `id.*` key, else `displayName`. */
  name: string;
  displayName: string;
  /** The component of this solution that needs it (`Dependent`), described with the component type names. */
  neededBy: string;
}

export interface SolutionRequirement {
  uniqueName: string;
  /** The highest version any of its components is required at; undefined when the export gives none. */
  minVersion?: string;
  components: RequiredComponent[];
}

/** `configsolutionfile` options; undefined means the attribute is absent and Package Deployer's default applies. */
export interface ImportOptions {
  overwriteUnmanagedCustomizations?: boolean;
  publishWorkflowsAndActivatePlugins?: boolean;
}

export interface PackagedSolution {
  solution: IncludedSolution;
  options: ImportOptions;
  /** The solution zip's bytes as read, to ship in the deploy package without reading them again. */
  bytes: Buffer;
}
