import type { Problem } from '../errors.js';
import type { RootComponent, TableDefinition } from './components.js';

/** One input file after parsing, before validation. `data` has the JSON spec's shape whatever the format. */
export interface SourceDoc {
  file: string;
  data: unknown;
  /** Field paths that appeared more than once in the file. */
  duplicateKeys: string[];
}

export type SourceFormat = 'json' | 'unpacked';

export interface SpecInput {
  format: SourceFormat;
  dir: string;
  solution: SourceDoc | undefined;
  roles: SourceDoc[];
  /** Files that could not be parsed at all. */
  problems: Problem[];
  /** An unpacked tree's `Other/Solution.xml` root components; the JSON spec describes roles only. */
  rootComponents?: { file: string; items: RootComponent[] };
  /** Custom tables the source defines, whose privileges are checked by name and ownership. */
  tables?: TableDefinition[];
}
