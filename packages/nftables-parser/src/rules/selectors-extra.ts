/** The selectors of nft expressions that are not a header field (`proto field`). */
import type { NodePosition } from '../ast.js';
import {
  EXTHDR_FIELDS,
  EXTHDR_KEYS,
  IPOPT_FIELDS,
  IPOPT_NAMES,
  IPSEC_KEYS,
  RT_KEYS,
  SCTP_CHUNKS,
  SCTP_FIELDS,
  SOCKET_KEYS,
  TCPOPT_FIELDS,
  TCPOPT_NAMES,
  TCPOPT_OWN_FIELDS,
} from '../keywords.js';
import type { Diags } from './diagnostics.js';
import { NoMatch, type Reader } from './reader.js';
import { selectorChain } from './selectors.js';
import type { Selector } from './types.js';
import { isNum, num } from './values.js';

/** Reads `mod N [seed S] [offset M]` (seed only for jhash); a modulus of 0 is a problem (kernel: ERANGE). */
export function hashArgs(
  c: Reader,
  _d: Diags,
  seed: boolean,
): { mod: number; seed?: number; offset?: number } {
  if (!c.isWord('mod')) c.fail("'mod' and a modulus", ['mod']);
  const m = c.peek(1);
  if (m?.kind !== 'word' || !isNum(m.text)) return c.fail('a modulus (a number)', [], 1);
  c.i += 2;
  const out: { mod: number; seed?: number; offset?: number } = { mod: num(m.text) };
  c.st.pendingMod = out.mod === 0 ? [m, 'a modulus > 0', `'${m.text}'`] : undefined;
  for (const key of seed ? (['seed', 'offset'] as const) : (['offset'] as const)) {
    const v = c.word(1);
    if (c.isWord(key)) {
      if (v === undefined || !isNum(v)) return c.fail(`a number after '${key}'`, [], 1);
      out[key] = num(v);
      c.i += 2;
    }
  }
  return out;
}

/** Attaches a `mod 0` problem the hash arguments found to the selector that reads them. */
export function withMod(c: Reader, s: Selector): Selector {
  if (c.st.pendingMod) c.st.recordProblems(s, [c.st.pendingMod]);
  c.st.pendingMod = undefined;
  return s;
}

/** Selectors that are not `proto field`: numgen, hashes, rt, extension headers, options, ipsec, osf, socket. */
export function specialSelector(
  c: Reader,
  d: Diags,
  w: string,
  pos: NodePosition | undefined,
): Selector | undefined {
  const save = c.i;
  try {
    if (w === 'numgen') {
      const mode = c.word(1);
      if (mode !== 'inc' && mode !== 'random') {
        c.note("'inc' or 'random'", ['inc', 'random'], 1);
        return undefined;
      }
      c.i += 2;
      return withMod(c, { kind: 'numgen', mode, ...hashArgs(c, d, false), pos });
    }
    if (w === 'symhash') {
      c.i += 1;
      return withMod(c, { kind: 'hash', fn: 'symhash', ...hashArgs(c, d, false), pos });
    }
    if (w === 'jhash') {
      c.i += 1;
      const expr = selectorChain(c, d) ?? c.fail('an expression to hash (ip saddr . tcp dport, ...)');
      return withMod(c, { kind: 'hash', fn: 'jhash', expr, ...hashArgs(c, d, true), pos });
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
      if (f === 'ip' || f === 'ip6') c.note('a routing key (classid, nexthop, mtu, ipsec)', RT_KEYS, 2);
      else if (!EXTHDR_FIELDS.rt?.includes(f ?? ''))
        c.note(
          'a routing key (classid, nexthop, mtu, ipsec) or a routing header field',
          [...RT_KEYS, ...(EXTHDR_FIELDS.rt ?? [])],
          1,
        );
    }
    if (w === 'exthdr') {
      const h = c.word(1);
      if (h === undefined || !EXTHDR_FIELDS[h] || (c.strict && !EXTHDR_KEYS.has(h))) {
        c.note('an IPv6 extension header (hbh, rt, frag, dst, mh)', EXTHDR_KEYS, 1);
        return undefined;
      }
      const f = c.word(2);
      if (!c.strict && f !== undefined && EXTHDR_FIELDS[h]?.includes(f)) {
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
        if (w !== 'rt') c.note(`a field of the ${w} header (${xf.join(', ')})`, xf, 1);
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
        c.note(`a ${w} option (${[...names].slice(0, 6).join(', ')}, ...)`, names, 2);
        return undefined;
      }
      const f = c.word(3);
      const kind = w === 'tcp' ? 'tcpopt' : 'ipopt';
      if (f !== undefined && fields.has(f)) {
        if (c.strict && w === 'tcp' && f !== 'length' && !TCPOPT_OWN_FIELDS[o]?.includes(f)) {
          c.note(
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
        c.note('an sctp chunk type (data, init, sack, ...)', SCTP_CHUNKS, 2);
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
        c.note("'in' or 'out'", ['in', 'out'], 1);
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
      if (!c.strict) family();
      if (c.isWord('spnum', k)) {
        if (!isNum(c.word(k + 1) ?? '')) {
          c.note("a number after 'spnum'", [], k + 1);
          return undefined;
        }
        out.spnum = num(c.word(k + 1) as string);
        k += 2;
      }
      if (out.family === undefined) family();
      const key = c.word(k);
      const keys = out.family
        ? ['saddr', 'daddr']
        : c.strict
          ? ['spi', 'reqid', 'ip', 'ip6']
          : [...IPSEC_KEYS];
      if (key === undefined || !keys.includes(key) || (out.family !== undefined && !IPSEC_KEYS.has(key))) {
        c.note(`an ipsec key (${keys.join(', ')})`, keys, k);
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
          c.note("'loose' or 'skip'", ['loose', 'skip'], 2);
          return undefined;
        }
        k = 3;
      }
      const key = c.word(k);
      if (key !== 'name' && key !== 'version') {
        c.note("'name', 'version' or 'ttl'", ['name', 'version', 'ttl'], k);
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
        if (key === 'cgroupv2') c.note("'level' and a number", ['level'], 2);
        else c.note('a socket key (transparent, mark, wildcard, cgroupv2)', [...SOCKET_KEYS, 'cgroupv2'], 1);
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
