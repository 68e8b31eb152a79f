import { compareNames } from '../spec/model.js';
import { DvpkgError } from '../errors.js';
import { countOutcomes, type FleetOrgResult, type FleetSummary } from './summary.js';

/**
 * `dvpkg fleet-report merge`: the shards of a CI matrix joined into one summary, as one unsharded run
 * would have written it. An org in two shards (a list that changed between jobs) is an error, not a guess.
 */
export function mergeSummaries(parts: ReadonlyArray<{ where: string; summary: FleetSummary; reportDir?: string }>): FleetSummary {
  const first = parts[0];
  if (!first) throw new DvpkgError('DVPKG_USAGE', 'fleet-report merge: name at least one report folder');
  const seen = new Map<string, string>();
  const orgs: FleetOrgResult[] = [];
  for (const { where, summary, reportDir } of parts) {
    const { solution, version } = summary.package;
    if (solution !== first.summary.package.solution || version !== first.summary.package.version || summary.action !== first.summary.action) {
      throw new DvpkgError('DVPKG_USAGE', `${where}: a ${summary.action} of ${solution} ${version}, not of ${first.summary.package.solution} ${first.summary.package.version} like ${first.where}`);
    }
    for (const org of summary.orgs) {
      const key = org.org.toLowerCase();
      const other = seen.get(key);
      if (other) throw new DvpkgError('DVPKG_USAGE', `${where}: ${org.org} is in ${other} too; each org belongs to one shard`);
      seen.set(key, where);
      orgs.push({ ...org, ...(org.report && reportDir ? { report: `${reportDir}/${org.report}` } : {}) });
    }
  }
  orgs.sort((a, b) => compareNames(a.name, b.name));
  const starts = parts.map((p) => Date.parse(p.summary.startedAt));
  const ends = parts.map((p) => Date.parse(p.summary.startedAt) + p.summary.durationMs);
  return {
    action: first.summary.action,
    package: first.summary.package,
    startedAt: new Date(Math.min(...starts)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
    concurrency: Math.max(...parts.map((p) => p.summary.concurrency)),
    counts: countOutcomes(orgs),
    orgs,
  };
}

/** A fleet.json read back: the fields merge relies on, or what is wrong with it. */
export function parseFleetSummary(where: string, value: unknown): FleetSummary {
  const v = value as Partial<FleetSummary> | null;
  const ok =
    v !== null &&
    typeof v === 'object' &&
    (v.action === 'deploy' || v.action === 'remove') &&
    typeof v.startedAt === 'string' &&
    typeof v.durationMs === 'number' &&
    typeof v.package?.solution === 'string' &&
    Array.isArray(v.orgs) &&
    v.orgs.every((o) => typeof o?.org === 'string' && typeof o.name === 'string' && typeof o.outcome === 'string');
  if (!ok) throw new DvpkgError('DVPKG_PACKAGE_INVALID', `${where}: not a fleet.json written by deploy.mjs --report-dir`);
  return v as FleetSummary;
}
