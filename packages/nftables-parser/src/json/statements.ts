/** The JSON of the rule model's statements, and of a whole rule. */
import type { Statement } from '../ast.js';
import { analyzeRule, type RuleStatement } from '../rules/index.js';
import { type Json, NftJsonError, seconds } from './common.js';
import { bitmask, exprJson, selectorJson } from './expressions.js';

/** The reject nft fills in for a bare `reject`, by the table's family. */
export function defaultReject(family: string): Json {
  if (family === 'ip') return { type: 'icmp', expr: 'port-unreachable' };
  if (family === 'ip6') return { type: 'icmpv6', expr: 'port-unreachable' };
  return { type: 'icmpx', expr: 'port-unreachable' };
}

export function stmtJson(s: RuleStatement, family: string): Json {
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
export function logFlags(flags: string[]): Json {
  const out: string[] = [];
  let proto: string | undefined;
  for (const f of flags) {
    if (f === 'tcp' || f === 'ip') proto = f;
    else if (f === 'sequence' || f === 'options') out.push(`${proto ?? 'tcp'} ${f}`);
    else out.push(f);
  }
  return out.length === 1 ? (out[0] as string) : out;
}

export function ruleJson(family: string, table: string, chain: string, st: Statement): Json {
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
