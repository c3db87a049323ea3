/**
 * libnftables JSON (`nft -j`, libnftables-json(5)) of a ruleset: tables, chains (with their base chain
 * header), named sets and maps (type, flags, timeout, size, stateful statements, elements with their
 * attributes), flowtables, stateful objects (counter, quota, limit, ct helper, ct timeout, ct expectation,
 * secmark, synproxy) and rules. Rules go through the rule model (analyzeRule), so every typed statement
 * and expression has its JSON form: payload of every protocol and raw payload (`@nh,72,8`), meta, ct, fib,
 * rt, numgen, hashes, extension headers, TCP and IP options, concatenations, sets, maps, verdict maps,
 * bitwise and flag matches, verdicts, counter, log, limit, quota, ct count, nat, reject, set statements
 * (`mangle`), set updates, object references, synproxy, flow offload, dup, fwd, notrack, rule comments.
 * What JSON cannot carry (an anonymous chain, a `define` variable, a `typeof` nft can only name by its
 * type) or the model does not type throws NftJsonError naming it.
 */
import type { Block, Item, Node, Ruleset, Statement, Token } from './ast.js';
import { tables } from './builders.js';
import { splitElements } from './printer.js';
import { analyzeRule, type Expr, type RuleStatement, type Selector } from './rule-model.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** A rule (or other structure) toJson cannot express. */
export class NftJsonError extends Error {
  override readonly name = 'NftJsonError';
}

const PRIORITIES: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
const BRIDGE_PRIORITIES: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

function words(items: Item[]): string[] {
  return items.map((i) => (i.kind === 'group' ? '' : i.kind === 'string' ? i.text.slice(1, -1) : i.text));
}

function statements(b: Block): Statement[] {
  return b.body.filter((n): n is Statement => n.kind === 'statement');
}

function priority(family: string, ws: string[]): number {
  const [base = '0', sign, off] = ws;
  const named = (family === 'bridge' ? BRIDGE_PRIORITIES : PRIORITIES)[base];
  let p = named ?? Number(base);
  if (Number.isNaN(p)) throw new NftJsonError(`toJson: unknown priority '${base}'`);
  if (sign === '+' || sign === '-') p += (sign === '+' ? 1 : -1) * Number(off);
  return p;
}

/** A time in seconds (`1h30m`, `10s`, `500ms`): what nft's JSON has for set and element timeouts. */
function seconds(t: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(t);
  if (!m || t === '') throw new NftJsonError(`toJson: not a time: '${t}'`);
  const [d, h, min, s, ms] = m.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return ((d * 24 + h) * 60 + min) * 60 + s + ms / 1000;
}

const UNIT_BYTES: Record<string, number> = { bytes: 1, kbytes: 1024, mbytes: 1024 * 1024, gbytes: 1024 ** 3 };

/** The data type nft names a `typeof` key by (its JSON has no typeof). */
const TYPEOF: Record<string, string> = {
  'ip saddr': 'ipv4_addr',
  'ip daddr': 'ipv4_addr',
  'ip6 saddr': 'ipv6_addr',
  'ip6 daddr': 'ipv6_addr',
  'ether saddr': 'ether_addr',
  'ether daddr': 'ether_addr',
  'ether type': 'ether_type',
  'tcp sport': 'inet_service',
  'tcp dport': 'inet_service',
  'udp sport': 'inet_service',
  'udp dport': 'inet_service',
  'th sport': 'inet_service',
  'th dport': 'inet_service',
  'ip protocol': 'inet_proto',
  'ip6 nexthdr': 'inet_proto',
  'meta l4proto': 'inet_proto',
  'meta nfproto': 'nf_proto',
  'meta mark': 'mark',
  'ct mark': 'mark',
  'meta iifname': 'ifname',
  'meta oifname': 'ifname',
  iifname: 'ifname',
  oifname: 'ifname',
  'meta iif': 'iface_index',
  'meta oif': 'iface_index',
  iif: 'iface_index',
  oif: 'iface_index',
  'ct state': 'ct_state',
  'ct status': 'ct_status',
  'ct zone': 'integer',
  'vlan id': 'integer',
  'meta cpu': 'integer',
  // as nft 1.0.6 names them in its JSON listing
  'udp length': 'integer',
  'ip ttl': 'integer',
  'ct bytes': 'integer',
  'ipsec in reqid': 'integer',
  'ip dscp': 'dscp',
  'osf name': 'string',
  'ct helper': 'string',
  'meta skuid': 'uid',
  'tcp flags': 'tcp_flag',
  'meta iiftype': 'iface_type',
};

function typeofType(ws: string[]): string {
  const t = TYPEOF[ws.join(' ')];
  if (!t) throw new NftJsonError(`toJson: typeof ${ws.join(' ')}: no data type known for it`);
  return t;
}

/** `type a . b`, `typeof x . y`: one type or the list of a concatenation's types. */
function keyType(kw: string, ws: string[]): Json {
  const parts: string[][] = [[]];
  for (const w of ws) {
    if (w === '.') parts.push([]);
    else (parts[parts.length - 1] as string[]).push(w);
  }
  const types = parts.map((p) => (kw === 'typeof' ? typeofType(p) : p.join(' ')));
  return types.length === 1 ? (types[0] as string) : types;
}

function selectorJson(s: Selector): Json {
  switch (s.kind) {
    case 'payload':
      if (s.protocol === 'arp' && s.field.includes(' ')) {
        // `arp saddr ip`: nft names it by the field of the address
        const [field, what] = s.field.split(' ');
        return { payload: { protocol: 'arp', field: `${field} ${what}` } };
      }
      return { payload: { protocol: s.protocol, field: s.field } };
    case 'raw':
      return { payload: { base: s.base, offset: s.offset, len: s.length } };
    case 'meta':
      return { meta: { key: s.key } };
    case 'ct': {
      const ct: Record<string, Json> = { key: s.key };
      if (s.direction) ct.dir = s.direction;
      return { ct };
    }
    case 'fib':
      return { fib: { result: s.result, flags: s.flags } };
    case 'concat':
      return { concat: s.parts.map(selectorJson) };
    case 'numgen': {
      const n: Record<string, Json> = { mode: s.mode, mod: s.mod };
      if (s.offset !== undefined) n.offset = s.offset;
      return { numgen: n };
    }
    case 'hash': {
      const h: Record<string, Json> = { mod: s.mod };
      if (s.seed !== undefined) h.seed = s.seed;
      if (s.offset !== undefined) h.offset = s.offset;
      if (s.expr) h.expr = selectorJson(s.expr);
      return { [s.fn]: h };
    }
    case 'rt': {
      const rt: Record<string, Json> = { key: s.key };
      if (s.family) rt.family = s.family;
      return { rt };
    }
    case 'exthdr': {
      const x: Record<string, Json> = { name: s.header };
      if (s.field) x.field = s.field;
      return { exthdr: x };
    }
    case 'tcpopt':
    case 'ipopt':
    case 'sctpchunk': {
      const o: Record<string, Json> = { name: s.kind === 'sctpchunk' ? s.chunk : s.option };
      if (s.field) o.field = s.field;
      return { [s.kind === 'tcpopt' ? 'tcp option' : s.kind === 'ipopt' ? 'ip option' : 'sctp chunk']: o };
    }
    case 'ipsec': {
      const x: Record<string, Json> = { key: s.key, dir: s.dir };
      if (s.family) x.family = s.family;
      if (s.spnum !== undefined) x.spnum = s.spnum;
      return { ipsec: x };
    }
    case 'osf': {
      const o: Record<string, Json> = { key: s.key };
      if (s.ttl) o.ttl = s.ttl;
      return { osf: o };
    }
    case 'socket':
      if (s.level !== undefined)
        throw new NftJsonError('toJson: socket cgroupv2 has no JSON form in nft 1.0.6');
      return { socket: { key: s.key } };
    case 'value':
      return exprJson(s.value);
  }
}

const VERDICT_WORDS = new Set(['accept', 'drop', 'continue', 'return']);

/** A verdict written as a value (`accept`, `jump x` in a map element). */
function verdictJson(name: string): Json | undefined {
  if (VERDICT_WORDS.has(name)) return { [name]: null };
  const m = /^(jump|goto) (.+)$/.exec(name);
  return m ? { [m[1] as string]: { target: m[2] as string } } : undefined;
}

function exprJson(e: Expr): Json {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'ipv4':
    case 'ipv6':
      return e.text;
    case 'prefix':
      return { prefix: { addr: exprJson(e.addr), len: e.length } };
    case 'range':
      return { range: [exprJson(e.from), exprJson(e.to)] };
    case 'string':
      return e.value;
    case 'symbol':
      if (e.name === 'exists') return true;
      if (e.name === 'missing') return false;
      return verdictJson(e.name) ?? e.name;
    case 'variable':
      throw new NftJsonError(`toJson: $${e.name}: expand defines first (expandDefines)`);
    case 'setref':
      return `@${e.name}`;
    case 'set':
      return { set: e.elements.map(exprJson) };
    case 'list':
      return e.values.map(exprJson);
    case 'concat':
      return { concat: e.parts.map(exprJson) };
    case 'selector':
      return selectorJson(e.selector);
    case 'mapping':
      return [exprJson(e.key), exprJson(e.value)];
    case 'map':
      return { map: { key: exprJson(e.key), data: exprJson(e.map) } };
    case 'binop':
      return { [e.op]: [exprJson(e.left), exprJson(e.right)] };
    case 'element': {
      const el: Record<string, Json> = { val: exprJson(e.value) };
      if (e.timeout) el.timeout = Math.floor(seconds(e.timeout));
      if (e.expires) el.expires = Math.floor(seconds(e.expires));
      if (e.comment !== undefined) el.comment = e.comment;
      if (e.counter) el.counter = { packets: e.counter.packets, bytes: e.counter.bytes };
      return { elem: el };
    }
  }
}

/** Selectors whose implicit match tests bits (`ct state established`, `tcp flags syn`): op `in`. */
function bitmask(s: Selector): boolean {
  return (
    (s.kind === 'ct' && (s.key === 'state' || s.key === 'status' || s.key === 'event')) ||
    (s.kind === 'payload' && s.protocol === 'tcp' && s.field === 'flags')
  );
}

/** The reject nft fills in for a bare `reject`, by the table's family. */
function defaultReject(family: string): Json {
  if (family === 'ip') return { type: 'icmp', expr: 'port-unreachable' };
  if (family === 'ip6') return { type: 'icmpv6', expr: 'port-unreachable' };
  return { type: 'icmpx', expr: 'port-unreachable' };
}

function stmtJson(s: RuleStatement, family: string): Json {
  switch (s.kind) {
    case 'match': {
      let left = selectorJson(s.left);
      for (const m of s.mask ?? []) left = { [m.op]: [left, exprJson(m.value)] };
      const implicitBits = !s.mask && bitmask(s.left) && s.right.kind !== 'set';
      // `tcp flags syn / syn,ack` was read with an op of '==': nft has the same
      const op = s.op === '==' && implicitBits ? 'in' : s.op;
      return { match: { op, left, right: exprJson(s.right) } };
    }
    case 'verdict':
      if (s.anonymous)
        throw new NftJsonError(`toJson: ${s.verdict} { ... }: an anonymous chain has no JSON form`);
      return s.verdict === 'jump' || s.verdict === 'goto'
        ? { [s.verdict]: { target: s.chain ?? '' } }
        : { [s.verdict]: null };
    case 'vmap': {
      let key = selectorJson(s.left);
      for (const m of s.mask ?? []) key = { [m.op]: [key, exprJson(m.value)] };
      return { vmap: { key, data: exprJson(s.map) } };
    }
    case 'counter':
      return s.packets !== undefined || s.bytes !== undefined
        ? { counter: { packets: s.packets ?? 0, bytes: s.bytes ?? 0 } }
        : { counter: null };
    case 'log': {
      const log: Record<string, Json> = {};
      if (s.prefix !== undefined) log.prefix = s.prefix;
      if (s.level !== undefined && s.level !== 'warn') log.level = s.level;
      if (s.group !== undefined) log.group = s.group;
      if (s.snaplen !== undefined) log.snaplen = s.snaplen;
      if (s.queueThreshold !== undefined) log['queue-threshold'] = s.queueThreshold;
      if (s.flags) log.flags = logFlags(s.flags);
      return { log: Object.keys(log).length > 0 ? log : null };
    }
    case 'limit': {
      const m = /^(packets|[kmg]?bytes)\/(.+)$/.exec(s.unit);
      if (!m) throw new NftJsonError(`toJson: limit rate unit '${s.unit}'`);
      const packets = m[1] === 'packets';
      const limit: Record<string, Json> = {
        rate: s.rate,
        burst: s.burst ?? (packets ? 5 : 0),
        per: m[2] as string,
      };
      if (s.over) limit.inv = true;
      if (!packets) {
        limit.rate_unit = m[1] as string;
        limit.burst_unit = s.burstUnit ?? 'bytes';
      }
      return { limit };
    }
    case 'quota': {
      const q: Record<string, Json> = { val: s.amount, val_unit: s.unit, inv: s.over };
      if (s.used) {
        q.used = s.used.amount;
        q.used_unit = s.used.unit;
      }
      return { quota: q };
    }
    case 'ctcount':
      return { 'ct count': { val: s.count, inv: s.over } };
    case 'nat': {
      const nat: Record<string, Json> = {};
      if (s.family) nat.family = s.family;
      if (s.addr) nat.addr = exprJson(s.addr);
      if (s.port) nat.port = exprJson(s.port);
      if (s.flags) nat.flags = s.flags.length === 1 ? (s.flags[0] as string) : s.flags;
      return { [s.type]: Object.keys(nat).length > 0 ? nat : null };
    }
    case 'reject':
      if (!s.with) return { reject: defaultReject(family) };
      if (s.with.protocol === 'tcp') return { reject: { type: 'tcp reset' } };
      return {
        reject: {
          type: s.with.protocol,
          expr: /^\d+$/.test(s.with.type) ? Number(s.with.type) : s.with.type,
        },
      };
    case 'set': {
      const key = selectorJson(s.left);
      // `ct helper set "ftp"` and friends assign a named object: nft's JSON has the object reference
      if (s.left.kind === 'ct' && ['helper', 'timeout', 'expectation'].includes(s.left.key))
        return { [`ct ${s.left.key}`]: exprJson(s.value) };
      if (s.left.kind === 'meta' && s.left.key === 'secmark' && s.value.kind === 'string')
        return { secmark: s.value.value };
      return { mangle: { key, value: exprJson(s.value) } };
    }
    case 'setupdate': {
      let elem = exprJson(s.key);
      if (s.timeout) elem = { elem: { val: elem, timeout: seconds(s.timeout) } };
      const out: Record<string, Json> = { op: s.op, elem };
      if (s.value !== undefined) {
        out.data = exprJson(s.value);
        out.map = `@${s.set}`;
      } else out.set = `@${s.set}`;
      if (s.statements.length > 0) out.stmt = s.statements.map((x) => stmtJson(x, family));
      return { [s.value !== undefined ? 'map' : 'set']: out };
    }
    case 'objref':
      return { [s.type]: exprJson(s.name) };
    case 'synproxy': {
      const sp: Record<string, Json> = {};
      if (s.mss !== undefined) sp.mss = s.mss;
      if (s.wscale !== undefined) sp.wscale = s.wscale;
      const flags = [...(s.timestamp ? ['timestamp'] : []), ...(s.sackPerm ? ['sack-perm'] : [])];
      if (flags.length > 0) sp.flags = flags;
      return { synproxy: Object.keys(sp).length > 0 ? sp : null };
    }
    case 'flowoffload':
      return { flow: { op: 'add', flowtable: `@${s.flowtable}` } };
    case 'dup': {
      const dup: Record<string, Json> = { addr: exprJson(s.to) };
      if (s.device) dup.dev = exprJson(s.device);
      return { dup };
    }
    case 'fwd': {
      const fwd: Record<string, Json> = {};
      if (s.family) {
        fwd.family = s.family;
        fwd.addr = exprJson(s.to);
        if (s.device) fwd.dev = exprJson(s.device);
      } else fwd.dev = exprJson(s.to);
      return { fwd };
    }
    case 'notrack':
      return { notrack: null };
    case 'tproxy': {
      const t: Record<string, Json> = {};
      if (s.family) t.family = s.family;
      if (s.addr) t.addr = exprJson(s.addr);
      if (s.port) t.port = exprJson(s.port);
      return { tproxy: t };
    }
    case 'queue': {
      const q: Record<string, Json> = {};
      if (s.to) q.num = exprJson(s.to);
      if (s.flags) q.flags = s.flags.length === 1 ? (s.flags[0] as string) : s.flags;
      return { queue: Object.keys(q).length > 0 ? q : null };
    }
    case 'meter':
    case 'optstrip':
    case 'last':
      throw new NftJsonError(
        `toJson: the ${s.kind === 'optstrip' ? 'reset tcp option' : s.kind} statement has no JSON form in nft 1.0.6`,
      );
    case 'comment':
      return null; // the rule's "comment" property, set by the caller
    case 'unknown': {
      const text = s.tokens.map((t) => (t.kind === 'group' ? t.open : t.text)).join(' ');
      throw new NftJsonError(`toJson: unsupported rule form at '${text}'`);
    }
  }
}

/** `log flags tcp sequence,options flags ip options` as nft's JSON has them. */
function logFlags(flags: string[]): Json {
  const out: string[] = [];
  let proto: string | undefined;
  for (const f of flags) {
    if (f === 'tcp' || f === 'ip') proto = f;
    else if (f === 'sequence' || f === 'options') out.push(`${proto ?? 'tcp'} ${f}`);
    else out.push(f);
  }
  return out.length === 1 ? (out[0] as string) : out;
}

function ruleJson(family: string, table: string, chain: string, st: Statement): Json {
  const analyzed = analyzeRule(st, { family });
  const expr: Json[] = [];
  let comment: string | undefined;
  for (const s of analyzed.statements) {
    if (s.kind === 'comment') comment = s.text;
    else expr.push(stmtJson(s, family));
  }
  const r: Record<string, Json> = { family, table, chain, expr };
  if (comment !== undefined) r.comment = comment;
  return { rule: r };
}

/** Elements of a set or map `elements = { ... }`, through the rule model's element reader. */
function elementsJson(st: Statement, family: string): Json[] {
  const g = st.items.find((i) => i.kind === 'group');
  if (g?.kind !== 'group') return [];
  // read `elements = { ... }` as the value of a match, which gives every element its typed form
  const probe: Statement = {
    kind: 'statement',
    items: [{ kind: 'word', text: 'meta', space: false }, { kind: 'word', text: 'mark', space: true }, g],
  };
  const [m] = analyzeRule(probe, { family }).statements;
  if (m?.kind !== 'match' || m.right.kind !== 'set')
    throw new NftJsonError(
      `toJson: cannot read the elements of ${words(splitElements(g.items)[0] ?? []).join(' ')}`,
    );
  return m.right.elements.map(exprJson);
}

function setJson(kind: 'set' | 'map', family: string, table: string, name: string, b: Block): Json {
  const s: Record<string, Json> = { family, name, table };
  const stmts: Json[] = [];
  for (const st of statements(b)) {
    const ws = words(st.items);
    const kw = ws[0];
    if (kw === 'type' || kw === 'typeof') {
      const colon = ws.indexOf(':');
      s.type = keyType(kw, colon >= 0 ? ws.slice(1, colon) : ws.slice(1));
      if (colon >= 0) {
        const data = ws.slice(colon + 1);
        if (data[0] === 'interval')
          throw new NftJsonError('toJson: a map with interval data has no JSON form in nft 1.0.6');
        // nft names a concatenated data type `a . b` (and can list, not load, such a map from JSON)
        s.map = kw === 'typeof' && data[0] !== 'verdict' ? typeofType(data) : data.join(' ');
      }
    } else if (kw === 'flags') {
      // nft's JSON has no `dynamic` flag (nft sets it itself for a set a rule updates)
      const flags = ws.slice(1).filter((x) => x !== ',' && x !== 'dynamic');
      if (flags.length > 0) s.flags = flags;
    } else if (kw === 'timeout') s.timeout = seconds(ws[1] ?? '');
    else if (kw === 'gc-interval') s['gc-interval'] = seconds(ws[1] ?? '');
    else if (kw === 'size') s.size = Number(ws[1]);
    else if (kw === 'policy') s.policy = ws[1] ?? '';
    else if (kw === 'comment') s.comment = ws[1] ?? '';
    else if (kw === 'auto-merge') s['auto-merge'] = true;
    else if (kw === 'elements') s.elem = elementsJson(st, family);
    else if (kw === 'counter' || kw === 'quota' || kw === 'limit' || kw === 'ct') {
      const a = analyzeRule(st, { family });
      for (const x of a.statements) stmts.push(stmtJson(x, family));
    }
  }
  if (stmts.length > 0) s.stmt = stmts;
  return { [kind]: s };
}

/** `counter c { packets 1 bytes 2 }`, `quota q { over 10 mbytes }`, `ct helper h { type "ftp" protocol tcp }`... */
function objectJson(family: string, table: string, b: Block): Json {
  const head = words(b.head);
  const kind = head[0] === 'ct' ? `ct ${head[1]}` : (head[0] ?? '');
  const name = head[head[0] === 'ct' ? 2 : 1] ?? '';
  const o: Record<string, Json> = { family, name, table };
  const lines = statements(b).map((st) => words(st.items));
  const comment = lines.find((l) => l[0] === 'comment');
  if (comment) o.comment = comment[1] ?? '';
  const body = lines.filter((l) => l[0] !== 'comment').flat();
  const num = (w: string | undefined) => Number(w);
  switch (kind) {
    case 'counter':
      o.packets = num(body[body.indexOf('packets') + 1] ?? '0') || 0;
      o.bytes = num(body[body.indexOf('bytes') + 1] ?? '0') || 0;
      break;
    case 'quota': {
      let i = 0;
      const inv = body[0] === 'over';
      if (body[0] === 'over' || body[0] === 'until') i++;
      o.bytes = num(body[i]) * (UNIT_BYTES[body[i + 1] ?? ''] ?? Number.NaN);
      const u = body.indexOf('used');
      o.used = u >= 0 ? num(body[u + 1]) * (UNIT_BYTES[body[u + 2] ?? ''] ?? Number.NaN) : 0;
      o.inv = inv;
      if (Number.isNaN(o.bytes) || Number.isNaN(o.used))
        throw new NftJsonError(`toJson: quota ${name}: ${body.join(' ')}`);
      break;
    }
    case 'limit': {
      // `rate [over|until] 10/second [burst 5 packets]`, `rate 1 mbytes/second [burst 4 mbytes]`
      const [, ...rest] = body;
      let i = 0;
      if (rest[0] === 'over') o.inv = true;
      if (rest[0] === 'over' || rest[0] === 'until') i++;
      const pk = /^(\d+)\/(\w+)$/.exec(rest[i] ?? '');
      const by = /^([km]?bytes)\/(\w+)$/.exec(rest[i + 1] ?? '');
      if (pk) {
        o.rate = Number(pk[1]);
        o.per = pk[2] as string;
        i += 1;
      } else if (by) {
        o.rate = num(rest[i]);
        o.per = by[2] as string;
        o.rate_unit = by[1] as string;
        i += 2;
      } else throw new NftJsonError(`toJson: limit ${name}: ${body.join(' ')}`);
      if (rest[i] === 'burst') {
        o.burst = num(rest[i + 1]);
        if (!pk) o.burst_unit = rest[i + 2] ?? 'bytes';
      } else o.burst = pk ? 5 : 0;
      break;
    }
    case 'ct helper': {
      const t = body.indexOf('type');
      o.type = body[t + 1] ?? '';
      o.protocol = body[body.indexOf('protocol') + 1] ?? '';
      const l3 = body.indexOf('l3proto');
      if (l3 >= 0) o.l3proto = body[l3 + 1] ?? '';
      break;
    }
    case 'ct timeout': {
      o.protocol = body[body.indexOf('protocol') + 1] ?? '';
      const l3 = body.indexOf('l3proto');
      if (l3 >= 0) o.l3proto = body[l3 + 1] ?? '';
      const pol = statements(b).find((st) => words(st.items)[0] === 'policy');
      const g = pol?.items.find((i) => i.kind === 'group');
      if (g?.kind === 'group') {
        const policy: Record<string, Json> = {};
        for (const e of splitElements(g.items)) {
          const [state, , value] = words(e);
          policy[state ?? ''] = Number(value);
        }
        o.policy = policy;
      }
      break;
    }
    case 'ct expectation':
      o.protocol = body[body.indexOf('protocol') + 1] ?? '';
      o.dport = num(body[body.indexOf('dport') + 1]);
      o.timeout = seconds(body[body.indexOf('timeout') + 1] ?? '') * 1000;
      o.size = num(body[body.indexOf('size') + 1]);
      if (body.includes('l3proto')) o.l3proto = body[body.indexOf('l3proto') + 1] ?? '';
      break;
    case 'secmark':
      o.context = body[0] ?? '';
      break;
    case 'synproxy': {
      o.mss = num(body[body.indexOf('mss') + 1]);
      o.wscale = num(body[body.indexOf('wscale') + 1]);
      const flags = body.filter((w) => w === 'timestamp' || w === 'sack-perm');
      if (flags.length > 0) o.flags = flags;
      break;
    }
    default:
      throw new NftJsonError(`toJson: the ${kind} object has no JSON form`);
  }
  return { [kind]: o };
}

function flowtableJson(family: string, table: string, name: string, b: Block): Json {
  const f: Record<string, Json> = { family, table, name };
  for (const st of statements(b)) {
    const ws = words(st.items);
    if (ws[0] === 'hook') {
      f.hook = ws[1] ?? '';
      f.prio = priority(family, ws.slice(ws.indexOf('priority') + 1));
    } else if (ws[0] === 'devices') {
      const g = st.items.find((i) => i.kind === 'group');
      const devs = g?.kind === 'group' ? splitElements(g.items).map((e) => words(e).join('')) : [];
      f.dev = devs.length === 1 ? (devs[0] as string) : devs;
    } else
      throw new NftJsonError(`toJson: flowtable ${name}: '${ws.join(' ')}' has no JSON form in nft 1.0.6`);
  }
  return { flowtable: f };
}

function chainJson(family: string, table: string, name: string, b: Block): Json {
  const c: Record<string, Json> = { family, table, name };
  for (const st of statements(b)) {
    const ws = words(st.items);
    if (ws[0] === 'type') {
      c.type = ws[1] ?? '';
      c.hook = ws[3] ?? '';
      const d = ws.indexOf('device');
      if (d >= 0) c.dev = ws[d + 1] ?? '';
      c.prio = priority(family, ws.slice(ws.indexOf('priority') + 1));
    } else if (ws[0] === 'policy') c.policy = ws[1] ?? '';
    else if (ws[0] === 'comment') c.comment = ws[1] ?? '';
  }
  return { chain: c };
}

const OBJECT_KINDS = new Set(['counter', 'quota', 'limit', 'ct', 'secmark', 'synproxy']);

/**
 * The JSON document `nft -j -f` loads, for the tables of a ruleset (commands outside tables are left out).
 * Members come in the order nft can load them: objects and flowtables, chains (map elements may jump to
 * them), sets and maps, then rules. Throws NftJsonError for what JSON cannot carry.
 */
export function toJson(rs: Ruleset): { nftables: Json[] } {
  const out: Json[] = [];
  for (const { family, name: table, block } of tables(rs)) {
    const t: Record<string, Json> = { family, name: table };
    for (const st of statements(block)) {
      const ws = words(st.items);
      if (ws[0] === 'comment') t.comment = ws[1] ?? '';
      if (ws[0] === 'flags') t.flags = ws.slice(1).filter((x) => x !== ',');
    }
    out.push({ table: t });
    const objects: Json[] = [];
    const chains: Json[] = [];
    const sets: Json[] = [];
    const rules: Json[] = [];
    for (const n of block.body as Node[]) {
      if (n.kind !== 'block') continue;
      const head = n.head.filter((h): h is Token => h.kind !== 'group');
      const name = head[1]?.text ?? '';
      if (n.block === 'chain') {
        chains.push(chainJson(family, table, name, n));
        for (const st of statements(n)) {
          const first = words(st.items)[0] ?? '';
          if (!['type', 'policy', 'comment', 'devices', 'flags'].includes(first))
            rules.push(ruleJson(family, table, name, st));
        }
      } else if (n.block === 'set' || n.block === 'map') sets.push(setJson(n.block, family, table, name, n));
      else if (n.block === 'flowtable') objects.push(flowtableJson(family, table, name, n));
      else if (n.block === 'object' && OBJECT_KINDS.has(head[0]?.text ?? ''))
        objects.push(objectJson(family, table, n));
      else throw new NftJsonError(`toJson: the ${head[0]?.text ?? n.block} block has no JSON form`);
    }
    out.push(...objects, ...chains, ...sets, ...rules);
  }
  return { nftables: out };
}
