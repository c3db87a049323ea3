import type { ConfigFile, Definition, Node, Statement } from './ast.js';

export interface PrintOptions {
  /** One level of indentation (default two spaces). */
  indent?: string;
}

/**
 * Prints a tree in canonical layout: one statement per line, `{` on the statement's line, one
 * indentation level per block, single spaces between words, runs of blank lines collapsed to one,
 * comments kept where they were. Words are printed exactly as written (quotes included).
 */
export function print(file: ConfigFile | Node[], options: PrintOptions = {}): string {
  const out: Out = { indent: options.indent ?? '  ', lines: [], exact: false, end: 'closed' };
  printNodes(Array.isArray(file) ? file : file.body, 0, out);
  return out.lines.length === 0 ? '' : `${out.lines.join('\n')}\n`;
}

/**
 * The lines printed so far. `exact`: the current line holds a condition or `~SEQ`, so what keepalived
 * reads on it must stay on it (nodes the parser marked `glued` are appended instead of starting a line).
 * `end`: how the current line ends, so that appending cannot merge two statements or land in a comment
 * or a definition's value.
 */
interface Out {
  indent: string;
  lines: string[];
  exact: boolean;
  end: 'open' | 'close' | 'word' | 'closed';
}

type Unit = 'head' | 'close';

/** Whether a unit marked `glued` can go on the current line: it is exact and ends where a unit may follow. */
function canGlue(out: Out, unit: Unit, glued: boolean | undefined): boolean {
  return (
    glued === true &&
    out.exact &&
    out.lines.length > 0 &&
    (unit === 'close' ? out.end !== 'closed' : out.end === 'open' || out.end === 'close')
  );
}

function emit(
  out: Out,
  depth: number,
  text: string,
  unit: Unit,
  glued: boolean | undefined,
  end: Out['end'],
): void {
  if (canGlue(out, unit, glued)) out.lines[out.lines.length - 1] += ` ${text}`;
  else {
    out.lines.push(out.indent.repeat(depth) + text);
    out.exact = false;
  }
  out.end = end;
}

function line(out: Out, text: string): void {
  out.lines.push(text);
  out.exact = false;
  out.end = 'closed';
}

function printNodes(nodes: Node[], depth: number, out: Out): void {
  let start = 0;
  let end = nodes.length;
  while (start < end && nodes[start]!.kind === 'blank') start++;
  while (end > start && nodes[end - 1]!.kind === 'blank') end--;
  let prevBlank = false;
  for (let i = start; i < end; i++) {
    const n = nodes[i]!;
    if (n.kind === 'blank') {
      if (!prevBlank) line(out, '');
      prevBlank = true;
      continue;
    }
    prevBlank = false;
    if (n.kind === 'comment') line(out, out.indent.repeat(depth) + n.text);
    else if (n.kind === 'definition') printDefinition(n, depth, out);
    else printStatement(n, depth, out);
  }
}

function head(s: Statement): string {
  const words: string[] = [];
  if (s.condition) words.push(s.condition);
  if (s.sequences) words.push(...s.sequences);
  words.push(s.keyword, ...s.args);
  return words.join(' ');
}

function inlineStatement(s: Statement): string {
  let text = head(s);
  if (s.block) {
    const kids = s.block.filter((n): n is Statement => n.kind === 'statement').map(inlineStatement);
    text += kids.length > 0 ? ` { ${kids.join(' ')} }` : ' { }';
  }
  return text;
}

const withComment = (text: string, comment: string | undefined) => (comment ? `${text} ${comment}` : text);

function printStatement(s: Statement, depth: number, out: Out): void {
  const conditional = s.condition !== undefined || s.sequences !== undefined;
  const after = () => {
    if (conditional) out.exact = true;
  };
  if (s.block && s.inline) {
    const comment = s.closeComment ?? s.comment;
    emit(out, depth, withComment(inlineStatement(s), comment), 'head', s.glued, comment ? 'closed' : 'close');
    after();
    return;
  }
  if (!s.block) {
    emit(out, depth, withComment(head(s), s.comment), 'head', s.glued, s.comment ? 'closed' : 'word');
    after();
    return;
  }
  if (s.openApart && (conditional || canGlue(out, 'head', s.glued))) {
    // keepalived reads a `{` on the next line as part of the block; the head line alone is conditional.
    emit(out, depth, withComment(head(s), s.comment), 'head', s.glued, 'closed');
    line(out, `${out.indent.repeat(depth)}{`);
    out.end = 'open';
  } else {
    emit(out, depth, withComment(`${head(s)} {`, s.comment), 'head', s.glued, s.comment ? 'closed' : 'open');
    after();
  }
  printNodes(s.block, depth + 1, out);
  emit(
    out,
    depth,
    withComment('}', s.closeComment),
    'close',
    s.closeGlued,
    s.closeComment ? 'closed' : 'close',
  );
}

function printDefinition(d: Definition, depth: number, out: Out): void {
  const indent = out.indent;
  const cond = d.condition ? `${d.condition} ` : '';
  if (d.lines === undefined) {
    const value = d.value ?? '';
    emit(out, depth, withComment(`${cond}$${d.name}=${value}`, d.comment), 'head', d.glued, 'closed');
    return;
  }
  emit(out, depth, withComment(`${cond}$${d.name}= \\`, d.comment), 'head', d.glued, 'closed');
  let level = depth + 1;
  for (const l of d.lines) {
    if (l === '') {
      line(out, '');
      continue;
    }
    const body = l.replace(/\\$/, '').trimEnd();
    if (body.startsWith('}')) level = Math.max(depth + 1, level - 1);
    line(out, indent.repeat(level) + l);
    const opens = countChar(body, '{') - countChar(body, '}') + (body.startsWith('}') ? 1 : 0);
    level = Math.max(depth + 1, level + opens);
  }
}

function countChar(s: string, c: string): number {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}
