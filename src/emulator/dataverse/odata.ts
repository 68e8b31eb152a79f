/**
 * The OData query subset dvpkg and its verify step use: $select, $filter (eq, ne, gt, ge, lt, le, and, or, not,
 * parentheses; string, GUID, number, boolean and null literals), $top, $orderby, $count and $expand with nested
 * options. Anything else is a loud 501 (functions such as contains(), $skip, $apply…).
 * String comparison is case-insensitive, as Dataverse's SQL collation makes it.
 */
import { badQuery, queryNotSupported } from '../wire-errors.js';
import type { Row } from '../state.js';

export type Literal = string | number | boolean | null;

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; field: string; value: Literal };

export interface ExpandOption {
  navigation: string;
  query: QueryOptions;
}

export interface QueryOptions {
  select?: string[];
  filter?: FilterNode;
  top?: number;
  orderBy?: Array<{ field: string; descending: boolean }>;
  count?: boolean;
  expand?: ExpandOption[];
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Reads the system query options from a URL's search params (or a nested `$expand` option string). */
export function parseQueryOptions(params: URLSearchParams | Map<string, string>, allowedExtra: readonly string[] = []): QueryOptions {
  const options: QueryOptions = {};
  for (const [rawKey, value] of params) {
    const key = rawKey.trim();
    if (!key.startsWith('$')) continue;
    if (key === '$select') options.select = value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (key === '$filter') options.filter = parseFilter(value);
    else if (key === '$top') {
      const top = Number(value);
      if (!Number.isInteger(top) || top < 0) throw badQuery(`Invalid value for $top: '${value}'.`);
      options.top = top;
    } else if (key === '$orderby') options.orderBy = parseOrderBy(value);
    else if (key === '$count') options.count = value.trim().toLowerCase() === 'true';
    else if (key === '$expand') options.expand = parseExpand(value);
    else if (!allowedExtra.includes(key)) throw queryNotSupported(`the query option ${key}`);
  }
  return options;
}

function parseOrderBy(value: string): Array<{ field: string; descending: boolean }> {
  return value.split(',').map((part) => {
    const [field = '', direction = 'asc', ...rest] = part.trim().split(/\s+/);
    if (rest.length || !/^(asc|desc)$/i.test(direction)) throw badQuery(`Invalid $orderby clause '${part}'.`);
    return { field, descending: direction.toLowerCase() === 'desc' };
  });
}

/** Splits on a separator at parenthesis depth 0, outside string literals. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let current = '';
  for (const ch of text) {
    if (ch === "'") inString = !inString;
    if (!inString && ch === '(') depth += 1;
    if (!inString && ch === ')') depth -= 1;
    if (!inString && depth === 0 && ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseExpand(value: string): ExpandOption[] {
  return splitTopLevel(value, ',').map((item) => {
    const open = item.indexOf('(');
    if (open < 0) return { navigation: item, query: {} };
    if (!item.endsWith(')')) throw badQuery(`Invalid $expand clause '${item}'.`);
    const nested = new Map<string, string>();
    for (const option of splitTopLevel(item.slice(open + 1, -1), ';')) {
      const eq = option.indexOf('=');
      if (eq < 0) throw badQuery(`Invalid $expand option '${option}'.`);
      nested.set(option.slice(0, eq).trim(), option.slice(eq + 1).trim());
    }
    const query = parseQueryOptions(nested);
    if (query.expand) throw queryNotSupported('nested $expand inside $expand');
    return { navigation: item.slice(0, open).trim(), query };
  });
}

// --- $filter ---------------------------------------------------------------------------------

type Token = { kind: 'lparen' | 'rparen' | 'comma' } | { kind: 'word'; text: string } | { kind: 'literal'; value: Literal };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(') {
      tokens.push({ kind: 'lparen' });
      i += 1;
    } else if (ch === ')') {
      tokens.push({ kind: 'rparen' });
      i += 1;
    } else if (ch === ',') {
      tokens.push({ kind: 'comma' });
      i += 1;
    } else if (ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw badQuery(`Unterminated string literal in $filter: ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ kind: 'literal', value });
    } else {
      const match = /^[^\s(),']+/.exec(text.slice(i));
      const word = match?.[0] ?? ch;
      i += word.length;
      if (GUID.test(word)) tokens.push({ kind: 'literal', value: word.toLowerCase() });
      else if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ kind: 'literal', value: Number(word) });
      else if (word === 'null') tokens.push({ kind: 'literal', value: null });
      else if (word === 'true' || word === 'false') tokens.push({ kind: 'literal', value: word === 'true' });
      else tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text === word;

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      pos += 1;
      left = { type: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      pos += 1;
      left = { type: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    const token = peek();
    if (isWord(token, 'not')) {
      pos += 1;
      return { type: 'not', operand: parseUnary() };
    }
    if (token?.kind === 'lparen') {
      pos += 1;
      const inner = parseOr();
      if (peek()?.kind !== 'rparen') throw badQuery(`Missing ')' in $filter: ${text}`);
      pos += 1;
      return inner;
    }
    if (token?.kind === 'word') {
      pos += 1;
      if (peek()?.kind === 'lparen') throw queryNotSupported(`the $filter function ${token.text}()`);
      const op = peek();
      if (op?.kind !== 'word' || !COMPARISONS.has(op.text)) {
        if (op?.kind === 'word') throw queryNotSupported(`the $filter operator '${op.text}'`);
        throw badQuery(`Expected a comparison after '${token.text}' in $filter: ${text}`);
      }
      pos += 1;
      const value = peek();
      if (value?.kind !== 'literal') throw badQuery(`Expected a literal after '${token.text} ${op.text}' in $filter: ${text}`);
      pos += 1;
      return { type: 'cmp', op: op.text as 'eq', field: token.text, value: value.value };
    }
    throw badQuery(`Syntax error in $filter at token ${pos + 1}: ${text}`);
  };

  const tree = parseOr();
  if (pos !== tokens.length) throw badQuery(`Syntax error in $filter: unexpected input after token ${pos}: ${text}`);
  return tree;
}

export function filterFields(node: FilterNode | undefined, out: string[] = []): string[] {
  if (!node) return out;
  if (node.type === 'cmp') out.push(node.field);
  else if (node.type === 'not') filterFields(node.operand, out);
  else {
    filterFields(node.left, out);
    filterFields(node.right, out);
  }
  return out;
}

function normalize(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

export function matches(node: FilterNode, row: Row): boolean {
  switch (node.type) {
    case 'and':
      return matches(node.left, row) && matches(node.right, row);
    case 'or':
      return matches(node.left, row) || matches(node.right, row);
    case 'not':
      return !matches(node.operand, row);
    case 'cmp': {
      const actual = normalize(row[node.field] ?? null);
      const expected = normalize(node.value);
      if (node.op === 'eq') return actual === expected;
      if (node.op === 'ne') return actual !== expected;
      if (actual === null || expected === null) return false;
      const order = compare(actual, expected);
      return node.op === 'gt' ? order > 0 : node.op === 'ge' ? order >= 0 : node.op === 'lt' ? order < 0 : order <= 0;
    }
  }
}

/** Filter, order, count and cut; projection and expansion happen in the entity-set layer. */
export function applyQuery(rows: Row[], query: QueryOptions): { rows: Row[]; count: number } {
  let result = query.filter ? rows.filter((row) => matches(query.filter as FilterNode, row)) : [...rows];
  const count = result.length;
  if (query.orderBy) {
    const order = query.orderBy;
    result.sort((x, y) => {
      for (const { field, descending } of order) {
        const c = compare(normalize(x[field] ?? null), normalize(y[field] ?? null));
        if (c !== 0) return descending ? -c : c;
      }
      return 0;
    });
  }
  if (query.top !== undefined) result = result.slice(0, query.top);
  return { rows: result, count };
}

export function project(row: Row, select: string[] | undefined, key: string): Row {
  if (!select) return { ...row };
  const out: Row = {};
  for (const field of select) out[field] = row[field] ?? null;
  out[key] = row[key];
  return out;
}
