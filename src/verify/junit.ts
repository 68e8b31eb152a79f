import { escapeXml } from '../util/xml.js';
import type { CheckResult } from './checks.js';

export interface JunitSuite {
  name: string;
  checks: CheckResult[];
  timestamp: string;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const totals = (checks: CheckResult[]) => ({
  tests: checks.length,
  failures: checks.filter((c) => c.status === 'fail').length,
  skipped: checks.filter((c) => c.status === 'skip').length,
  time: seconds(checks.reduce((n, c) => n + c.durationMs, 0)),
});

/** JUnit XML, one test case per check, in the shape GitHub Actions and Azure Pipelines read. */
export function junitXml(checks: CheckResult[], suiteName: string, timestamp: string, classname = 'dvpkg.verify'): string {
  return junitSuites(suiteName, [{ name: suiteName, checks, timestamp }], classname);
}

/** Several suites in one file: `dvpkg verify --orgs` writes one per org. */
export function junitSuites(name: string, suites: JunitSuite[], classname = 'dvpkg.verify'): string {
  const all = totals(suites.flatMap((s) => s.checks));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(name)}" tests="${all.tests}" failures="${all.failures}" errors="0" skipped="${all.skipped}" time="${all.time}">`,
    ...suites.flatMap((suite) => {
      const t = totals(suite.checks);
      return [
        `  <testsuite name="${escapeXml(suite.name)}" tests="${t.tests}" failures="${t.failures}" errors="0" skipped="${t.skipped}" time="${t.time}" timestamp="${suite.timestamp}">`,
        ...testCases(suite.checks, classname),
        '  </testsuite>',
      ];
    }),
    '</testsuites>',
    '',
  ].join('\n');
}

function testCases(checks: CheckResult[], classname: string): string[] {
  return checks.map((check) => {
    const open = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(check.name)}" time="${seconds(check.durationMs)}"`;
    const body = `expected: ${check.expected}\nactual: ${check.actual}${check.details.length ? `\n${check.details.join('\n')}` : ''}`;
    if (check.status === 'fail') return `${open}>\n      <failure message="${escapeXml(check.details[0] ?? check.actual)}" type="VerifyFailure">${escapeXml(body)}</failure>\n    </testcase>`;
    if (check.status === 'skip') return `${open}>\n      <skipped message="${escapeXml(check.actual)}" />\n    </testcase>`;
    return `${open}>\n      <system-out>${escapeXml(body)}</system-out>\n    </testcase>`;
  });
}
