import { expect } from 'chai';
import type { FaultSpec, RequestLogEntry, RunningEmulator } from '../../src/emulator/index.js';
import type { RunResult } from '../support/cli.js';
import { buildSamplePackage, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { fakeClock } from '../support/fake-clock.js';
import { pool } from '../../src/fleet/pool.js';
import { runInProcess } from '../support/runner-harness.js';
import { CONNECTOR_PREFIX, kudosSettings, SAP_ROLE, SAP_ROLE_SOLUTION, SAP_SOLUTION, SAP_VARIABLE, sapSpec, settingsSnapshot } from '../support/settings-package.js';
import { removeTempDirs } from '../support/tmp.js';
import { BASE_ZIP, buildWholeApp, KUDOS_ZIP, ROLE_SOLUTION, solutionAtVersion, wholeAppSnapshot } from '../support/whole-app-package.js';

/**
 * For every request a clean deploy makes (fresh install, then upgrade), a new org has the
 * connection dropped right after the emulator carried that request out, so the runner never
 * sees the answer. Whatever the runner then does (retry, reconcile, or stop), running it again
 * must end in exactly the state a clean run leaves: one solution version, the same role
 * privileges, one application user, one binding.
 */

type Scenario = 'fresh install' | 'upgrade';

describe('reliability: cut after every request, then re-run', function () {
  this.timeout(600_000);
  let v1: BuiltPackage;
  let v2: BuiltPackage;
  const clean: Partial<Record<Scenario, ReturnType<typeof orgSnapshot>>> = {};
  const requestCount: Partial<Record<Scenario, number>> = {};
  let cutPoints = 0;

  async function prepared(scenario: Scenario, faults?: string): Promise<RunningEmulator> {
    const emulator = await startSampleEmulator({ importDurationMs: 100 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    if (scenario === 'upgrade') expect((await runDeployer(v1, emulator, ['--yes'])).code).to.equal(0);
    emulator.clearLog();
    if (faults) emulator.setFaults(faults);
    return emulator;
  }

  before(async () => {
    v1 = await buildSamplePackage();
    v2 = await buildSamplePackage({ version: '2.0.0.0' });
    for (const scenario of ['fresh install', 'upgrade'] as const) {
      const emulator = await prepared(scenario);
      const run = await runDeployer(scenario === 'upgrade' ? v2 : v1, emulator, ['--yes']);
      expect(run.code, run.stdout).to.equal(0);
      clean[scenario] = orgSnapshot(emulator);
      requestCount[scenario] = emulator.log().filter((e) => e.kind !== 'control').length;
      await emulator.close();
    }
  });
  after(async () => {
    process.stdout.write(`      cut points tried: ${cutPoints} (fresh install ${requestCount['fresh install']}, upgrade ${requestCount['upgrade']} requests each)\n`);
    await removeTempDirs();
  });

  for (const scenario of ['fresh install', 'upgrade'] as const) {
    it(`${scenario}: every cut point ends in the clean-run state`, async () => {
      const total = requestCount[scenario]!;
      const pkg = scenario === 'upgrade' ? v2 : v1;
      const outcomes = await pool(
        Array.from({ length: total }, (_, i) => i + 1),
        4,
        async (nth) => {
          const emulator = await prepared(scenario, `drop@${nth},phase=response`);
          try {
            const first = await runDeployer(pkg, emulator, ['--yes']);
            const cut = emulator.log().find((e) => e.fault === 'drop');
            emulator.setFaults('');
            const second = await runDeployer(pkg, emulator, ['--yes']);
            cutPoints++;
            return { nth, cutAt: cut ? `${cut.method} ${cut.path}` : 'none', first: first.code, second: second.code, output: second.stdout, state: orgSnapshot(emulator) };
          } finally {
            await emulator.close();
          }
        },
      );
      for (const outcome of outcomes) {
        const label = `cut ${outcome.nth} after ${outcome.cutAt} (first run exit ${outcome.first})`;
        expect(outcome.cutAt, `request ${outcome.nth} was cut`).to.not.equal('none');
        expect(outcome.second, `${label}: re-run\n${outcome.output}`).to.equal(0);
        expect(outcome.state, label).to.deep.equal(clean[scenario]);
      }
    });
  }
});

// -------------------------------------------------------------------------------------------------
// Whole-app packages (issue 11): the real Kudos pair, then the role solution dvpkg builds

type WholeAppScenario = 'fresh install' | 'upgrade' | 'upgrade with an included solution upgraded';
const WHOLE_APP_SCENARIOS: readonly WholeAppScenario[] = ['fresh install', 'upgrade', 'upgrade with an included solution upgraded'];
const WHOLE_APP_SOLUTIONS = ['mpa_EmployeeExperienceBase', 'mpa_Kudos', ROLE_SOLUTION] as const;

/** A request's route: its method and path, with ids as `*`. */
const route = (e: RequestLogEntry) => `${e.method} ${e.path.replace(/\([^)]*\)/g, '(*)')}`;

/** Whether a cut point's request is a poll: only a poll can be missing from a run, as a faster one polls fewer times. */
const isPoll = (label: string) => /\/(asyncoperations|importjobs)\(\*\)$/.test(label.replace(/ #\d+$/, ''));

/**
 * The request after which to cut, named by its route with ids as `*` and its place among the requests
 * on that route (the 2nd `POST …/ImportSolutionAsync`): the number of polls depends on timing, so a
 * plain "Nth request" would cut a poll where a clean run made a write.
 */
function cutAfter(entries: readonly RequestLogEntry[], index: number): { label: string; spec: FaultSpec } {
  const target = route(entries[index]!);
  const nth = entries.slice(0, index + 1).filter((e) => route(e) === target).length;
  return { label: `${target} #${nth}`, spec: { rules: [{ kind: 'drop', nth, route: target, phase: 'response' }] } };
}

/** Every solution in the org (a left-over `_Upgrade` holding solution included), and the rest of the snapshot. */
interface CutOutcome<S> {
  cut: string;
  dropped: boolean;
  first: number | null;
  second: number | null;
  output: string;
  state: S;
}

/** The same cut one poll earlier on its route (the 4th poll instead of the 5th), never before the first. */
function earlierPoll(cut: { label: string; spec: FaultSpec }): { label: string; spec: FaultSpec } {
  const rule = cut.spec.rules[0]!;
  const nth = Math.max(1, (rule.nth ?? 1) - 1);
  return { label: cut.label.replace(/#\d+$/, `#${nth}`), spec: { rules: [{ ...rule, nth }] } };
}

/**
 * Every cut point of a clean run's log, four at a time: a fresh org with the request cut, the run, then a
 * re-run without faults, and the state it leaves. A poll cut that a run did not reach (it polled fewer
 * times than the clean run) is tried again, up to six times, from the third try one poll earlier each
 * time: how many times a run polls depends on how busy the machine is. `onRetry` counts those.
 */
function everyCut<S>(
  entries: readonly RequestLogEntry[],
  start: (spec: FaultSpec) => Promise<{ emulator: RunningEmulator; run: () => Promise<RunResult> }>,
  state: (emulator: RunningEmulator) => S,
  onRetry: () => void,
): Promise<Array<CutOutcome<S>>> {
  return pool(entries.map((_, i) => i), 4, async (index) => {
    let cut = cutAfter(entries, index);
    for (let attempt = 1; ; attempt++) {
      const { emulator, run } = await start(cut.spec);
      try {
        const first = await run();
        const dropped = emulator.log().some((e) => e.fault === 'drop');
        if (!dropped && attempt < 6 && isPoll(cut.label)) {
          onRetry();
          if (attempt >= 2) cut = earlierPoll(cut);
          continue;
        }
        emulator.setFaults('');
        const second = await run();
        return { cut: cut.label, dropped, first: first.code, second: second.code, output: second.stdout + second.stderr, state: state(emulator) };
      } finally {
        await emulator.close();
      }
    }
  });
}

/** Each cut point was cut, its re-run ended well, and left the clean run's state. */
function expectCleanEnds<S>(outcomes: ReadonlyArray<CutOutcome<S>>, clean: S): void {
  for (const outcome of outcomes) {
    const label = `cut after ${outcome.cut} (first run exit ${outcome.first})`;
    expect(outcome.dropped, `${outcome.cut} was cut`).to.equal(true);
    expect(outcome.second, `${label}: re-run\n${outcome.output}`).to.equal(0);
    expect(outcome.state, label).to.deep.equal(clean);
  }
}

function wholeAppState(emulator: RunningEmulator) {
  return { ...wholeAppSnapshot(emulator, WHOLE_APP_SOLUTIONS), all: allSolutions(emulator) };
}

function allSolutions(emulator: RunningEmulator): string[] {
  return emulator.state.data.orgs[0]!.solutions.map((s) => `${s['uniquename']} ${s['version']}${s['ismanaged'] ? ' managed' : ''}`).sort();
}

describe('reliability: whole-app package (two included solutions + the role solution), cut after every request, then re-run', function () {
  this.timeout(900_000);
  let v1: BuiltPackage;
  const target: Partial<Record<WholeAppScenario, BuiltPackage>> = {};
  const clean: Partial<Record<WholeAppScenario, ReturnType<typeof wholeAppState>>> = {};
  const cleanLog: Partial<Record<WholeAppScenario, RequestLogEntry[]>> = {};
  const tried: Partial<Record<WholeAppScenario, number>> = {};
  let retried = 0;

  // Polls every 125 ms of real time, so a clean run makes about as many polls as a cut one.
  const clock = () => fakeClock({ speedup: 2, maxRealMs: 300 });
  const deploy = (pkg: BuiltPackage, emulator: RunningEmulator) => runInProcess(pkg, emulator, ['--yes'], {}, { clock: clock() });

  async function prepared(scenario: WholeAppScenario, faults?: FaultSpec): Promise<RunningEmulator> {
    const emulator = await startSampleEmulator({ importDurationMs: 20 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    if (scenario !== 'fresh install') {
      const run = await deploy(v1, emulator);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
    }
    emulator.clearLog();
    if (faults) emulator.setFaults(faults);
    return emulator;
  }

  before(async () => {
    v1 = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    target['fresh install'] = v1;
    target['upgrade'] = await buildWholeApp([BASE_ZIP, KUDOS_ZIP], { version: '2.0.0.0' });
    target['upgrade with an included solution upgraded'] = await buildWholeApp([await solutionAtVersion(BASE_ZIP, '1.0.0.17'), KUDOS_ZIP], { version: '2.0.0.0' });
    const expected: Record<WholeAppScenario, [string, string, string]> = {
      'fresh install': ['1.0.0.16', '1.0.0.36', '1.0.0.0'],
      upgrade: ['1.0.0.16', '1.0.0.36', '2.0.0.0'],
      'upgrade with an included solution upgraded': ['1.0.0.17', '1.0.0.36', '2.0.0.0'],
    };
    for (const scenario of WHOLE_APP_SCENARIOS) {
      const emulator = await prepared(scenario);
      const run = await deploy(target[scenario]!, emulator);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      clean[scenario] = wholeAppState(emulator);
      cleanLog[scenario] = emulator.log().filter((e) => e.kind !== 'control');
      await emulator.close();
      const state = clean[scenario]!;
      expect(WHOLE_APP_SOLUTIONS.map((name) => state.solutions[name]!.map((s) => s.version).join(','))).to.deep.equal(expected[scenario]);
      expect(state.privileges).to.deep.equal([['prvReadmpa_eelocalization=Global', 'prvReadmpa_kudo=Global']]);
      expect(state.appUsers).to.deep.equal([{ enabled: true }]);
      expect(state.bindings).to.have.length(1);
    }
  });
  after(async () => {
    const count = (s: WholeAppScenario) => cleanLog[s]?.length;
    const total = WHOLE_APP_SCENARIOS.reduce((sum, s) => sum + (tried[s] ?? 0), 0);
    process.stdout.write(
      `      whole-app cut points tried: ${total} (fresh install ${count('fresh install')}, upgrade ${count('upgrade')}, upgrade with an included solution upgraded ${count('upgrade with an included solution upgraded')} requests each; ${retried} re-tried because a run made fewer polls than the clean one)\n`,
    );
    await removeTempDirs();
  });

  for (const scenario of WHOLE_APP_SCENARIOS) {
    it(`${scenario}: every cut point ends in the clean-run state`, async () => {
      const entries = cleanLog[scenario]!;
      const pkg = target[scenario]!;
      const outcomes = await everyCut(entries, async (spec) => {
        const emulator = await prepared(scenario, spec);
        return { emulator, run: () => deploy(pkg, emulator) };
      }, wholeAppState, () => retried++);
      tried[scenario] = outcomes.length;
      expectCleanEnds(outcomes, clean[scenario]);
    });
  }
});

// -------------------------------------------------------------------------------------------------
// Removal (issue 13): the whole app taken out with --remove --delete-user, cut after every request

describe('reliability: removal of a whole-app package, cut after every request, then re-run', function () {
  this.timeout(900_000);
  let pkg: BuiltPackage;
  let cleanLog: RequestLogEntry[] = [];
  let tried = 0;
  const clock = () => fakeClock({ speedup: 2, maxRealMs: 300 });
  const args = ['--remove', '--yes', '--delete-user'];
  /** Nothing of the package left: no package solution, no binding, the application user deleted. */
  const leftOver = (emulator: RunningEmulator) => {
    const org = emulator.state.data.orgs[0]!;
    const users = org.systemusers.filter((u) => u['applicationid'] === SAMPLE_CLIENT_ID);
    return {
      solutions: org.solutions.filter((s) => (WHOLE_APP_SOLUTIONS as readonly string[]).includes(s['uniquename'] as string) || /_Upgrade$/.test(s['uniquename'] as string)).map((s) => s['uniquename']),
      bindings: org.systemuserroles.filter((l) => users.some((u) => u['systemuserid'] === l.systemuserid)).length,
      users: users.map((u) => ({ disabled: u['isdisabled'], deleted: u['deletedstate'] })),
    };
  };
  const nothingLeft = { solutions: [], bindings: 0, users: [{ disabled: true, deleted: 1 }] };

  async function installed(faults?: FaultSpec): Promise<RunningEmulator> {
    const emulator = await startSampleEmulator({ importDurationMs: 20 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runInProcess(pkg, emulator, ['--yes'], {}, { clock: clock() });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    emulator.clearLog();
    if (faults) emulator.setFaults(faults);
    return emulator;
  }

  before(async () => {
    pkg = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    const emulator = await installed();
    const run = await runInProcess(pkg, emulator, args, {}, { clock: clock() });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(leftOver(emulator)).to.deep.equal(nothingLeft);
    cleanLog = emulator.log().filter((e) => e.kind !== 'control');
    await emulator.close();
  });
  after(async () => {
    process.stdout.write(`      removal cut points tried: ${tried} (a clean removal makes ${cleanLog.length} requests)\n`);
    await removeTempDirs();
  });

  it('every cut point ends with nothing of the package left, and a third run has nothing to do', async () => {
    const outcomes = await pool(cleanLog.map((_, i) => i), 4, async (index) => {
      const cut = cutAfter(cleanLog, index);
      for (let attempt = 1; ; attempt++) {
        const emulator = await installed(cut.spec);
        try {
          const first = await runInProcess(pkg, emulator, args, {}, { clock: clock() });
          const dropped = emulator.log().some((e) => e.fault === 'drop');
          if (!dropped && attempt < 6 && /\/asyncoperations\(\*\)$/.test(cut.label.replace(/ #\d+$/, ''))) continue;
          emulator.setFaults('');
          const second = await runInProcess(pkg, emulator, args, {}, { clock: clock() });
          const third = await runInProcess(pkg, emulator, [...args, '--json'], {}, { clock: clock() });
          tried++;
          return { cut: cut.label, dropped, first: first.code, second: second.code, output: second.stdout + second.stderr, state: leftOver(emulator), third: third.stdout };
        } finally {
          await emulator.close();
        }
      }
    });
    for (const outcome of outcomes) {
      const label = `cut after ${outcome.cut} (first run exit ${outcome.first})`;
      expect(outcome.dropped, `${outcome.cut} was cut`).to.equal(true);
      expect(outcome.second, `${label}: re-run\n${outcome.output}`).to.equal(0);
      expect(outcome.state, label).to.deep.equal(nothingLeft);
      expect(outcome.third, label).to.contain('"outcome":"nothing-to-do"');
    }
  });
});

// -------------------------------------------------------------------------------------------------
// Deployment settings (issue 16): connection references given at import and written afterwards, and an
// environment variable's first value row, whose POST is never repeated blindly

type SettingsScenario = 'Kudos fresh install with a settings file' | 'Kudos re-run with one connection reference changed' | 'SAP environment variable set by --set after an install without it';
const SETTINGS_SCENARIOS: readonly SettingsScenario[] = ['Kudos fresh install with a settings file', 'Kudos re-run with one connection reference changed', 'SAP environment variable set by --set after an install without it'];
const SAP_SOLUTIONS = [SAP_SOLUTION, SAP_ROLE_SOLUTION] as const;
const SAP_VALUE = '{"AppServerHost":"sap.example.invalid","SystemNumber":"00"}';
const OTHER_O365 = 'another O365 connection';

/** The settings writes a clean run of each scenario makes, so that each tests the path it is named after. */
const SETTINGS_WRITES: Record<SettingsScenario, string[]> = {
  // Given at import as ComponentParameters: no Web API write of a setting.
  'Kudos fresh install with a settings file': [],
  'Kudos re-run with one connection reference changed': ['PATCH /orgs/contoso/api/data/v9.2/connectionreferences(*)'],
  'SAP environment variable set by --set after an install without it': ['POST /orgs/contoso/api/data/v9.2/environmentvariablevalues'],
};

describe('reliability: deployment settings (connection references, an environment variable), cut after every request, then re-run', function () {
  this.timeout(900_000);
  let kudos: BuiltPackage;
  let sap: BuiltPackage;
  const clean: Partial<Record<SettingsScenario, ReturnType<typeof settingsState>>> = {};
  const cleanLog: Partial<Record<SettingsScenario, RequestLogEntry[]>> = {};
  const tried: Partial<Record<SettingsScenario, number>> = {};
  let retried = 0;
  const clock = () => fakeClock({ speedup: 2, maxRealMs: 300 });
  const deploy = (pkg: BuiltPackage, emulator: RunningEmulator, args: string[]) => runInProcess(pkg, emulator, args, {}, { clock: clock() });

  /** Solutions, role, application user and binding as the whole-app suite compares them, and the settings. */
  function settingsState(emulator: RunningEmulator, scenario: SettingsScenario) {
    const snapshot = scenario === 'SAP environment variable set by --set after an install without it' ? wholeAppSnapshot(emulator, SAP_SOLUTIONS, SAP_ROLE) : wholeAppSnapshot(emulator, WHOLE_APP_SOLUTIONS);
    return { ...snapshot, all: allSolutions(emulator), settings: settingsSnapshot(emulator) };
  }

  /** A new org as the scenario finds it, and the package and arguments of the run to cut: connection ids are new in every org. */
  async function prepared(scenario: SettingsScenario, faults?: FaultSpec): Promise<{ emulator: RunningEmulator; pkg: BuiltPackage; args: string[] }> {
    const emulator = await startSampleEmulator({ importDurationMs: 20 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    let pkg = kudos;
    let args: string[];
    if (scenario === 'SAP environment variable set by --set after an install without it') {
      pkg = sap;
      const run = await deploy(sap, emulator, ['--yes']);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      args = ['--yes', '--set', `${SAP_VARIABLE}=${SAP_VALUE}`];
    } else {
      args = ['--yes', '--settings', (await kudosSettings(emulator)).file];
      if (scenario === 'Kudos re-run with one connection reference changed') {
        const run = await deploy(kudos, emulator, args);
        expect(run.code, run.stdout + run.stderr).to.equal(0);
        args.push('--set', `mpa_KudosO365=${emulator.createConnection('contoso', { connectorId: `${CONNECTOR_PREFIX}shared_office365users`, name: OTHER_O365 })}`);
      }
    }
    emulator.clearLog();
    if (faults) emulator.setFaults(faults);
    return { emulator, pkg, args };
  }

  before(async () => {
    kudos = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    sap = await buildSamplePackage({ src: await sapSpec(undefined) });
    const kudosReferences = { mpa_KudosDataverse: 'mpa_KudosDataverse', mpa_KudosO365: 'mpa_KudosO365', mpa_KudosOutlook: 'mpa_KudosOutlook' };
    const expected: Record<SettingsScenario, ReturnType<typeof settingsSnapshot>> = {
      'Kudos fresh install with a settings file': { references: kudosReferences, variables: {} },
      'Kudos re-run with one connection reference changed': { references: { ...kudosReferences, mpa_KudosO365: OTHER_O365 }, variables: {} },
      'SAP environment variable set by --set after an install without it': { references: { mpa_SAPERPAccountAssistance: null }, variables: { [SAP_VARIABLE]: [SAP_VALUE] } },
    };
    for (const scenario of SETTINGS_SCENARIOS) {
      const { emulator, pkg, args } = await prepared(scenario);
      const run = await deploy(pkg, emulator, args);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      clean[scenario] = settingsState(emulator, scenario);
      cleanLog[scenario] = emulator.log().filter((e) => e.kind !== 'control');
      await emulator.close();
      const state = clean[scenario]!;
      expect(state.settings, scenario).to.deep.equal(expected[scenario]);
      expect(state.appUsers, scenario).to.deep.equal([{ enabled: true }]);
      expect(state.bindings, scenario).to.have.length(1);
      const settingWrites = cleanLog[scenario]!.map(route).filter((r) => /connectionreferences|environmentvariablevalues/.test(r) && !r.startsWith('GET'));
      expect(settingWrites, scenario).to.deep.equal(SETTINGS_WRITES[scenario]);
    }
  });
  after(async () => {
    const count = (s: SettingsScenario) => cleanLog[s]?.length;
    const total = SETTINGS_SCENARIOS.reduce((sum, s) => sum + (tried[s] ?? 0), 0);
    process.stdout.write(`      settings cut points tried: ${total} (${SETTINGS_SCENARIOS.map((s) => `${s} ${count(s)}`).join(', ')} requests each; ${retried} re-tried because a run made fewer polls than the clean one)\n`);
    await removeTempDirs();
  });

  for (const scenario of SETTINGS_SCENARIOS) {
    it(`${scenario}: every cut point ends in the clean-run state, settings included`, async () => {
      const entries = cleanLog[scenario]!;
      const outcomes = await everyCut(entries, async (spec) => {
        const { emulator, pkg, args } = await prepared(scenario, spec);
        return { emulator, run: () => deploy(pkg, emulator, args) };
      }, (emulator) => settingsState(emulator, scenario), () => retried++);
      tried[scenario] = outcomes.length;
      expectCleanEnds(outcomes, clean[scenario]);
    });
  }
});
