/** The JSON of the rule model's selectors and values (libnftables-json(5) expressions). */
import { VERDICTS } from '../keywords.js';
import type { Expr, Selector } from '../rules/index.js';
import { type Json, NftJsonError, seconds } from './common.js';

export function selectorJson(s: Selector): Json {
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

/** A verdict written as a value (`accept`, `jump x` in a map element). */
export function verdictJson(name: string): Json | undefined {
  if (VERDICTS.has(name)) return { [name]: null };
  const m = /^(jump|goto) (.+)$/.exec(name);
  return m ? { [m[1] as string]: { target: m[2] as string } } : undefined;
}

export function exprJson(e: Expr): Json {
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
export function bitmask(s: Selector): boolean {
  return (
    (s.kind === 'ct' && (s.key === 'state' || s.key === 'status' || s.key === 'event')) ||
    (s.kind === 'payload' && s.protocol === 'tcp' && s.field === 'flags')
  );
}
