import type { DataverseClient } from '../../dataverse/client.js';
import type { AppUserRow, RoleRow } from '../../dataverse/operations.js';
import type { Manifest } from '../../package/manifest.js';
import type { Clock } from '../../runtime/clock.js';
import type { DeployEvent } from '../events.js';
import type { Change } from '../report.js';
import type { GivenSetting } from '../settings/input.js';

/** What every step executor gets: the org session, the package, time, and where to report. */
export interface ApplyContext {
  client: DataverseClient;
  manifest: Manifest;
  /** Each solution's zip, by its file name in the package. */
  zips: Map<string, Buffer>;
  overwriteUnmanaged: boolean;
  consentUrl: string;
  clock: Clock;
  signal?: AbortSignal;
  emit(event: DeployEvent): void;
  /** Work started in Dataverse and not seen to finish: what an interrupted run reports. */
  running: Set<string>;
  /** The values given for the package's settings, by lower-case name (secret ones too: never put them in an event). */
  settings: ReadonlyMap<string, GivenSetting>;
}

/** What steps learn and later steps use: the application user and the package's roles in the org. */
export interface ApplyState {
  appUser?: AppUserRow;
  /** Role rows as last read; cleared by an import, which may create or change them. */
  roles?: RoleRow[];
}

export interface StepOutcome {
  status: 'done' | 'skipped';
  outcome: string;
  changes: Change[];
}
