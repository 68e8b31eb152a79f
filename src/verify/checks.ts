/** Read probes: declared read privileges whose tables the probe can read one row of. */
export const PROBE_TABLES: Record<string, string> = {
  prvReadAccount: 'accounts',
  prvReadContact: 'contacts',
  prvReadNote: 'annotations',
};

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  expected: string;
  actual: string;
  /** One line per difference. */
  details: string[];
  durationMs: number;
}
