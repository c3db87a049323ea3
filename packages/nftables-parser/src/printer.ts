import type { Block, Group, Item, Node, Ruleset, Statement } from './ast.js';

/** How many set elements nft prints per line, by the set's key type (1: one per line). */
const FIVE_PER_LINE = new Set([
  'nf_proto',
  'integer',
  'arp_op',
  'inet_proto',
  'inet_service',
  'tcp_flag',
  'dccp_pkttype',
  'mark',
  'iface_index',
  'classid',
  'uid',
  'gid',
  'ct_dir',
]);
const TWO_PER_LINE = new Set(['ipv4_addr', 'ct_state', 'ct_status', 'ct_event', 'ct_label']);

/** Key type nft infers for a `typeof` expression (only as far as it changes the element layout). */
function typeofToType(words: string[]): string {
  const [a = '', b = ''] = words;
  const last = words[words.length - 1] ?? '';
  if (a === 'ip' && (b === 'saddr' || b === 'daddr')) return 'ipv4_addr';
  if (a === 'ct' && (b === 'state' || b === 'status')) return `ct_${b}`;
  if (a === 'ct' && /^(saddr|daddr|helper|label)$/.test(last)) return 'other';
  if (/^(ip6|ether|arp)$/.test(a) && /addr$/.test(last)) return 'other';
  if (
    /ifname$|^dscp$|^type$|^name$|^code$|^ipsec$|^flags$|^nfproto$|^pkttype$|^iiftype$|^oiftype$/.test(last)
  ) {
    return 'other';
  }
  return 'integer';
}

/**
 * Which nft's `list ruleset` layout of named set and map elements to reproduce (the rest of the listing is
 * the same in both):
 * - `'current'` (nft after 1.0.6; the default): one element a line for maps, concatenated keys, and sets with
 *   a timeout (`timeout 1h`, `flags timeout`), a stateful statement (`counter`, `quota`, `limit`...) or
 *   element comments; other sets wrapped by key type.
 * - `'1.0.6'` (nft 1.0.6 and before, e.g. Debian 12): every set and map wrapped by key type (5 integers or
 *   ports, 2 IPv4 addresses or ct states, else 1 a line).
 */
export type NftLayout = 'current' | '1.0.6';

/** Printer options. */
export interface PrintOptions {
  /** The element layout of which nft to reproduce (default `'current'`); see NftLayout and nftLayout(). */
  nft?: NftLayout;
  /** @deprecated use `nft`: `'by-key'` is `nft: '1.0.6'`, `'one'` is `nft: 'current'`. */
  mapWrap?: 'one' | 'by-key';
}

/** The element layout an nft version lists with: `'1.0.6'` up to 1.0.6, `'current'` after (`nft --version`). */
export function nftLayout(version: string): NftLayout {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) throw new Error(`not an nft version: ${JSON.stringify(version)}`);
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return a < 1 || (a === 1 && b === 0 && c <= 6) ? '1.0.6' : 'current';
}

function layoutOf(opts: PrintOptions): NftLayout {
  return opts.nft ?? (opts.mapWrap === 'by-key' ? '1.0.6' : 'current');
}

/** Set statements nft lists in a set body (a stateful statement applied to every element). */
const SET_STATEFUL = new Set(['counter', 'quota', 'limit', 'last', 'ct']);

/**
 * Whether current nft lists the elements one a line whatever the key type (do_set_print's force_newline):
 * maps, sets with a timeout, a stateful statement or element comments (concatenations are one a line in
 * every version, by their key type).
 */
function oneALine(block: Block): boolean {
  if (block.block === 'map') return true;
  for (const n of block.body) {
    if (n.kind !== 'statement') continue;
    const words = n.items.map((i) => (i.kind === 'group' ? '' : i.text));
    const first = words[0] ?? '';
    if (first === 'timeout' || SET_STATEFUL.has(first)) return true;
    if (first === 'flags' && words.includes('timeout')) return true;
    if (first === 'elements') {
      const g = n.items.find((i) => i.kind === 'group');
      if (g?.kind === 'group' && g.items.some((i) => i.kind === 'word' && i.text === 'comment')) return true;
    }
  }
  return false;
}

function elementsPerLine(block: Block, opts: PrintOptions): number {
  if (layoutOf(opts) === 'current' && oneALine(block)) return 1;
  for (const n of block.body) {
    if (n.kind !== 'statement') continue;
    const [first, ...rest] = n.items;
    if (!first || first.kind === 'group') continue;
    if (first.text !== 'type' && first.text !== 'typeof') continue;
    let words = rest.map((r) => (r.kind === 'group' ? '(' : r.text));
    const colon = words.indexOf(':');
    const key = colon >= 0 ? words.slice(0, colon) : words;
    if (key.includes('.')) return 1;
    words = key;
    const type = first.text === 'type' ? (words[0] ?? '') : typeofToType(words);
    if (FIVE_PER_LINE.has(type)) return 5;
    if (TWO_PER_LINE.has(type)) return 2;
    return 1;
  }
  return 1;
}

const WRAP = ',\n\t\t\t     ';

/** Splits a group's items at its top-level commas. */
export function splitElements(items: Item[]): Item[][] {
  const out: Item[][] = [];
  let cur: Item[] = [];
  for (const it of items) {
    if (it.kind === 'punct' && it.text === ',') {
      out.push(cur);
      cur = [];
    } else cur.push(it);
  }
  if (cur.length > 0 || out.length > 0) out.push(cur);
  return out;
}

function printGroup(g: Group, perLine: number, depth: number): string {
  if (g.body) {
    const out: string[] = ['{\n'];
    printBody({ kind: 'block', block: 'chain', head: [], body: g.body }, depth + 1, out, {});
    out.push(`${'\t'.repeat(depth)}}`);
    return out.join('');
  }
  if (g.open === '(') return `(${printItems(g.items, 0, depth)})`;
  if (g.openComment !== undefined || g.items.some((i) => i.comment !== undefined))
    return printCommentedGroup(g, depth);
  const elems = splitElements(g.items);
  if (elems.length > 1 && elems[elems.length - 1]?.length === 0) elems.pop(); // a trailing comma
  if (elems.length === 0) return '{ }';
  let s = '{ ';
  elems.forEach((e, i) => {
    if (i > 0) s += perLine > 0 && i % perLine === 0 ? WRAP : ', ';
    s += printItems(e, 0, depth);
  });
  return `${s} }`;
}

/** A `{ }` group with comments inside: one element a line, each followed by its comment. */
function printCommentedGroup(g: Group, depth: number): string {
  const elems: { items: Item[]; comments: string[] }[] = [{ items: [], comments: [] }];
  for (const it of g.items) {
    const cur = elems[elems.length - 1] as { items: Item[]; comments: string[] };
    if (it.comment !== undefined) cur.comments.push(it.comment);
    if (it.kind === 'punct' && it.text === ',') elems.push({ items: [], comments: [] });
    else cur.items.push(it);
  }
  const last = elems[elems.length - 1];
  if (elems.length > 1 && last && last.items.length === 0) {
    elems.pop();
    (elems[elems.length - 1] as { comments: string[] }).comments.push(...last.comments);
  }
  const inner = '\t'.repeat(depth + 1);
  let s = g.openComment !== undefined ? `{ ${g.openComment}\n` : '{\n';
  elems.forEach((e, i) => {
    const body = printItems(e.items, 0, depth + 1);
    const comma = i < elems.length - 1 ? ',' : '';
    const comments = e.comments.length > 0 ? ` ${e.comments.join(' ')}` : '';
    s += `${inner}${body}${comma}${comments}\n`;
  });
  return `${s}${'\t'.repeat(depth)}}`;
}

/** Prints a token sequence with nft's spacing (single spaces where the source had whitespace). */
export function printItems(items: Item[], perLine = 0, depth = 0): string {
  let s = '';
  items.forEach((it, i) => {
    if (i > 0 && (it.space || it.kind === 'group' || items[i - 1]?.kind === 'group')) s += ' ';
    s += it.kind === 'group' ? printGroup(it, perLine, depth) : it.text;
  });
  return s;
}

function firstWord(st: Statement): string {
  const f = st.items[0];
  return f && f.kind !== 'group' ? f.text : '';
}

function printStatement(st: Statement, perLine = 0, depth = 0): string {
  const body = printItems(st.items, perLine, depth);
  return st.trailing ? `${body}${st.trailingSep ?? ' '}${st.trailing}` : body;
}

function printBody(block: Block, depth: number, out: string[], opts: PrintOptions): void {
  const ind = '\t'.repeat(depth);
  const body = block.body;
  const perLine = block.block === 'set' || block.block === 'map' ? elementsPerLine(block, opts) : 0;
  let printed = false;
  let prevComment = false;
  for (let i = 0; i < body.length; i++) {
    const n = body[i] as Node;
    if (n.kind === 'comment') {
      out.push(`${ind}${n.text}\n`);
      printed = true;
      prevComment = true;
      continue;
    }
    if (n.kind === 'block') {
      if (block.block === 'table' && printed && !prevComment) out.push('\n');
      printBlock(n, depth, out, opts);
    } else if (block.block === 'chain' && (firstWord(n) === 'type' || firstWord(n) === 'policy')) {
      let line = `${printItems(n.items, 0, depth)};`;
      let last: Statement = n;
      const next = body[i + 1];
      if (
        !n.trailing &&
        firstWord(n) === 'type' &&
        next?.kind === 'statement' &&
        firstWord(next) === 'policy'
      ) {
        line += ` ${printItems(next.items, 0, depth)};`;
        last = next;
        i++;
      }
      out.push(`${ind}${line}${last.trailing ? `${last.trailingSep ?? ' '}${last.trailing}` : ''}\n`);
    } else {
      const wrap = firstWord(n) === 'elements' ? perLine : 0;
      out.push(`${ind}${printStatement(n, wrap, depth)}\n`);
    }
    printed = true;
    prevComment = false;
  }
}

function printBlock(b: Block, depth: number, out: string[], opts: PrintOptions): void {
  const ind = '\t'.repeat(depth);
  out.push(`${ind}${printItems(b.head)} {${b.trailing ? ` ${b.trailing}` : ''}\n`);
  printBody(b, depth + 1, out, opts);
  out.push(`${ind}}\n`);
}

/** Prints one node (block, statement or comment) at the given depth. */
export function printNode(n: Node, depth = 0, opts: PrintOptions = {}): string {
  const out: string[] = [];
  const ind = '\t'.repeat(depth);
  if (n.kind === 'block') printBlock(n, depth, out, opts);
  else if (n.kind === 'comment') out.push(`${ind}${n.text}\n`);
  else out.push(`${ind}${printStatement(n, 0, depth)}\n`);
  return out.join('');
}

/** Prints a ruleset in nft's canonical `list ruleset` layout (tabs, one statement a line). */
export function print(rs: Ruleset, opts: PrintOptions = {}): string {
  return rs.body.map((n) => printNode(n, 0, opts)).join('');
}

/** Prints the token text of a statement (a rule) on one line. */
export function printRule(st: Statement): string {
  return printStatement(st);
}
