/**
 * Typed builders for nftables rulesets. They produce the same tree the parser does, in the forms
 * `nft list ruleset` prints, so a built ruleset prints exactly as nft would list it back.
 */
import type { Block, Comment, Group, Item, Node, Ruleset, Statement, Token } from './ast.js';
import { FAMILIES } from './keywords.js';

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type ChainType = 'filter' | 'nat' | 'route';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';
export type Policy = 'accept' | 'drop';
/** Standard priority names (nft prints these instead of numbers where they match). */
export type PriorityName = 'raw' | 'mangle' | 'dstnat' | 'filter' | 'security' | 'srcnat' | 'out';

/** A fragment of a rule: some tokens/groups (an expression or a statement). */
export type Fragment = Item[];

/** A value for a match: a plain word, a number, a quoted string, a flag list, or an anonymous set. */
export type Value = string | number | Quoted | Flags | AnonSet;
export interface Quoted {
  quoted: string;
}
export interface Flags {
  flags: string[];
}
export interface AnonSet {
  set: (string | number | Quoted)[];
}
export type Op = '==' | '!=' | '<' | '>' | '<=' | '>=';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_\-.]*$/;

function checkName(kind: string, name: string): string {
  if (!NAME_RE.test(name)) throw new Error(`invalid nft ${kind} name ${JSON.stringify(name)}`);
  return name;
}

/** A word token. */
export function w(text: string, space = true): Token {
  if (text.length === 0 || /[\s"#;{}]/.test(text))
    throw new Error(`invalid nft word ${JSON.stringify(text)}`);
  return { kind: 'word', text, space };
}

/** A quoted string token (`"eth1"`). */
export function q(text: string, space = true): Token {
  if (/["\n]/.test(text))
    throw new Error(`a quoted nft string cannot contain '"' or a newline: ${JSON.stringify(text)}`);
  return { kind: 'string', text: `"${text}"`, space };
}

/** Marks a value to be quoted. */
export function quoted(text: string): Quoted {
  return { quoted: text };
}
/** A flag list printed as `a,b,c` (ct state, tcp flags). */
export function flags(...names: string[]): Flags {
  return { flags: names };
}
/** An anonymous set `{ a, b }` (elements in the order nft lists them: ascending value). */
export function anonSet(...elements: (string | number | Quoted)[]): AnonSet {
  return { set: elements };
}

function scalar(v: string | number | Quoted, space = true): Token {
  if (typeof v === 'object') return q(v.quoted, space);
  return w(String(v), space);
}

function value(v: Value): Item[] {
  if (typeof v === 'object' && 'flags' in v) {
    if (v.flags.length === 0) throw new Error('empty flag list');
    return v.flags.flatMap((f, i): Item[] =>
      i === 0 ? [w(f)] : [{ kind: 'punct', text: ',', space: false }, w(f, false)],
    );
  }
  if (typeof v === 'object' && 'set' in v) {
    const items: Item[] = [];
    v.set.forEach((e, i) => {
      if (i > 0) items.push({ kind: 'punct', text: ',', space: false });
      items.push(scalar(e));
    });
    return [{ kind: 'group', open: '{', items, space: true } satisfies Group];
  }
  return [scalar(v)];
}

function withOp(op: Op | undefined, v: Value): Item[] {
  return op && op !== '==' ? [{ kind: 'punct', text: op, space: true }, ...value(v)] : value(v);
}

/** Meta keys nft lists without the `meta` keyword. */
const BARE_META = new Set(['iif', 'oif', 'iifname', 'oifname', 'iifgroup', 'oifgroup', 'iiftype', 'oiftype']);
export type MetaKey =
  | 'iif'
  | 'oif'
  | 'iifname'
  | 'oifname'
  | 'iiftype'
  | 'oiftype'
  | 'l4proto'
  | 'nfproto'
  | 'mark'
  | 'pkttype'
  | 'length'
  | 'protocol'
  | 'skuid'
  | 'skgid';

/** `meta KEY VALUE` (interface names are quoted for you). */
export function meta(key: MetaKey, v: Value, op?: Op): Fragment {
  const val =
    typeof v === 'string' && (key === 'iifname' || key === 'oifname' || key === 'iif' || key === 'oif')
      ? quoted(v)
      : v;
  const head = BARE_META.has(key) ? [w(key)] : [w('meta'), w(key)];
  return [...head, ...withOp(op, val)];
}

export interface PayloadFields {
  ip: 'saddr' | 'daddr' | 'protocol' | 'ttl' | 'length' | 'dscp' | 'version';
  ip6: 'saddr' | 'daddr' | 'nexthdr' | 'hoplimit';
  tcp: 'sport' | 'dport' | 'flags';
  udp: 'sport' | 'dport';
  th: 'sport' | 'dport';
  icmp: 'type' | 'code';
  icmpv6: 'type' | 'code';
  ether: 'saddr' | 'daddr' | 'type';
}

/** A payload match: `ip saddr 10.0.0.0/8`, `tcp dport 22`, `icmp type { ... }`. */
export function payload<P extends keyof PayloadFields>(
  proto: P,
  field: PayloadFields[P],
  v: Value,
  op?: Op,
): Fragment {
  return [w(proto), w(field), ...withOp(op, v)];
}

export type CtKey = 'state' | 'status' | 'mark' | 'direction' | 'zone';
/** `ct KEY VALUE`, e.g. ct('state', flags('established', 'related')). */
export function ct(key: CtKey, v: Value, op?: Op): Fragment {
  return [w('ct'), w(key), ...withOp(op, v)];
}

export const accept = (): Fragment => [w('accept')];
export const drop = (): Fragment => [w('drop')];
export const ret = (): Fragment => [w('return')];
export const jump = (chain: string): Fragment => [w('jump'), w(checkName('chain', chain))];
export const goto = (chain: string): Fragment => [w('goto'), w(checkName('chain', chain))];
/** `counter` as nft lists it (with its packets/bytes). */
export const counter = (packets = 0, bytes = 0): Fragment => [
  w('counter'),
  w('packets'),
  w(String(packets)),
  w('bytes'),
  w(String(bytes)),
];
export function log(opts: { prefix?: string; level?: string } = {}): Fragment {
  const out: Fragment = [w('log')];
  if (opts.prefix !== undefined) out.push(w('prefix'), q(opts.prefix));
  if (opts.level !== undefined) out.push(w('level'), w(opts.level));
  return out;
}
export function reject(withWhat?: string): Fragment {
  return withWhat ? [w('reject'), w('with'), ...withWhat.split(' ').map((x) => w(x))] : [w('reject')];
}
/** `snat to ADDR` (in an `ip`/`ip6` table; pass family for `inet`: `snat ip to ADDR`). */
export function snat(to: string, family?: 'ip' | 'ip6'): Fragment {
  return [w('snat'), ...(family ? [w(family)] : []), w('to'), w(to)];
}
export function dnat(to: string, family?: 'ip' | 'ip6'): Fragment {
  return [w('dnat'), ...(family ? [w(family)] : []), w('to'), w(to)];
}
export const masquerade = (): Fragment => [w('masquerade')];
export function limit(rate: number, per: 'second' | 'minute' | 'hour' | 'day'): Fragment {
  return [w('limit'), w('rate'), w(`${rate}/${per}`)];
}
/** A rule comment (`comment "..."`, last in the rule). */
export function ruleComment(text: string): Fragment {
  return [w('comment'), q(text)];
}

/** A rule from fragments (matches first, then statements), e.g. rule(meta('iif', 'lo'), accept()). */
export function rule(...parts: Fragment[]): Statement {
  const items = parts.flat().map((it, i) => (i === 0 ? { ...it, space: false } : it));
  if (items.length === 0) throw new Error('a rule needs at least one expression or statement');
  return { kind: 'statement', items };
}

function stmt(...words: (string | Token)[]): Statement {
  return {
    kind: 'statement',
    items: words.map((x, i) => (typeof x === 'string' ? w(x, i > 0) : { ...x, space: i > 0 })),
  };
}

export interface BaseChain {
  type: ChainType;
  hook: Hook;
  priority: PriorityName | number | `${PriorityName} ${'+' | '-'} ${number}`;
  policy?: Policy;
  /** netdev/ingress device. */
  device?: string;
}

/** A chain block; pass `base` for a base chain (header printed as nft lists it). */
export function chain(name: string, rules: Statement[], base?: BaseChain, comment?: string): Block {
  const body: Node[] = [];
  if (comment !== undefined) body.push(stmt('comment', q(comment)));
  if (base) {
    const prio = String(base.priority).split(' ');
    body.push(
      stmt(
        'type',
        base.type,
        'hook',
        base.hook,
        ...(base.device ? ['device', q(base.device)] : []),
        'priority',
        ...prio,
      ),
    );
    body.push(stmt('policy', base.policy ?? 'accept'));
  }
  body.push(...rules);
  return { kind: 'block', block: 'chain', head: [w('chain', false), w(checkName('chain', name))], body };
}

export interface SetOptions {
  /** `type` (e.g. 'ipv4_addr', or 'ipv4_addr . inet_service'). */
  type?: string;
  /** `typeof` expression words, e.g. 'ip saddr'. */
  typeof?: string;
  flags?: ('constant' | 'interval' | 'timeout' | 'dynamic')[];
  timeout?: string;
  size?: number;
  elements?: (string | number | Quoted)[];
  comment?: string;
}

/** A named set block. */
export function set(name: string, opts: SetOptions): Block {
  const body: Node[] = [];
  if (opts.type) body.push(stmt('type', ...opts.type.split(' ')));
  else if (opts.typeof) body.push(stmt('typeof', ...opts.typeof.split(' ')));
  else throw new Error(`set ${name} needs type or typeof`);
  if (opts.flags?.length)
    body.push({ kind: 'statement', items: [w('flags', false), ...value(flags(...opts.flags))] });
  if (opts.timeout) body.push(stmt('timeout', opts.timeout));
  if (opts.size !== undefined) body.push(stmt('size', String(opts.size)));
  if (opts.comment !== undefined) body.push(stmt('comment', q(opts.comment)));
  if (opts.elements?.length) {
    body.push({
      kind: 'statement',
      items: [w('elements', false), w('='), ...value(anonSet(...opts.elements))],
    });
  }
  return { kind: 'block', block: 'set', head: [w('set', false), w(checkName('set', name))], body };
}

/** A table block with its members (chains, sets...). */
export function table(
  family: Family,
  name: string,
  members: Node[],
  opts: { comment?: string; flags?: string[] } = {},
): Block {
  if (!FAMILIES.has(family)) throw new Error(`invalid nft family ${family}`);
  const body: Node[] = [];
  if (opts.flags?.length)
    body.push({ kind: 'statement', items: [w('flags', false), ...value(flags(...opts.flags))] });
  if (opts.comment !== undefined) body.push(stmt('comment', q(opts.comment)));
  body.push(...members);
  return {
    kind: 'block',
    block: 'table',
    head: [w('table', false), w(family), w(checkName('table', name))],
    body,
  };
}

/** `add table FAMILY NAME` (creates it if absent, no error if present). */
export const addTable = (family: Family, name: string): Statement =>
  stmt('add', 'table', family, checkName('table', name));
/** `delete table FAMILY NAME`. */
export const deleteTable = (family: Family, name: string): Statement =>
  stmt('delete', 'table', family, checkName('table', name));
/** `flush ruleset`. */
export const flushRuleset = (): Statement => stmt('flush', 'ruleset');
/** A `#` comment line. */
export function comment(text: string): Comment {
  if (text.includes('\n')) throw new Error('a comment is one line');
  const t = text.trimEnd();
  return { kind: 'comment', text: t === '' ? '#' : `# ${t}` };
}
/** A whole file. */
export function ruleset(...nodes: Node[]): Ruleset {
  return { kind: 'ruleset', body: nodes };
}

/** Tables of a parsed or built ruleset, with their family and name (`table NAME` means family ip). */
export function tables(rs: Ruleset): { family: string; name: string; block: Block }[] {
  const out: { family: string; name: string; block: Block }[] = [];
  for (const n of rs.body) {
    if (n.kind !== 'block' || n.block !== 'table') continue;
    const words = n.head.map((h) => (h.kind === 'group' ? '' : h.text));
    const rest = words[0] === 'table' ? words.slice(1) : words.slice(2);
    const [family, name] = rest.length === 2 ? (rest as [string, string]) : ['ip', rest[0] ?? ''];
    out.push({ family, name, block: n });
  }
  return out;
}
