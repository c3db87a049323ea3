/** Facts derived from a validated spec, shared by every generator so they never disagree. */
import { isLinkLocal6 } from './ipv6.js';
import type { Router, Segment, Spec } from './schema.js';

/** The interface name the guest sees for a segment: `eth0.99` for a tagged VLAN, else the NIC. */
export function segmentInterface(segment: Segment): string {
  return segment.vlan === undefined ? segment.nic : `${segment.nic}.${segment.vlan}`;
}

/** Router names in the order of the spec. */
export function routerNames(spec: Spec): string[] {
  return Object.keys(spec.routers);
}

/** The other router of the pair. */
export function peerOf(spec: Spec, router: string): { name: string; router: Router } {
  const name = routerNames(spec).find((n) => n !== router);
  const peer = name === undefined ? undefined : spec.routers[name];
  if (name === undefined || peer === undefined) throw new Error(`router ${router} has no peer in the spec`);
  return { name, router: peer };
}

/** The VRRP segment, its guest interface and prefix length. */
export function vrrpSegment(spec: Spec): { name: string; segment: Segment; iface: string; prefix: number } {
  const segment = spec.segments[spec.vrrp.segment];
  if (!segment) throw new Error(`vrrp.segment ${spec.vrrp.segment} is not a segment`);
  return {
    name: spec.vrrp.segment,
    segment,
    iface: segmentInterface(segment),
    prefix: Number(segment.subnet.split('/')[1]),
  };
}

/** Segments a router has an address on, in the spec's segment order. */
export function routerSegments(
  spec: Spec,
  router: Router,
): { name: string; segment: Segment; iface: string; address: string; prefix: number }[] {
  return Object.entries(spec.segments).flatMap(([name, segment]) => {
    const address = router.addresses[name];
    return address === undefined
      ? []
      : [
          {
            name,
            segment,
            iface: segmentInterface(segment),
            address,
            prefix: Number(segment.subnet.split('/')[1]),
          },
        ];
  });
}

/**
 * VRRP's skew time for a router of `priority`, ms: (256 - priority) / 256 s in VRRPv2 (RFC 3768), the same
 * fraction of the advert interval in VRRPv3 (RFC 5798). keepalived computes it the same way.
 */
export function vrrpSkewMs(advertInt: number, priority: number, version: 2 | 3): number {
  return ((256 - priority) / 256) * (version === 3 ? advertInt : 1) * 1000;
}

/** How long a backup of `priority` waits without adverts before it takes over, ms: 3 x advert + skew. */
export function vrrpMasterDownMs(advertInt: number, priority: number, version: 2 | 3): number {
  return 3 * advertInt * 1000 + vrrpSkewMs(advertInt, priority, version);
}

/** One VRRP instance of the pair, resolved: the main one (`vrrp.instance`) first, then `vrrp.instances`. */
export interface VrrpInstanceFacts {
  name: string;
  /** True for the main instance (`vrrp.instance`, `vrrp.vip`): the one hagate-agent follows. */
  main: boolean;
  segmentName: string;
  segment: Segment;
  iface: string;
  family: 4 | 6;
  vrid: number;
  /** Each VIP with the prefix length keepalived adds it with (the segment's; /64 for link-local). */
  vips: { address: string; prefix: number }[];
  /** Where the instance is in the spec, for located messages. */
  path: (string | number)[];
}

/** Every VRRP instance of the spec, the main one first (segments that are not in the spec are skipped). */
export function vrrpInstances(spec: Spec): VrrpInstanceFacts[] {
  const out: VrrpInstanceFacts[] = [];
  const main = spec.segments[spec.vrrp.segment];
  if (main) {
    out.push({
      name: spec.vrrp.instance,
      main: true,
      segmentName: spec.vrrp.segment,
      segment: main,
      iface: segmentInterface(main),
      family: 4,
      vrid: spec.vrrp.vrid,
      vips: [{ address: spec.vrrp.vip, prefix: prefixOf(main.subnet) }],
      path: ['vrrp'],
    });
  }
  spec.vrrp.instances.forEach((inst, i) => {
    const segment = spec.segments[inst.segment];
    if (!segment) return;
    const family = inst.vips[0]?.includes(':') ? 6 : 4;
    out.push({
      name: inst.name,
      main: false,
      segmentName: inst.segment,
      segment,
      iface: segmentInterface(segment),
      family,
      vrid: inst.vrid,
      vips: inst.vips.map((address) => ({
        address,
        prefix:
          family === 4
            ? prefixOf(segment.subnet)
            : isLinkLocal6(address) || segment.subnet6 === undefined
              ? 64
              : prefixOf(segment.subnet6),
      })),
      path: ['vrrp', 'instances', i],
    });
  });
  return out;
}

/** The vrrp_sync_group name, when the spec has several instances (else none: one instance needs no group). */
export function syncGroupName(spec: Spec): string | undefined {
  if (spec.vrrp.instances.length === 0) return undefined;
  return spec.vrrp.syncGroup ?? `${spec.vrrp.instance}_GROUP`;
}

/** Segments a router has an IPv6 address on (those with a subnet6), in the spec's segment order. */
export function routerSegments6(
  spec: Spec,
  router: Router,
): { name: string; segment: Segment; iface: string; address: string; prefix: number }[] {
  return Object.entries(spec.segments).flatMap(([name, segment]) => {
    const address = router.addresses6[name];
    return address === undefined || segment.subnet6 === undefined
      ? []
      : [{ name, segment, iface: segmentInterface(segment), address, prefix: prefixOf(segment.subnet6) }];
  });
}

/** True when the spec has any IPv6 (a segment's subnet6 or the provider side's). */
export function hasIpv6(spec: Spec): boolean {
  return (
    spec.external.ipv6 !== undefined || Object.values(spec.segments).some((s) => s.subnet6 !== undefined)
  );
}

function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1]);
}
