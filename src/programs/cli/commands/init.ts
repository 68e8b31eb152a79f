import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DvpkgError, usageError } from '../../../errors.js';
import { INIT_FIELDS, scaffold, type InitAnswers } from '../../../init/scaffold.js';
import { writeDirAtomic, writeFileAtomic } from '../../../runtime/atomic-write.js';
import type { Output } from '../../../runtime/output.js';
import { schemaRef } from '../../../util/schema-ref.js';
import { displayPath } from '../../../util/paths.js';

export interface InitArgs extends Partial<InitAnswers> {
  dir: string;
}

/** Asks one question and returns the answer; absent when stdin is not a terminal, so nothing is asked. */
export type Ask = (question: string) => Promise<string>;

export function terminalAsk(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Ask | undefined {
  if (!stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: stdin, output: stderr });
    try {
      return (await rl.question(`${question}: `)).trim();
    } finally {
      rl.close();
    }
  };
}

/**
 * `dvpkg init`: a spec folder that `dvpkg check` accepts, from flags or, at a terminal, answers.
 * Without a terminal every missing flag is named at once and nothing is written.
 */
export async function runInit(args: InitArgs, output: Output, ask: Ask | undefined): Promise<number> {
  const root = path.resolve(args.dir);
  const target = path.join(root, 'solution-src');
  if (await stat(target).catch(() => undefined)) throw usageError(`${displayPath(target)}: exists already; dvpkg init writes a new spec folder (check the one there with: dvpkg check --src ${displayPath(target)})`);
  const answers: Partial<InitAnswers> = {};
  const missing: string[] = [];
  for (const field of INIT_FIELDS) {
    const given = args[field.key];
    if (given !== undefined) answers[field.key] = given;
    else if (ask) answers[field.key] = await ask(field.question);
    else missing.push(`${field.flag} <${field.question.replace(/ \(.*\)$/, '').toLowerCase()}>`);
  }
  if (missing.length > 0) throw usageError(`stdin is not a terminal, so nothing can be asked; give ${missing.join(', ')}`);
  const { files, problems } = scaffold(answers as InitAnswers, (dir, schema) => schemaRef(path.join(target, dir), schema, root));
  if (problems.length > 0) throw new DvpkgError('DVPKG_USAGE', 'nothing was written', { problems });
  writeDirAtomic(target, files);
  await ignoreOut(root);
  const role = files.find((f) => f.name.startsWith('roles/'))!;
  output.out(
    `Wrote ${displayPath(target)}/ (${answers.uniqueName}, one role for ${answers.appName})\n` +
      `  next: give the role the privileges your app needs in ${displayPath(path.join(target, role.name))}, or pull a role you built in a dev org:\n` +
      `        dvpkg pull --org <dev org url> --role "<role name>" --src ${displayPath(target)}\n` +
      `  then: dvpkg check --src ${displayPath(target)} && dvpkg build --src ${displayPath(target)}\n`,
  );
  return 0;
}

/** Build output does not belong in source control; the line is added once, to what is there. */
async function ignoreOut(root: string): Promise<void> {
  const file = path.join(root, '.gitignore');
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.split(/\r?\n/).some((line) => /^\/?out\/?$/.test(line.trim()))) return;
  writeFileAtomic(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}out/\n`);
}
