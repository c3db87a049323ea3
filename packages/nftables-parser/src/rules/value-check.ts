/** The types of selector values, and the checks of values against them (ports, addresses, named values). */
import {
  CT_STATES,
  FIB_ADDRTYPES,
  FIELDS,
  ICMP_TYPES,
  ICMPV6_TYPES,
  INET_PROTOS,
  INT_FIELDS,
  NFT_KEYWORDS,
  PORT_PROTOS,
  TCP_FLAGS,
  TRANSPORTS,
} from '../keywords.js';
import { type Diags, hintFor } from './diagnostics.js';
import type { Expr, Selector } from './types.js';

export type Scalar =
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
export type ValueType = Scalar | Scalar[];

export function typeOf(s: Selector): ValueType {
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

export function show(e: Expr): string {
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
export function setType(t: ValueType): ValueType {
  return t === 'boolean' ? 'other' : t;
}

/** Named values of the symbol types, with how they are called in diagnostics. */
export const SYMBOLS: Partial<
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
export const FIELD_NAMES = new Set(Object.values(FIELDS).flat());

/** Bitmask types: values combine (`syn,ack`, `fin | syn`) and a mask of the same type applies. */
export const FLAG_TYPES = new Set<ValueType>(['tcp_flag', 'ct_state', 'ct_status']);

/** The concatenation a value is (one part for a plain value). */
export function arity(e: Expr): number | undefined {
  if (e.kind === 'concat') return e.parts.length;
  if (e.kind === 'element') return arity(e.value);
  if (e.kind === 'mapping') return arity(e.key);
  if (e.kind === 'variable' || e.kind === 'setref' || e.kind === 'selector' || e.kind === 'map')
    return undefined;
  return 1;
}

/** Checks a value against the type its selector gives it. */
export function checkValue(t: ValueType, e: Expr, d: Diags, strict: boolean): void {
  if (t === 'other') return;
  if (Array.isArray(t)) {
    // a concatenation: the same number of parts, each checked as its selector's type
    if (e.kind === 'set') {
      for (const x of e.elements) checkValue(t, x, d, strict);
      return;
    }
    if (e.kind === 'mapping' || e.kind === 'element') {
      checkValue(t, e.kind === 'mapping' ? e.key : e.value, d, strict);
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
    if (e.kind === 'concat') for (const [i, p] of e.parts.entries()) checkValue(t[i] as Scalar, p, d, strict);
    return;
  }
  switch (e.kind) {
    case 'set':
      for (const x of e.elements) checkValue(t, x, d, strict);
      return;
    case 'list':
      if (!FLAG_TYPES.has(t)) d.add(e, 'a single value or a set { a, b }', 'a comma-separated list');
      for (const x of e.values) checkValue(t, x, d, strict);
      return;
    case 'mapping':
      checkValue(t, e.key, d, strict);
      return;
    case 'element':
      checkValue(t, e.value, d, strict);
      return;
    case 'binop':
      checkValue(t, e.left, d, strict);
      checkValue(t, e.right, d, strict);
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
      checkValue(t, e.from, d, strict);
      checkValue(t, e.to, d, strict);
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
    else if (strict && NFT_KEYWORDS.has(e.name))
      d.add(e, 'a port number 0-65535 or a service name', `${show(e)} (a keyword)`);
    return;
  }
  if (t === 'iface') {
    // an interface name: at most 15 bytes (IFNAMSIZ); a keyword there is a protocol or selector, not a name
    const name = e.kind === 'string' ? e.value : e.kind === 'symbol' ? e.name : undefined;
    if (strict && name !== undefined && Buffer.byteLength(name) > 15)
      d.add(e, 'an interface name of at most 15 bytes', show(e));
    else if (strict && e.kind === 'symbol' && NFT_KEYWORDS.has(e.name))
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
    if (a.kind === 'ipv4' || a.kind === 'ipv6') checkValue(a.kind, e, d, strict);
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
      checkValue(t, e.addr, d, strict);
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
    } else if (e.kind === 'symbol' && strict && (FIELD_NAMES.has(e.name) || NFT_KEYWORDS.has(e.name))) {
      // a name is a host name to nft; a header field or keyword there is a selector with a word missing
      d.add(e, `${what} or a host name`, `${show(e)} (a keyword or header field)`);
    }
    return;
  }
  const sym = SYMBOLS[t];
  if (!sym || (sym.strictOnly && !strict)) return;
  const { names } = sym;
  const listed = names.length > 6 ? `${names.slice(0, 6).join(', ')}, ...` : names.join(', ');
  const label = sym.bare ? sym.label : `${sym.label} (${listed})`;
  if (e.kind === 'symbol') {
    if (!names.includes(e.name)) {
      const hint = hintFor(e.name, names);
      d.add(e, label, show(e), hint ? { code: 'NFT001', hint } : undefined);
    }
  } else if (e.kind === 'number') {
    if (e.value > 255 && !FLAG_TYPES.has(t) && t !== 'boolean')
      d.add(e, `${sym.label} (0-255)`, `'${e.text}'`);
  } else {
    d.add(e, label, show(e));
  }
}
