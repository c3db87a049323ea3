import type {
  BlankNode,
  CommentNode,
  IfaceNode,
  InterfacesFile,
  Location,
  MappingNode,
  StanzaItem,
  TopNode,
} from './ast.js';
import type { Position } from './diagnostic.js';
import { InterfacesSyntaxError } from './errors.js';
import { fingerprint, isBlank, isTopKeyword } from './syntax.js';

export interface ParseOptions {
  /** File name used in error messages; `<input>` when absent. */
  file?: string;
}

/** A logical line: physical lines joined at trailing backslashes. */
interface Logical {
  text: string;
  raw: string;
  /** Start offset in `text` of each physical line's contribution, with that line's number. */
  parts: { offset: number; line: number }[];
}

interface Word {
  value: string;
  start: number;
  end: number;
}

function words(text: string, from = 0): Word[] {
  const out: Word[] = [];
  let i = from;
  while (i < text.length) {
    while (i < text.length && isBlank(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && !isBlank(text[i])) i++;
    out.push({ value: text.slice(start, i), start, end: i });
  }
  return out;
}

function trimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return s.slice(0, end);
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && isBlank(s[i])) i++;
  return i;
}

/**
 * Parses an interfaces(5) file. Follows ifupdown 0.8: a line whose first non-blank character is `#` is a
 * comment (comments never continue, and there are no end-of-line comments); any other line ending with a
 * backslash is joined with the next physical line; keywords are case-sensitive; an option line belongs to
 * the last `iface` / `mapping` stanza, and any other keyword ends that stanza.
 *
 * Throws {@link InterfacesSyntaxError} (file:line:column, expected, found) on what ifupdown refuses:
 * an option outside a stanza, an option without a value, an incomplete `iface` line, an unknown line in
 * a `mapping` stanza. It does not check that families and methods exist (`ifquery` does).
 */
export function parseInterfaces(text: string, options: ParseOptions = {}): InterfacesFile {
  const file = options.file ?? '<input>';
  const result: InterfacesFile = { kind: 'file', nodes: [], finalNewline: true };
  if (text === '') return result;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else result.finalNewline = false;

  let stanza: IfaceNode | MappingNode | undefined;
  let pending: (CommentNode | BlankNode)[] = [];
  const flushTop = () => {
    result.nodes.push(...pending);
    pending = [];
  };

  const lineStart: number[] = [];
  for (let k = 0, at = 0; k < lines.length; at += lines[k]!.length + 1, k++) lineStart.push(at);
  const locate = (l: Logical, offset: number): Location => {
    let part = l.parts[0]!;
    for (const p of l.parts) if (p.offset <= offset) part = p;
    return { line: part.line, column: offset - part.offset + 1 };
  };
  /** The node's place as a Position (`loc` is the deprecated `{ line, column }` of the same place). */
  const hasFile = options.file !== undefined;
  const position = (loc: Location): Position =>
    hasFile
      ? { file, line: loc.line, col: loc.column, offset: (lineStart[loc.line - 1] ?? 0) + loc.column - 1 }
      : { line: loc.line, col: loc.column, offset: (lineStart[loc.line - 1] ?? 0) + loc.column - 1 };
  const fail = (l: Logical, offset: number, expected: string, found: string): never => {
    const { line, column } = locate(l, offset);
    throw new InterfacesSyntaxError(file, line, column, expected, found);
  };
  const quote = (w: Word | undefined) => (w ? `'${w.value}'` : 'end of line');

  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    const lineNo = i + 1;
    const lead = skipBlanks(first, 0);
    if (lead === first.length || first[lead] === '#') {
      const node: CommentNode | BlankNode =
        lead === first.length ? { kind: 'blank' } : { kind: 'comment', text: first.slice(lead + 1) };
      node.loc = { line: lineNo, column: lead + 1 };
      node.pos = position(node.loc);
      node.source = { text: first, fingerprint: fingerprint(node) };
      pending.push(node);
      i++;
      continue;
    }
    // A content line, joined with the following physical lines while it ends with a backslash.
    const l: Logical = { text: '', raw: first, parts: [] };
    let phys = first;
    let physNo = lineNo;
    for (;;) {
      l.parts.push({ offset: l.text.length, line: physNo });
      i++;
      if (phys.endsWith('\\')) {
        l.text += phys.slice(0, -1);
        if (i < lines.length) {
          phys = lines[i]!;
          physNo = i + 1;
          l.raw += `\n${phys}`;
          continue;
        }
      } else {
        l.text += phys;
      }
      break;
    }
    const ws = words(l.text);
    const kw = ws[0];
    const loc = locate(l, kw?.start ?? 0);
    if (!kw) {
      // Only blanks once joined (e.g. a lone backslash): ifupdown skips it.
      const node: BlankNode = { kind: 'blank', pos: position(loc), loc };
      node.source = { text: l.raw, fingerprint: fingerprint(node) };
      pending.push(node);
      continue;
    }
    const rest = ws.slice(1);
    const restText = (w: Word | undefined) => (w ? trimEnd(l.text.slice(w.start)) : '');
    let node: TopNode | undefined;
    if (isTopKeyword(kw.value)) {
      stanza = undefined;
      flushTop();
      const names = rest.map((w) => w.value);
      switch (kw.value) {
        case 'iface': {
          const name = rest[0];
          if (!name) fail(l, kw.end, 'an interface name after iface', 'end of line');
          const iface: IfaceNode = { kind: 'iface', name: name!.value, items: [] };
          const extra: string[] = [];
          for (let k = 1; k < rest.length; k++) {
            const w = rest[k]!;
            if (w.value === 'inherits') {
              const t = rest[k + 1];
              if (!t) fail(l, w.end, "a template name after 'inherits'", 'end of line');
              iface.inherits = t!.value;
              k++;
            } else if (iface.family === undefined) iface.family = w.value;
            else if (iface.method === undefined) iface.method = w.value;
            else extra.push(w.value);
          }
          if (iface.inherits === undefined) {
            if (iface.family === undefined)
              fail(l, l.text.length, "an address family (inet, inet6...) or 'inherits'", 'end of line');
            if (iface.method === undefined)
              fail(l, l.text.length, "a method (static, dhcp, manual...) or 'inherits'", 'end of line');
          }
          if (extra.length > 0) iface.extra = extra;
          node = iface;
          stanza = iface;
          break;
        }
        case 'mapping':
          node = { kind: 'mapping', patterns: names, items: [] };
          stanza = node;
          break;
        case 'auto':
          node = { kind: 'auto', names };
          break;
        case 'no-auto-down':
        case 'no-scripts':
        case 'rename':
          node = { kind: kw.value, names };
          break;
        case 'source':
        case 'source-directory':
        case 'source-dir': {
          const path = restText(rest[0]);
          if (path === '') fail(l, l.text.length, `a path after ${kw.value}`, 'end of line');
          node =
            kw.value === 'source'
              ? { kind: 'source', path }
              : kw.value === 'source-dir'
                ? { kind: 'source-directory', path, keyword: 'source-dir' }
                : { kind: 'source-directory', path };
          break;
        }
        default: {
          const cls = kw.value.slice('allow-'.length);
          if (cls === '') fail(l, kw.end, 'a class name after allow- (e.g. allow-hotplug)', 'end of word');
          node = { kind: 'allow', class: cls, names };
        }
      }
      node.pos = position(loc);
      node.loc = loc;
      node.source = { text: l.raw, fingerprint: fingerprint(node) };
      result.nodes.push(node);
      continue;
    }
    // An option line.
    if (!stanza) {
      fail(
        l,
        kw.start,
        'a stanza keyword (iface, mapping, auto, allow-CLASS, source, source-directory, rename, no-auto-down, no-scripts)',
        `'${kw.value}' outside any iface or mapping stanza`,
      );
    }
    if (kw.value.startsWith('#')) fail(l, kw.start, 'an option name', quote(kw));
    if (stanza!.kind === 'mapping' && kw.value !== 'script' && kw.value !== 'map') {
      fail(l, kw.start, "'script' or 'map' in a mapping stanza", quote(kw));
    }
    const value = restText(rest[0]);
    if (value === '') fail(l, l.text.length, `a value for option '${kw.value}'`, 'end of line');
    const opt: StanzaItem = { kind: 'option', name: kw.value, value, pos: position(loc), loc };
    opt.source = { text: l.raw, fingerprint: fingerprint(opt) };
    stanza!.items.push(...pending, opt);
    pending = [];
  }
  flushTop();
  return result;
}
