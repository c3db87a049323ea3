/**
 * A typed, located view of rule bodies. The parser keeps a rule as a token sequence; `analyzeRule` reads
 * that sequence into typed statements (matches, verdicts, counter, log, limit, NAT, `ct set`/`meta set`,
 * notrack, comment, ...) and checks the values it knows the type of (ports, addresses, prefix lengths, ct
 * states, ICMP types, verdict arguments). Whatever it does not recognize comes back as an explicit
 * `unknown` statement holding the tokens, never dropped.
 *
 * With `strict: true` every `unknown` statement also gets a diagnostic saying what nft's grammar
 * (src/parser_bison.y, src/scanner.l) allows at the furthest point the reader got to, and the rule as a
 * whole is checked the way nft's evaluation checks it (nothing after a terminal statement, one protocol per
 * layer, a transport match before a NAT port or tproxy).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Block, Group, Item, Node, Pos, Ruleset, Statement, Token } from './ast.js';
import { ADD_OBJECTS, checkCommands } from './commands.js';
import { AFTER_VALUE, closest, FIELDS, NFT_KEYWORDS, RHS_KEYWORDS, RULE_START } from './keywords.js';

export type RelOp = '==' | '!=' | '<' | '>' | '<=' | '>=';
export type BitOp = '&' | '|' | '^' | '<<' | '>>';

/** The left-hand side of a match or of a `set` statement. */
export type Selector =
  /** A header field: `tcp dport`, `ip saddr`, `sctp vtag`, `arp saddr ip` (field `saddr ip`). */
  | { kind: 'payload'; protocol: string; field: string; pos?: Pos }
  | { kind: 'meta'; key: string; pos?: Pos }
  | { kind: 'ct'; key: string; direction?: 'original' | 'reply'; pos?: Pos }
  | { kind: 'fib'; flags: string[]; result: string; pos?: Pos }
  | { kind: 'concat'; parts: Selector[]; pos?: Pos }
  /** Raw payload `@ll|@nh|@th|@ih,offset,length` (bit offset and bit length from the base). */
  | { kind: 'raw'; base: 'll' | 'nh' | 'th' | 'ih'; offset: number; length: number; pos?: Pos }
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
  /** `ipsec in|out [spnum N] [ip|ip6] reqid|spi|saddr|daddr`. */
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
  | {
      kind: 'log';
      prefix?: string;
      level?: string;
      flags?: string[];
      group?: number;
      snaplen?: number;
      queueThreshold?: number;
      pos?: Pos;
    }
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
  /** `ct count [over] N`: a limit on the connections of the flow's source. */
  | { kind: 'ctcount'; over: boolean; count: number; pos?: Pos }
  /** `quota [over|until] N unit [used N unit]` (unit: bytes, kbytes, mbytes, gbytes). */
  | {
      kind: 'quota';
      over: boolean;
      amount: number;
      unit: string;
      used?: { amount: number; unit: string };
      pos?: Pos;
    }
  /** `dup to ADDR [device DEV]`. */
  | { kind: 'dup'; to: Expr; device?: Expr; pos?: Pos }
  /** `fwd to DEV`, `fwd ip|ip6 to ADDR device DEV`. */
  | { kind: 'fwd'; family?: 'ip' | 'ip6'; to: Expr; device?: Expr; pos?: Pos }
  /** `reset tcp option NAME`: strips a TCP option. */
  | { kind: 'optstrip'; option: string; pos?: Pos }
  /** `last [used never|TIME]` (nft 1.0.7 and later). */
  | { kind: 'last'; used?: string; pos?: Pos }
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
  /**
   * Also report every statement the model cannot type, with what nft's grammar allows there (`expected a
   * value or an operator, found end of rule`, `expected a match or a statement, found 'acept'; did you mean
   * 'accept'?`), and the checks nft makes on a whole rule: nothing after a terminal statement (accept,
   * drop, return, jump, goto, reject, nat, queue), the rule comment last, one network and one transport
   * protocol per rule, a transport match before a NAT port or tproxy. `checkRules` with this option also
   * checks commands (`add table inet` without a name).
   */
  strict?: boolean;
  /**
   * The family of the rule's table (`inet`, `ip`, `netdev`...), for the strict checks that depend on it
   * (`snat to ADDR` needs `ip`/`ip6` in an inet table; `dup` and `fwd` are not in every family).
   * `analyzeRuleset` and `checkRules` set it from the table or command.
   */
  family?: string;
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
const WORD_BITOPS: Record<string, BitOp> = { and: '&', or: '|', xor: '^', lshift: '<<', rshift: '>>' };
const OBJREFS = new Set(['counter', 'quota', 'limit', 'synproxy', 'tunnel', 'secmark']);
const WORD_OPS: Record<string, RelOp> = { eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' };
/** Meta keys the model reads without the `meta` keyword (what nft lists, and a few older spellings). */
const BARE_META = new Set(
  'iif oif iifname oifname iiftype oiftype iifgroup oifgroup mark priority skuid skgid nfproto l4proto length pkttype cpu cgroup rtclassid nftrace'.split(
    ' ',
  ),
);
/** Meta keys nft's grammar takes without the `meta` keyword (meta_key_unqualified). */
const UNQUALIFIED_META = new Set(
  'mark iif iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport obriport ibrname obrname pkttype cpu iifgroup oifgroup cgroup time day hour'.split(
    ' ',
  ),
);
const CT_KEYS = new Set(
  'state status mark expiration helper label l3proto protocol proto-src proto-dst saddr daddr bytes packets avgpkt zone direction id event secmark timeout expectation'.split(
    ' ',
  ),
);
/** ct keys nft takes after `original` / `reply` (ct_key_dir). */
const CT_DIR_KEYS = new Set(
  'saddr daddr l3proto protocol proto-src proto-dst bytes packets avgpkt zone'.split(' '),
);
/** ct keys only valid before `set` (objects: `ct timeout set "t"`). */
const CT_SET_ONLY = new Set(['timeout', 'expectation']);
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
/** Header fields of the protocols the parser does not check (nft's *_hdr_field rules). */
const MORE_FIELDS: Record<string, string[]> = {
  igmp: ['type', 'checksum', 'mrt', 'group'],
  ah: ['nexthdr', 'hdrlength', 'reserved', 'spi', 'sequence'],
  esp: ['spi', 'sequence'],
  comp: ['nexthdr', 'flags', 'cpi'],
  dccp: ['sport', 'dport', 'type'],
  sctp: ['sport', 'dport', 'vtag', 'checksum'],
};
const TRANSPORTS = new Set([
  'tcp',
  'udp',
  'udplite',
  'sctp',
  'dccp',
  'icmp',
  'icmpv6',
  'igmp',
  'ah',
  'esp',
  'comp',
]);

/** What the grammar allows where a value stands (nft's rhs_expr). */
const VALUE = 'a value (number, address, name, "string", { set }, @set or $variable)';
/** What the grammar allows where a statement starts. */
const START = 'a match or a statement';
/** What the grammar allows where an expression stands (a selector, or a number, address or string). */
const LHS_VALUE = 'an expression (ip saddr, tcp dport, meta mark, ...) or a number, address or "string"';

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
const LOG_OPTIONS = ['prefix', 'level', 'group', 'snaplen', 'queue-threshold', 'flags'];
const NAT_FLAGS = new Set(['persistent', 'random', 'fully-random']);
const CHAIN_NAME = /^[A-Za-z_][A-Za-z0-9_\-.]*$/;
const TIME_UNITS = 'second|minute|hour|day|week';

/** What follows the items of a cursor: the end of the rule, or the closing brace of a group. */
interface End {
  found: string;
  pos?: Pos;
  key: number;
}

function itemEnd(it: Item): Pos | undefined {
  if (it.kind === 'group') {
    const last = it.items[it.items.length - 1];
    const inner = last ? itemEnd(last) : it.pos;
    return inner ? { line: inner.line, col: inner.col + 2, offset: inner.offset + 2 } : undefined;
  }
  return it.pos
    ? { line: it.pos.line, col: it.pos.col + it.text.length, offset: it.pos.offset + it.text.length }
    : undefined;
}

class Cursor {
  i = 0;
  readonly end: End;
  constructor(
    readonly items: Item[],
    close?: string,
  ) {
    const last = items[items.length - 1];
    const pos = last ? itemEnd(last) : undefined;
    this.end = { found: close ? `'${close}'` : 'end of rule', pos, key: pos ? pos.offset : items.length };
  }
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
  /** A position key of the item k ahead (or of the end): later in the source, larger. */
  key(k = 0): number {
    const it = this.peek(k);
    return it ? (it.pos?.offset ?? this.i + k) : this.end.key;
  }
}

/** Thrown inside the reader when a statement cannot be typed; caught and turned into `unknown`. */
class NoMatch extends Error {}

/**
 * The furthest place a failed statement got to, with everything the grammar allowed there (merged when
 * several alternatives stop at the same token): the explanation strict mode gives for an `unknown`.
 */
interface Expectation {
  key: number;
  found: string;
  word?: string;
  pos?: Pos;
  what: string[];
  words: Set<string>;
}
let furthest: Expectation | undefined;
/** `furthest` as it is now (module state changes under calls, which TypeScript's narrowing ignores). */
function current(): Expectation | undefined {
  return furthest;
}
/** Set while a strict analysis runs (the reader is synchronous and re-entrant through anonymous chains). */
let strictMode = false;
/** The family of the table the analyzed rule is in, when known. */
let family: string | undefined;

function showItem(it: Item): string {
  return it.kind === 'group' ? `'${it.open}'` : `'${it.text}'`;
}

/** Records that the grammar allows `what` at the item k ahead of the cursor (or at its end). */
function note(c: Cursor, what: string, words: Iterable<string> = [], k = 0): void {
  const key = c.key(k);
  if (furthest && key < furthest.key) return;
  if (!furthest || key > furthest.key) {
    const it = c.peek(k);
    furthest = {
      key,
      found: it ? showItem(it) : c.end.found,
      pos: it ? it.pos : c.end.pos,
      what: [],
      words: new Set(),
    };
    if (it?.kind === 'word') furthest.word = it.text;
  }
  if (!furthest.what.includes(what)) furthest.what.push(what);
  for (const w of words) furthest.words.add(w);
}

/** Notes what the grammar allows here and gives up on the statement. */
function fail(c: Cursor, what: string, words?: Iterable<string>, k = 0): never {
  note(c, what, words, k);
  throw new NoMatch();
}

function isNum(s: string): boolean {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(s);
}
function num(s: string): number {
  return s.startsWith('0x') ? Number.parseInt(s, 16) : Number(s);
}
function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** A word nft's scanner reads as one value token (number, name, address, classid, time, `eth*`). */
function atomOk(t: string): boolean {
  return (
    /^(\d+|0[xX][0-9a-fA-F]+)$/.test(t) ||
    /^[A-Za-z_.][A-Za-z0-9/\-_.]*(\\?\*)?$/.test(t) ||
    /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(t) ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(t) ||
    isIPv6(t) ||
    /^[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}$/.test(t) ||
    (t !== '' && /^(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(t)) ||
    t === '*' ||
    t === '8021q' ||
    t === '8021ad'
  );
}

/** A word nft reads as a value: one token, a prefix `a/N` or a range `a-b`. */
function lexesAsValue(t: string): boolean {
  if (atomOk(t)) return true;
  const slash = t.lastIndexOf('/');
  if (slash > 0 && /^\d+$/.test(t.slice(slash + 1)) && atomOk(t.slice(0, slash))) return true;
  for (let i = t.indexOf('-'); i > 0; i = t.indexOf('-', i + 1)) {
    const a = t.slice(0, i);
    const b = t.slice(i + 1);
    // a name would swallow the dash (`eth-1` is one name), an address or a number does not
    if (atomOk(a) && !/^[A-Za-z_.][A-Za-z0-9/\-_.]*$/.test(a) && (atomOk(b) || lexesAsValue(b))) return true;
  }
  return false;
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

/**
 * Reads a value. `lhs`: where nft's grammar wants an expression (concat_expr: a match's left side, a set
 * update key), which takes no keyword values and, once evaluated, no names (only numbers, addresses,
 * strings and variables).
 */
function primary(c: Cursor, lhs = false): Expr {
  const save = c.i;
  const key = selectorChain(c, new Diags('', undefined));
  if (key && c.isWord('map')) {
    c.next();
    const map = primary(c);
    if (map.kind !== 'set' && map.kind !== 'setref') fail(c, "a set { ... } or @map after 'map'", [], -1);
    return { kind: 'map', key: { kind: 'selector', selector: key, pos: key.pos }, map, pos: key.pos };
  }
  c.i = save;
  const it = c.peek();
  if (it === undefined) return fail(c, VALUE);
  if (it.kind === 'group' && it.open === '(') {
    c.next();
    const inner = new Cursor(it.items, ')');
    const e = bits(inner, true);
    if (!inner.done()) fail(inner, "')' or a bitwise operator (&, |, ^, <<, >>)");
    return e;
  }
  if (it.kind === 'group') {
    if (it.open !== '{' || it.body) return fail(c, VALUE);
    if (strictMode && it.items.length === 0) {
      const p = it.pos;
      const end = new Cursor([], '}');
      if (p)
        Object.assign(end.end, {
          pos: { line: p.line, col: p.col + 2, offset: p.offset + 2 },
          key: p.offset + 2,
        });
      return fail(end, 'a set element');
    }
    c.next();
    return { kind: 'set', elements: setElements(it), pos: it.pos };
  }
  switch (it.kind) {
    case 'string':
      c.next();
      return { kind: 'string', value: unquote(it.text), pos: it.pos };
    case 'variable':
      c.next();
      return { kind: 'variable', name: it.text.slice(1), pos: it.pos };
    case 'setref':
      c.next();
      return { kind: 'setref', name: it.text.slice(1), pos: it.pos };
    case 'word':
      if (it.text === '.' || it.text === ':' || STRONG_START.has(it.text) || EXPR_KEYWORDS.has(it.text))
        return fail(c, VALUE);
      if (
        strictMode &&
        ((NFT_KEYWORDS.has(it.text) && (lhs || !RHS_KEYWORDS.has(it.text))) || !lexesAsValue(it.text))
      )
        return fail(c, lhs ? LHS_VALUE : VALUE);
      if (strictMode && lhs && scalarWord(it.text, it.pos).kind === 'symbol') return fail(c, LHS_VALUE);
      c.next();
      return scalarWord(it.text, it.pos);
    default:
      return fail(c, VALUE);
  }
}

function bitOp(c: Cursor): BitOp | undefined {
  const it = c.peek();
  if (it?.kind === 'punct' && BITOPS.has(it.text)) {
    c.next();
    return it.text as BitOp;
  }
  if (it?.kind === 'word' && WORD_BITOPS[it.text] && c.peek(1) !== undefined) {
    c.next();
    return WORD_BITOPS[it.text];
  }
  return undefined;
}

/** Operands joined by bitwise operators; with `sel`, operands may be selectors (`ct mark | meta mark`). */
function bits(c: Cursor, sel: boolean, lhs = false): Expr {
  const operand = (): Expr => {
    if (sel) {
      const s = selectorChain(c, new Diags('', undefined));
      if (s) return { kind: 'selector', selector: s, pos: s.pos };
    }
    return primary(c, lhs);
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
  const flush = (last: boolean) => {
    if (cur.length === 0) return;
    const c = new Cursor(cur, last ? '}' : ',');
    let key = value(c);
    for (let op = bitOp(c); op; op = bitOp(c))
      key = { kind: 'binop', op, left: key, right: primary(c), pos: key.pos };
    key = elementAttrs(c, key);
    if (c.isWord(':')) {
      c.next();
      out.push({ kind: 'mapping', key, value: mapValue(c), pos: key.pos });
    } else out.push(key);
    if (!c.done()) fail(c, "',', ':', an element option (timeout, expires, comment, counter) or '}'");
    cur = [];
  };
  for (const it of g.items) {
    if (it.kind === 'punct' && it.text === ',') flush(false);
    else cur.push(it);
  }
  flush(true);
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
    if (target?.kind !== 'word' && target?.kind !== 'string') return fail(c, 'a chain name', [], 1);
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
    const base = first.text.slice(1) as 'll' | 'nh' | 'th' | 'ih';
    const raw: Selector = { kind: 'raw', base, offset: num(off.text), length: num(len.text), pos: first.pos };
    const found: Problem[] = [];
    if (!isNum(off.text)) found.push([off, 'a bit offset (a number)', `'${off.text}'`]);
    if (!isNum(len.text) || num(len.text) === 0)
      found.push([len, 'a bit length (a number > 0)', `'${len.text}'`]);
    if (found.length > 0) problems.set(raw, found);
    return raw;
  }
  if (first?.kind === 'setref' && RAW_BASES.has(first.text)) {
    note(c, "',' then a bit offset and a bit length (@th,16,16)", [], 1);
    return undefined;
  }
  if (w === undefined || first === undefined) return undefined;
  const pos = first.pos;
  const special = specialSelector(c, d, w, pos);
  if (special) return special;
  if (w === 'meta') {
    const key = c.word(1);
    if (key === undefined || !FIELDS.meta?.includes(key)) {
      note(c, 'a meta key (mark, iifname, l4proto, nfproto, ...)', FIELDS.meta, 1);
      return undefined;
    }
    c.i += 2;
    return { kind: 'meta', key, pos };
  }
  if (BARE_META.has(w)) {
    if (strictMode && !UNQUALIFIED_META.has(w)) {
      note(c, `'meta ${w}'`);
      return undefined;
    }
    c.i += 1;
    return { kind: 'meta', key: w, pos };
  }
  if (strictMode && UNQUALIFIED_META.has(w) && w !== 'time' && w !== 'day' && w !== 'hour') {
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
      if (f !== 'saddr' && f !== 'daddr') {
        note(c, "'saddr' or 'daddr'", ['saddr', 'daddr'], k + 1);
        return undefined;
      }
      key = `${key} ${f}`;
      k++;
    }
    const valid =
      key !== undefined &&
      (key.includes(' ') ||
        (direction && strictMode ? CT_DIR_KEYS.has(key) : CT_KEYS.has(key)) ||
        (!direction && CT_KEYS.has(key)));
    if (!valid || key === undefined) {
      const keys = direction
        ? [...CT_DIR_KEYS, 'ip saddr', 'ip6 daddr']
        : [...CT_KEYS, 'original', 'reply', 'count'];
      note(c, `a ct key (${keys.slice(0, 6).join(', ')}, ...)`, keys, k);
      return undefined;
    }
    if (strictMode && CT_SET_ONLY.has(key) && !c.isWord('set', k + 1)) {
      note(c, "'set' (a ct timeout or expectation object is only assigned)", ['set'], k + 1);
      return undefined;
    }
    c.i += k + 1;
    return direction ? { kind: 'ct', key, direction, pos } : { kind: 'ct', key, pos };
  }
  if (w === 'fib') {
    const flags: string[] = [];
    let k = 1;
    for (;;) {
      const f = c.word(k);
      if (f === undefined || !FIB_FLAGS.has(f)) {
        note(c, 'a fib input (saddr, daddr, mark, iif, oif)', FIB_FLAGS, k);
        return undefined;
      }
      flags.push(f);
      k++;
      if (c.isWord('.', k)) k++;
      else break;
    }
    const result = c.word(k);
    if (result === undefined || !FIB_RESULTS.has(result)) {
      note(c, "'.' then a fib input, or a fib result (oif, oifname, type)", FIB_RESULTS, k);
      return undefined;
    }
    c.i += k + 1;
    const fib: Selector = { kind: 'fib', flags, result, pos };
    const found: Problem[] = [];
    const addr = flags.filter((f) => f === 'saddr' || f === 'daddr');
    if (addr.length !== 1)
      found.push([first, 'exactly one of saddr and daddr in a fib lookup', `'${flags.join(' . ')}'`]);
    if (flags.includes('iif') && flags.includes('oif'))
      found.push([first, 'iif or oif in a fib lookup, not both', `'${flags.join(' . ')}'`]);
    if (found.length > 0) problems.set(fib, found);
    return fib;
  }
  if (w === 'arp' && (c.isWord('saddr', 1) || c.isWord('daddr', 1))) {
    const f = c.word(2);
    if (f === 'ip' || f === 'ether') {
      c.i += 3;
      return { kind: 'payload', protocol: 'arp', field: `${c.word(-2)} ${f}`, pos };
    }
    if (strictMode) {
      note(c, "'ip' or 'ether' (arp saddr ip, arp daddr ether)", ['ip', 'ether'], 2);
      return undefined;
    }
  }
  const fields = w === 'meta' ? undefined : (FIELDS[w] ?? MORE_FIELDS[w]);
  if (fields) {
    const field = c.peek(1);
    if (field?.kind !== 'word') {
      note(c, `a header field of ${w} (${fields.join(', ')})`, fields, 1);
      return undefined;
    }
    if (!fields.includes(field.text)) {
      if (
        DIAG_FIELDS.has(w) &&
        !RULE_START.has(field.text) &&
        !AFTER_VALUE.has(field.text) &&
        field.text !== 'option'
      ) {
        d.add(field, `a header field of ${w} (${fields.join(', ')})`, `'${field.text}'`);
      }
      note(c, `a header field of ${w} (${fields.join(', ')})`, fields, 1);
      return undefined;
    }
    if ((w === 'ip' || w === 'tcp' || w === 'ip6') && field.text === 'option') return undefined;
    c.i += 2;
    return { kind: 'payload', protocol: w, field: field.text, pos };
  }
  return undefined;
}

const RAW_BASES = new Set(['@ll', '@nh', '@th', '@ih']);
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
/** Headers `exthdr` takes for exists/missing (exthdr_key). */
const EXTHDR_KEYS = new Set(['hbh', 'rt', 'frag', 'dst', 'mh']);
const TCPOPT_NAMES = new Set(
  'eol nop noop maxseg mss window sack-perm sack-permitted sack sack0 sack1 sack2 sack3 timestamp mptcp fastopen md5sig echo'.split(
    ' ',
  ),
);
const TCPOPT_FIELDS = new Set('kind length size count left right tsval tsecr subtype'.split(' '));
/** The fields nft's grammar gives each TCP option (tcp_hdr_option_kind_and_field); `length` for all. */
const TCPOPT_OWN_FIELDS: Record<string, string[]> = {
  maxseg: ['size'],
  mss: ['size'],
  window: ['count'],
  timestamp: ['tsval', 'tsecr'],
  mptcp: ['subtype'],
  sack: ['left', 'right'],
  sack0: ['left', 'right'],
  sack1: ['left', 'right'],
  sack2: ['left', 'right'],
  sack3: ['left', 'right'],
};
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
  if (!c.isWord('mod')) fail(c, "'mod' and a modulus", ['mod']);
  const m = c.peek(1);
  if (m?.kind !== 'word' || !isNum(m.text)) return fail(c, 'a modulus (a number)', [], 1);
  c.i += 2;
  const out: { mod: number; seed?: number; offset?: number } = { mod: num(m.text) };
  pendingMod = out.mod === 0 ? [m, 'a modulus > 0', `'${m.text}'`] : undefined;
  for (const key of seed ? (['seed', 'offset'] as const) : (['offset'] as const)) {
    const v = c.word(1);
    if (c.isWord(key)) {
      if (v === undefined || !isNum(v)) return fail(c, `a number after '${key}'`, [], 1);
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
      if (mode !== 'inc' && mode !== 'random') {
        note(c, "'inc' or 'random'", ['inc', 'random'], 1);
        return undefined;
      }
      c.i += 2;
      return withMod({ kind: 'numgen', mode, ...hashArgs(c, d, false), pos });
    }
    if (w === 'symhash') {
      c.i += 1;
      return withMod({ kind: 'hash', fn: 'symhash', ...hashArgs(c, d, false), pos });
    }
    if (w === 'jhash') {
      c.i += 1;
      const expr = selectorChain(c, d) ?? fail(c, 'an expression to hash (ip saddr . tcp dport, ...)');
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
      if (f === 'ip' || f === 'ip6') note(c, 'a routing key (classid, nexthop, mtu, ipsec)', RT_KEYS, 2);
      else if (!EXTHDR_FIELDS.rt?.includes(f ?? ''))
        note(
          c,
          'a routing key (classid, nexthop, mtu, ipsec) or a routing header field',
          [...RT_KEYS, ...(EXTHDR_FIELDS.rt ?? [])],
          1,
        );
    }
    if (w === 'exthdr') {
      const h = c.word(1);
      if (h === undefined || !EXTHDR_FIELDS[h] || (strictMode && !EXTHDR_KEYS.has(h))) {
        note(c, 'an IPv6 extension header (hbh, rt, frag, dst, mh)', EXTHDR_KEYS, 1);
        return undefined;
      }
      const f = c.word(2);
      if (!strictMode && f !== undefined && EXTHDR_FIELDS[h]?.includes(f)) {
        c.i += 3;
        return { kind: 'exthdr', header: h, field: f, pos };
      }
      c.i += 2;
      return { kind: 'exthdr', header: h, pos };
    }
    const xf = EXTHDR_FIELDS[w];
    if (xf) {
      const f = c.word(1);
      if (f === undefined || !xf.includes(f)) {
        if (w !== 'rt') note(c, `a field of the ${w} header (${xf.join(', ')})`, xf, 1);
        return undefined;
      }
      c.i += 2;
      return { kind: 'exthdr', header: w, field: f, pos };
    }
    if ((w === 'tcp' || w === 'ip') && c.isWord('option', 1)) {
      const names = w === 'tcp' ? TCPOPT_NAMES : IPOPT_NAMES;
      const fields = w === 'tcp' ? TCPOPT_FIELDS : IPOPT_FIELDS;
      const o = c.word(2);
      if (o === undefined || !(names.has(o) || (w === 'tcp' && isNum(o)))) {
        note(c, `a ${w} option (${[...names].slice(0, 6).join(', ')}, ...)`, names, 2);
        return undefined;
      }
      const f = c.word(3);
      const kind = w === 'tcp' ? 'tcpopt' : 'ipopt';
      if (f !== undefined && fields.has(f)) {
        if (strictMode && w === 'tcp' && f !== 'length' && !TCPOPT_OWN_FIELDS[o]?.includes(f)) {
          note(
            c,
            `a field of the ${o} option (${['length', ...(TCPOPT_OWN_FIELDS[o] ?? [])].join(', ')})`,
            [],
            3,
          );
          return undefined;
        }
        c.i += 4;
        return { kind, option: o, field: f, pos };
      }
      c.i += 3;
      return { kind, option: o, pos };
    }
    if (w === 'sctp' && c.isWord('chunk', 1)) {
      const ch = c.word(2);
      if (ch === undefined || !SCTP_CHUNKS.has(ch)) {
        note(c, 'an sctp chunk type (data, init, sack, ...)', SCTP_CHUNKS, 2);
        return undefined;
      }
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
      if (dir !== 'in' && dir !== 'out') {
        note(c, "'in' or 'out'", ['in', 'out'], 1);
        return undefined;
      }
      let k = 2;
      const out: Selector & { kind: 'ipsec' } = { kind: 'ipsec', dir, key: '', pos };
      const family = () => {
        const fam = c.word(k);
        if (fam === 'ip' || fam === 'ip6') {
          out.family = fam;
          k++;
        }
      };
      if (!strictMode) family();
      if (c.isWord('spnum', k)) {
        if (!isNum(c.word(k + 1) ?? '')) {
          note(c, "a number after 'spnum'", [], k + 1);
          return undefined;
        }
        out.spnum = num(c.word(k + 1) as string);
        k += 2;
      }
      if (out.family === undefined) family();
      const key = c.word(k);
      const keys = out.family
        ? ['saddr', 'daddr']
        : strictMode
          ? ['spi', 'reqid', 'ip', 'ip6']
          : [...IPSEC_KEYS];
      if (key === undefined || !keys.includes(key) || (out.family !== undefined && !IPSEC_KEYS.has(key))) {
        note(c, `an ipsec key (${keys.join(', ')})`, keys, k);
        return undefined;
      }
      out.key = key;
      c.i += k + 1;
      return out;
    }
    if (w === 'osf') {
      let k = 1;
      let ttl: string | undefined;
      if (c.isWord('ttl', 1)) {
        ttl = c.word(2);
        if (ttl !== 'loose' && ttl !== 'skip') {
          note(c, "'loose' or 'skip'", ['loose', 'skip'], 2);
          return undefined;
        }
        k = 3;
      }
      const key = c.word(k);
      if (key !== 'name' && key !== 'version') {
        note(c, "'name', 'version' or 'ttl'", ['name', 'version', 'ttl'], k);
        return undefined;
      }
      c.i += k + 1;
      return ttl ? { kind: 'osf', ttl, key, pos } : { kind: 'osf', key, pos };
    }
    if (w === 'socket') {
      const key = c.word(1);
      if (key === 'cgroupv2' && c.isWord('level', 2) && isNum(c.word(3) ?? '')) {
        c.i += 4;
        return { kind: 'socket', key, level: num(c.word(-1) as string), pos };
      }
      if (key === undefined || !SOCKET_KEYS.has(key)) {
        if (key === 'cgroupv2') note(c, "'level' and a number", ['level'], 2);
        else note(c, 'a socket key (transparent, mark, wildcard, cgroupv2)', [...SOCKET_KEYS, 'cgroupv2'], 1);
        return undefined;
      }
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

type Scalar =
  | 'port'
  | 'ipv4'
  | 'ipv6'
  | 'addr'
  | 'ct_state'
  | 'icmp_type'
  | 'icmpv6_type'
  | 'tcp_flag'
  | 'fib_addrtype'
  | 'boolean'
  | 'nf_proto'
  | 'inet_proto'
  | 'integer'
  | 'ct_dir'
  | 'ct_status'
  | 'pkttype'
  | 'iface'
  | 'other';
/** The type of a selector's values; an array for a concatenation (one type a part). */
type ValueType = Scalar | Scalar[];

const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ecn', 'cwr'] as const;
const FIB_ADDRTYPES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
] as const;
/**
 * IP protocol names nft resolves (its keywords, and the names and aliases of Debian's /etc/protocols,
 * which nft reads through getprotobyname): checked in strict mode only, as the file differs between systems.
 */
const INET_PROTOS = new Set(
  'tcp udp udplite esp ah icmp igmp icmpv6 comp dccp sctp ip IP hopopt HOPOPT ICMP IGMP ggp GGP ipencap IP-ENCAP st ST TCP egp EGP igp IGP pup PUP UDP hmp HMP xns-idp XNS-IDP rdp RDP iso-tp4 ISO-TP4 DCCP xtp XTP ddp DDP idpr-cmtp IDPR-CMTP ipv6 IPv6 ipv6-route IPv6-Route ipv6-frag IPv6-Frag idrp IDRP rsvp RSVP gre GRE IPSEC-ESP IPSEC-AH skip SKIP ipv6-icmp IPv6-ICMP ipv6-nonxt IPv6-NoNxt ipv6-opts IPv6-Opts rspf RSPF vmtp VMTP eigrp EIGRP ospf OSPFIGP ax.25 AX.25 ipip IPIP etherip ETHERIP encap ENCAP pim PIM ipcomp IPCOMP vrrp VRRP l2tp L2TP isis ISIS SCTP fc FC mobility-header Mobility-Header UDPLite mpls-in-ip MPLS-in-IP manet hip HIP shim6 Shim6 wesp WESP rohc ROHC ethernet Ethernet mptcp MPTCP'.split(
    ' ',
  ),
);
/** Header fields whose values are plain integers (nft: "Could not parse integer" for a name). */
const INT_FIELDS: Record<string, string[]> = {
  ip: ['version', 'hdrlength', 'length', 'id', 'frag-off', 'ttl', 'checksum'],
  ip6: ['version', 'flowlabel', 'length', 'hoplimit'],
  tcp: ['sequence', 'ackseq', 'doff', 'reserved', 'window', 'checksum', 'urgptr'],
  udp: ['length', 'checksum'],
  udplite: ['csumcov', 'checksum'],
  icmp: ['checksum', 'id', 'sequence', 'mtu'],
  icmpv6: ['checksum', 'id', 'sequence', 'mtu', 'max-delay', 'param-problem'],
  vlan: ['id', 'pcp', 'dei', 'cfi'],
  sctp: ['vtag', 'checksum'],
  arp: ['hlen', 'plen'],
};

function typeOf(s: Selector): ValueType {
  if (s.kind === 'concat') return s.parts.map((p) => typeOf(p) as Scalar);
  if (s.kind === 'payload') {
    if (PORT_PROTOS.has(s.protocol) && (s.field === 'sport' || s.field === 'dport')) return 'port';
    if (s.protocol === 'ip' && (s.field === 'saddr' || s.field === 'daddr')) return 'ipv4';
    if (s.protocol === 'arp' && (s.field === 'saddr ip' || s.field === 'daddr ip')) return 'ipv4';
    if (s.protocol === 'ip6' && (s.field === 'saddr' || s.field === 'daddr')) return 'ipv6';
    if (s.protocol === 'icmp' && s.field === 'type') return 'icmp_type';
    if (s.protocol === 'icmpv6' && s.field === 'type') return 'icmpv6_type';
    if (s.protocol === 'tcp' && s.field === 'flags') return 'tcp_flag';
    if ((s.protocol === 'ip' && s.field === 'protocol') || (s.protocol === 'ip6' && s.field === 'nexthdr'))
      return 'inet_proto';
    if (INT_FIELDS[s.protocol]?.includes(s.field)) return 'integer';
  }
  if (s.kind === 'ct' && s.key === 'state') return 'ct_state';
  if (s.kind === 'ct' && s.key === 'direction') return 'ct_dir';
  if (s.kind === 'ct' && s.key === 'status') return 'ct_status';
  if (s.kind === 'meta' && s.key === 'pkttype') return 'pkttype';
  if (
    s.kind === 'meta' &&
    /^(iif|oif|iifname|oifname|ibrname|obrname|ibriport|obriport|sdifname)$/.test(s.key)
  )
    return 'iface';
  if (s.kind === 'ct' && s.key === 'ip saddr') return 'ipv4';
  if (s.kind === 'ct' && s.key === 'ip daddr') return 'ipv4';
  if (s.kind === 'ct' && ['bytes', 'packets', 'avgpkt', 'zone', 'mark', 'id'].includes(s.key))
    return 'integer';
  if (s.kind === 'ct' && s.key === 'protocol') return 'inet_proto';
  if (s.kind === 'meta' && (s.key === 'l4proto' || s.key === 'protocol'))
    return s.key === 'l4proto' ? 'inet_proto' : 'other';
  if (s.kind === 'meta' && s.key === 'nfproto') return 'nf_proto';
  if (s.kind === 'meta' && ['mark', 'length', 'cpu'].includes(s.key)) return 'integer';
  if (s.kind === 'fib' && s.result === 'type') return 'fib_addrtype';
  if (s.kind === 'rt' && s.key === 'mtu') return 'integer';
  if (s.kind === 'numgen' || s.kind === 'hash') return 'integer';
  if ((s.kind === 'tcpopt' || s.kind === 'sctpchunk') && s.field !== undefined && s.field !== 'type')
    return 'integer';
  if (s.kind === 'ipopt' && s.field !== undefined && s.field !== 'type' && s.field !== 'addr')
    return 'integer';
  if (
    (s.kind === 'exthdr' || s.kind === 'tcpopt' || s.kind === 'ipopt' || s.kind === 'sctpchunk') &&
    s.field === undefined
  )
    return 'boolean';
  if (
    s.kind === 'exthdr' &&
    s.field !== 'nexthdr' &&
    s.field !== 'addr' &&
    s.field !== 'sid' &&
    s.field !== 'type'
  )
    return 'integer';
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

/** The type a `set` statement's value is checked as: what a match takes, minus the set-only forms. */
function setType(t: ValueType): ValueType {
  return t === 'boolean' ? 'other' : t;
}

/** Named values of the symbol types, with how they are called in diagnostics. */
const SYMBOLS: Partial<
  Record<Scalar, { label: string; names: readonly string[]; strictOnly?: boolean; bare?: boolean }>
> = {
  ct_state: { label: 'a ct state', names: CT_STATES },
  icmp_type: { label: 'an icmp type', names: ICMP_TYPES },
  icmpv6_type: { label: 'an icmpv6 type', names: ICMPV6_TYPES },
  tcp_flag: { label: 'a tcp flag', names: TCP_FLAGS },
  fib_addrtype: { label: 'a fib address type', names: FIB_ADDRTYPES },
  boolean: { label: "'exists' or 'missing'", names: ['exists', 'missing'], bare: true },
  nf_proto: { label: "a family ('ipv4' or 'ipv6')", names: ['ipv4', 'ipv6'], bare: true },
  ct_dir: { label: "a ct direction ('original' or 'reply')", names: ['original', 'reply'], bare: true },
  ct_status: {
    label: 'a ct status',
    names: ['expected', 'seen-reply', 'assured', 'confirmed', 'snat', 'dnat', 'dying'],
  },
  pkttype: { label: 'a packet type', names: ['host', 'unicast', 'broadcast', 'multicast', 'other'] },
  inet_proto: {
    label: 'an IP protocol (tcp, udp, icmp, ... or a number)',
    names: [...INET_PROTOS],
    strictOnly: true,
    bare: true,
  },
};

/** Every header field and meta key name (never a host name in a rule). */
const FIELD_NAMES = new Set(Object.values(FIELDS).flat());

/** Bitmask types: values combine (`syn,ack`, `fin | syn`) and a mask of the same type applies. */
const FLAG_TYPES = new Set<ValueType>(['tcp_flag', 'ct_state', 'ct_status']);

/** The concatenation a value is (one part for a plain value). */
function arity(e: Expr): number | undefined {
  if (e.kind === 'concat') return e.parts.length;
  if (e.kind === 'element') return arity(e.value);
  if (e.kind === 'mapping') return arity(e.key);
  if (e.kind === 'variable' || e.kind === 'setref' || e.kind === 'selector' || e.kind === 'map')
    return undefined;
  return 1;
}

/** Checks a value against the type its selector gives it. */
function checkValue(t: ValueType, e: Expr, d: Diags): void {
  if (t === 'other') return;
  if (Array.isArray(t)) {
    // a concatenation: the same number of parts, each checked as its selector's type
    if (e.kind === 'set') {
      for (const x of e.elements) checkValue(t, x, d);
      return;
    }
    if (e.kind === 'mapping' || e.kind === 'element') {
      checkValue(t, e.kind === 'mapping' ? e.key : e.value, d);
      return;
    }
    const n = arity(e);
    if (n === undefined) return;
    if (n !== t.length) {
      d.add(
        e,
        `a concatenation of ${t.length} values (a . b${t.length > 2 ? ' . c' : ''})`,
        n === 1 ? show(e) : `${n} values`,
      );
      return;
    }
    if (e.kind === 'concat') for (const [i, p] of e.parts.entries()) checkValue(t[i] as Scalar, p, d);
    return;
  }
  switch (e.kind) {
    case 'set':
      for (const x of e.elements) checkValue(t, x, d);
      return;
    case 'list':
      if (!FLAG_TYPES.has(t)) d.add(e, 'a single value or a set { a, b }', 'a comma-separated list');
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
    case 'selector':
    case 'map':
      return;
    case 'concat':
      d.add(e, 'a single value', `a concatenation of ${e.parts.length} values`);
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
    } else if (e.kind !== 'symbol' || !/^[A-Za-z_][A-Za-z0-9/\-_.]*$/.test(e.name))
      d.add(e, 'a port number 0-65535 or a service name', show(e));
    else if (strictMode && NFT_KEYWORDS.has(e.name))
      d.add(e, 'a port number 0-65535 or a service name', `${show(e)} (a keyword)`);
    return;
  }
  if (t === 'iface') {
    // an interface name: at most 15 bytes (IFNAMSIZ); a keyword there is a protocol or selector, not a name
    const name = e.kind === 'string' ? e.value : e.kind === 'symbol' ? e.name : undefined;
    if (strictMode && name !== undefined && Buffer.byteLength(name) > 15)
      d.add(e, 'an interface name of at most 15 bytes', show(e));
    else if (strictMode && e.kind === 'symbol' && NFT_KEYWORDS.has(e.name))
      d.add(e, 'an interface name', `${show(e)} (a keyword)`);
    return;
  }
  if (t === 'integer') {
    // a protocol keyword is a number to nft (`tcp` is 6)
    if (e.kind !== 'number' && e.kind !== 'prefix' && !(e.kind === 'symbol' && TRANSPORTS.has(e.name)))
      d.add(e, 'a number', show(e));
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
    } else if (e.kind === 'symbol' && strictMode && (FIELD_NAMES.has(e.name) || NFT_KEYWORDS.has(e.name))) {
      // a name is a host name to nft; a header field or keyword there is a selector with a word missing
      d.add(e, `${what} or a host name`, `${show(e)} (a keyword or header field)`);
    }
    return;
  }
  const sym = SYMBOLS[t];
  if (!sym || (sym.strictOnly && !strictMode)) return;
  const { names } = sym;
  const listed = names.length > 6 ? `${names.slice(0, 6).join(', ')}, ...` : names.join(', ');
  const label = sym.bare ? sym.label : `${sym.label} (${listed})`;
  if (e.kind === 'symbol') {
    if (!names.includes(e.name)) {
      const hint = hintFor(e.name, names);
      d.add(e, label, `${show(e)}${hint ? `; did you mean '${hint}'?` : ''}`);
    }
  } else if (e.kind === 'number') {
    if (e.value > 255 && !FLAG_TYPES.has(t) && t !== 'boolean')
      d.add(e, `${sym.label} (0-255)`, `'${e.text}'`);
  } else {
    d.add(e, label, show(e));
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

/** In strict mode, the word k ahead must be a time (`1h`, `30s`, `1d2h3m`). */
function timeWord(c: Cursor, k: number): void {
  const t = c.word(k) ?? '';
  if (strictMode && (t === '' || !/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(t)))
    fail(c, 'a time (1h, 30m, 10s, 1d2h)', [], k);
}

/** A word that must be a value in strict mode: one nft reads as a value token. */
function strictWord(c: Cursor, text: string, k = 0): void {
  if (strictMode && (text === '' || !lexesAsValue(text))) fail(c, VALUE, [], k);
}

/** Reads `addr[:port]`, `[v6]:port`, `:port` after nat `to`. */
function natTarget(c: Cursor): { addr?: Expr; port?: Expr } {
  const it = c.peek();
  if (it?.kind === 'punct' && it.text === '[') {
    c.next();
    const a = c.next();
    if (a?.kind !== 'word' || !c.isPunct(']')) return fail(c, "an IPv6 address then ']'");
    c.next();
    const out: { addr?: Expr; port?: Expr } = { addr: scalarWord((a as Token).text, a?.pos) };
    const p = c.peek();
    if (p?.kind === 'word' && p.text.startsWith(':')) {
      strictWord(c, p.text.slice(1));
      c.next();
      out.port = scalarWord(p.text.slice(1), p.pos);
    }
    return out;
  }
  if (
    it?.kind === 'word' &&
    (FIELDS[it.text] || it.text === 'ct' || BARE_META.has(it.text) || EXPR_KEYWORDS.has(it.text))
  ) {
    const e = stmtExpr(c);
    if (e.kind !== 'map' && e.kind !== 'selector') return fail(c, "'map' and a map { ... } or @map");
    return { addr: e };
  }
  if (it?.kind === 'word' && NAT_FLAGS.has(it.text)) return fail(c, 'an address or a port');
  if (it?.kind === 'word' && !NFT_KEYWORDS.has(it.text)) {
    const text = it.text;
    if (text.startsWith(':')) {
      strictWord(c, text.slice(1));
      c.next();
      return { port: scalarWord(text.slice(1), it.pos) };
    }
    if (isIPv6(text) || (text.includes('::') && !text.includes('.'))) {
      strictWord(c, text);
      c.next();
      return { addr: scalarWord(text, it.pos) };
    }
    const colon = text.lastIndexOf(':');
    if (colon > 0 && !text.slice(0, colon).includes(':')) {
      strictWord(c, text.slice(0, colon));
      strictWord(c, text.slice(colon + 1));
      c.next();
      return {
        addr: scalarWord(text.slice(0, colon), it.pos),
        port: scalarWord(text.slice(colon + 1), it.pos),
      };
    }
    strictWord(c, text);
    c.next();
    const addr = scalarWord(text, it.pos);
    if (c.isWord(':')) {
      // `to 10.0.0.1 : 80` (spaces around the colon)
      c.next();
      const p = c.peek();
      if (p?.kind !== 'word') return fail(c, 'a port');
      strictWord(c, p.text);
      c.next();
      return { addr, port: scalarWord(p.text, p.pos) };
    }
    return { addr };
  }
  const e = value(c);
  return { addr: e };
}

/** `persistent,random`: one list for masquerade and redirect, several for snat and dnat (nf_nat_flags). */
function natFlags(c: Cursor, lists: boolean): string[] | undefined {
  const flags: string[] = [];
  while (c.word() !== undefined && NAT_FLAGS.has(c.word() as string)) {
    flags.push(c.word() as string);
    c.next();
    if (c.isPunct(',')) {
      c.next();
      if (!NAT_FLAGS.has(c.word() ?? '')) fail(c, 'a nat flag (persistent, random, fully-random)', NAT_FLAGS);
    } else if (!lists && strictMode) break;
  }
  return flags.length > 0 ? flags : undefined;
}

/** The statements nft takes inside a set update (stateful_stmt: counter, limit, quota, ct count). */
function statefulStatement(c: Cursor, d: Diags, file: string): RuleStatement {
  const w = c.word();
  const stateful =
    w === 'counter' || w === 'limit' || w === 'quota' || w === 'last' || (w === 'ct' && c.isWord('count', 1));
  if (strictMode && !stateful)
    fail(c, "a stateful statement (counter, limit, quota, ct count), ':' or '}'", [
      'counter',
      'limit',
      'quota',
      'ct',
    ]);
  return statement(c, d, file);
}

/** Operands (selectors or values, with bitwise operators) joined by `.`; `lhs`: a key (see primary). */
function concatOf(c: Cursor, lhs = false): Expr {
  const key = bits(c, true, lhs);
  if (!c.isWord('.')) return key;
  const parts = [key];
  while (c.isWord('.')) {
    c.next();
    parts.push(bits(c, true, lhs));
  }
  return { kind: 'concat', parts, pos: key.pos };
}

/** A statement argument (nft's stmt_expr): a concatenation of operands, optionally looked up in a map. */
function stmtExpr(c: Cursor): Expr {
  const key = concatOf(c);
  if (!c.isWord('map')) return key;
  c.next();
  const map = primary(c);
  if (map.kind !== 'set' && map.kind !== 'setref') fail(c, "a map { ... } or @map after 'map'", [], -1);
  return { kind: 'map', key, map, pos: key.pos };
}

/** Reads `N [bytes|kbytes|mbytes|gbytes]` (a quota amount), or fails. */
function dataAmount(c: Cursor, what: string): { amount: number; unit: string } {
  const n = c.word();
  if (n === undefined || !/^\d+$/.test(n)) return fail(c, what);
  const u = c.word(1);
  if (u === undefined || !/^[km]?bytes$/.test(u))
    return fail(c, 'a data unit (bytes, kbytes, mbytes)', ['bytes', 'kbytes', 'mbytes'], 1);
  c.i += 2;
  return { amount: Number(n), unit: u };
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
    const arg = c.peek();
    if (arg?.kind === 'group' && arg.body) {
      c.next();
      const saved = furthest;
      const anonymous = arg.body
        .filter((n): n is Statement => n.kind === 'statement')
        .map((r) => analyzeRule(r, { file, strict: strictMode }));
      furthest = saved;
      for (const r of anonymous) d.list.push(...r.diagnostics);
      return { kind: 'verdict', verdict: w, anonymous, pos };
    }
    if (arg?.kind === 'variable' || (arg?.kind === 'string' && !strictMode)) {
      c.next();
      return { kind: 'verdict', verdict: w, chain: unquote(arg.text), pos };
    }
    if (
      strictMode &&
      arg?.kind === 'word' &&
      NFT_KEYWORDS.has(arg.text) &&
      !VERDICTS.has(arg.text) &&
      arg.text !== 'jump'
    )
      return fail(c, `a chain name (an unquoted name that is not a keyword) after '${w}'`);
    if (arg?.kind !== 'word' || !CHAIN_NAME.test(arg.text) || VERDICTS.has(arg.text) || arg.text === 'jump') {
      if (arg?.kind === 'string' || (arg?.kind === 'word' && NFT_KEYWORDS.has(arg.text) && strictMode))
        return fail(c, `a chain name (an unquoted name that is not a keyword) after '${w}'`);
      d.add(
        arg ?? start,
        `a chain name after '${w}'`,
        arg === undefined ? 'end of rule' : arg.kind === 'group' ? `'${arg.open}'` : `'${arg.text}'`,
      );
      if (arg) c.next();
      return { kind: 'unknown', tokens: arg ? [start, arg] : [start], pos };
    }
    c.next();
    return { kind: 'verdict', verdict: w, chain: arg.text, pos };
  }
  if (w !== undefined && OBJREFS.has(w) && c.isWord('name', 1)) {
    c.i += 2;
    return { kind: 'objref', type: w, name: stmtExpr(c), pos };
  }
  if ((w === 'add' || w === 'update' || w === 'delete') && c.peek(1)?.kind === 'setref') {
    const set = (c.peek(1) as Token).text.slice(1);
    const g = c.peek(2);
    if (g?.kind !== 'group' || g.open !== '{' || g.body) return fail(c, "'{' and the element to add", [], 2);
    c.i += 3;
    const ic = new Cursor(g.items, '}');
    const key = concatOf(ic, true);
    const out: RuleStatement & { kind: 'setupdate' } = {
      kind: 'setupdate',
      op: w,
      set,
      key,
      statements: [],
      pos,
    };
    if (ic.isWord('timeout') && ic.word(1) !== undefined) {
      timeWord(ic, 1);
      out.timeout = ic.word(1) as string;
      ic.i += 2;
    }
    while (!ic.done()) {
      if (ic.isWord(':') && out.value === undefined) {
        ic.next();
        out.value = concatOf(ic);
        continue;
      }
      out.statements.push(statefulStatement(ic, d, file));
    }
    return out;
  }
  if (w === 'queue') {
    c.next();
    const out: RuleStatement & { kind: 'queue' } = { kind: 'queue', pos };
    const flags: string[] = [];
    const flag = (list: boolean) => {
      for (;;) {
        const f = c.word();
        if (f !== 'bypass' && f !== 'fanout') return;
        flags.push(f);
        c.next();
        if (c.isPunct(',')) {
          c.next();
          if (c.word() !== 'bypass' && c.word() !== 'fanout')
            fail(c, 'a queue flag (bypass, fanout)', ['bypass', 'fanout']);
        } else if (list) return;
      }
    };
    const target = (simple: boolean) => {
      const h =
        !simple && (c.word() === 'jhash' || c.word() === 'symhash' || c.word() === 'numgen')
          ? selector(c, d)
          : undefined;
      const e: Expr = h ? { kind: 'selector', selector: h, pos: h.pos } : primary(c);
      if (h && c.isWord('map')) fail(c, 'a queue flag or a statement');
      if (
        e.kind !== 'number' &&
        e.kind !== 'range' &&
        (e.kind !== 'map' || simple) &&
        e.kind !== 'variable' &&
        e.kind !== 'selector'
      )
        fail(c, simple ? 'a queue number or range' : 'a queue number, range, map or hash', [], -1);
      out.to = e;
    };
    if (c.isWord('flags')) {
      c.next();
      flag(true);
      if (flags.length === 0) fail(c, 'a queue flag (bypass, fanout)', ['bypass', 'fanout']);
      if (c.isWord('to') || c.isWord('num')) {
        const simple = c.isWord('num');
        c.next();
        target(simple);
      } else fail(c, "',', 'to' or 'num'", ['to', 'num']);
    } else if (c.isWord('to')) {
      c.next();
      target(false);
    } else {
      // the old form: any of `num N`, `bypass`, `fanout`, in any order
      for (;;) {
        if (c.isWord('num')) {
          c.next();
          target(true);
        } else if (c.isWord('bypass') || c.isWord('fanout')) flag(false);
        else break;
      }
      note(c, 'a queue option (num, bypass, fanout, flags, to)', ['num', 'bypass', 'fanout', 'flags', 'to']);
    }
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
    if (!c.isWord('to')) fail(c, "'to' (or 'ip to', 'ip6 to')", ['to', 'ip', 'ip6']);
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
      if (k === 'mss' || k === 'wscale') {
        if (v?.kind !== 'word' || !isNum(v.text)) fail(c, `a number after '${k}'`, [], 1);
        // nft 1.0.6 takes any number here (no range check), so none is made
        out[k] = num((v as Token).text);
        c.i += 2;
      } else if (k === 'timestamp') {
        out.timestamp = true;
        c.next();
      } else if (k === 'sack-perm' || k === 'sack-permitted') {
        out.sackPerm = true;
        c.next();
      } else break;
    }
    note(c, 'a synproxy option (mss, wscale, timestamp, sack-perm)', [
      'mss',
      'wscale',
      'timestamp',
      'sack-perm',
    ]);
    return out;
  }
  if (w === 'flow' && (c.isWord('add', 1) || c.isWord('offload', 1))) {
    const ft = c.peek(2);
    if (ft?.kind !== 'setref') return fail(c, 'a flowtable @name', [], 2);
    c.i += 3;
    return { kind: 'flowoffload', flowtable: ft.text.slice(1), pos };
  }
  if (w === 'flow') fail(c, "'add' or 'offload' and a flowtable", ['add', 'offload'], 1);
  if (w === 'meter') {
    const name = c.word(1);
    if (name === undefined || NFT_KEYWORDS.has(name)) return fail(c, 'a meter name', [], 1);
    let k = 2;
    let size: number | undefined;
    if (c.isWord('size', k)) {
      if (!isNum(c.word(k + 1) ?? '')) return fail(c, "a number after 'size'", [], k + 1);
      size = num(c.word(k + 1) as string);
      k += 2;
    }
    const g = c.peek(k);
    if (g?.kind !== 'group' || g.open !== '{' || g.body) return fail(c, "'{' (or 'size')", ['size'], k);
    c.i += k + 1;
    const ic = new Cursor(g.items, '}');
    const key = concatOf(ic, true);
    const out: RuleStatement & { kind: 'meter' } = { kind: 'meter', name, key, statements: [], pos };
    if (size !== undefined) out.size = size;
    if (ic.isWord('timeout') && ic.word(1) !== undefined) {
      timeWord(ic, 1);
      out.timeout = ic.word(1) as string;
      ic.i += 2;
    }
    while (!ic.done()) out.statements.push(statefulStatement(ic, d, file));
    return out;
  }
  if (w === 'notrack') {
    c.next();
    return { kind: 'notrack', pos };
  }
  if (w === 'comment') {
    c.next();
    const s = c.peek();
    if (s?.kind !== 'string' && (strictMode || s?.kind !== 'word'))
      return fail(c, "a quoted string after 'comment'");
    c.next();
    return { kind: 'comment', text: unquote((s as Token).text), pos };
  }
  if (w === 'counter') {
    c.next();
    const out: RuleStatement & { kind: 'counter' } = { kind: 'counter', pos };
    for (;;) {
      const k = c.word();
      if (k !== 'packets' && k !== 'bytes') break;
      const n = c.word(1);
      if (n === undefined || !isNum(n)) return fail(c, `a number after '${k}'`, [], 1);
      out[k] = num(n);
      c.i += 2;
    }
    note(c, "'packets' or 'bytes' and a number", ['packets', 'bytes', 'name']);
    return out;
  }
  if (w === 'log') {
    c.next();
    const out: RuleStatement & { kind: 'log' } = { kind: 'log', pos };
    for (;;) {
      const k = c.word();
      if (k === 'prefix') {
        const s = c.peek(1);
        if (s?.kind !== 'string' && s?.kind !== 'variable' && (strictMode || s?.kind !== 'word'))
          fail(c, "a quoted string after 'prefix'", [], 1);
        out.prefix = unquote((s as Token).text);
        c.i += 2;
      } else if (k === 'level') {
        const l = c.peek(1);
        if (l?.kind !== 'word' && l?.kind !== 'string')
          fail(c, `a log level (${[...LOG_LEVELS].join(', ')})`, LOG_LEVELS, 1);
        const level = unquote((l as Token).text);
        if (!LOG_LEVELS.has(level)) {
          const hint = closest(level, LOG_LEVELS);
          d.add(
            l,
            `a log level (${[...LOG_LEVELS].join(', ')})`,
            `'${level}'${hint ? `; did you mean '${hint}'?` : ''}`,
          );
        }
        out.level = level;
        c.i += 2;
      } else if (k === 'group' || k === 'snaplen' || k === 'queue-threshold') {
        const g = c.word(1);
        if (g === undefined || !isNum(g)) fail(c, `a number after '${k}'`, [], 1);
        out[k === 'queue-threshold' ? 'queueThreshold' : k] = num(g as string);
        c.i += 2;
      } else if (k === 'flags') {
        c.next();
        const flags = logFlags(c);
        out.flags = [...(out.flags ?? []), ...flags];
      } else break;
    }
    note(c, `a log option (${LOG_OPTIONS.join(', ')})`, LOG_OPTIONS);
    return out;
  }
  if (w === 'limit') {
    c.next();
    if (!c.isWord('rate')) fail(c, "'rate' (or 'name')", ['rate', 'name']);
    c.next();
    const over = overOrUntil(c);
    const r = c.word();
    if (r === undefined) return fail(c, 'a rate (10/second, 1 mbytes/second)', ['over', 'until']);
    let rate: number;
    let unit: string;
    const m = new RegExp(`^(\\d+)/(${TIME_UNITS})$`).exec(r);
    if (m) {
      rate = Number(m[1]);
      unit = `packets/${m[2]}`;
      c.next();
    } else if (/^\d+$/.test(r) && new RegExp(`^[km]?bytes/(${TIME_UNITS})$`).test(c.word(1) ?? '')) {
      rate = Number(r);
      unit = c.word(1) as string;
      c.i += 2;
    } else if (/^\d+$/.test(r)) {
      return fail(c, 'a rate unit (/second, /minute, ... or mbytes/second, ...)', [], 1);
    } else return fail(c, 'a rate (10/second, 1 mbytes/second)', ['over', 'until']);
    const out: RuleStatement & { kind: 'limit' } = { kind: 'limit', over, rate, unit, pos };
    if (c.isWord('burst')) {
      const b = c.word(1);
      const u = c.word(2);
      const packets = unit.startsWith('packets');
      if (b === undefined || !/^\d+$/.test(b)) fail(c, "a number after 'burst'", [], 1);
      if (u === undefined || !(packets ? u === 'packets' : /^[km]?bytes$/.test(u)))
        fail(c, packets ? "'packets'" : 'a data unit (bytes, kbytes, mbytes)', packets ? ['packets'] : [], 2);
      out.burst = Number(b);
      out.burstUnit = u as string;
      c.i += 3;
    } else note(c, "'burst' or a statement", ['burst']);
    return out;
  }
  if (w === 'quota') {
    c.next();
    const over = overOrUntil(c);
    const q = dataAmount(c, "an amount (10 mbytes), 'over', 'until' or 'name'");
    const out: RuleStatement & { kind: 'quota' } = {
      kind: 'quota',
      over,
      amount: q.amount,
      unit: q.unit,
      pos,
    };
    if (c.isWord('used')) {
      c.next();
      out.used = dataAmount(c, "an amount after 'used' (1 mbytes)");
    } else note(c, "'used' or a statement", ['used']);
    return out;
  }
  if (w === 'ct' && c.isWord('count', 1)) {
    c.i += 2;
    let over = false;
    if (c.isWord('over')) {
      over = true;
      c.next();
    }
    const n = c.word();
    if (n === undefined || !isNum(n)) return fail(c, over ? 'a number' : "a number or 'over'", ['over']);
    c.next();
    return { kind: 'ctcount', over, count: num(n), pos };
  }
  if (w === 'dup' || w === 'fwd') {
    c.next();
    let family: 'ip' | 'ip6' | undefined;
    const fam = c.word();
    if (w === 'fwd' && (fam === 'ip' || fam === 'ip6')) {
      family = fam;
      c.next();
    }
    if (!c.isWord('to')) fail(c, w === 'fwd' ? "'to' (or 'ip to', 'ip6 to')" : "'to'", ['to']);
    c.next();
    const to = stmtExpr(c);
    let device: Expr | undefined;
    if (c.isWord('device')) {
      c.next();
      device = stmtExpr(c);
    } else if (family) fail(c, "'device' and the output device", ['device']);
    else if (w === 'dup') note(c, "'device' or a statement", ['device']);
    if (w === 'dup') return device ? { kind: 'dup', to, device, pos } : { kind: 'dup', to, pos };
    const out: RuleStatement & { kind: 'fwd' } = { kind: 'fwd', to, pos };
    if (family) out.family = family;
    if (device) out.device = device;
    return out;
  }
  if (w === 'reset' && c.isWord('tcp', 1) && c.isWord('option', 2)) {
    const o = c.word(3);
    if (o === undefined || !(TCPOPT_NAMES.has(o) || isNum(o)))
      return fail(c, 'a tcp option (maxseg, window, sack-perm, timestamp, ...)', TCPOPT_NAMES, 3);
    c.i += 4;
    return { kind: 'optstrip', option: o, pos };
  }
  if (w === 'last') {
    c.next();
    if (!c.isWord('used')) return { kind: 'last', pos };
    const u = c.word(1);
    if (u === undefined) return fail(c, "'never' or a time", ['never'], 1);
    c.i += 2;
    return { kind: 'last', used: u, pos };
  }
  if (w === 'reject') {
    c.next();
    if (!c.isWord('with')) {
      note(c, "'with' or a statement", ['with']);
      return { kind: 'reject', pos };
    }
    const proto = c.word(1);
    if (proto === 'tcp') {
      if (!c.isWord('reset', 2)) return fail(c, "'reset'", ['reset'], 2);
      c.i += 3;
      return { kind: 'reject', with: { protocol: 'tcp', type: 'reset' }, pos };
    }
    const codes = proto === undefined ? undefined : REJECT_CODES[proto];
    if (proto === undefined || codes === undefined)
      return fail(c, "'icmp', 'icmpv6', 'icmpx' or 'tcp'", ['icmp', 'icmpv6', 'icmpx', 'tcp'], 1);
    const k = c.isWord('type', 2) ? 3 : 2;
    const code = c.peek(k);
    if (code?.kind !== 'word' || (strictMode && NFT_KEYWORDS.has(code.text)))
      return fail(c, `an ${proto} reject code (${codes.join(', ')})`, codes, k);
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
    if ((fam === 'ip' || fam === 'ip6') && (w === 'snat' || w === 'dnat')) {
      out.family = fam;
      c.next();
    }
    let to = false;
    if (w === 'snat' || w === 'dnat') {
      // `ip addr . port to`, `ip prefix to`, `interval to`: the target's kind before `to`
      if (out.family && c.isWord('addr') && c.isWord('.', 1) && c.isWord('port', 2)) c.i += 3;
      else if (c.isWord('prefix') || c.isWord('interval')) c.next();
      if (out.family && !c.isWord('to')) fail(c, "'to'", ['to', 'addr', 'prefix', 'interval']);
    }
    if (c.isWord('to')) {
      to = true;
      c.next();
      const t = natTarget(c);
      if (t.addr) {
        if (w === 'masquerade') fail(c, "a port after 'to' (to :1024-2048)", [], -1);
        if (w === 'redirect') {
          // `redirect to 8080`: the target is a port
          out.port = t.addr;
          checkValue('port', t.addr, d);
        } else {
          out.addr = t.addr;
          checkValue(out.family === 'ip6' ? 'ipv6' : out.family === 'ip' ? 'ipv4' : 'addr', t.addr, d);
        }
      }
      if (t.port) {
        out.port = t.port;
        checkValue('port', t.port, d);
      }
    } else if (w === 'snat' || w === 'dnat') {
      const it = c.peek();
      if (it?.kind === 'word' && !NAT_FLAGS.has(it.text) && !NFT_KEYWORDS.has(it.text)) {
        // `snat 10.0.0.1`: `to` is optional
        const t = natTarget(c);
        if (t.addr) {
          out.addr = t.addr;
          checkValue('addr', t.addr, d);
        }
        if (t.port) {
          out.port = t.port;
          checkValue('port', t.port, d);
        }
        to = true;
      } else fail(c, "'to' and an address", ['to']);
    }
    const f = natFlags(c, w === 'snat' || w === 'dnat');
    if (f && NAT_FLAGS.has(c.word() ?? ''))
      note(c, "',' and a nat flag (masquerade and redirect take one flag list)");
    if (f) out.flags = f;
    if (!f)
      note(c, to ? 'a nat flag (persistent, random, fully-random)' : "'to' or a nat flag", [
        ...NAT_FLAGS,
        'to',
      ]);
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
          const v = primary(c, true);
          parts.push({ kind: 'value', value: v, pos: v.pos });
        }
      }
      left = { kind: 'concat', parts, pos };
    }
    if (c.isWord('set')) {
      if (strictMode && (left.kind === 'tcpopt' || left.kind === 'ipopt') && left.field === undefined)
        fail(c, `a field of the ${left.option} option before 'set'`);
      if (strictMode && left.kind === 'meta' && !SETTABLE_META.has(left.key))
        fail(c, `a meta key the kernel can set (${[...SETTABLE_META].join(', ')}), not ${left.key}`, [], -1);
      c.next();
      let v = bits(c, true);
      if (c.isWord('map')) {
        c.next();
        const map = primary(c);
        if (map.kind !== 'set' && map.kind !== 'setref') fail(c, "a map { ... } or @map after 'map'", [], -1);
        v = { kind: 'map', key: v, map, pos: v.pos };
      }
      for (let op = bitOp(c); op; op = bitOp(c))
        v = { kind: 'binop', op, left: v, right: bits(c, true), pos: v.pos };
      if (v.kind !== 'binop' && v.kind !== 'map') checkValue(setType(typeOf(left)), v, d);
      return { kind: 'set', left, value: v, pos };
    }
    if (strictMode && left.kind === 'meta' && left.key === 'nftrace')
      fail(c, "'set' (nftrace can only be set)", ['set']);
    const mask: Mask[] = [];
    for (let op = bitOp(c); op; op = bitOp(c)) mask.push({ op, value: primary(c) });
    const own = typeOf(left);
    // `&`, `|`, `^` keep the selector's type (`ct mark & 0xff`, `tcp flags & (fin | syn) == syn`); a shift
    // changes it (`ip6 dscp << 2`)
    const flagType = !Array.isArray(own) && mask.every((m) => m.op === '&' || m.op === '|' || m.op === '^');
    if (flagType) for (const m of mask) checkValue(own, m.value, d);
    const type = mask.length > 0 && !flagType ? 'other' : own;
    if (c.isWord('vmap')) {
      c.next();
      const map = primary(c);
      if (map.kind !== 'set' && map.kind !== 'setref' && map.kind !== 'variable')
        fail(c, "a verdict map { ... } or @map after 'vmap'", [], -1);
      checkValue(type, map, d);
      if (map.kind === 'set') {
        for (const e of map.elements) {
          if (e.kind !== 'mapping') d.add(e, "a mapping 'key : verdict'", show(e));
          else if (
            e.value.kind !== 'symbol' ||
            !/^(accept|drop|continue|return|(jump|goto) .+)$/.test(e.value.name)
          )
            d.add(
              e.value,
              'a verdict (accept, drop, continue, return, jump CHAIN, goto CHAIN)',
              show(e.value),
            );
        }
      }
      return mask.length > 0 ? { kind: 'vmap', left, mask, map, pos } : { kind: 'vmap', left, map, pos };
    }
    const nextIt = c.peek();
    const wantValue = 'a value, an operator (==, !=, <, >, <=, >=), a bitwise operator, . or vmap';
    if (nextIt === undefined) fail(c, wantValue);
    if (nextIt?.kind === 'word' && (nextIt.text === 'vmap' || nextIt.text === 'map')) fail(c, VALUE);
    if (nextIt?.kind === 'punct' && !OPS.has(nextIt.text)) fail(c, wantValue);
    const op = relOp(c);
    let right = value(c);
    for (let b = bitOp(c); b; b = bitOp(c))
      right = { kind: 'binop', op: b, left: right, right: primary(c), pos: right.pos };
    let flagMask = false;
    if (c.isWord('/') && mask.length === 0) {
      // `tcp flags syn / syn,ack`: (flags & (syn|ack)) == syn
      c.next();
      const m = value(c);
      mask.push({ op: '&', value: m });
      flagMask = true;
      checkValue(type, m, d);
    }
    checkValue(mask.length > 0 && !flagMask && !flagType ? 'other' : type, right, d);
    if (right.kind === 'set')
      for (const e of right.elements)
        if (e.kind === 'mapping')
          d.add(e, "a set element (a mapping ':' belongs in a map or vmap)", 'a mapping');
    return mask.length > 0
      ? { kind: 'match', left, mask, op, right, pos }
      : { kind: 'match', left, op, right, pos };
  }
  return fail(c, START, [...RULE_START, 'quota', 'last', 'reset']);
}

/** `log flags`: `tcp sequence,options`, `ip options`, `skuid`, `ether`, `all` (log_flags). */
function logFlags(c: Cursor): string[] {
  const f = c.word();
  if (f === 'tcp') {
    c.next();
    const out = ['tcp'];
    for (;;) {
      const t = c.word();
      if (t !== 'sequence' && t !== 'options')
        return fail(c, 'a tcp log flag (sequence, options)', ['sequence', 'options']);
      out.push(t);
      c.next();
      if (!c.isPunct(',')) return out;
      c.next();
    }
  }
  if (f === 'ip') {
    if (!c.isWord('options', 1)) return fail(c, "'options'", ['options'], 1);
    c.i += 2;
    return ['ip', 'options'];
  }
  if (f === 'skuid' || f === 'ether' || f === 'all') {
    c.next();
    return [f];
  }
  if (!strictMode && (f === 'sequence' || f === 'options')) {
    // lenient: a bare tcp flag list (`log flags sequence,options`)
    const out: string[] = [];
    while (c.word() === 'sequence' || c.word() === 'options') {
      out.push(c.word() as string);
      c.next();
      if (c.isPunct(',')) c.next();
    }
    return out;
  }
  return fail(c, 'a log flag (tcp sequence,options, ip options, skuid, ether, all)', [
    'tcp',
    'ip',
    'skuid',
    'ether',
    'all',
  ]);
}

/** Reads a rule's token sequence into typed statements, with value diagnostics. Never throws. */
export function analyzeRule(rule: Statement, opts: AnalyzeOptions = {}): AnalyzedRule {
  return analyzeItems(rule, rule.items, opts);
}

/** A keyword close to a misspelled word (not for numbers and one- or two-letter words). */
function hintFor(word: string, words: Iterable<string>): string | undefined {
  if (word.length < 3 || /^[\d.:/x-]+$/.test(word)) return undefined;
  return closest(word, words);
}

/** The diagnostic strict mode gives an `unknown` statement: the furthest point and what was allowed. */
function grammarDiagnostic(d: Diags, at: Item, e: Expectation | undefined): void {
  if (!e) {
    d.add(at, START, showItem(at));
    return;
  }
  const what =
    e.what.length <= 1 ? (e.what[0] ?? START) : `${e.what.slice(0, -1).join(', ')} or ${e.what.at(-1)}`;
  const hint = e.word !== undefined && !e.words.has(e.word) ? hintFor(e.word, e.words) : undefined;
  d.add(e.pos ? { pos: e.pos } : at, what, `${e.found}${hint ? `; did you mean '${hint}'?` : ''}`);
}

function analyzeItems(rule: Statement, items: Item[], opts: AnalyzeOptions): AnalyzedRule {
  const file = opts.file ?? '<input>';
  const outerStrict = strictMode;
  const outerFurthest = furthest;
  const outerFamily = family;
  strictMode = opts.strict === true;
  furthest = undefined;
  family = opts.family ?? family;
  try {
    const d = new Diags(file, rule.pos);
    const c = new Cursor(items);
    const statements: RuleStatement[] = [];
    const starts: Item[] = [];
    let unknown: (RuleStatement & { kind: 'unknown' }) | undefined;
    while (!c.done()) {
      const save = c.i;
      let st: RuleStatement | undefined;
      if (unknown === undefined || (c.word() !== undefined && STRONG_START.has(c.word() as string))) {
        // keep only what the previous statement said may follow it here (`log prefix "x" levle`)
        if (current()?.key !== c.key()) furthest = undefined;
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
        starts.push(items[save] as Item);
        continue;
      }
      const it = c.next() as Item;
      if (unknown) unknown.tokens.push(it);
      else {
        unknown = { kind: 'unknown', tokens: [it], pos: it.pos };
        statements.push(unknown);
        starts.push(it);
        if (strictMode) grammarDiagnostic(d, it, current());
      }
      furthest = undefined;
    }
    if (strictMode) ruleChecks(statements, starts, d);
    return { rule, statements, diagnostics: d.list };
  } finally {
    strictMode = outerStrict;
    furthest = outerFurthest;
    family = outerFamily;
  }
}

const TERMINAL_KINDS = new Set(['reject', 'nat', 'queue']);
/** Meta keys a `set` statement can write (the kernel's nft_meta_set). */
const SETTABLE_META = new Set(['mark', 'priority', 'pkttype', 'nftrace', 'secmark']);
/** Meta keys of the bridge family (the bridge port and bridge of the packet). */
const BRIDGE_META = new Set(['ibrname', 'obrname', 'ibriport', 'obriport', 'ibrvproto', 'ibrpvid']);

function isTerminal(s: RuleStatement): boolean {
  if (s.kind === 'verdict') return s.verdict !== 'continue';
  return TERMINAL_KINDS.has(s.kind);
}

function where(p: Pos | undefined): string {
  return p ? `${p.line}:${p.col}` : 'earlier';
}

/** The protocol a match selects at the network (ip, ip6) or transport layer, if it selects one. */
function selects(s: RuleStatement): { layer: 'network' | 'transport'; proto: string } | undefined {
  if (s.kind !== 'match' || s.op !== '==' || s.mask) return undefined;
  const l = s.left;
  if (l.kind === 'payload') {
    if (l.protocol === 'ip' || l.protocol === 'ip6') {
      const r = s.right;
      if ((l.field === 'protocol' || l.field === 'nexthdr') && r.kind === 'symbol' && TRANSPORTS.has(r.name))
        return { layer: 'transport', proto: r.name };
    }
    if (l.protocol === 'ether' && l.field === 'type' && s.right.kind === 'symbol') {
      const n = s.right.name;
      if (n === 'ip' || n === 'ip6') return { layer: 'network', proto: n };
    }
  }
  if (l.kind === 'meta' && s.right.kind === 'symbol') {
    const n = s.right.name;
    if (l.key === 'nfproto' && (n === 'ipv4' || n === 'ipv6'))
      return { layer: 'network', proto: n === 'ipv4' ? 'ip' : 'ip6' };
    if (l.key === 'l4proto' && TRANSPORTS.has(n)) return { layer: 'transport', proto: n };
  }
  return undefined;
}

/** The protocol a selector reads a header of (`tcp dport` is tcp, `ip saddr` is ip). */
function headerOf(sel: Selector): { layer: 'network' | 'transport'; proto: string } | undefined {
  if (sel.kind === 'payload') {
    if (sel.protocol === 'ip' || sel.protocol === 'ip6') return { layer: 'network', proto: sel.protocol };
    if (TRANSPORTS.has(sel.protocol)) return { layer: 'transport', proto: sel.protocol };
  }
  if (sel.kind === 'tcpopt') return { layer: 'transport', proto: 'tcp' };
  if (sel.kind === 'sctpchunk') return { layer: 'transport', proto: 'sctp' };
  if (sel.kind === 'ipopt') return { layer: 'network', proto: 'ip' };
  return undefined;
}

/** Checks nft makes on a whole rule (evaluate.c): terminal statements, the comment, protocol context. */
function ruleChecks(sts: RuleStatement[], starts: Item[], d: Diags): void {
  const ctx: Record<'network' | 'transport', { proto: string; pos?: Pos } | undefined> = {
    network: undefined,
    transport: undefined,
  };
  let anyTransport = false;
  const conflict = (layer: 'network' | 'transport', proto: string, at: { pos?: Pos }, found: string) => {
    const cur = ctx[layer];
    if (cur && cur.proto !== proto) {
      d.add(at, `${cur.proto} (the ${layer} protocol this rule selects at ${where(cur.pos)})`, found);
      return;
    }
    if (!cur) ctx[layer] = { proto, pos: at.pos };
  };
  for (let i = 0; i < sts.length; i++) {
    const s = sts[i] as RuleStatement;
    const start = starts[i] as Item;
    const prev = sts[i - 1];
    if (prev && prev.kind === 'comment') {
      d.add(start, 'end of rule after the rule comment (the comment comes last)', showItem(start));
      return;
    }
    if (prev && isTerminal(prev) && s.kind !== 'comment' && s.kind !== 'unknown') {
      const name = prev.kind === 'verdict' ? prev.verdict : prev.kind === 'nat' ? prev.type : prev.kind;
      d.add(start, `end of rule after the terminal statement '${name}'`, showItem(start));
      return;
    }
    if (s.kind === 'match' || s.kind === 'set' || s.kind === 'vmap') {
      const sels = s.left.kind === 'concat' ? s.left.parts : [s.left];
      for (const sel of sels) {
        if (
          sel.kind === 'ct' &&
          (sel.key === 'saddr' || sel.key === 'daddr') &&
          family !== undefined &&
          family !== 'ip' &&
          family !== 'ip6'
        )
          d.add(
            sel,
            `'ip ${sel.key}' or 'ip6 ${sel.key}' after 'ct' (the address family is not known here)`,
            `'ct ${sel.direction ? `${sel.direction} ` : ''}${sel.key}'`,
          );
        const h = headerOf(sel);
        if (h) {
          conflict(h.layer, h.proto, sel, `'${h.proto}'`);
          if (h.layer === 'transport') anyTransport = true;
        }
        if (sel.kind === 'payload' && sel.protocol === 'th') anyTransport = true;
        if (sel.kind === 'meta' && BRIDGE_META.has(sel.key) && family !== undefined && family !== 'bridge')
          d.add(sel, `'meta ${sel.key}' in a bridge table (this table is ${family})`, `'${sel.key}'`);
        if (sel.kind === 'meta' && sel.key === 'l4proto') anyTransport = true;
        if (sel.kind === 'payload' && (sel.field === 'protocol' || sel.field === 'nexthdr'))
          anyTransport = true;
      }
      const sel = selects(s);
      if (sel) conflict(sel.layer, sel.proto, s.kind === 'match' ? s.right : s, `'${sel.proto}'`);
    }
    if (s.kind === 'reject' && s.with) {
      const p = s.with.protocol;
      if (p === 'icmp' || p === 'icmpv6')
        conflict('network', p === 'icmp' ? 'ip' : 'ip6', s, `'reject with ${p}'`);
      if (p === 'tcp' && ctx.transport && ctx.transport.proto !== 'tcp')
        d.add(
          s,
          `a tcp match before 'reject with tcp reset' (this rule selects ${ctx.transport.proto})`,
          "'tcp reset'",
        );
    }
    if (s.kind === 'nat' && s.addr && !s.family && family === 'inet')
      d.add(s, `'ip' or 'ip6' before 'to' (a ${s.type} address in an inet table)`, showItem(start));
    if (s.kind === 'dup' && family !== undefined && !['ip', 'ip6', 'netdev'].includes(family))
      d.add(s, `'dup' in an ip, ip6 or netdev table (this table is ${family})`, showItem(start));
    if (s.kind === 'fwd' && family !== undefined && family !== 'netdev')
      d.add(s, `'fwd' in a netdev table (this table is ${family})`, showItem(start));
    if ((s.kind === 'nat' && s.port) || s.kind === 'tproxy') {
      if (!anyTransport)
        d.add(
          s,
          `a transport protocol match (tcp dport, meta l4proto, ...) before ${s.kind === 'tproxy' ? "'tproxy'" : 'a NAT port'}`,
          showItem(start),
        );
    }
  }
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
/** Objects a command names after its verb (anything else after `add` is a rule position). */
const COMMAND_OBJECTS = new Set([...ADD_OBJECTS, 'tunnel']);

/**
 * Where the rule position of a top-level rule command starts (`add rule inet t c ...`: 2; `rule inet t c
 * ...` and `add inet t c ...`, where nft implies the rest: 1), or 0 when the statement adds no rule.
 */
function ruleStart(items: Item[]): number {
  const [a, b] = items.map((i) => (i.kind === 'group' ? '' : i.text));
  if (a === 'rule') return 1;
  if (a !== undefined && RULE_VERBS.has(a) && b === 'rule') return 2;
  if (a === 'add' && b !== undefined && items[1]?.kind === 'word' && !COMMAND_OBJECTS.has(b)) return 1;
  return 0;
}
const FAMILY = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

/** Every rule of a ruleset (chain bodies and `add rule` commands), analyzed. */
export function analyzeRuleset(rs: Ruleset, opts: AnalyzeOptions = {}): AnalyzedRule[] {
  const out: AnalyzedRule[] = [];
  const visit = (nodes: Node[], inChain: boolean, fam: string | undefined) => {
    for (const n of nodes) {
      if (n.kind === 'block') {
        let f = fam;
        if (n.block === 'table' || n.block === 'chain') {
          // `[verb] table [family] name`, `[verb] chain [family] table name` (a chain inside a table: `chain name`)
          const ws = n.head.map((h) => (h.kind === 'group' ? '' : h.text));
          const rest = ws.slice(ws.indexOf(n.block) + 1);
          const named = n.block === 'table' ? 1 : 2;
          if (rest.length > named) f = rest[0];
          else if (rest.length === named && (n.block === 'table' || fam === undefined)) f = 'ip';
        }
        visit((n as Block).body, n.block === 'chain', f);
      } else if (n.kind === 'statement') {
        const first = n.items[0];
        if (inChain) {
          if (first?.kind === 'word' && CHAIN_WORDS.has(first.text)) continue;
          out.push(analyzeRule(n, { ...opts, family: opts.family ?? fam }));
        } else if (first?.kind === 'word' && ruleStart(n.items) > 0) {
          let k = ruleStart(n.items);
          const famItem = n.items[k];
          const f = famItem?.kind === 'word' && FAMILY.has(famItem.text) ? famItem.text : 'ip';
          if (famItem?.kind === 'word' && FAMILY.has(famItem.text)) k++;
          k += 2;
          const p = n.items[k];
          if (p?.kind === 'word' && (p.text === 'position' || p.text === 'handle' || p.text === 'index'))
            k += 2;
          out.push(analyzeItems(n, n.items.slice(k), { ...opts, family: opts.family ?? f }));
        }
      }
    }
  };
  visit(rs.body, false, undefined);
  return out;
}

/**
 * The diagnostics of every rule of a ruleset (empty when all values type-check). With `strict`, also the
 * grammar diagnostics of rules, commands, block heads and chain/set/table properties, in source order.
 */
export function checkRules(rs: Ruleset, opts: AnalyzeOptions = {}): RuleDiagnostic[] {
  const rules = analyzeRuleset(rs, opts);
  if (opts.strict !== true) return rules.flatMap((r) => r.diagnostics);
  const commands = checkCommands(rs, opts.file ?? '<input>', elementList);
  const badHeads = new Set<object>(commands.map((c) => c.statement));
  return [
    ...commands.map((c) => c.diagnostic),
    ...rules.filter((r) => !badHeads.has(r.rule)).flatMap((r) => r.diagnostics),
  ].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Strict grammar diagnostics of an element list `{ a, b : c, ... }` (set and map elements, `add element`). */
function elementList(g: Group, file: string): RuleDiagnostic[] {
  const outerStrict = strictMode;
  const outerFurthest = furthest;
  strictMode = true;
  furthest = undefined;
  const d = new Diags(file, g.pos);
  try {
    primary(new Cursor([g]));
  } catch (e) {
    if (!(e instanceof NoMatch)) throw e;
    grammarDiagnostic(d, g, current());
  } finally {
    strictMode = outerStrict;
    furthest = outerFurthest;
  }
  return d.list;
}

/** True when no statement of the rule came back `unknown`. */
export function isFullyTyped(r: AnalyzedRule): boolean {
  return r.statements.every(
    (s) => s.kind !== 'unknown' && (s.kind !== 'verdict' || !s.anonymous || s.anonymous.every(isFullyTyped)),
  );
}

/** `over` (true) or `until` / nothing (false) after `limit rate` / `quota`, consumed. */
function overOrUntil(c: Cursor): boolean {
  if (c.isWord('over')) {
    c.next();
    return true;
  }
  if (c.isWord('until')) c.next();
  return false;
}
