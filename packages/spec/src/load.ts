/** Reading hagate.yaml: YAML syntax, schema, cross-field rules; every error located in the file. */
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { core } from 'zod';
import { checkRules } from './rules.js';
import { type Spec, SpecSchema } from './schema.js';
import { didYouMean, knownKeys } from './schema-keys.js';

export interface SpecError {
  /** The spec file as given. */
  file: string;
  /** 1-based line and column in the file. */
  line: number;
  col: number;
  /** Dotted spec path, e.g. `routers.extrout2.priority`; empty for YAML syntax errors. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

export type LoadResult =
  | {
      ok: true;
      spec: Spec;
      /** Where a value is in the file; with `offset`, where that character of a string value is. */
      locate: (path: (string | number)[], offset?: number) => { line: number; col: number };
    }
  | { ok: false; errors: SpecError[] };

/**
 * `file:line:col: path: message`, the form every hagate command prints. Control characters from the file
 * (a key or value quoted in the message) are escaped, so nothing of the file drives the terminal.
 */
export function formatSpecError(e: SpecError): string {
  return escapeControls(`${e.file}:${e.line}:${e.col}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
}

function escapeControls(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** The one notation of a spec path in messages: `routers.extrout1.nics.eth0`, `firewall.extraRules[0].rule`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/**
 * Parses and validates hagate.yaml text. All errors are reported at once, sorted by position: YAML syntax
 * errors first (nothing else can be trusted then), else schema errors, else cross-field rule errors.
 *
 * A spec written as JSON (what a program generating a fleet's specs emits; JSON is YAML) is read with
 * JSON.parse, about 50 times faster than the YAML parser, and its YAML document is only built when a
 * position is asked for. Both readings give the same data; anything the fast path cannot vouch for
 * (not a JSON object, a repeated key, any schema or rule error) goes through the YAML path, so errors
 * and their positions are the same either way.
 */
export function loadSpec(text: string, file = 'hagate.yaml'): LoadResult {
  const binary = binaryAt(text);
  if (binary !== undefined) {
    const { line, col } = lineCol(text, binary.offset);
    return {
      ok: false,
      errors: [
        { file, line, col, path: '', message: `expected a YAML or JSON text file, found ${binary.what}` },
      ],
    };
  }
  const json = jsonObject(text);
  if (json !== undefined) {
    const parsed = SpecSchema.safeParse(json);
    if (parsed.success && checkRules(parsed.data).length === 0) {
      let located: Located | undefined;
      const locate = (path: (string | number)[], offset?: number) =>
        (located ??= yamlDocument(text)).locate(path, offset);
      return { ok: true, spec: parsed.data, locate };
    }
  }
  return loadYaml(text, file);
}

interface Located {
  doc: Document.Parsed;
  pos: (offset: number) => { line: number; col: number };
  locate: (path: (string | number)[], offset?: number) => { line: number; col: number };
}

function yamlDocument(text: string): Located {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const locate = (path: (string | number)[], offset?: number) =>
    pos(
      offset === undefined
        ? locateOffset(doc.contents as Node | null, path)
        : offsetInValue(text, walk(doc.contents as Node | null, path).node, offset),
    );
  return { doc, pos, locate };
}

/** Where a text shows it is not text: a NUL byte, or bytes that were not UTF-8 (decoded as U+FFFD). */
function binaryAt(text: string): { offset: number; what: string } | undefined {
  const nul = text.indexOf('\u0000');
  const bad = text.indexOf('\ufffd');
  if (nul < 0 && bad < 0) return undefined;
  if (bad < 0 || (nul >= 0 && nul < bad)) return { offset: nul, what: 'binary data (a NUL byte)' };
  return { offset: bad, what: 'bytes that are not UTF-8 (binary data, or another encoding)' };
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Aliases whose anchor is not defined before them: yaml's toJS throws on them, so they are found first. */
function aliasErrors(
  doc: Document.Parsed,
  file: string,
  pos: (offset: number) => { line: number; col: number },
): SpecError[] {
  const errors: SpecError[] = [];
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined)
        errors.push({
          file,
          ...pos(node.range?.[0] ?? 0),
          path: '',
          message: `YAML alias: expected an anchor &${node.source} defined before *${node.source}, found none`,
        });
    },
  });
  return errors;
}

function loadYaml(text: string, file: string): LoadResult {
  const { doc, pos, locate } = yamlDocument(text);
  if (doc.errors.length === 0) {
    const aliases = aliasErrors(doc, file, pos);
    if (aliases.length > 0) return { ok: false, errors: aliases };
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        file,
        ...pos(e.pos[0]),
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // An alias expanding into too many nodes (a "billion laughs" document); unresolved ones are found above.
    const first = firstAlias(doc);
    return {
      ok: false,
      errors: [
        {
          file,
          ...pos(first),
          path: '',
          message: `YAML alias: expected aliases expanding to at most ${MAX_ALIAS_COUNT} nodes each, found more (${(e as Error).message.split('\n')[0]})`,
        },
      ],
    };
  }
  const root = doc.contents as Node | null;
  const parsed = SpecSchema.safeParse(data ?? {});
  const rulesOf = (spec: Spec) =>
    checkRules(spec).map((r) => ({ file, ...locate(r.path), path: dottedPath(r.path), message: r.message }));
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((issue) => issueToErrors(issue, root, file, pos));
    // Unknown keys alone do not hide the cross-field rules: they run on the spec without those keys.
    if (parsed.error.issues.every((i) => i.code === 'unrecognized_keys')) {
      const without = SpecSchema.safeParse(withoutKeys(data ?? {}, parsed.error.issues));
      if (without.success) errors.push(...rulesOf(without.data));
    }
    return { ok: false, errors: sortErrors(errors) };
  }
  const rules = rulesOf(parsed.data);
  if (rules.length > 0) return { ok: false, errors: sortErrors(rules) };
  return { ok: true, spec: parsed.data, locate };
}

const MAX_ALIAS_COUNT = 100;

function firstAlias(doc: Document.Parsed): number {
  let at = 0;
  visit(doc, {
    Alias(_, node) {
      at = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return at;
}

/** A copy of `data` without the keys the issues name as unknown. */
function withoutKeys(data: unknown, issues: readonly core.$ZodIssue[]): unknown {
  const copy = structuredClone(data);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    let at: unknown = copy;
    for (const seg of issue.path) at = (at as Record<PropertyKey, unknown> | undefined)?.[seg as string];
    if (at && typeof at === 'object') for (const k of issue.keys) delete (at as Record<string, unknown>)[k];
  }
  return copy;
}

/**
 * The value of a text that is a JSON object without a repeated key (where YAML would report an error
 * and JSON.parse keeps the last value), else undefined. Exported for tests; not part of the package API. JSON.parse drops repeated keys, so they show as
 * fewer keys in the value than name-separator colons in the text.
 */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!/^[ \t\r\n]*\{/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return keyCount(value) === memberCount(text) ? (value as Record<string, unknown>) : undefined;
}

/** Colons outside strings: in JSON text, one per object member. */
function memberCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) n++;
    else if (c === 0x22) {
      // Skip the string; a backslash escapes the next character.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    }
  }
  return n;
}

function keyCount(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) for (const v of value) n += keyCount(v);
  else for (const v of Object.values(value)) n += 1 + keyCount(v);
  return n;
}

function sortErrors(errors: SpecError[]): SpecError[] {
  return errors.sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/** Finds a node (value, or key when `key`) along a path; returns it or the deepest node found. */
function walk(
  root: Node | null,
  path: readonly PropertyKey[],
  key = false,
): { node: Node | null; complete: boolean } {
  let node: Node | null = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find(
        (it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg),
      );
      if (!pair) return { node, complete: false };
      if (key && i === path.length - 1) return { node: pair.key as Node, complete: true };
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return { node, complete: false };
      node = item;
    } else {
      return { node, complete: false };
    }
  }
  return { node, complete: true };
}

function locateOffset(root: Node | null, path: readonly PropertyKey[], key = false): number {
  // A finding about a whole mapping or list points at its key, where a reader looks for it.
  const probe = walk(root, path);
  const asKey = key || (probe.complete && path.length > 0 && (isMap(probe.node) || isSeq(probe.node)));
  const { node } = walk(root, path, asKey);
  return node?.range?.[0] ?? 0;
}

/**
 * The file offset of character `offset` of a string scalar's value: plain and quoted scalars on one line,
 * and block scalars (`|`, `>`), whose value lines are the indented lines after the header. Escapes in
 * double-quoted strings are followed. Falls back to the start of the value.
 */
function offsetInValue(text: string, node: Node | null, offset: number): number {
  if (!isScalar(node) || !node.range) return node?.range?.[0] ?? 0;
  const start = node.range[0];
  const type = node.type;
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    // The value's lines are the lines after the header without the block's indentation, joined by one
    // character (a newline, or a space when folded).
    const first = text.indexOf('\n', start) + 1;
    if (first === 0) return start;
    const lines = text.slice(first, node.range[1]).split('\n');
    const content = lines.find((l) => l.trim() !== '') ?? '';
    const indent = content.length - content.trimStart().length;
    let at = first;
    let left = offset;
    for (const l of lines) {
      const len = Math.max(0, l.length - indent);
      if (left <= len) return at + Math.min(indent, l.length) + left;
      left -= len + 1;
      at += l.length + 1;
    }
    return start;
  }
  if (type === 'QUOTE_DOUBLE') {
    let i = start + 1;
    for (let k = 0; k < offset && i < node.range[1]; k++)
      i += text[i] === '\\' ? (text[i + 1] === 'x' ? 4 : 2) : 1;
    return i;
  }
  if (type === 'QUOTE_SINGLE') {
    let i = start + 1;
    for (let k = 0; k < offset && i < node.range[1]; k++) i += text[i] === "'" && text[i + 1] === "'" ? 2 : 1;
    return i;
  }
  return Math.min(start + offset, node.range[1]);
}

function found(root: Node | null, path: readonly PropertyKey[]): string {
  const { node, complete } = walk(root, path);
  if (!complete || !node) return 'nothing';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
  }
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return 'an unsupported value';
}

function describeExpected(issue: core.$ZodIssue): string {
  if (issue.message.startsWith('expected')) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'object' || issue.expected === 'record' ? 'a mapping' : issue.expected === 'array' ? 'a list' : issue.expected}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? 'at most' : 'a value <='} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`.replace(
        '<= ',
        issue.inclusive ? '<= ' : '< ',
      );
    case 'too_small':
      return `expected ${issue.origin === 'array' || issue.origin === 'string' ? 'at least' : 'a value >='} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : ''}`.replace(
        '>= ',
        issue.inclusive ? '>= ' : '> ',
      );
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union':
      return 'expected one of the allowed forms';
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      return `expected ${issue.message.replace(/^Invalid input: /, '')}`;
  }
}

function issueToErrors(
  issue: core.$ZodIssue,
  root: Node | null,
  file: string,
  pos: (offset: number) => { line: number; col: number },
): SpecError[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(SpecSchema, issue.path);
    return issue.keys.map((k) => {
      const path = [...issue.path, k];
      const guess = didYouMean(k, known);
      return {
        file,
        ...pos(locateOffset(root, path, true)),
        path: dottedPath(path),
        message: `expected no key ${JSON.stringify(k)} here (unknown key${guess ? `; did you mean "${guess}"?` : known.length ? `; known keys: ${known.join(', ')}` : ''}), found one`,
      };
    });
  }
  if (issue.code === 'invalid_key') {
    return issue.issues.map((sub) => ({
      file,
      ...pos(locateOffset(root, issue.path, true)),
      path: dottedPath(issue.path),
      message: `${describeExpected(sub)} as key, found "${String(issue.path[issue.path.length - 1])}"`,
    }));
  }
  const path = issue.path;
  return [
    {
      file,
      ...pos(locateOffset(root, path)),
      path: dottedPath(path),
      message: `${describeExpected(issue)}, found ${found(root, path)}`,
    },
  ];
}
