/**
 * A typed, located view of rule bodies. The parser keeps a rule as a token sequence; `analyzeRule` reads
 * that sequence into typed statements (matches, verdicts, counter, log, limit, NAT, `ct set`/`meta set`,
 * notrack, comment) and checks the values it knows the type of (ports, addresses, prefix lengths, ct
 * states, ICMP types, verdict arguments). Whatever it does not recognize comes back as an explicit
 * `unknown` statement holding the tokens, never dropped.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Block, Group, Item, Node, Pos, Ruleset, Statement, Token } from './ast.js';
import { AFTER_VALUE, closest, FIELDS, RULE_START } from './keywords.js';

export type RelOp = '==' | '!=' | '<' | '>' | '<=' | '>=';
export type BitOp = '&' | '|' | '^' | '<<' | '>>';

/** The left-hand side of a match or of a `set` statement. */
export type Selector =
  | { kind: 'payload'; protocol: string; field: string; pos?: Pos }
  | { kind: 'meta'; key: string; pos?: Pos }
  | { kind: 'ct'; key: string; direction?: 'original' | 'reply'; pos?: Pos }
  | { kind: 'fib'; flags: string[]; result: string; pos?: Pos }
  | { kind: 'concat'; parts: Selector[]; pos?: Pos }
  /** Raw payload `@ll|@nh|@th,offset,length` (bit offset and bit length from the base). */
  | { kind: 'raw'; base: 'll' | 'nh' | 'th'; offset: number; length: number; pos?: Pos }
  /** `numgen inc|random mod N [offset M]`. */
  | { kind: 'numgen'; mode: 'inc' | 'random'; mod: number; offset?: number; pos?: Pos }
  /** `jhash ip saddr . tcp dport mod N [seed S] [offset M]`, `symhash mod N [offset M]`. */
  | {
      kind: 'hash';
      fn: 'jhash' | 'symhash';
      expr?: Selector;
      mod: number;
      seed?: number;
      offset?: number;
      pos?: Pos;
    }
  /** Routing data: `rt nexthop`, `rt ip6 nexthop`, `rt mtu`, `rt classid`, `rt ipsec`. */
  | { kind: 'rt'; family?: 'ip' | 'ip6'; key: string; pos?: Pos }
  /** IPv6 extension header field (`frag frag-off`, `rt type`, `srh tag`) or `exthdr hbh` (for exists/missing). */
  | { kind: 'exthdr'; header: string; field?: string; pos?: Pos }
  /** `tcp option maxseg size`, `tcp option sack-perm` (no field: exists/missing or kind). */
  | { kind: 'tcpopt'; option: string; field?: string; pos?: Pos }
  /** `ip option ra value`, `ip option lsrr` (no field: exists/missing). */
  | { kind: 'ipopt'; option: string; field?: string; pos?: Pos }
  /** `sctp chunk init num-inbound-streams`, `sctp chunk data` (no field: exists/missing). */
  | { kind: 'sctpchunk'; chunk: string; field?: string; pos?: Pos }
  /** `ipsec in|out [ip|ip6] [spnum N] reqid|spi|saddr|daddr`. */
  | { kind: 'ipsec'; dir: 'in' | 'out'; family?: 'ip' | 'ip6'; spnum?: number; key: string; pos?: Pos }
  /** `osf [ttl loose|skip] name|version`. */
  | { kind: 'osf'; ttl?: string; key: 'name' | 'version'; pos?: Pos }
  /** `socket transparent|mark|wildcard`, `socket cgroupv2 level N`. */
  | { kind: 'socket'; key: string; level?: number; pos?: Pos }
  /** A literal inside a concatenation of selectors: `ip saddr . "lo" @s`, `ip saddr . 10.0.0.1 . 80 @s`. */
  | { kind: 'value'; value: Expr; pos?: Pos };

/** A right-hand value. */
export type Expr =
  | { kind: 'number'; value: number; text: string; pos?: Pos }
  | { kind: 'ipv4'; text: string; pos?: Pos }
  | { kind: 'ipv6'; text: string; pos?: Pos }
  | { kind: 'prefix'; addr: Expr; length: number; text: string; pos?: Pos }
  | { kind: 'range'; from: Expr; to: Expr; text: string; pos?: Pos }
  | { kind: 'string'; value: string; pos?: Pos }
  | { kind: 'symbol'; name: string; pos?: Pos }
  | { kind: 'variable'; name: string; pos?: Pos }
  | { kind: 'setref'; name: string; pos?: Pos }
  | { kind: 'set'; elements: Expr[]; pos?: Pos }
  | { kind: 'list'; values: Expr[]; pos?: Pos }
  | { kind: 'concat'; parts: Expr[]; pos?: Pos }
  | { kind: 'selector'; selector: Selector; pos?: Pos }
  /** A map element `key : value` (value may be a verdict, `jump x` as a symbol). */
  | { kind: 'mapping'; key: Expr; value: Expr; pos?: Pos }
  /** A map lookup `ip saddr map { ... }` / `map @m`. */
  | { kind: 'map'; key: Expr; map: Expr; pos?: Pos }
  /** A bitwise expression `ct mark & 0xff`, `established | related`, `ip6 dscp << 2`. */
  | { kind: 'binop'; op: BitOp; left: Expr; right: Expr; pos?: Pos }
  /** A set element with attributes: `10.0.0.1 timeout 1m expires 30s counter packets 0 bytes 0 comment "x"`. */
  | {
      kind: 'element';
      value: Expr;
      timeout?: string;
      expires?: string;
      comment?: string;
      counter?: { packets: number; bytes: number };
      pos?: Pos;
    };

/** One bitwise step applied to a selector. */
export interface Mask {
  op: BitOp;
  value: Expr;
}

/** One typed statement of a rule. */
export type RuleStatement =
  | {
      kind: 'match';
      left: Selector;
      /** Bitwise operations applied to the selector first (`ct mark & 0xff == 1`), in order. */
      mask?: Mask[];
      op: RelOp;
      right: Expr;
      pos?: Pos;
    }
  | {
      kind: 'verdict';
      verdict: 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto';
      chain?: string;
      /** `jump { ... }`: an anonymous chain, its rules analyzed. */
      anonymous?: AnalyzedRule[];
      pos?: Pos;
    }
  | { kind: 'reject'; with?: { protocol: string; type: string }; pos?: Pos }
  | { kind: 'counter'; packets?: number; bytes?: number; pos?: Pos }
  | { kind: 'log'; prefix?: string; level?: string; flags?: string[]; group?: number; pos?: Pos }
  | {
      kind: 'limit';
      over: boolean;
      rate: number;
      unit: string;
      burst?: number;
      burstUnit?: string;
      pos?: Pos;
    }
  | {
      kind: 'nat';
      type: 'snat' | 'dnat' | 'masquerade' | 'redirect';
      family?: 'ip' | 'ip6';
      addr?: Expr;
      port?: Expr;
      flags?: string[];
      pos?: Pos;
    }
  | { kind: 'set'; left: Selector; value: Expr; pos?: Pos }
  /** A verdict map lookup: `ip saddr vmap { 10.0.0.1 : accept, ... }` or `vmap @m`. */
  | { kind: 'vmap'; left: Selector; mask?: Mask[]; map: Expr; pos?: Pos }
  /** `add @s { ip saddr timeout 10s limit rate 5/second }`, `update @m { ... }`, `delete @s { ... }`. */
  | {
      kind: 'setupdate';
      op: 'add' | 'update' | 'delete';
      set: string;
      key: Expr;
      timeout?: string;
      statements: RuleStatement[];
      /** The data part of a map update: `update @m { ip saddr timeout 1m : ip daddr . tcp dport }`. */
      value?: Expr;
      pos?: Pos;
    }
  /** `synproxy [mss N] [wscale N] [timestamp] [sack-perm]`. */
  | {
      kind: 'synproxy';
      mss?: number;
      wscale?: number;
      timestamp?: boolean;
      sackPerm?: boolean;
      pos?: Pos;
    }
  /** `flow add @ft` / `flow offload @ft`: offload the connection to a flowtable. */
  | { kind: 'flowoffload'; flowtable: string; pos?: Pos }
  /** The old `meter name [size N] { key statements }` form. */
  | {
      kind: 'meter';
      name: string;
      size?: number;
      key: Expr;
      timeout?: string;
      statements: RuleStatement[];
      pos?: Pos;
    }
  /** A named stateful object: `counter name "c"`, `limit name tcp dport map { ... }`, `quota name "q"`. */
  | { kind: 'objref'; type: string; name: Expr; pos?: Pos }
  /** `queue [flags bypass,fanout] [to 1-3]` (also the old `queue num 1 bypass`). */
  | { kind: 'queue'; flags?: string[]; to?: Expr; pos?: Pos }
  | { kind: 'tproxy'; family?: 'ip' | 'ip6'; addr?: Expr; port?: Expr; pos?: Pos }
  | { kind: 'notrack'; pos?: Pos }
  | { kind: 'comment'; text: string; pos?: Pos }
  | { kind: 'unknown'; tokens: Item[]; pos?: Pos };

/** A located finding about a value: where, what was expected, what was found. */
export interface RuleDiagnostic {
  file: string;
  line: number;
  col: number;
  expected: string;
  found: string;
  /** `file:line:col: expected ..., found ...`. */
  message: string;
}

export interface AnalyzedRule {
  rule: Statement;
  statements: RuleStatement[];
  diagnostics: RuleDiagnostic[];
}

export interface AnalyzeOptions {
  /** File name used in diagnostics. */
  file?: string;
}

const VERDICTS = new Set(['accept', 'drop', 'continue', 'return']);
const OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);
/** Expression keywords the model does not type: never read as a symbolic value. */
const EXPR_KEYWORDS = new Set([
  'numgen',
  'jhash',
  'symhash',
  'osf',
  'socket',
  'ipsec',
  'tunnel',
  'fib',
  'rt',
  'exthdr',
]);
const BITOPS = new Set(['&', '|', '^', '<<', '>>']);
const OBJREFS = new Set(['counter', 'quota', 'limit', 'synproxy', 'tunnel', 'secmark']);
const WORD_OPS: Record<string, RelOp> = { eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' };
const BARE_META = new Set(
  'iif oif iifname oifname iiftype oiftype iifgroup oifgroup mark priority skuid skgid nfproto l4proto length pkttype cpu cgroup rtclassid nftrace'.split(
    ' ',
  ),
);
const CT_KEYS = new Set(
  'state status mark expiration helper label l3proto protocol proto-src proto-dst saddr daddr bytes packets avgpkt zone direction id event secmark timeout expectation'.split(
    ' ',
  ),
);
const FIB_FLAGS = new Set(['saddr', 'daddr', 'mark', 'iif', 'oif']);
const FIB_RESULTS = new Set(['oif', 'oifname', 'type']);
/** Words that start a statement strongly enough to end an `unknown` run. */
const STRONG_START = new Set([
  ...VERDICTS,
  'add',
  'update',
  'tproxy',
  'queue',
  'jump',
  'goto',
  'counter',
  'log',
  'limit',
  'reject',
  'notrack',
  'comment',
  'meta',
  'ct',
  'iifname',
  'oifname',
]);
const PORT_PROTOS = new Set(['tcp', 'udp', 'udplite', 'th', 'sctp', 'dccp']);
const DIAG_FIELDS = new Set(['ip', 'ip6', 'tcp', 'udp']);

export const CT_STATES = ['new', 'established', 'related', 'invalid', 'untracked'] as const;
export const ICMP_TYPES = [
  'echo-reply',
  'destination-unreachable',
  'source-quench',
  'redirect',
  'echo-request',
  'router-advertisement',
  'router-solicitation',
  'time-exceeded',
  'parameter-problem',
  'timestamp-request',
  'timestamp-reply',
  'info-request',
  'info-reply',
  'address-mask-request',
  'address-mask-reply',
] as const;
export const ICMPV6_TYPES = [
  'destination-unreachable',
  'packet-too-big',
  'time-exceeded',
  'parameter-problem',
  'echo-request',
  'echo-reply',
  'mld-listener-query',
  'mld-listener-report',
  'mld-listener-done',
  'mld-listener-reduction',
  'nd-router-solicit',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
  'nd-redirect',
  'router-renumbering',
  'ind-neighbor-solicit',
  'ind-neighbor-advert',
  'mld2-listener-report',
] as const;
/** Codes `reject with icmp|icmpv6|icmpx [type] CODE` accepts (numbers too). */
export const REJECT_CODES: Record<string, readonly string[]> = {
  icmp: [
    'host-unreachable',
    'net-unreachable',
    'prot-unreachable',
    'port-unreachable',
    'net-prohibited',
    'host-prohibited',
    'admin-prohibited',
    'frag-needed',
  ],
  icmpv6: [
    'no-route',
    'admin-prohibited',
    'addr-unreachable',
    'port-unreachable',
    'policy-fail',
    'reject-route',
  ],
  icmpx: ['port-unreachable', 'admin-prohibited', 'no-route', 'host-unreachable'],
};
const LOG_LEVELS = new Set(['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug', 'audit']);
const LOG_FLAG_WORDS = new Set(['all', 'tcp', 'ip', 'sequence', 'options', 'skuid', 'ether']);
const NAT_FLAGS = new Set(['persistent', 'random', 'fully-random']);
const CHAIN_NAME = /^[A-Za-z_][A-Za-z0-9_\-.]*$/;

class Cursor {
  i = 0;
  constructor(readonly items: Item[]) {}
  peek(k = 0): Item | undefined {
    return this.items[this.i + k];
  }
  word(k = 0): string | undefined {
    const it = this.peek(k);
    return it?.kind === 'word' ? it.text : undefined;
  }
  isWord(text: string, k = 0): boolean {
    return this.word(k) === text;
  }
  isPunct(text: string, k = 0): boolean {
    const it = this.peek(k);
    return it?.kind === 'punct' && it.text === text;
  }
  next(): Item | undefined {
    return this.items[this.i++];
  }
  done(): boolean {
    return this.i >= this.items.length;
  }
}

/** Thrown inside the reader when a statement cannot be typed; caught and turned into `unknown`. */
class NoMatch extends Error {}
const fail = (): never => {
  throw new NoMatch();
};

function isNum(s: string): boolean {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(s);
}
function num(s: string): number {
  return s.startsWith('0x') ? Number.parseInt(s, 16) : Number(s);
}
function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** Reads one word as a scalar value: number, address, prefix, range or symbol. */
function scalarWord(text: string, pos: Pos | undefined): Expr {
  if (isNum(text)) return { kind: 'number', value: num(text), text, pos };
  if (isIPv4(text)) return { kind: 'ipv4', text, pos };
  if (isIPv6(text)) return { kind: 'ipv6', text, pos };
  const slash = text.lastIndexOf('/');
  if (slash > 0 && /^\d+$/.test(text.slice(slash + 1))) {
    const addr = text.slice(0, slash);
    if (/^[\d.]+$/.test(addr) || addr.includes(':')) {
      return {
        kind: 'prefix',
        addr: scalarWord(addr, pos),
        length: Number(text.slice(slash + 1)),
        text,
        pos,
      };
    }
  }
  const dash = text.indexOf('-');
  if (dash > 0) {
    const a = text.slice(0, dash);
    const b = text.slice(dash + 1);
    const addrLike = (s: string) => /^[\d.]+$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
    if ((isNum(a) && isNum(b)) || (addrLike(a) && addrLike(b))) {
      return { kind: 'range', from: scalarWord(a, pos), to: scalarWord(b, pos), text, pos };
    }
  }
  return { kind: 'symbol', name: text, pos };
}

function primary(c: Cursor): Expr {
  const save = c.i;
  const key = selectorChain(c, new Diags('', undefined));
  if (key && c.isWord('map')) {
    c.next();
    const map = primary(c);
    if (map.kind !== 'set' && map.kind !== 'setref') fail();
    return { kind: 'map', key: { kind: 'selector', selector: key, pos: key.pos }, map, pos: key.pos };
  }
  c.i = save;
  const it = c.next() ?? fail();
  if (it.kind === 'group' && it.open === '(') {
    const inner = new Cursor(it.items);
    const e = bits(inner, true);
    if (!inner.done()) fail();
    return e;
  }
  if (it.kind === 'group') {
    if (it.open !== '{' || it.body) fail();
    return { kind: 'set', elements: setElements(it), pos: it.pos };
  }
  switch (it.kind) {
    case 'string':
      return { kind: 'string', value: unquote(it.text), pos: it.pos };
    case 'variable':
      return { kind: 'variable', name: it.text.slice(1), pos: it.pos };
    case 'setref':
      return { kind: 'setref', name: it.text.slice(1), pos: it.pos };
    case 'word':
      if (it.text === '.' || it.text === ':' || STRONG_START.has(it.text) || EXPR_KEYWORDS.has(it.text))
        fail();
      return scalarWord(it.text, it.pos);
    default:
      return fail();
  }
}

function bitOp(c: Cursor): BitOp | undefined {
  const it = c.peek();
  if (it?.kind === 'punct' && BITOPS.has(it.text)) {
    c.next();
    return it.text as BitOp;
  }
  return undefined;
}

/** Operands joined by bitwise operators; with `sel`, operands may be selectors (`ct mark | meta mark`). */
function bits(c: Cursor, sel: boolean): Expr {
  const operand = (): Expr => {
    if (sel) {
      const s = selectorChain(c, new Diags('', undefined));
      if (s) return { kind: 'selector', selector: s, pos: s.pos };
    }
    return primary(c);
  };
  let e = operand();
  for (let op = bitOp(c); op; op = bitOp(c)) e = { kind: 'binop', op, left: e, right: operand(), pos: e.pos };
  return e;
}

/** A value with its `a,b` list and `a . b` concatenation forms. */
function value(c: Cursor): Expr {
  const first = primary(c);
  if (c.isPunct(',') && c.peek(1)?.kind === 'word') {
    const values = [first];
    while (c.isPunct(',')) {
      c.next();
      values.push(primary(c));
    }
    return { kind: 'list', values, pos: first.pos };
  }
  if (c.isWord('.')) {
    const parts = [first];
    while (c.isWord('.')) {
      c.next();
      parts.push(primary(c));
    }
    return { kind: 'concat', parts, pos: first.pos };
  }
  return first;
}

function setElements(g: Group): Expr[] {
  const out: Expr[] = [];
  let cur: Item[] = [];
  const flush = () => {
    if (cur.length === 0) return;
    const c = new Cursor(cur);
    let key = value(c);
    for (let op = bitOp(c); op; op = bitOp(c))
      key = { kind: 'binop', op, left: key, right: primary(c), pos: key.pos };
    key = elementAttrs(c, key);
    if (c.isWord(':')) {
      c.next();
      out.push({ kind: 'mapping', key, value: mapValue(c), pos: key.pos });
    } else out.push(key);
    if (!c.done()) fail();
    cur = [];
  };
  for (const it of g.items) {
    if (it.kind === 'punct' && it.text === ',') flush();
    else cur.push(it);
  }
  flush();
  return out;
}

/** Reads the attributes after a set element (`timeout 1m expires 30s counter packets 0 bytes 0 comment "x"`). */
function elementAttrs(c: Cursor, value: Expr): Expr {
  const out: Expr & { kind: 'element' } = { kind: 'element', value, pos: value.pos };
  let any = false;
  for (;;) {
    const k = c.word();
    const v = c.peek(1);
    if ((k === 'timeout' || k === 'expires') && v?.kind === 'word') {
      out[k] = v.text;
      c.i += 2;
    } else if (k === 'comment' && v?.kind === 'string') {
      out.comment = unquote(v.text);
      c.i += 2;
    } else if (k === 'counter') {
      c.next();
      out.counter = { packets: 0, bytes: 0 };
      if (c.isWord('packets') && isNum(c.word(1) ?? '') && c.isWord('bytes', 2) && isNum(c.word(3) ?? '')) {
        out.counter = { packets: num(c.word(1) as string), bytes: num(c.word(3) as string) };
        c.i += 4;
      }
    } else break;
    any = true;
  }
  return any ? out : value;
}

function mapValue(c: Cursor): Expr {
  const it = c.peek();
  if (it?.kind === 'word' && VERDICTS.has(it.text)) {
    c.next();
    return { kind: 'symbol', name: it.text, pos: it.pos };
  }
  if (it?.kind === 'word' && (it.text === 'jump' || it.text === 'goto')) {
    const target = c.peek(1);
    if (target?.kind !== 'word' && target?.kind !== 'string') fail();
    c.i += 2;
    return { kind: 'symbol', name: `${it.text} ${unquote((target as Token).text)}`, pos: it.pos };
  }
  return value(c);
}

/** A selector or a concatenation of selectors `ip saddr . tcp dport`; undefined (cursor unchanged) if none. */
function selectorChain(c: Cursor, d: Diags): Selector | undefined {
  const first = selector(c, d);
  if (!first || !c.isWord('.')) return first;
  const parts = [first];
  let end = c.i;
  while (c.isWord('.')) {
    c.next();
    const next = selector(c, d);
    if (!next) break;
    parts.push(next);
    end = c.i;
  }
  // a concatenation may go on with values (`ip saddr . 10.0.0.1`): stop before the first non-selector
  c.i = end;
  return parts.length === 1 ? first : { kind: 'concat', parts, pos: first.pos };
}

/** Reads a selector at the cursor, or returns undefined (cursor unchanged) when there is none. */
function selector(c: Cursor, d: Diags): Selector | undefined {
  const w = c.word();
  const first = c.peek();
  if (first?.kind === 'setref' && RAW_BASES.has(first.text) && c.isPunct(',', 1) && c.isPunct(',', 3)) {
    const off = c.peek(2);
    const len = c.peek(4);
    if (off?.kind !== 'word' || len?.kind !== 'word') return undefined;
    c.i += 5;
    const base = first.text.slice(1) as 'll' | 'nh' | 'th';
    const raw: Selector = { kind: 'raw', base, offset: num(off.text), length: num(len.text), pos: first.pos };
    const found: Problem[] = [];
    if (!isNum(off.text)) found.push([off, 'a bit offset (a number)', `'${off.text}'`]);
    if (!isNum(len.text) || num(len.text) === 0)
      found.push([len, 'a bit length (a number > 0)', `'${len.text}'`]);
    if (found.length > 0) problems.set(raw, found);
    return raw;
  }
  if (w === undefined || first === undefined) return undefined;
  const pos = first.pos;
  const special = specialSelector(c, d, w, pos);
  if (special) return special;
  if (w === 'meta') {
    const key = c.word(1);
    if (key === undefined || !FIELDS.meta?.includes(key)) return undefined;
    c.i += 2;
    return { kind: 'meta', key, pos };
  }
  if (BARE_META.has(w)) {
    c.i += 1;
    return { kind: 'meta', key: w, pos };
  }
  if (w === 'ct') {
    let k = 1;
    let direction: 'original' | 'reply' | undefined;
    const dir = c.word(1);
    if (dir === 'original' || dir === 'reply') {
      direction = dir;
      k = 2;
    }
    let key = c.word(k);
    if (direction && (key === 'ip' || key === 'ip6')) {
      const f = c.word(k + 1);
      if (f !== 'saddr' && f !== 'daddr') return undefined;
      key = `${key} ${f}`;
      k++;
    }
    if (key === undefined || !(CT_KEYS.has(key) || key.includes(' '))) return undefined;
    c.i += k + 1;
    return direction ? { kind: 'ct', key, direction, pos } : { kind: 'ct', key, pos };
  }
  if (w === 'fib') {
    const flags: string[] = [];
    let k = 1;
    for (;;) {
      const f = c.word(k);
      if (f === undefined || !FIB_FLAGS.has(f)) return undefined;
      flags.push(f);
      k++;
      if (c.isWord('.', k)) k++;
      else break;
    }
    const result = c.word(k);
    if (result === undefined || !FIB_RESULTS.has(result)) return undefined;
    c.i += k + 1;
    return { kind: 'fib', flags, result, pos };
  }
  const fields = FIELDS[w];
  if (fields && w !== 'meta') {
    const field = c.peek(1);
    if (field?.kind !== 'word') return undefined;
    if (!fields.includes(field.text)) {
      if (
        DIAG_FIELDS.has(w) &&
        !RULE_START.has(field.text) &&
        !AFTER_VALUE.has(field.text) &&
        field.text !== 'option'
      ) {
        d.add(field, `a header field of ${w} (${fields.join(', ')})`, `'${field.text}'`);
      }
      return undefined;
    }
    if ((w === 'ip' || w === 'tcp' || w === 'ip6') && field.text === 'option') return undefined;
    c.i += 2;
    return { kind: 'payload', protocol: w, field: field.text, pos };
  }
  return undefined;
}

const RAW_BASES = new Set(['@ll', '@nh', '@th']);
const RT_KEYS = new Set(['classid', 'nexthop', 'mtu', 'ipsec']);
const EXTHDR_FIELDS: Record<string, string[]> = {
  hbh: ['nexthdr', 'hdrlength'],
  rt: ['nexthdr', 'hdrlength', 'type', 'seg-left'],
  rt0: ['addr'],
  rt2: ['addr'],
  srh: ['last-entry', 'flags', 'tag', 'sid'],
  frag: ['nexthdr', 'reserved', 'frag-off', 'reserved2', 'more-fragments', 'id'],
  dst: ['nexthdr', 'hdrlength'],
  mh: ['nexthdr', 'hdrlength', 'checksum', 'type', 'reserved'],
};
const TCPOPT_NAMES = new Set(
  'eol nop maxseg window sack-perm sack sack0 sack1 sack2 sack3 timestamp mptcp fastopen md5sig'.split(' '),
);
const TCPOPT_FIELDS = new Set('kind length size count left right tsval tsecr subtype'.split(' '));
const IPOPT_NAMES = new Set(['lsrr', 'ssrr', 'rr', 'ra']);
const IPOPT_FIELDS = new Set(['type', 'length', 'value', 'ptr', 'addr']);
const SCTP_CHUNKS = new Set(
  'data init init-ack sack heartbeat heartbeat-ack abort shutdown shutdown-ack error cookie-echo cookie-ack ecne cwr shutdown-complete asconf-ack forward-tsn asconf'.split(
    ' ',
  ),
);
const SCTP_FIELDS = new Set(
  'type flags length tsn stream ssn ppid init-tag a-rwnd num-outbound-streams num-inbound-streams initial-tsn cum-tsn-ack num-gap-ack-blocks num-dup-tsns lowest-tsn seqno new-cum-tsn'.split(
    ' ',
  ),
);
const IPSEC_KEYS = new Set(['reqid', 'spi', 'saddr', 'daddr']);
const SOCKET_KEYS = new Set(['transparent', 'mark', 'wildcard']);

/**
 * Value problems found while reading a selector, kept until the statement is complete: selectors are
 * also read speculatively (and dropped), so only those in the final statement report (`reportProblems`).
 */
type Problem = [{ pos?: Pos }, string, string];
const problems = new WeakMap<object, Problem[]>();
let pendingMod: Problem | undefined;

function reportProblems(x: unknown, d: Diags): void {
  if (Array.isArray(x)) {
    for (const v of x) reportProblems(v, d);
    return;
  }
  if (x === null || typeof x !== 'object') return;
  for (const p of problems.get(x) ?? []) d.add(...p);
  for (const [k, v] of Object.entries(x)) {
    if (k !== 'pos' && k !== 'anonymous' && k !== 'tokens' && k !== 'rule') reportProblems(v, d);
  }
}

/** Reads `mod N [seed S] [offset M]` (seed only for jhash); a modulus of 0 is a problem (kernel: ERANGE). */
function hashArgs(c: Cursor, _d: Diags, seed: boolean): { mod: number; seed?: number; offset?: number } {
  if (!c.isWord('mod')) fail();
  const m = c.peek(1);
  if (m?.kind !== 'word' || !isNum(m.text)) return fail();
  c.i += 2;
  const out: { mod: number; seed?: number; offset?: number } = { mod: num(m.text) };
  pendingMod = out.mod === 0 ? [m, 'a modulus > 0', `'${m.text}'`] : undefined;
  for (const key of seed ? (['seed', 'offset'] as const) : (['offset'] as const)) {
    const v = c.word(1);
    if (c.isWord(key) && v !== undefined && isNum(v)) {
      out[key] = num(v);
      c.i += 2;
    }
  }
  return out;
}

function withMod(s: Selector): Selector {
  if (pendingMod) problems.set(s, [pendingMod]);
  pendingMod = undefined;
  return s;
}

/** Selectors that are not `proto field`: numgen, hashes, rt, extension headers, options, ipsec, osf, socket. */
function specialSelector(c: Cursor, d: Diags, w: string, pos: Pos | undefined): Selector | undefined {
  const save = c.i;
  try {
    if (w === 'numgen') {
      const mode = c.word(1);
      if (mode !== 'inc' && mode !== 'random') return undefined;
      c.i += 2;
      return withMod({ kind: 'numgen', mode, ...hashArgs(c, d, false), pos });
    }
    if (w === 'symhash') {
      c.i += 1;
      return withMod({ kind: 'hash', fn: 'symhash', ...hashArgs(c, d, false), pos });
    }
    if (w === 'jhash') {
      c.i += 1;
      const expr = selectorChain(c, d) ?? fail();
      return withMod({ kind: 'hash', fn: 'jhash', expr, ...hashArgs(c, d, true), pos });
    }
    if (w === 'rt') {
      const f = c.word(1);
      if ((f === 'ip' || f === 'ip6') && RT_KEYS.has(c.word(2) ?? '')) {
        c.i += 3;
        return { kind: 'rt', family: f, key: c.word(-1) as string, pos };
      }
      if (f !== undefined && RT_KEYS.has(f)) {
        c.i += 2;
        return { kind: 'rt', key: f, pos };
      }
    }
    if (w === 'exthdr') {
      const h = c.word(1);
      if (h === undefined || !EXTHDR_FIELDS[h]) return undefined;
      const f = c.word(2);
      if (f !== undefined && EXTHDR_FIELDS[h]?.includes(f)) {
        c.i += 3;
        return { kind: 'exthdr', header: h, field: f, pos };
      }
      c.i += 2;
      return { kind: 'exthdr', header: h, pos };
    }
    const xf = EXTHDR_FIELDS[w];
    if (xf) {
      const f = c.word(1);
      if (f === undefined || !xf.includes(f)) return undefined;
      c.i += 2;
      return { kind: 'exthdr', header: w, field: f, pos };
    }
    if ((w === 'tcp' || w === 'ip') && c.isWord('option', 1)) {
      const names = w === 'tcp' ? TCPOPT_NAMES : IPOPT_NAMES;
      const fields = w === 'tcp' ? TCPOPT_FIELDS : IPOPT_FIELDS;
      const o = c.word(2);
      if (o === undefined || !(names.has(o) || (w === 'tcp' && isNum(o)))) return undefined;
      const f = c.word(3);
      const kind = w === 'tcp' ? 'tcpopt' : 'ipopt';
      if (f !== undefined && fields.has(f)) {
        c.i += 4;
        return { kind, option: o, field: f, pos };
      }
      c.i += 3;
      return { kind, option: o, pos };
    }
    if (w === 'sctp' && c.isWord('chunk', 1)) {
      const ch = c.word(2);
      if (ch === undefined || !SCTP_CHUNKS.has(ch)) return undefined;
      const f = c.word(3);
      if (f !== undefined && SCTP_FIELDS.has(f)) {
        c.i += 4;
        return { kind: 'sctpchunk', chunk: ch, field: f, pos };
      }
      c.i += 3;
      return { kind: 'sctpchunk', chunk: ch, pos };
    }
    if (w === 'ipsec') {
      const dir = c.word(1);
      if (dir !== 'in' && dir !== 'out') return undefined;
      let k = 2;
      const out: Selector & { kind: 'ipsec' } = { kind: 'ipsec', dir, key: '', pos };
      const fam = c.word(k);
      if (fam === 'ip' || fam === 'ip6') {
        out.family = fam;
        k++;
      }
      if (c.isWord('spnum', k) && isNum(c.word(k + 1) ?? '')) {
        out.spnum = num(c.word(k + 1) as string);
        k += 2;
      }
      const key = c.word(k);
      if (key === undefined || !IPSEC_KEYS.has(key)) return undefined;
      out.key = key;
      c.i += k + 1;
      return out;
    }
    if (w === 'osf') {
      let k = 1;
      let ttl: string | undefined;
      if (c.isWord('ttl', 1)) {
        ttl = c.word(2);
        if (ttl !== 'loose' && ttl !== 'skip') return undefined;
        k = 3;
      }
      const key = c.word(k);
      if (key !== 'name' && key !== 'version') return undefined;
      c.i += k + 1;
      return ttl ? { kind: 'osf', ttl, key, pos } : { kind: 'osf', key, pos };
    }
    if (w === 'socket') {
      const key = c.word(1);
      if (key === 'cgroupv2' && c.isWord('level', 2) && isNum(c.word(3) ?? '')) {
        c.i += 4;
        return { kind: 'socket', key, level: num(c.word(-1) as string), pos };
      }
      if (key === undefined || !SOCKET_KEYS.has(key)) return undefined;
      c.i += 2;
      return { kind: 'socket', key, pos };
    }
  } catch (e) {
    if (!(e instanceof NoMatch)) throw e;
    c.i = save;
  }
  return undefined;
}

class Diags {
  readonly list: RuleDiagnostic[] = [];
  constructor(
    readonly file: string,
    readonly rulePos: Pos | undefined,
  ) {}
  add(at: { pos?: Pos } | undefined, expected: string, found: string): void {
    const p = at?.pos ?? this.rulePos ?? { line: 0, col: 0, offset: 0 };
    this.list.push({
      file: this.file,
      line: p.line,
      col: p.col,
      expected,
      found,
      message: `${this.file}:${p.line}:${p.col}: expected ${expected}, found ${found}`,
    });
  }
}

type ValueType = 'port' | 'ipv4' | 'ipv6' | 'addr' | 'ct_state' | 'icmp_type' | 'icmpv6_type' | 'other';

function typeOf(s: Selector): ValueType {
  if (s.kind === 'payload') {
    if (PORT_PROTOS.has(s.protocol) && (s.field === 'sport' || s.field === 'dport')) return 'port';
    if (s.protocol === 'ip' && (s.field === 'saddr' || s.field === 'daddr')) return 'ipv4';
    if (s.protocol === 'ip6' && (s.field === 'saddr' || s.field === 'daddr')) return 'ipv6';
    if (s.protocol === 'icmp' && s.field === 'type') return 'icmp_type';
    if (s.protocol === 'icmpv6' && s.field === 'type') return 'icmpv6_type';
  }
  if (s.kind === 'ct' && s.key === 'state') return 'ct_state';
  if (s.kind === 'ct' && s.key === 'ip saddr') return 'ipv4';
  if (s.kind === 'ct' && s.key === 'ip daddr') return 'ipv4';
  return 'other';
}

function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
    case 'ipv4':
    case 'ipv6':
    case 'prefix':
    case 'range':
      return `'${e.text}'`;
    case 'symbol':
      return `'${e.name}'`;
    case 'string':
      return `string "${e.value}"`;
    default:
      return e.kind;
  }
}

/** Checks a value against the type its selector gives it. */
function checkValue(t: ValueType, e: Expr, d: Diags): void {
  if (t === 'other') return;
  switch (e.kind) {
    case 'set':
      for (const x of e.elements) checkValue(t, x, d);
      return;
    case 'list':
      if (t !== 'ct_state') d.add(e, 'a single value or a set { a, b }', 'a comma-separated list');
      for (const x of e.values) checkValue(t, x, d);
      return;
    case 'mapping':
      checkValue(t, e.key, d);
      return;
    case 'element':
      checkValue(t, e.value, d);
      return;
    case 'binop':
      checkValue(t, e.left, d);
      checkValue(t, e.right, d);
      return;
    case 'variable':
    case 'setref':
    case 'concat':
    case 'selector':
    case 'map':
      return;
    case 'range':
      checkValue(t, e.from, d);
      checkValue(t, e.to, d);
      if (t === 'port' && e.from.kind === 'number' && e.to.kind === 'number' && e.from.value > e.to.value) {
        d.add(e, 'a port range low-high with low <= high', `'${e.text}'`);
      }
      return;
    default:
  }
  if (t === 'port') {
    if (e.kind === 'number') {
      if (e.value > 65535) d.add(e, 'a port number 0-65535', `'${e.text}'`);
    } else if (e.kind !== 'symbol') d.add(e, 'a port number 0-65535 or a service name', show(e));
    return;
  }
  if (t === 'addr') {
    // either family (NAT without `ip`/`ip6`): the address decides, only address-like typos are flagged
    const a = e.kind === 'prefix' ? e.addr : e;
    if (a.kind === 'ipv4' || a.kind === 'ipv6') checkValue(a.kind, e, d);
    else if (
      a.kind === 'symbol' &&
      (/^[\d.]+$/.test(a.name) || /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/.test(a.name))
    ) {
      d.add(a, 'an IPv4 or IPv6 address', show(a));
    }
    return;
  }
  if (t === 'ipv4' || t === 'ipv6') {
    const v6 = t === 'ipv6';
    const what = v6 ? 'an IPv6 address' : 'an IPv4 address';
    if (e.kind === 'prefix') {
      checkValue(t, e.addr, d);
      const max = v6 ? 128 : 32;
      if (e.length > max) d.add(e, `a prefix length 0-${max}`, `'/${e.length}' in '${e.text}'`);
      return;
    }
    if (e.kind === (v6 ? 'ipv6' : 'ipv4')) return;
    if (e.kind === 'ipv4' || e.kind === 'ipv6') {
      d.add(e, what, `${e.kind === 'ipv4' ? 'an IPv4' : 'an IPv6'} address '${e.text}'`);
      return;
    }
    if (e.kind === 'number' || e.kind === 'string') {
      d.add(e, what, show(e));
      return;
    }
    if (e.kind === 'symbol' && (/^[\d.]+$/.test(e.name) || /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/.test(e.name))) {
      d.add(e, what, show(e));
    }
    return;
  }
  const names: readonly string[] =
    t === 'ct_state' ? CT_STATES : t === 'icmp_type' ? ICMP_TYPES : (ICMPV6_TYPES as readonly string[]);
  const label = t === 'ct_state' ? 'a ct state' : t === 'icmp_type' ? 'an icmp type' : 'an icmpv6 type';
  const listed = names.length > 6 ? `${names.slice(0, 6).join(', ')}, ...` : names.join(', ');
  if (e.kind === 'symbol') {
    if (!names.includes(e.name)) {
      const hint = closest(e.name, names);
      d.add(e, `${label} (${listed})`, `${show(e)}${hint ? `; did you mean '${hint}'?` : ''}`);
    }
  } else if (e.kind === 'number') {
    if (e.value > 255 && t !== 'ct_state') d.add(e, `${label} (0-255)`, `'${e.text}'`);
  } else {
    d.add(e, `${label} (${listed})`, show(e));
  }
}

function relOp(c: Cursor): RelOp {
  const it = c.peek();
  if (it?.kind === 'punct' && OPS.has(it.text)) {
    c.next();
    return it.text as RelOp;
  }
  if (it?.kind === 'word' && WORD_OPS[it.text] && c.peek(1) !== undefined) {
    c.next();
    return WORD_OPS[it.text] as RelOp;
  }
  return '==';
}

/** Reads `addr[:port]`, `[v6]:port`, `:port` after nat `to`. */
function natTarget(c: Cursor): { addr?: Expr; port?: Expr } {
  const it = c.peek();
  if (it?.kind === 'punct' && it.text === '[') {
    c.next();
    const a = c.next();
    if (a?.kind !== 'word' || !c.isPunct(']')) fail();
    c.next();
    const out: { addr?: Expr; port?: Expr } = { addr: scalarWord((a as Token).text, a?.pos) };
    const p = c.peek();
    if (p?.kind === 'word' && p.text.startsWith(':')) {
      c.next();
      out.port = scalarWord(p.text.slice(1), p.pos);
    }
    return out;
  }
  if (it?.kind === 'word' && (FIELDS[it.text] || it.text === 'ct' || BARE_META.has(it.text))) {
    const e = primary(c);
    if (e.kind !== 'map') fail();
    return { addr: e };
  }
  if (it?.kind === 'word') {
    c.next();
    const text = it.text;
    if (text.startsWith(':')) return { port: scalarWord(text.slice(1), it.pos) };
    if (isIPv6(text) || (text.includes('::') && !text.includes('.')))
      return { addr: scalarWord(text, it.pos) };
    const colon = text.lastIndexOf(':');
    if (colon > 0 && !text.slice(0, colon).includes(':')) {
      return {
        addr: scalarWord(text.slice(0, colon), it.pos),
        port: scalarWord(text.slice(colon + 1), it.pos),
      };
    }
    return { addr: scalarWord(text, it.pos) };
  }
  const e = value(c);
  return { addr: e };
}

function natFlags(c: Cursor): string[] | undefined {
  const flags: string[] = [];
  while (c.word() !== undefined && NAT_FLAGS.has(c.word() as string)) {
    flags.push(c.word() as string);
    c.next();
    if (c.isPunct(',')) c.next();
  }
  return flags.length > 0 ? flags : undefined;
}

/** Operands (selectors or values, with bitwise operators) joined by `.`. */
function concatOf(c: Cursor): Expr {
  const key = bits(c, true);
  if (!c.isWord('.')) return key;
  const parts = [key];
  while (c.isWord('.')) {
    c.next();
    parts.push(bits(c, true));
  }
  return { kind: 'concat', parts, pos: key.pos };
}

function statement(c: Cursor, d: Diags, file: string): RuleStatement {
  const start = c.peek() as Item;
  const pos = start.pos;
  const w = c.word();
  if (w !== undefined && VERDICTS.has(w)) {
    c.next();
    return { kind: 'verdict', verdict: w as 'accept', pos };
  }
  if (w === 'jump' || w === 'goto') {
    c.next();
    const arg = c.next();
    if (arg?.kind === 'group' && arg.body) {
      const anonymous = arg.body
        .filter((n): n is Statement => n.kind === 'statement')
        .map((r) => analyzeRule(r, { file }));
      for (const r of anonymous) d.list.push(...r.diagnostics);
      return { kind: 'verdict', verdict: w, anonymous, pos };
    }
    if (arg?.kind === 'string' || arg?.kind === 'variable') {
      return { kind: 'verdict', verdict: w, chain: unquote(arg.text), pos };
    }
    if (arg?.kind !== 'word' || !CHAIN_NAME.test(arg.text) || VERDICTS.has(arg.text) || arg.text === 'jump') {
      d.add(
        arg ?? start,
        `a chain name after '${w}'`,
        arg === undefined ? 'end of rule' : arg.kind === 'group' ? `'${arg.open}'` : `'${arg.text}'`,
      );
      return { kind: 'unknown', tokens: arg ? [start, arg] : [start], pos };
    }
    return { kind: 'verdict', verdict: w, chain: arg.text, pos };
  }
  if (w !== undefined && OBJREFS.has(w) && c.isWord('name', 1)) {
    c.i += 2;
    return { kind: 'objref', type: w, name: primary(c), pos };
  }
  if ((w === 'add' || w === 'update' || w === 'delete') && c.peek(1)?.kind === 'setref') {
    const set = (c.peek(1) as Token).text.slice(1);
    const g = c.peek(2);
    if (g?.kind !== 'group' || g.open !== '{' || g.body) return fail();
    c.i += 3;
    const ic = new Cursor(g.items);
    const key = concatOf(ic);
    const out: RuleStatement & { kind: 'setupdate' } = {
      kind: 'setupdate',
      op: w,
      set,
      key,
      statements: [],
      pos,
    };
    if (ic.isWord('timeout') && ic.word(1) !== undefined) {
      out.timeout = ic.word(1) as string;
      ic.i += 2;
    }
    while (!ic.done()) {
      if (ic.isWord(':') && out.value === undefined) {
        ic.next();
        out.value = concatOf(ic);
        continue;
      }
      out.statements.push(statement(ic, d, file));
    }
    return out;
  }
  if (w === 'queue') {
    c.next();
    const out: RuleStatement & { kind: 'queue' } = { kind: 'queue', pos };
    const flags: string[] = [];
    const flag = () => {
      for (;;) {
        const f = c.word();
        if (f !== 'bypass' && f !== 'fanout') return;
        flags.push(f);
        c.next();
        if (c.isPunct(',')) c.next();
      }
    };
    if (c.isWord('flags')) {
      c.next();
      flag();
      if (flags.length === 0) fail();
    }
    if (c.isWord('to') || c.isWord('num')) {
      c.next();
      const h =
        c.word() === 'jhash' || c.word() === 'symhash' || c.word() === 'numgen' ? selector(c, d) : undefined;
      const e: Expr = h ? { kind: 'selector', selector: h, pos: h.pos } : primary(c);
      if (h && c.isWord('map')) fail();
      if (
        e.kind !== 'number' &&
        e.kind !== 'range' &&
        e.kind !== 'map' &&
        e.kind !== 'variable' &&
        e.kind !== 'selector'
      )
        fail();
      out.to = e;
    }
    flag();
    if (flags.length > 0) out.flags = flags;
    return out;
  }
  if (w === 'tproxy') {
    c.next();
    const out: RuleStatement & { kind: 'tproxy' } = { kind: 'tproxy', pos };
    const fam = c.word();
    if ((fam === 'ip' || fam === 'ip6') && c.isWord('to', 1)) {
      out.family = fam;
      c.next();
    }
    if (!c.isWord('to')) fail();
    c.next();
    const t = natTarget(c);
    if (t.addr) out.addr = t.addr;
    if (t.port) {
      out.port = t.port;
      checkValue('port', t.port, d);
    }
    return out;
  }
  if (w === 'synproxy') {
    c.next();
    const out: RuleStatement & { kind: 'synproxy' } = { kind: 'synproxy', pos };
    for (;;) {
      const k = c.word();
      const v = c.peek(1);
      if ((k === 'mss' || k === 'wscale') && out[k] === undefined && v?.kind === 'word' && isNum(v.text)) {
        // nft 1.0.6 takes any number here (no range check), so none is made
        out[k] = num(v.text);
        c.i += 2;
      } else if (k === 'timestamp' && !out.timestamp) {
        out.timestamp = true;
        c.next();
      } else if (k === 'sack-perm' && !out.sackPerm) {
        out.sackPerm = true;
        c.next();
      } else break;
    }
    return out;
  }
  if (w === 'flow' && (c.isWord('add', 1) || c.isWord('offload', 1)) && c.peek(2)?.kind === 'setref') {
    const ft = c.peek(2) as Token;
    c.i += 3;
    return { kind: 'flowoffload', flowtable: ft.text.slice(1), pos };
  }
  if (w === 'meter' && c.word(1) !== undefined) {
    const name = c.word(1) as string;
    let k = 2;
    let size: number | undefined;
    if (c.isWord('size', k) && isNum(c.word(k + 1) ?? '')) {
      size = num(c.word(k + 1) as string);
      k += 2;
    }
    const g = c.peek(k);
    if (g?.kind !== 'group' || g.open !== '{' || g.body) return fail();
    c.i += k + 1;
    const ic = new Cursor(g.items);
    const key = concatOf(ic);
    const out: RuleStatement & { kind: 'meter' } = { kind: 'meter', name, key, statements: [], pos };
    if (size !== undefined) out.size = size;
    if (ic.isWord('timeout') && ic.word(1) !== undefined) {
      out.timeout = ic.word(1) as string;
      ic.i += 2;
    }
    while (!ic.done()) out.statements.push(statement(ic, d, file));
    return out;
  }
  if (w === 'notrack') {
    c.next();
    return { kind: 'notrack', pos };
  }
  if (w === 'comment') {
    c.next();
    const s = c.next();
    if (s?.kind !== 'string') fail();
    return { kind: 'comment', text: unquote((s as Token).text), pos };
  }
  if (w === 'counter') {
    c.next();
    const out: RuleStatement & { kind: 'counter' } = { kind: 'counter', pos };
    if (c.isWord('packets')) {
      const n = c.word(1);
      if (n === undefined || !isNum(n) || !c.isWord('bytes', 2) || !isNum(c.word(3) ?? '')) fail();
      out.packets = num(n as string);
      out.bytes = num(c.word(3) as string);
      c.i += 4;
    }
    return out;
  }
  if (w === 'log') {
    c.next();
    const out: RuleStatement & { kind: 'log' } = { kind: 'log', pos };
    for (;;) {
      const k = c.word();
      if (k === 'prefix') {
        const s = c.peek(1);
        if (s?.kind !== 'string' && s?.kind !== 'variable') fail();
        out.prefix = unquote((s as Token).text);
        c.i += 2;
      } else if (k === 'level') {
        const l = c.peek(1);
        if (l?.kind !== 'word') fail();
        if (!LOG_LEVELS.has((l as Token).text)) {
          d.add(l, `a log level (${[...LOG_LEVELS].join(', ')})`, `'${(l as Token).text}'`);
        }
        out.level = (l as Token).text;
        c.i += 2;
      } else if (k === 'group') {
        const g = c.word(1);
        if (g === undefined || !isNum(g)) fail();
        out.group = num(g as string);
        c.i += 2;
      } else if (k === 'flags') {
        c.next();
        const flags: string[] = [];
        while (c.word() !== undefined && LOG_FLAG_WORDS.has(c.word() as string)) {
          flags.push(c.word() as string);
          c.next();
          if (c.isPunct(',')) c.next();
        }
        if (flags.length === 0) fail();
        out.flags = [...(out.flags ?? []), ...flags];
      } else break;
    }
    return out;
  }
  if (w === 'limit') {
    c.next();
    if (!c.isWord('rate')) fail();
    c.next();
    let over = false;
    if (c.isWord('over')) {
      over = true;
      c.next();
    } else if (c.isWord('until')) c.next();
    const r = c.word() ?? fail();
    c.next();
    let rate: number;
    let unit: string;
    const m = /^(\d+)\/(second|minute|hour|day|week)$/.exec(r);
    if (m) {
      rate = Number(m[1]);
      unit = `packets/${m[2]}`;
    } else if (/^\d+$/.test(r) && /^[kmg]?bytes\/(second|minute|hour|day|week)$/.test(c.word() ?? '')) {
      rate = Number(r);
      unit = c.word() as string;
      c.next();
    } else return fail();
    const out: RuleStatement & { kind: 'limit' } = { kind: 'limit', over, rate, unit, pos };
    if (c.isWord('burst')) {
      const b = c.word(1);
      const u = c.word(2);
      if (b === undefined || !/^\d+$/.test(b) || u === undefined || !/^(packets|[kmg]?bytes)$/.test(u))
        fail();
      out.burst = Number(b);
      out.burstUnit = u;
      c.i += 3;
    }
    return out;
  }
  if (w === 'reject') {
    c.next();
    if (!c.isWord('with')) return { kind: 'reject', pos };
    const proto = c.word(1);
    if (proto === 'tcp' && c.isWord('reset', 2)) {
      c.i += 3;
      return { kind: 'reject', with: { protocol: 'tcp', type: 'reset' }, pos };
    }
    const codes = proto === undefined ? undefined : REJECT_CODES[proto];
    if (proto === undefined || codes === undefined) return fail();
    const k = c.isWord('type', 2) ? 3 : 2;
    const code = c.peek(k);
    if (code?.kind !== 'word') return fail();
    c.i += k + 1;
    if (!isNum(code.text) && !codes.includes(code.text)) {
      const hint = closest(code.text, codes);
      d.add(
        code,
        `an ${proto} reject code (${codes.join(', ')})`,
        `'${code.text}'${hint ? `; did you mean '${hint}'?` : ''}`,
      );
    }
    return { kind: 'reject', with: { protocol: proto, type: code.text }, pos };
  }
  if (w === 'snat' || w === 'dnat' || w === 'masquerade' || w === 'redirect') {
    c.next();
    const out: RuleStatement & { kind: 'nat' } = { kind: 'nat', type: w, pos };
    const fam = c.word();
    if ((fam === 'ip' || fam === 'ip6') && c.isWord('to', 1)) {
      out.family = fam;
      c.next();
    }
    if (c.isWord('to')) {
      c.next();
      const t = natTarget(c);
      if (t.addr) {
        if (w === 'masquerade' || w === 'redirect') fail();
        out.addr = t.addr;
        checkValue(out.family === 'ip6' ? 'ipv6' : out.family === 'ip' ? 'ipv4' : 'addr', t.addr, d);
      }
      if (t.port) {
        out.port = t.port;
        checkValue('port', t.port, d);
      }
    } else if (w === 'snat' || w === 'dnat') fail();
    const f = natFlags(c);
    if (f) out.flags = f;
    return out;
  }
  const sel = selector(c, d);
  if (sel) {
    let left = sel;
    if (c.isWord('.')) {
      const parts = [sel];
      while (c.isWord('.')) {
        c.next();
        const p = selector(c, d);
        if (p) parts.push(p);
        else {
          const v = primary(c);
          parts.push({ kind: 'value', value: v, pos: v.pos });
        }
      }
      left = { kind: 'concat', parts, pos };
    }
    if (c.isWord('set')) {
      c.next();
      let v = bits(c, true);
      if (c.isWord('map')) {
        c.next();
        const map = primary(c);
        if (map.kind !== 'set' && map.kind !== 'setref') fail();
        v = { kind: 'map', key: v, map, pos: v.pos };
      }
      for (let op = bitOp(c); op; op = bitOp(c))
        v = { kind: 'binop', op, left: v, right: bits(c, true), pos: v.pos };
      return { kind: 'set', left, value: v, pos };
    }
    const mask: Mask[] = [];
    for (let op = bitOp(c); op; op = bitOp(c)) mask.push({ op, value: primary(c) });
    const type = mask.length > 0 ? 'other' : typeOf(left);
    if (c.isWord('vmap')) {
      c.next();
      const map = primary(c);
      if (map.kind !== 'set' && map.kind !== 'setref' && map.kind !== 'variable') fail();
      checkValue(type, map, d);
      return mask.length > 0 ? { kind: 'vmap', left, mask, map, pos } : { kind: 'vmap', left, map, pos };
    }
    const nextIt = c.peek();
    if (nextIt === undefined) fail();
    if (nextIt?.kind === 'word' && (nextIt.text === 'vmap' || nextIt.text === 'map')) fail();
    if (nextIt?.kind === 'punct' && !OPS.has(nextIt.text)) fail();
    const op = relOp(c);
    let right = value(c);
    for (let b = bitOp(c); b; b = bitOp(c))
      right = { kind: 'binop', op: b, left: right, right: primary(c), pos: right.pos };
    if (c.isWord('/') && mask.length === 0) {
      // `tcp flags syn / syn,ack`: (flags & (syn|ack)) == syn
      c.next();
      mask.push({ op: '&', value: value(c) });
    }
    checkValue(mask.length > 0 ? 'other' : type, right, d);
    return mask.length > 0
      ? { kind: 'match', left, mask, op, right, pos }
      : { kind: 'match', left, op, right, pos };
  }
  return fail();
}

/** Reads a rule's token sequence into typed statements, with value diagnostics. Never throws. */
export function analyzeRule(rule: Statement, opts: AnalyzeOptions = {}): AnalyzedRule {
  return analyzeItems(rule, rule.items, opts);
}

function analyzeItems(rule: Statement, items: Item[], opts: AnalyzeOptions): AnalyzedRule {
  const file = opts.file ?? '<input>';
  const d = new Diags(file, rule.pos);
  const c = new Cursor(items);
  const statements: RuleStatement[] = [];
  let unknown: (RuleStatement & { kind: 'unknown' }) | undefined;
  while (!c.done()) {
    const save = c.i;
    let st: RuleStatement | undefined;
    if (unknown === undefined || (c.word() !== undefined && STRONG_START.has(c.word() as string))) {
      try {
        st = statement(c, d, file);
      } catch (e) {
        if (!(e instanceof NoMatch)) throw e;
        c.i = save;
      }
    }
    if (st) {
      reportProblems(st, d);
      unknown = undefined;
      statements.push(st);
      continue;
    }
    const it = c.next() as Item;
    if (unknown) unknown.tokens.push(it);
    else {
      unknown = { kind: 'unknown', tokens: [it], pos: it.pos };
      statements.push(unknown);
    }
  }
  return { rule, statements, diagnostics: d.list };
}

const CHAIN_WORDS = new Set([
  'type',
  'policy',
  'comment',
  'devices',
  'flags',
  'define',
  'redefine',
  'undefine',
  'include',
]);
const RULE_VERBS = new Set(['add', 'insert', 'replace', 'create']);
const FAMILY = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

/** Every rule of a ruleset (chain bodies and `add rule` commands), analyzed. */
export function analyzeRuleset(rs: Ruleset, opts: AnalyzeOptions = {}): AnalyzedRule[] {
  const out: AnalyzedRule[] = [];
  const visit = (nodes: Node[], inChain: boolean) => {
    for (const n of nodes) {
      if (n.kind === 'block') {
        visit((n as Block).body, n.block === 'chain');
      } else if (n.kind === 'statement') {
        const first = n.items[0];
        if (inChain) {
          if (first?.kind === 'word' && CHAIN_WORDS.has(first.text)) continue;
          out.push(analyzeRule(n, opts));
        } else if (
          first?.kind === 'word' &&
          RULE_VERBS.has(first.text) &&
          n.items[1]?.kind === 'word' &&
          (n.items[1] as Token).text === 'rule'
        ) {
          let k = 2;
          const fam = n.items[k];
          if (fam?.kind === 'word' && FAMILY.has(fam.text)) k++;
          k += 2;
          const p = n.items[k];
          if (p?.kind === 'word' && (p.text === 'position' || p.text === 'handle' || p.text === 'index'))
            k += 2;
          out.push(analyzeItems(n, n.items.slice(k), opts));
        }
      }
    }
  };
  visit(rs.body, false);
  return out;
}

/** The value diagnostics of every rule of a ruleset (empty when all values type-check). */
export function checkRules(rs: Ruleset, opts: AnalyzeOptions = {}): RuleDiagnostic[] {
  return analyzeRuleset(rs, opts).flatMap((r) => r.diagnostics);
}

/** True when no statement of the rule came back `unknown`. */
export function isFullyTyped(r: AnalyzedRule): boolean {
  return r.statements.every(
    (s) => s.kind !== 'unknown' && (s.kind !== 'verdict' || !s.anonymous || s.anonymous.every(isFullyTyped)),
  );
}
