/**
 * JSON.parse loses duplicate object keys (the last one wins), and a spec with the same
 * privilege twice is an error we must report. This scanner walks the text once and
 * records duplicate keys as field paths, and turns syntax errors into line:column.
 */

export interface ParsedJson {
  value: unknown;
  duplicateKeys: string[];
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function parseJsonWithDuplicates(text: string): ParsedJson {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : UNEXPECTED_TOKEN.test(message) ? unexpectedTokenOffset(source) : source.length;
    const { line, column } = lineColumn(source, offset);
    throw new JsonSyntaxError(message.replace(/ in JSON at position \d+.*$/, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, ''), line, column);
  }
  return { value, duplicateKeys: findDuplicateKeys(source) };
}

/** V8 gives no position for this error, and quotes the input, newlines and all. */
const UNEXPECTED_TOKEN = /^Unexpected token /;

/**
 * Where the unexpected character is: a prefix that stops before it fails only at its end, and one
 * that holds it fails with this same error, so a binary search over prefix lengths finds it.
 */
function unexpectedTokenOffset(source: string): number {
  let good = 0;
  let bad = source.length;
  while (bad - good > 1) {
    const middle = (good + bad) >>> 1;
    try {
      JSON.parse(source.slice(0, middle));
      good = middle;
    } catch (error) {
      if (error instanceof Error && UNEXPECTED_TOKEN.test(error.message)) bad = middle;
      else good = middle;
    }
  }
  return bad - 1;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

interface Frame {
  kind: 'object' | 'array';
  path: string;
  keys: Set<string>;
  index: number;
  pendingKey: string | undefined;
}

/** Only called on text JSON.parse accepted, so the scan can assume well-formed input. */
function findDuplicateKeys(text: string): string[] {
  const duplicates: string[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  const childPath = (frame: Frame | undefined, key: string) =>
    frame === undefined ? '' : frame.path === '' ? key : `${frame.path}.${key}`;
  const currentChildPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return top.kind === 'object' ? childPath(top, top.pendingKey ?? '') : childPath(top, String(top.index));
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const top = stack[stack.length - 1]!;
        if (top.keys.has(key)) duplicates.push(childPath(top, key));
        top.keys.add(key);
        top.pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const path = currentChildPath();
      stack.push({ kind: c === '{' ? 'object' : 'array', path, keys: new Set(), index: 0, pendingKey: undefined });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top) top.index++;
    }
  }
  return duplicates;
}
