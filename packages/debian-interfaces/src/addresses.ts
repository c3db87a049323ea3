/**
 * The addresses an interfaces(5) file assigns: `address` / `netmask` of the `static` stanzas, read the way
 * ifupdown 0.8 reads them (checked against `ifquery` and `ifup --no-act`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { IfaceNode, InterfacesFile, OptionNode } from './ast.js';
import type { Diagnostic, Position } from './diagnostic.js';

export type AddressFamily = 'inet' | 'inet6';

/** One address a `static` stanza assigns. */
export interface IfaceAddress {
  /** The stanza's logical interface name. */
  name: string;
  family: AddressFamily;
  /** The address without a length: `10.0.0.1`, `2001:db8::1`. */
  address: string;
  prefixLength: number;
  /** `address/prefixLength`, what `ip addr add` gets. */
  cidr: string;
  /**
   * Where the length comes from: a `netmask` option (it wins over `/LEN`, as in ifupdown), the `/LEN`
   * of the address, or the default (the address class for inet: 10.0.0.1 is /8; /128 for inet6).
   */
  prefixFrom: 'netmask' | 'address' | 'default';
  /** The `address` option (in the template's file when it is inherited). */
  pos?: Position;
  /** The template the address came from, when the stanza inherits it. */
  inheritedFrom?: string;
}

/** An inet / inet6 stanza that assigns no address from the file (dhcp, auto, manual... or no `address`). */
export interface UnaddressedIface {
  name: string;
  family: AddressFamily;
  method?: string;
  pos?: Position;
}

export interface AddressReport {
  /** In file order (several per interface when it has several stanzas). */
  addresses: IfaceAddress[];
  /** Stanzas whose subnet the file does not give: an interface's addresses are all known only if none. */
  unaddressed: UnaddressedIface[];
  /**
   * IFUP010 an address that is not one of the stanza's family; IFUP011 a length or netmask ifupdown
   * would turn into nonsense (a length over 32 / 128, a netmask with holes); IFUP012 (warning) a second
   * `address` or `netmask` in one stanza, which ifupdown ignores; IFUP013 an `inherits` naming no earlier
   * stanza (ifupdown refuses the file).
   */
  diagnostics: Diagnostic[];
}

export interface ReadAddressesOptions {
  /** File name of findings whose node has none (default `<input>`). */
  file?: string;
}

/** The options of a stanza after `inherits`: the template's first, then its own; the first value counts. */
interface Resolved {
  family?: string;
  method?: string;
  options: Map<string, { opt: OptionNode; from?: string; extra: OptionNode[] }>;
}

/**
 * Reads the static addresses of a parsed file; pass `loadInterfaces(path).file` to follow `source` and
 * `source-directory` lines (each finding is then located in its own file).
 *
 * As ifupdown 0.8: only `static` stanzas of the inet and inet6 families assign an address; the length
 * is the `netmask` option when there is one (dotted or a length), else the `/LEN` of the address, else
 * the address class (inet) or 128 (inet6); the first `address` and `netmask` of a stanza count;
 * `iface X inherits T` takes the options of the first stanza named T before it (of the same family when
 * X names one) and adds its own after them: an `address` of X does not replace T's (IFUP012).
 */
export function readAddresses(file: InterfacesFile, options: ReadAddressesOptions = {}): AddressReport {
  const report: AddressReport = { addresses: [], unaddressed: [], diagnostics: [] };
  const where = (pos: Position | undefined): Position => ({
    ...(pos ?? { line: 1, col: 1 }),
    file: pos?.file ?? options.file ?? '<input>',
  });
  const diag = (
    code: string,
    severity: Diagnostic['severity'],
    pos: Position | undefined,
    expected: string,
    found: string,
    what: string,
  ) =>
    report.diagnostics.push({
      code,
      severity,
      message: `${what}: expected ${expected}, found ${found}`,
      pos: where(pos),
      expected,
      found,
    });
  const seen: IfaceNode[] = [];
  const resolved = new Map<IfaceNode, Resolved>();
  for (const node of file.nodes) {
    if (node.kind !== 'iface') continue;
    const r = resolve(node, seen, resolved, (t) =>
      diag(
        'IFUP013',
        'error',
        node.pos,
        `an earlier iface stanza named ${t}`,
        'none',
        `iface ${node.name} inherits ${t}`,
      ),
    );
    seen.push(node);
    resolved.set(node, r);
    for (const [name, o] of r.options)
      for (const dup of o.extra)
        if (name === 'address' || name === 'netmask')
          diag(
            'IFUP012',
            'warning',
            dup.pos,
            `one ${name} per stanza (ifupdown uses the first${o.from ? `, inherited from ${o.from}` : ''})`,
            `'${dup.value}'`,
            `iface ${node.name}`,
          );
    if (r.family !== 'inet' && r.family !== 'inet6') continue;
    const family: AddressFamily = r.family;
    const address = r.options.get('address');
    if (r.method !== 'static' || !address) {
      report.unaddressed.push({
        name: node.name,
        family,
        ...(r.method ? { method: r.method } : {}),
        ...(node.pos ? { pos: node.pos } : {}),
      });
      continue;
    }
    const found = addressOf(node.name, family, address.opt, r.options.get('netmask')?.opt, diag);
    if (found)
      report.addresses.push({
        ...found,
        ...(address.opt.pos ? { pos: address.opt.pos } : {}),
        ...(address.from ? { inheritedFrom: address.from } : {}),
      });
  }
  return report;
}

type Diag = (
  code: string,
  severity: Diagnostic['severity'],
  pos: Position | undefined,
  expected: string,
  found: string,
  what: string,
) => void;

function resolve(
  node: IfaceNode,
  seen: IfaceNode[],
  done: Map<IfaceNode, Resolved>,
  unknown: (t: string) => void,
): Resolved {
  const out: Resolved = { family: node.family, method: node.method, options: new Map() };
  if (node.inherits !== undefined) {
    const t = node.inherits;
    const template = seen.find(
      (n) => n.name === t && (node.family === undefined || done.get(n)?.family === node.family),
    );
    if (!template) unknown(t);
    else {
      const base = done.get(template) as Resolved;
      out.family ??= base.family;
      out.method ??= base.method;
      for (const [k, v] of base.options) out.options.set(k, { ...v, from: v.from ?? t, extra: [] });
    }
  }
  // ifupdown appends a stanza's own options after the inherited ones, and the first value counts.
  for (const item of node.items) {
    if (item.kind !== 'option') continue;
    const prev = out.options.get(item.name);
    if (prev) prev.extra.push(item);
    else out.options.set(item.name, { opt: item, extra: [] });
  }
  return out;
}

function addressOf(
  name: string,
  family: AddressFamily,
  address: OptionNode,
  netmask: OptionNode | undefined,
  diag: Diag,
): Omit<IfaceAddress, 'pos' | 'inheritedFrom'> | undefined {
  const v6 = family === 'inet6';
  const max = v6 ? 128 : 32;
  const what = `iface ${name} ${family} static`;
  const [addr = '', len, ...more] = address.value.split('/');
  if (more.length > 0 || !(v6 ? isIPv6(addr) : isIPv4(addr))) {
    diag(
      'IFUP010',
      'error',
      address.pos,
      `an ${v6 ? 'IPv6' : 'IPv4'} address[/length]`,
      `'${address.value}'`,
      what,
    );
    return undefined;
  }
  let prefixLength: number | undefined;
  let prefixFrom: IfaceAddress['prefixFrom'];
  if (netmask) {
    prefixFrom = 'netmask';
    prefixLength = /^\d+$/.test(netmask.value)
      ? lengthOf(netmask.value, max)
      : v6
        ? undefined
        : dotted(netmask.value);
    if (prefixLength === undefined)
      diag(
        'IFUP011',
        'error',
        netmask.pos,
        `a length 0-${max}${v6 ? '' : ' or a dotted netmask without holes'}`,
        `netmask '${netmask.value}'`,
        what,
      );
  } else if (len !== undefined) {
    prefixFrom = 'address';
    prefixLength = lengthOf(len, max);
    if (prefixLength === undefined)
      diag('IFUP011', 'error', address.pos, `a length 0-${max}`, `'/${len}'`, what);
  } else {
    prefixFrom = 'default';
    prefixLength = v6 ? 128 : classful(addr);
  }
  if (prefixLength === undefined) return undefined;
  return { name, family, address: addr, prefixLength, cidr: `${addr}/${prefixLength}`, prefixFrom };
}

/** ifupdown's length for an IPv4 address given without one: its class (A /8, B /16, C /24, else /32). */
function classful(addr: string): number {
  const first = Number(addr.split('.')[0]);
  return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
}

function lengthOf(text: string, max: number): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

function dotted(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const bits = text
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : undefined;
}

/**
 * The addresses of each interface as `ADDRESS/LEN` strings, for the interfaces whose addresses are all
 * known: an interface left out has a stanza of that family the file gives no subnet for (dhcp...).
 */
export function addressesByInterface(
  report: AddressReport,
  family?: AddressFamily,
): Record<string, string[]> {
  const unknown = new Set(
    report.unaddressed.filter((u) => !family || u.family === family).map((u) => u.name),
  );
  const out: Record<string, string[]> = {};
  for (const a of report.addresses) {
    if ((family && a.family !== family) || unknown.has(a.name)) continue;
    (out[a.name] ??= []).push(a.cidr);
  }
  return out;
}
