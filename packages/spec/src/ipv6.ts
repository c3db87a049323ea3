/** Small IPv6 helpers shared by validation, synthesis and the agent config (no dependency). */

/** Parses an IPv6 address (RFC 4291 text forms, an embedded IPv4 tail included) into 8 groups. */
export function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return undefined;
  let s = text;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const o = v4.slice(2, 6).map(Number);
    if (o.some((x) => x > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = o;
    tail.push(a * 256 + b, c * 256 + d);
    const lead = v4[1] as string;
    s = lead.endsWith('::') ? lead : lead.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (g: string) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN);
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':').map(group);
  const rest =
    halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':').map(group)) : [];
  const groups = [...head, ...rest];
  if (groups.some((g) => Number.isNaN(g))) return undefined;
  const want = 8 - tail.length;
  if (halves.length === 1) return groups.length === want ? [...groups, ...tail] : undefined;
  if (groups.length >= want) return undefined;
  return [...head, ...new Array<number>(want - groups.length).fill(0), ...rest, ...tail];
}

export function isIpv6(text: string): boolean {
  return parseIpv6(text) !== undefined;
}

/** `prefix/len` with len 0-128, the address any IPv6 text form. */
export function parseCidr6(cidr: string): { groups: number[]; prefix: number } | undefined {
  const [ip, len, extra] = cidr.split('/');
  if (extra !== undefined || ip === undefined || len === undefined || !/^\d{1,3}$/.test(len))
    return undefined;
  const prefix = Number(len);
  const groups = parseIpv6(ip);
  return groups && prefix <= 128 ? { groups, prefix } : undefined;
}

export function isCidr6(cidr: string): boolean {
  return parseCidr6(cidr) !== undefined;
}

function samePrefix(a: number[], b: number[], prefix: number): boolean {
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    if (bits === 0) return true;
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if (((a[i] ?? 0) & mask) !== ((b[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** True when `ip` is inside `cidr` (both IPv6). */
export function inSubnet6(ip: string, cidr: string): boolean {
  const a = parseIpv6(ip);
  const c = parseCidr6(cidr);
  return !!a && !!c && samePrefix(a, c.groups, c.prefix);
}

/** fe80::/10: a link-local address. */
export function isLinkLocal6(ip: string): boolean {
  const a = parseIpv6(ip);
  return !!a && ((a[0] ?? 0) & 0xffc0) === 0xfe80;
}

/** The subnet-router anycast address of `cidr` (all host bits zero), which no host may use (RFC 4291). */
export function isSubnetRouterAnycast(ip: string, cidr: string): boolean {
  const a = parseIpv6(ip);
  const c = parseCidr6(cidr);
  if (!a || !c || c.prefix >= 127) return false;
  return samePrefix(a, c.groups, c.prefix) && hostBitsZero(a, c.prefix);
}

function hostBitsZero(a: number[], prefix: number): boolean {
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    const hostMask = bits === 16 ? 0 : 0xffff >> bits;
    if (((a[i] ?? 0) & hostMask) !== 0) return false;
  }
  return true;
}

/** The canonical text of an IPv6 address (RFC 5952: lower case, longest zero run as `::`). */
export function canonicalIpv6(ip: string): string {
  const g = parseIpv6(ip);
  if (!g) return ip;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** True when two IPv6 texts are the same address. */
export function sameIpv6(a: string, b: string): boolean {
  const x = parseIpv6(a);
  const y = parseIpv6(b);
  return !!x && !!y && x.every((v, i) => v === y[i]);
}
