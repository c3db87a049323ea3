/** What the JSON export shares: the JSON type, its error, and the readers of words, priorities and times. */
import type { Block, Item, Statement } from '../ast.js';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** A rule (or other structure) toJson cannot express. */
export class NftJsonError extends Error {
  override readonly name = 'NftJsonError';
}

export const PRIORITIES: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
export const BRIDGE_PRIORITIES: Record<string, number> = {
  dstnat: -300,
  filter: -200,
  out: 100,
  srcnat: 300,
};

export function words(items: Item[]): string[] {
  return items.map((i) => (i.kind === 'group' ? '' : i.kind === 'string' ? i.text.slice(1, -1) : i.text));
}

export function statements(b: Block): Statement[] {
  return b.body.filter((n): n is Statement => n.kind === 'statement');
}

export function priority(family: string, ws: string[]): number {
  const [base = '0', sign, off] = ws;
  const named = (family === 'bridge' ? BRIDGE_PRIORITIES : PRIORITIES)[base];
  let p = named ?? Number(base);
  if (Number.isNaN(p)) throw new NftJsonError(`toJson: unknown priority '${base}'`);
  if (sign === '+' || sign === '-') p += (sign === '+' ? 1 : -1) * Number(off);
  return p;
}

/** A time in seconds (`1h30m`, `10s`, `500ms`): what nft's JSON has for set and element timeouts. */
export function seconds(t: string): number {
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

export const UNIT_BYTES: Record<string, number> = {
  bytes: 1,
  kbytes: 1024,
  mbytes: 1024 * 1024,
  gbytes: 1024 ** 3,
};

/** The data type nft names a `typeof` key by (its JSON has no typeof). */
export const TYPEOF: Record<string, string> = {
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

export function typeofType(ws: string[]): string {
  const t = TYPEOF[ws.join(' ')];
  if (!t) throw new NftJsonError(`toJson: typeof ${ws.join(' ')}: no data type known for it`);
  return t;
}

/** `type a . b`, `typeof x . y`: one type or the list of a concatenation's types. */
export function keyType(kw: string, ws: string[]): Json {
  const parts: string[][] = [[]];
  for (const w of ws) {
    if (w === '.') parts.push([]);
    else (parts[parts.length - 1] as string[]).push(w);
  }
  const types = parts.map((p) => (kw === 'typeof' ? typeofType(p) : p.join(' ')));
  return types.length === 1 ? (types[0] as string) : types;
}
