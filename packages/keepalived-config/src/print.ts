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
  const indent = options.indent ?? '  ';
  const out: string[] = [];
  printNodes(Array.isArray(file) ? file : file.body, 0, indent, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function printNodes(nodes: Node[], depth: number, indent: string, out: string[]): void {
  let start = 0;
  let end = nodes.length;
  while (start < end && nodes[start]!.kind === 'blank') start++;
  while (end > start && nodes[end - 1]!.kind === 'blank') end--;
  const pad = indent.repeat(depth);
  let prevBlank = false;
  for (let i = start; i < end; i++) {
    const n = nodes[i]!;
    if (n.kind === 'blank') {
      if (!prevBlank) out.push('');
      prevBlank = true;
      continue;
    }
    prevBlank = false;
    if (n.kind === 'comment') out.push(pad + n.text);
    else if (n.kind === 'definition') printDefinition(n, depth, indent, out);
    else printStatement(n, depth, indent, out);
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

function printStatement(s: Statement, depth: number, indent: string, out: string[]): void {
  const pad = indent.repeat(depth);
  if (s.block && s.inline) {
    const comment = s.closeComment ?? s.comment;
    out.push(pad + inlineStatement(s) + (comment ? ` ${comment}` : ''));
    return;
  }
  if (!s.block) {
    out.push(pad + head(s) + (s.comment ? ` ${s.comment}` : ''));
    return;
  }
  out.push(`${pad}${head(s)} {${s.comment ? ` ${s.comment}` : ''}`);
  printNodes(s.block, depth + 1, indent, out);
  out.push(`${pad}}${s.closeComment ? ` ${s.closeComment}` : ''}`);
}

function printDefinition(d: Definition, depth: number, indent: string, out: string[]): void {
  const pad = indent.repeat(depth);
  const cond = d.condition ? `${d.condition} ` : '';
  if (d.lines === undefined) {
    const value = d.value ?? '';
    out.push(`${pad}${cond}$${d.name}=${value}${d.comment ? ` ${d.comment}` : ''}`);
    return;
  }
  out.push(`${pad}${cond}$${d.name}= \\${d.comment ? ` ${d.comment}` : ''}`);
  let level = depth + 1;
  for (const line of d.lines) {
    if (line === '') {
      out.push('');
      continue;
    }
    const body = line.replace(/\\$/, '').trimEnd();
    if (body.startsWith('}')) level = Math.max(depth + 1, level - 1);
    out.push(indent.repeat(level) + line);
    const opens = countChar(body, '{') - countChar(body, '}') + (body.startsWith('}') ? 1 : 0);
    level = Math.max(depth + 1, level + opens);
  }
}

function countChar(s: string, c: string): number {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}
