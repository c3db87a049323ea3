/**
 * The lab's topology beyond the how-to's one LAN and IPv4 (pure, like plan.ts): one host per VIP-bearing
 * segment (the main one is plan.lan; the others are here), IPv6 on those hosts, the provider and the
 * internet host, and every VIP the pair must keep on one router.
 */
import {
  canonicalIpv6,
  intToIpv4,
  isLinkLocal6,
  parseCidr,
  parseCidr6,
  type Spec,
  vrrpInstances,
} from '@hagate/spec';

/** One VIP of the pair: its family, interface (on both routers) and address. */
export interface VipPlan {
  instance: string;
  iface: string;
  family: 4 | 6;
  address: string;
}

/** A host on a VIP-bearing segment: IPv4 through the segment's IPv4 VIP, IPv6 through its link-local VIP. */
export interface SegmentHostPlan {
  segment: string;
  ns: string;
  ifname: string;
  hvPort: string;
  bridge: string;
  /** The routers' interface on the segment. */
  iface: string;
  addr?: string;
  prefix?: number;
  gateway?: string;
  addr6?: string;
  prefix6?: number;
  /** The IPv6 default router: the instance's link-local VIP (as a router advertisement would give it). */
  gateway6?: string;
}

/** The provider side in IPv6: its router on br0, the internet host behind it. */
export interface Ipv6Plan {
  /** The master's provider-side address (no prefix) and the provider's gateway as the spec has them. */
  external: string;
  gateway: string;
  /** The provider's own address on the provider link (on-link to the router's address). */
  providerAddr: string;
  providerPrefix: number;
  /** Documentation addresses of the "internet" side. */
  upAddr: string;
  inetAddr: string;
  /** The LAN prefixes, routed by the provider to the router's provider-side address. */
  routed: string[];
}

/** Every VIP of the spec, the main instance's first. */
export function vipsOf(spec: Spec): VipPlan[] {
  return vrrpInstances(spec).flatMap((i) =>
    i.vips.map((v) => ({
      instance: i.name,
      iface: i.iface,
      family: i.family,
      address: canonical(v.address),
    })),
  );
}

const canonical = (a: string) => (a.includes(':') ? canonicalIpv6(a) : a);

/**
 * The segment hosts: the main segment's (whose namespace and port are plan.lan's: `main` gives them) and one
 * per other VIP-bearing segment; `bridgeOf` maps a router interface to its bridge in the hypervisor.
 */
export function planSegmentHosts(
  spec: Spec,
  ns: (role: string) => string,
  bridgeOf: (iface: string) => string | undefined,
  main: { ns: string; hvPort: string; addr: string; prefix: number },
): SegmentHostPlan[] {
  const bySegment = new Map<string, ReturnType<typeof vrrpInstances>>();
  for (const i of vrrpInstances(spec))
    bySegment.set(i.segmentName, [...(bySegment.get(i.segmentName) ?? []), i]);
  const used = new Set<string>(vipsOf(spec).map((v) => v.address));
  for (const r of Object.values(spec.routers)) {
    for (const a of Object.values(r.addresses)) used.add(a);
    for (const a of Object.values(r.addresses6)) used.add(canonicalIpv6(a));
  }
  return [...bySegment.entries()].map(([segment, instances], k): SegmentHostPlan => {
    const first = instances[0]!;
    const bridge = bridgeOf(first.iface);
    if (!bridge) throw new Error(`no bridge carries segment ${segment} (${first.iface})`);
    const isMain = k === 0;
    const host: SegmentHostPlan = {
      segment,
      ns: isMain ? main.ns : ns(`lan${k + 1}`),
      ifname: 'eth0',
      hvPort: isMain ? main.hvPort : `frontweb${k + 1}`,
      bridge,
      iface: first.iface,
    };
    const v4 = instances.find((i) => i.family === 4);
    if (isMain) Object.assign(host, { addr: main.addr, prefix: main.prefix, gateway: spec.vrrp.vip });
    else if (v4) {
      const { network, prefix } = parseCidr(first.segment.subnet);
      let h = network + 10;
      while (used.has(intToIpv4(h))) h++;
      Object.assign(host, { addr: intToIpv4(h), prefix, gateway: v4.vips[0]!.address });
    }
    const v6 = instances.find((i) => i.family === 6);
    const subnet6 = first.segment.subnet6;
    if (v6 && subnet6) {
      const c = parseCidr6(subnet6)!;
      const base = c.groups.map((g, i) => (i < 4 ? g : 0));
      let n = 0x10;
      let addr = '';
      do {
        addr = canonicalIpv6([...base.slice(0, 7), n++].map((g) => g.toString(16)).join(':'));
      } while (used.has(addr));
      const ll = v6.vips.find((v) => isLinkLocal6(v.address));
      Object.assign(host, { addr6: addr, prefix6: c.prefix, gateway6: ll?.address ?? v6.vips[0]!.address });
    }
    return host;
  });
}

/** The provider side's IPv6, when the spec has one. */
export function planIpv6(spec: Spec): Ipv6Plan | undefined {
  const e6 = spec.external.ipv6;
  if (!e6) return undefined;
  const [address, len] = e6.address.split('/') as [string, string];
  const c = parseCidr6(e6.address)!;
  const gateway = canonicalIpv6(e6.gateway);
  // A global gateway is the provider's address on the link; with a link-local one, the provider also has
  // an address of the router's prefix (::1, or ::2 when the router has ::1).
  const other = canonicalIpv6(address).endsWith('::1') ? 2 : 1;
  const providerAddr = isLinkLocal6(gateway)
    ? canonicalIpv6([...c.groups.slice(0, 7), other].map((g) => g.toString(16)).join(':'))
    : gateway;
  return {
    external: canonicalIpv6(address),
    gateway,
    providerAddr,
    providerPrefix: Number(len),
    upAddr: '2001:db8:ee::1',
    inetAddr: '2001:db8:ee::10',
    routed: Object.values(spec.segments).flatMap((s) => (s.subnet6 ? [s.subnet6] : [])),
  };
}
