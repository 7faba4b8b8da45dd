import fs from 'node:fs';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

/**
 * Locale files read with positions, so every problem is reported as `file:line:column` an editor
 * jumps to (JSON.parse only says "at position 1234"). Strict JSON: no comments, no trailing commas.
 */

/** Plain words for jsonc-parser's error codes. */
const SYNTAX: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a "key" in double quotes (a trailing comma before } is not allowed)',
  ValueExpected: 'expected a value (a trailing comma before ] or } is not allowed)',
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}": an object is not closed',
  CloseBracketExpected: 'expected "]": a list is not closed',
  EndOfFileExpected: 'unexpected text after the end',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a text is not closed with "',
  UnexpectedEndOfNumber: 'malformed number',
  InvalidUnicode: 'malformed \\u escape',
  InvalidEscapeCharacter: 'invalid escape after \\ (write \\" for a quote, \\\\ for a backslash)',
  InvalidCharacter: 'a line break or control character inside a text (write \\n)',
};

export class JsonPositionError extends Error {}

/** `label:line:column` of a character offset, both 1-based. */
export function positionOf(text: string, offset: number, label: string): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${label}:${line}:${column}`;
}

export interface JsonFile {
  label: string;
  text: string;
  tree: Node;
  value: unknown;
}

/** Parses a JSON file; a syntax error throws a JsonPositionError naming `label:line:column`. */
export function readJsonFile(file: string, label: string): JsonFile {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first || !tree) {
    const offset = first?.offset ?? 0;
    const what = first ? (SYNTAX[printParseErrorCode(first.error)] ?? 'syntax error') : 'empty file';
    throw new JsonPositionError(`${positionOf(text, offset, label)}: JSON syntax: ${what}`);
  }
  return { label, text, tree, value: JSON.parse(text) as unknown };
}

export interface Leaf {
  /** Dotted key, as i18next addresses it. */
  key: string;
  node: Node;
}

/** Every value that is not an object, with its dotted key; duplicate keys reported through `onDuplicate`. */
export function leavesOf(tree: Node, onDuplicate: (key: string, node: Node) => void): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (node: Node, prefix: string): void => {
    if (node.type !== 'object') {
      leaves.push({ key: prefix, node });
      return;
    }
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (!keyNode || !valueNode) continue;
      const name = String(keyNode.value);
      const key = prefix ? `${prefix}.${name}` : name;
      if (seen.has(name)) onDuplicate(key, keyNode);
      seen.add(name);
      walk(valueNode, key);
    }
  };
  walk(tree, '');
  return leaves;
}
