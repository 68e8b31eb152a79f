#!/usr/bin/env node
// Times PrivilegeCatalog.suggest(): validating 20 roles x 1,000 privileges must stay well under a
// second, so 20,000 suggest() calls on unknown names get a 200 ms budget. A script rather than a
// test because timings on shared CI runners are too noisy to fail a build on.
//   node scripts/bench-catalog.mjs
import { register } from 'tsx/esm/api';

register();
const { defaultCatalog } = await import('../src/spec/catalog.ts');

const CALLS = 20_000;
const BUDGET_MS = 200;

// Fixed seed: every run measures the same names.
let seed = 0x2545f491;
function random() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
const pick = (items) => items[Math.floor(random() * items.length)];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function typo(name) {
  const i = 3 + Math.floor(random() * (name.length - 3));
  switch (Math.floor(random() * 4)) {
    case 0:
      return name.slice(0, i) + name.slice(i + 1);
    case 1:
      return name.slice(0, i) + pick(ALPHABET) + name.slice(i);
    case 2:
      return name.slice(0, i) + pick(ALPHABET) + name.slice(i + 1);
    default:
      return name.slice(0, i - 1) + name[i] + name[i - 1] + name.slice(i + 1);
  }
}

function farName() {
  let entity = '';
  const length = 4 + Math.floor(random() * 30);
  for (let i = 0; i < length; i++) entity += pick(ALPHABET);
  return `prv${pick(['Read', 'Write', 'Create', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share', ''])}${entity}`;
}

const buildStart = performance.now();
const catalog = defaultCatalog();
const buildMs = performance.now() - buildStart;

const known = [...catalog.entries()].map((e) => e.name);
const inputs = [];
while (inputs.length < CALLS) {
  const kind = random();
  const name = kind < 0.5 ? typo(pick(known)) : kind < 0.6 ? typo(typo(pick(known))) : kind < 0.9 ? farName() : `prvReadcontoso_${pick(known).slice(7)}`;
  if (!catalog.get(name)) inputs.push(name);
}

let suggested = 0;
const start = performance.now();
for (const name of inputs) if (catalog.suggest(name) !== undefined) suggested++;
const ms = performance.now() - start;

console.log(`catalog: ${catalog.size} entries, built in ${buildMs.toFixed(1)} ms`);
console.log(`suggest: ${CALLS} calls in ${ms.toFixed(1)} ms (${suggested} suggestions), budget ${BUDGET_MS} ms`);
if (ms >= BUDGET_MS) {
  console.error('over budget');
  process.exitCode = 1;
}
