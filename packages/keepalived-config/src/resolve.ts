import type { Node, NodePosition, Statement } from './ast.js';
import { tryParse, unquote } from './parse.js';

/** A statement as keepalived sees it: conditionals applied, `$NAME` expanded, `~SEQ` unrolled, quotes removed. */
export interface Resolved {
  keyword: string;
  args: string[];
  block?: Resolved[];
  pos: NodePosition;
  /** NodePosition of the closing `}` of a block. */
  end?: NodePosition;
  /** The source node (for a statement coming from a multi-line definition: the line using it). */
  node: Statement;
}

export interface ResolveOptions {
  /** keepalived's config id (`-i`, default: the host name's first label); `@id` lines match it. Undefined matches no `@id`. */
  configId?: string;
  /** Directory of the file, for `${_PWD}`. */
  pwd?: string;
}

const MAX_DEPTH = 16;

/** Applies conditionals, definitions and sequences to a parsed body. Never throws. */
export function resolve(nodes: Node[], options: ResolveOptions = {}): Resolved[] {
  const defs = new Map<string, string>();
  defs.set('_HASH', '#');
  defs.set('_BANG', '!');
  if (options.pwd !== undefined) defs.set('_PWD', options.pwd);
  if (options.configId !== undefined) defs.set('_INSTANCE', options.configId);
  const multi = new Map<string, string[]>();
  return walk(nodes, { defs, multi, options, depth: 0 });
}

interface Ctx {
  defs: Map<string, string>;
  multi: Map<string, string[]>;
  options: ResolveOptions;
  depth: number;
}

function included(condition: string | undefined, configId: string | undefined): boolean {
  if (!condition) return true;
  if (condition.startsWith('@^')) return condition.slice(2) !== configId;
  return condition.slice(1) === configId;
}

/** Replaces `${NAME}` anywhere and `$NAME` at a word end, recursively; unknown names stay. */
export function substitute(text: string, defs: ReadonlyMap<string, string>): string {
  let out = text;
  for (let i = 0; i < MAX_DEPTH && out.includes('$'); i++) {
    const next = out
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => defs.get(n) ?? m)
      .replace(/\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (m, n: string) => defs.get(n) ?? m);
    if (next === out) break;
    out = next;
  }
  return out;
}

function walk(nodes: Node[], ctx: Ctx): Resolved[] {
  const out: Resolved[] = [];
  for (const n of nodes) {
    if (n.kind === 'definition') {
      if (!included(n.condition, ctx.options.configId)) continue;
      if (n.lines) {
        ctx.multi.set(n.name, n.lines);
        ctx.defs.delete(n.name);
      } else {
        ctx.defs.set(n.name, n.value ?? '');
        ctx.multi.delete(n.name);
      }
      continue;
    }
    if (n.kind !== 'statement') continue;
    if (!included(n.condition, ctx.options.configId)) continue;
    if (!n.sequences) {
      out.push(...statement(n, ctx));
      continue;
    }
    const seqs = n.sequences.map(parseSeq);
    const combos = expandSeqs(seqs);
    for (const combo of combos) {
      const saved = new Map(ctx.defs);
      for (const [k, v] of combo) ctx.defs.set(k, v);
      out.push(...statement(n, ctx));
      if (combos.length > 1 || combo.length > 0) {
        ctx.defs.clear();
        for (const [k, v] of saved) ctx.defs.set(k, v);
      }
    }
  }
  return out;
}

function statement(n: Statement, ctx: Ctx): Resolved[] {
  const name = n.keyword.startsWith('$')
    ? /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(n.keyword)?.[1]
    : undefined;
  const body = name === undefined ? undefined : ctx.multi.get(name);
  if (body && ctx.depth < MAX_DEPTH) {
    // A multi-line definition used as a statement: re-parse its text where it is used.
    const text = body.map((l) => l.replace(/\\$/, '')).join('\n');
    const r = tryParse(text, { file: n.pos.file });
    const inner = walk(r.file.body, { ...ctx, depth: ctx.depth + 1 });
    return inner.map((s) => relocate(s, n));
  }
  const plain = !n.keyword.includes('$') && n.args.every((a) => !a.includes('$'));
  let words = plain
    ? [n.keyword, ...n.args]
    : [n.keyword, ...n.args].flatMap((t) => {
        const v = substitute(t, ctx.defs);
        return v !== t && /\s/.test(v) && !/["']/.test(t) ? v.split(/\s+/).filter((w) => w !== '') : [v];
      });
  // A definition may expand to a conditional (`$IF_MAIN=@main`).
  if (words[0]?.startsWith('@') && words[0] !== n.keyword) {
    if (!included(words[0], ctx.options.configId)) return [];
    words = words.slice(1);
  }
  const kw = words[0];
  if (kw === undefined) return [];
  const r: Resolved = { keyword: unquote(kw), args: words.slice(1).map(unquote), pos: n.pos, node: n };
  if (n.end) r.end = n.end;
  if (n.block) r.block = walk(n.block, ctx);
  return [r];
}

function relocate(s: Resolved, at: Statement): Resolved {
  const r: Resolved = { ...s, pos: at.pos, node: at };
  if (at.end) r.end = at.end;
  else delete r.end;
  if (s.block) r.block = s.block.map((c) => relocate(c, at));
  return r;
}

interface Seq {
  name: string;
  values: string[];
}

function parseSeq(text: string): Seq {
  const m = /^~SEQ(x?)\(([^)]*)\)$/.exec(text);
  if (!m) return { name: '', values: [] };
  const hex = m[1] === 'x';
  const parts = (m[2] ?? '').split(',').map((s) => s.trim());
  const name = parts[0] ?? '';
  const nums = parts.slice(1).map((s) => Number(s));
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    start = end >= 0 ? 1 : -1;
    step = end >= start ? 1 : -1;
  } else if (nums.length === 2) {
    start = nums[0]!;
    end = nums[1]!;
    step = end >= start ? 1 : -1;
  } else {
    start = nums[0]!;
    step = nums[1]!;
    end = nums[2]!;
  }
  const values: string[] = [];
  if (![start, step, end].every(Number.isFinite) || step === 0) return { name, values };
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    values.push(hex ? v.toString(16) : String(v));
    if (values.length > 65536) break;
  }
  return { name, values };
}

function expandSeqs(seqs: Seq[]): Array<Array<[string, string]>> {
  let combos: Array<Array<[string, string]>> = [[]];
  for (const s of seqs) {
    const next: Array<Array<[string, string]>> = [];
    for (const c of combos) for (const v of s.values) next.push([...c, [s.name, v]]);
    combos = next;
  }
  return combos;
}
