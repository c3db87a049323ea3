/**
 * IPv6 router advertisements (`segments.<name>.routerAdvertisements`): what each announcing segment
 * resolves to (its interface, prefix, the link-local VIP that is the advertisements' only source, the
 * timers and DNS servers) and the cross-field rules that make it usable.
 */
import { isLinkLocal6 } from './ipv6.js';
import { segmentInterface, vrrpInstances } from './model.js';
import type { Spec } from './schema.js';

type Add = (path: (string | number)[], message: string) => void;

/** One segment that announces a router, resolved (defaults applied for `routerAdvertisements: true`). */
export interface RaSegment {
  /** The segment's name in the spec. */
  name: string;
  /** The routers' interface on the segment. */
  iface: string;
  /** The segment's subnet6, announced as the on-link (and, with slaac, autonomous) prefix. */
  prefix: string;
  /** The link-local VIP of the segment's IPv6 instance: the advertisements' one source address. */
  source: string;
  /** The IPv6 VRRP instance holding `source`. */
  instance: string;
  interval: number;
  routerLifetime: number;
  slaac: boolean;
  rdnss: string[];
}

const DEFAULTS = { interval: 30, routerLifetime: 1800, slaac: true, rdnss: [] as string[] };

/** radvd (2.19's grammar) refuses a fourth address in one RDNSS section: "too many addresses in RDNSS section". */
const MAX_RDNSS = 3;

/** The segments that announce a router, in the spec's segment order (only those the rules accept). */
export function raSegments(spec: Spec): RaSegment[] {
  const instances = vrrpInstances(spec);
  return Object.entries(spec.segments).flatMap(([name, seg]) => {
    const ra = seg.routerAdvertisements;
    if (ra === undefined || ra === false || seg.subnet6 === undefined) return [];
    const inst = instances.find((i) => i.segmentName === name && i.family === 6);
    const source = inst?.vips[0]?.address;
    if (!inst || source === undefined || !isLinkLocal6(source)) return [];
    const o = ra === true ? DEFAULTS : ra;
    return [
      {
        name,
        iface: segmentInterface(seg),
        prefix: seg.subnet6,
        source,
        instance: inst.name,
        interval: o.interval,
        routerLifetime: o.routerLifetime,
        slaac: o.slaac,
        rdnss: [...o.rdnss],
      },
    ];
  });
}

/** The rules of `routerAdvertisements`: a prefix to announce, a link-local VIP to announce from, sane timers. */
export function checkRouterAdvertisements(spec: Spec, add: Add): void {
  const instances = vrrpInstances(spec);
  for (const [name, seg] of Object.entries(spec.segments)) {
    const ra = seg.routerAdvertisements;
    if (ra === undefined || ra === false) continue;
    const at = ['segments', name, 'routerAdvertisements'];
    if (seg.subnet6 === undefined)
      add(at, `expected a segment with a subnet6 to announce (segments.${name}.subnet6), found none`);
    // A first VIP that is not link-local is refused by the instance rules already (rules-topology.ts).
    if (!instances.some((i) => i.segmentName === name && i.family === 6))
      add(
        at,
        `expected an IPv6 VRRP instance on segment ${name} (its link-local VIP is the advertisements' only source, so only the master announces), found none`,
      );
    if (ra === true) continue;
    if (ra.routerLifetime < ra.interval)
      add(
        [...at, 'routerLifetime'],
        `expected a router lifetime of at least the interval (${ra.interval} s: hosts would lose the router between two advertisements), found ${ra.routerLifetime}`,
      );
    if (ra.rdnss.length > MAX_RDNSS)
      add(
        [...at, 'rdnss'],
        `expected at most ${MAX_RDNSS} DNS servers (one RDNSS option), found ${ra.rdnss.length}`,
      );
  }
}
