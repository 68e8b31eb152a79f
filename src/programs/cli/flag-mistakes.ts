import { boundedDistance, distanceRows } from '../../spec/distance.js';

/**
 * Flag mistakes in the user's own spelling: yargs says "Unknown argument: strcit" for both `--strcit`
 * and a bare `strcit`, and reads `-src` as the three flags `-s -r -c`. These name what was typed, say
 * what was meant, and suggest the nearest known flag.
 */

function nearestCommand(name: string, commands: readonly string[]): string | undefined {
  const rows = distanceRows(Math.max(name.length, ...commands.map((c) => c.length)), 2);
  return commands.find((c) => boundedDistance(name.toLowerCase(), c, 2, rows) <= 2);
}

/** `-src`: a single dash before a word that is a long flag of the command. */
export function singleDashLongFlag(argv: readonly string[], known: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (arg === '--') break;
    const match = /^-([a-z][a-z-]+)(=.*)?$/i.exec(arg);
    if (match && known.includes(match[1]!)) return `${arg}: long flags take two dashes: --${match[1]}${match[2] ?? ''}`;
  }
  return undefined;
}

/** The nearest known flag, within an edit distance that grows with the word (1 for short words, 2 from six letters). */
function nearest(name: string, known: readonly string[]): string | undefined {
  const max = name.length >= 6 ? 2 : 1;
  const rows = distanceRows(Math.max(name.length, ...known.map((k) => k.length)), max);
  let best: { flag: string; distance: number } | undefined;
  for (const flag of known) {
    const distance = boundedDistance(name.toLowerCase(), flag.toLowerCase(), max, rows);
    if (distance <= max && (!best || distance < best.distance)) best = { flag, distance };
  }
  return best?.flag;
}

/**
 * A first word that is no command, checked before yargs reads the line: with `--help` after it, yargs
 * would print the general help and exit 0, and a typo in a pipeline would pass.
 */
export function unknownCommand(argv: readonly string[], commands: readonly string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-') || commands.includes(first)) return undefined;
  const guess = nearestCommand(first, commands);
  // A package deploys itself: its runner is what an admin (or a pipeline) starts.
  const deploying = /^(deploy|install|apply)$/i.test(first) ? '; a deploy package deploys itself: node <package folder>/deploy.mjs --org <url>' : '';
  return `${first}: no such command (${commands.join(', ')})${guess ? `; did you mean ${guess}?` : ''}${deploying}`;
}

/** yargs' "Unknown argument(s): a, b" in the user's words, or undefined for any other message. */
export function unknownArguments(message: string, argv: readonly string[], known: readonly string[]): string | undefined {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (!match) return undefined;
  const typed = new Set(argv.map((a) => a.replace(/=.*$/, '')));
  const parts = match[1]!.split(', ').map((name) => {
    const asFlag = typed.has(`--${name}`) ? `--${name}` : typed.has(`-${name}`) ? `-${name}` : undefined;
    const guess = nearest(name, known);
    if (asFlag) return `${asFlag}: no such flag${guess ? `; did you mean --${guess}?` : ''}`;
    return `${name}: not a flag (flags start with --)${guess ? `; did you mean --${guess}?` : ''}`;
  });
  return parts.join('; ');
}
