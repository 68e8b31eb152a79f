/**
 * The one error module. Every error a user can see carries a stable code
 * (documented in README "Exit codes and error codes") and the process exit code
 * that goes with it, so the CLI, the deploy runner and tests agree on both.
 */

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  checksFailed: 1,
  usage: 2,
  consentMissing: 3,
  signInFailed: 4,
  preflightFailed: 5,
  importFailed: 6,
  appUserFailed: 7,
  integrityFailed: 8,
  orgDiffers: 9,
  cancelled: 10,
  /** A fleet run (`--orgs`) where some org did not end done or with nothing to do. */
  fleetIncomplete: 11,
  /** 128 + SIGINT, as shells report a run stopped by Ctrl-C. */
  interrupted: 130,
} as const;

const codes = {
  DVPKG_USAGE: ExitCode.usage,
  DVPKG_INPUT_NOT_FOUND: ExitCode.usage,
  DVPKG_INPUT_UNREADABLE: ExitCode.usage,
  DVPKG_SPEC_INVALID: ExitCode.usage,
  DVPKG_TEMPLATE_INVALID: ExitCode.usage,
  DVPKG_PACKAGE_INVALID: ExitCode.usage,
  DVPKG_CONSENT_MISSING: ExitCode.consentMissing,
  DVPKG_SIGN_IN_FAILED: ExitCode.signInFailed,
  DVPKG_PREFLIGHT_FAILED: ExitCode.preflightFailed,
  DVPKG_IMPORT_FAILED: ExitCode.importFailed,
  DVPKG_APP_USER_FAILED: ExitCode.appUserFailed,
  DVPKG_INTEGRITY_FAILED: ExitCode.integrityFailed,
  DVPKG_ORG_UNREACHABLE: ExitCode.usage,
  DVPKG_ORG_DIFFERS: ExitCode.orgDiffers,
  DVPKG_CANCELLED: ExitCode.cancelled,
  DVPKG_INTERRUPTED: ExitCode.interrupted,
  DVPKG_INTERNAL: ExitCode.unexpected,
} as const;
export type ErrorCode = keyof typeof codes;

export type Severity = 'error' | 'warning';

/** One thing wrong with the user's input, precise enough to fix without reading our code. */
export interface Problem {
  severity: Severity;
  /** File the value came from, relative to the working directory where possible. */
  file: string;
  /** Field path inside that file, e.g. `privileges.prvReadAcount` or `publisher.prefix`. */
  path: string;
  /** The offending value as the user wrote it (undefined when the field is missing). */
  value?: unknown;
  /** What was expected instead. */
  expected: string;
  /** The whole answer, when "expected …" would not be in the user's words (a depth the privilege does not allow). */
  message?: string;
  /** A suggestion, e.g. "did you mean prvReadAccount?". */
  hint?: string;
}

export class DvpkgError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, message: string, options: { problems?: readonly Problem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DvpkgError';
    this.code = code;
    this.exitCode = codes[code];
    this.problems = options.problems ?? [];
  }
}

export function usageError(message: string): DvpkgError {
  return new DvpkgError('DVPKG_USAGE', message);
}

export function isDvpkgError(error: unknown): error is DvpkgError {
  return error instanceof DvpkgError;
}

/**
 * The one error printer of every program: a user error is its message and code, then one line per
 * problem; anything else is a bug, said once, with the stack only under DVPKG_DEBUG.
 */
export function reportError(error: unknown, out: { err(text: string): void }, program: string, options: { debug?: boolean; verbose?: boolean } = {}): number {
  const { debug = false, verbose = false } = options;
  if (isDvpkgError(error)) {
    out.err(`${program}: ${error.message} [${error.code}]\n`);
    for (const line of formatProblems(error.problems, { verbose })) out.err(`  ${line}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  out.err(`${program}: unexpected error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) out.err(`${error.stack}\n`);
  out.err(`This is a bug in ${program}. Please report it with the command you ran (set DVPKG_DEBUG=1 for details).\n`);
  return ExitCode.unexpected;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Nested deeper than the stack allows (a hostile spec file), or not JSON at all.
    return Array.isArray(value) ? '[...]' : typeof value === 'object' && value !== null ? '{...}' : String(value);
  }
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `file: path: value — expected …` on one line, the form every validation message uses. */
export function formatProblem(problem: Problem): string {
  const where = problem.path ? `${problem.file}: ${problem.path}` : problem.file;
  const hint = problem.hint ? ` (${problem.hint})` : '';
  return `${problem.severity}: ${where}: ${formatValue(problem.value)}: ${problem.message ?? `expected ${problem.expected}`}${hint}`;
}

/** "3 errors and 1 warning": the head line of a list of problems counts what it lists. */
export function countProblems(problems: readonly Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const counted = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return warnings === 0 ? counted(errors, 'error') : `${counted(errors, 'error')} and ${counted(warnings, 'warning')}`;
}

/** Alike warnings (same file, same answer) beyond this many are one line with the first few values. */
const GROUP_FROM = 4;
const GROUP_SHOWN = 3;

/**
 * One line per problem, except that warnings of one kind in one file are one line: 82 custom-table
 * privileges the catalog cannot know say the same thing 82 times. `verbose` lists every one.
 */
export function formatProblems(problems: readonly Problem[], options: { verbose?: boolean } = {}): string[] {
  if (options.verbose) return problems.map(formatProblem);
  const groups = new Map<string, Problem[]>();
  for (const problem of problems) {
    const key = problem.severity === 'warning' && !problem.hint ? `${problem.file}\u0000${problem.message ?? problem.expected}` : `single\u0000${groups.size}`;
    const group = groups.get(key);
    if (group) group.push(problem);
    else groups.set(key, [problem]);
  }
  return [...groups.values()].flatMap((group) => (group.length < GROUP_FROM ? group.map(formatProblem) : [formatGroup(group)]));
}

function formatGroup(group: readonly Problem[]): string {
  const first = group[0]!;
  const shown = group.slice(0, GROUP_SHOWN).map((p) => formatValue(p.value)).join(', ');
  const fields = commonPrefix(group.map((p) => p.path));
  return `${first.severity}: ${first.file}: ${fields}* (${group.length}): ${shown} and ${group.length - GROUP_SHOWN} more (--verbose lists all): ${first.message ?? `expected ${first.expected}`}`;
}

/** `privileges.` for `privileges.prvReadcr84c_a` and `privileges.prvWritecr84c_b`: the part of the field path they share, up to a dot. */
function commonPrefix(paths: readonly string[]): string {
  let prefix = paths[0] ?? '';
  for (const path of paths) while (!path.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('.') + 1);
}
