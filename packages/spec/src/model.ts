/** Facts derived from a validated spec, shared by every generator so they never disagree. */
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
