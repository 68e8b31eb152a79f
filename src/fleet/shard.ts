import { createHash } from 'node:crypto';
import { usageError } from '../errors.js';

/**
 * `--shard i/n`: the orgs of shard i of n, chosen by a hash of the org URL, so an org always lands in the
 * same shard whatever the list's order or length, and n CI jobs together cover every org exactly once.
 */

export interface Shard {
  index: number;
  count: number;
}

const MAX_SHARDS = 256;

export function parseShard(flag: string, value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) throw usageError(`${flag} ${value}: expected i/n with 1 <= i <= n <= ${MAX_SHARDS}, such as 2/4`);
  return { index, count };
}

export function inShard(url: string, shard: Shard): boolean {
  const bucket = createHash('sha256').update(url.replace(/\/+$/, '').toLowerCase()).digest().readUInt32BE(0) % shard.count;
  return bucket === shard.index - 1;
}
