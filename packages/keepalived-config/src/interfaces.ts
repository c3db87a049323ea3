import { isIPv4, isIPv6 } from 'node:net';

/** Addresses per interface name, as `lint({ interfaces })` takes them (`eth1` -> [`10.10.1.1/24`]). */
export type InterfaceAddresses = Record<string, string[]>;

/** Thrown for an address or netmask that cannot be read; the message starts with `file:line:col`. */
export class InterfacesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterfacesFileError';
  }
}

/** Top-level keywords of interfaces(5): each one ends the current stanza. */
const TOP =
  /^(iface|mapping|auto|allow-\S+|source|source-directory|source-dir|no-auto-down|no-scripts|rename)$/;

interface Stanza {
  name: string;
  family: string;
  method: string;
  line: number;
}

/**
 * Reads the static addresses of a Debian `/etc/network/interfaces` text (ifupdown 0.8 syntax), enough
 * for the linter's KA035: `iface NAME inet static` / `inet6 static` stanzas with `address A/LEN`, or
 * `address A` with `netmask` (dotted or a length; without one, ifupdown uses the address class for IPv4
 * (10.0.0.1 -> /8) and /128 for IPv6). Only interfaces
 * with a static IPv4 address are listed; one that also has an `inet` stanza of another method (dhcp,
 * manual, ...) or a template is left out, as its subnet is not known (its IPv6 addresses likewise).
 * `source` / `source-directory` lines are not followed and templates (`inherits`) are not applied;
 * for a full model use `@hagate/debian-interfaces`. Throws {@link InterfacesFileError}.
 */
export function readInterfaceAddresses(text: string, options: { file?: string } = {}): InterfaceAddresses {
  const file = options.file ?? 'interfaces';
  const known = new Map<string, { inet: string[]; inet6: string[] }>();
  /** `name/family` of stanzas whose addresses are not known (another method, a template, no address). */
  const unknown = new Set<string>();
  let cur: Stanza | undefined;
  let address: Field | undefined;
  let netmask: Field | undefined;
  const flush = () => {
    if (cur && address) {
      const entry = known.get(cur.name) ?? { inet: [], inet6: [] };
      entry[cur.family === 'inet6' ? 'inet6' : 'inet'].push(withPrefix(cur, address, netmask, file));
      known.set(cur.name, entry);
    } else if (cur) unknown.add(`${cur.name}/${cur.family}`);
    cur = undefined;
    address = undefined;
    netmask = undefined;
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let l = lines[i] ?? '';
    if (/^\s*#/.test(l)) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1) + (lines[++i] ?? '');
    const m = /^(\s*)(\S+)\s*(.*?)\s*$/.exec(l);
    if (!m) continue;
    const [, lead = '', word = '', rest = ''] = m;
    if (TOP.test(word)) {
      flush();
      if (word !== 'iface') continue;
      const words = rest.split(/\s+/);
      const [name, family, method] = words;
      if (!name) continue;
      const fam = family === 'inet' || family === 'inet6' ? family : undefined;
      if (fam && method === 'static' && !words.includes('inherits'))
        cur = { name, family: fam, method, line: lineNo };
      else if (fam) unknown.add(`${name}/${fam}`);
      else if (family === 'inherits') unknown.add(`${name}/inet`).add(`${name}/inet6`);
      continue;
    }
    if (!cur) continue;
    const col = lead.length + word.length + 2;
    if (word === 'address') address = { value: rest, line: lineNo, col };
    else if (word === 'netmask') netmask = { value: rest, line: lineNo, col };
  }
  flush();
  const out: InterfaceAddresses = {};
  for (const [name, { inet, inet6 }] of known) {
    // KA035 checks IPv4 addresses: an interface without a known IPv4 subnet is left out.
    if (inet.length === 0 || unknown.has(`${name}/inet`)) continue;
    out[name] = [...inet, ...(unknown.has(`${name}/inet6`) ? [] : inet6)];
  }
  return out;
}

interface Field {
  value: string;
  line: number;
  col: number;
}

function withPrefix(s: Stanza, address: Field, netmask: Field | undefined, file: string): string {
  const v6 = s.family === 'inet6';
  const max = v6 ? 32 * 4 : 32;
  const where = (p: Field) => `${file}:${p.line}:${p.col}`;
  const [addr = '', len] = address.value.split('/');
  if (v6 ? !isIPv6(addr) : !isIPv4(addr))
    throw new InterfacesFileError(
      `${where(address)}: expected an ${v6 ? 'IPv6' : 'IPv4'} address for ${s.name}, found '${address.value}'`,
    );
  let bits: number | undefined;
  if (len !== undefined) bits = prefixLength(len, max);
  else if (netmask)
    bits = /^\d+$/.test(netmask.value) ? prefixLength(netmask.value, max) : dottedMask(netmask.value);
  else bits = v6 ? max : classful(addr);
  if (bits === undefined) {
    const p = len !== undefined ? address : netmask!;
    throw new InterfacesFileError(
      `${where(p)}: expected a prefix length 0-${max}${v6 ? '' : ' or a dotted netmask'} for ${s.name}, found '${len ?? netmask?.value}'`,
    );
  }
  return `${addr}/${bits}`;
}

/** ifupdown's netmask for an IPv4 address written without one: the old address class (A /8, B /16, C /24). */
function classful(addr: string): number {
  const first = Number(addr.split('.')[0]);
  return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
}

function prefixLength(text: string, max: number): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

function dottedMask(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const n = text.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const bits = n.toString(2).padStart(32, '0');
  if (!/^1*0*$/.test(bits)) return undefined;
  const zero = bits.indexOf('0');
  return zero < 0 ? 32 : zero;
}

/** Reads `NAME=ADDR/LEN` (the CLI's `--interface`); returns undefined when it is not of that form. */
export function parseInterfaceAssignment(text: string): { name: string; address: string } | undefined {
  const m = /^([^=\s/]+)=([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const [, name = '', addr = '', len = ''] = m;
  const max = isIPv4(addr) ? 32 : isIPv6(addr) ? 128 : -1;
  if (max < 0) return undefined;
  const bits = prefixLength(len, max);
  if (bits === undefined) return undefined;
  return { name, address: `${addr}/${bits}` };
}
