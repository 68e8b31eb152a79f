import { escapeXml } from '../util/xml.js';
import type { CheckResult } from './checks.js';

/** JUnit XML, one test case per check, in the shape GitHub Actions and Azure Pipelines read. */
export function junitXml(checks: CheckResult[], suiteName: string, timestamp: string, classname = 'dvpkg.verify'): string {
  const failures = checks.filter((c) => c.status === 'fail').length;
  const skipped = checks.filter((c) => c.status === 'skip').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = checks.reduce((n, c) => n + c.durationMs, 0);
  const cases = checks.map((check) => {
    const open = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(check.name)}" time="${seconds(check.durationMs)}"`;
    const body = `expected: ${check.expected}\nactual: ${check.actual}${check.details.length ? `\n${check.details.join('\n')}` : ''}`;
    if (check.status === 'fail') return `${open}>\n      <failure message="${escapeXml(check.details[0] ?? check.actual)}" type="VerifyFailure">${escapeXml(body)}</failure>\n    </testcase>`;
    if (check.status === 'skip') return `${open}>\n      <skipped message="${escapeXml(check.actual)}" />\n    </testcase>`;
    return `${open}>\n      <system-out>${escapeXml(body)}</system-out>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(total)}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(total)}" timestamp="${timestamp}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
