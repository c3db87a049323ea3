/**
 * IPv6 router advertisements from the master only, with no daemon started or stopped on a role change (a
 * role change runs `ip` and conntrackd only). For a spec whose segments set `routerAdvertisements`:
 *
 * - `etc/radvd.conf` on BOTH routers, started at boot by radvd.service. Each announcing interface lists the
 *   segment's link-local VIP (fe80::1) as its only `AdvRASrcAddress`. radvd 2.19 (Debian 12) then sends
 *   nothing on an interface that lacks every listed address (setup_iface_addrs leaves no source and the
 *   interface is "not ready": "no configured AdvRASrcAddress present, skipping send"), and re-reads the
 *   interface's addresses on every netlink RTM_NEWADDR / RTM_DELADDR. So the master (which holds the VIP)
 *   announces, from fe80::1, as soon as keepalived adds it; the backup stays silent; a takeover needs no
 *   new advertisement: keepalived's unsolicited neighbor advertisement for fe80::1 moves the hosts' one
 *   default router to the new master's MAC.
 * - an output rule in the boot firewall (nftables.ts): router advertisements on those interfaces from any
 *   other source are dropped, so even a radvd that fell back to its own link-local address (other versions,
 *   a hand-edited config) cannot give the hosts a second, non-floating default router.
 * - a radvd.service drop-in ordering radvd before keepalived: radvd 2.19 has no RemoveAdvOnExit (added in
 *   2.20), and on SIGTERM it sends a final advertisement with router lifetime 0 on every ready interface,
 *   which from fe80::1 would make every host drop its default router on a reboot of the master. Started
 *   before keepalived, radvd is stopped after it: keepalived has removed the VIP by then, radvd has read the
 *   RTM_DELADDR, the interface is not ready and no farewell leaves (radvd-live.test.ts: stopped after the
 *   VIP went, the host keeps its route; stopped while holding it, the host drops it at once).
 * - IPv6 forwarding on in both roles (agent.ts): radvd advertises router lifetime 0 while
 *   net/ipv6/conf/all/forwarding is 0 (send.c), and keepalived's neighbor advertisements carry the Router
 *   flag only when the interface forwards (vrrp_ndisc.c); a new master that turned forwarding on only after
 *   keepalived added the VIP would tell the hosts, both ways, that fe80::1 is no router (RFC 4861 7.2.5).
 */
import { type RaSegment, raSegments, routerNames } from '@hagate/spec';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** Debian's radvd reads this file (radvd.service: ConditionPathExists=/etc/radvd.conf). */
export const RADVD_CONF = '/etc/radvd.conf';
/** The drop-in that orders radvd before keepalived (so it stops after keepalived removed the VIP). */
export const RADVD_DROPIN = '/etc/systemd/system/radvd.service.d/hagate.conf';

function interfaceBlock(s: RaSegment): string[] {
  const t = '\t';
  return [
    `# Segment ${s.name}: announced by whichever router holds ${s.source} (VRRP instance ${s.instance}).`,
    `interface ${s.iface} {`,
    `${t}AdvSendAdvert on;`,
    `${t}MaxRtrAdvInterval ${s.interval};`,
    `${t}AdvDefaultLifetime ${s.routerLifetime};`,
    `${t}AdvRASrcAddress {`,
    `${t}${t}${s.source};`,
    `${t}};`,
    `${t}prefix ${s.prefix} {`,
    `${t}${t}AdvOnLink on;`,
    `${t}${t}AdvAutonomous ${s.slaac ? 'on' : 'off'};`,
    `${t}};`,
    ...(s.rdnss.length > 0 ? [`${t}RDNSS ${s.rdnss.join(' ')} {`, `${t}};`] : []),
    '};',
  ];
}

/** radvd.conf of a router (the same text on both: only the VIP's holder ever announces). */
export function radvdConf(input: SynthInput, router: string): string {
  const segs = raSegments(input.spec);
  return [
    `# ${generatedMarker(input)}`,
    `# radvd of ${router}: runs in both roles; each interface advertises from its link-local VIP only, so only`,
    '# the VRRP master announces, and the hosts follow the VIP on a takeover with no new advertisement.',
    ...segs.flatMap(interfaceBlock),
    '',
  ].join('\n');
}

function dropIn(input: SynthInput): string {
  return [
    `# ${generatedMarker(input)}`,
    '# radvd starts before keepalived, so it stops after keepalived has removed the link-local VIP: its final',
    '# advertisement (router lifetime 0) then has no source to leave from, and the hosts keep their router.',
    '[Unit]',
    'Before=keepalived.service',
    '',
  ].join('\n');
}

/** radvd.conf and the radvd.service drop-in of each router (none when no segment announces). */
export function synthRadvd(input: SynthInput): GeneratedFile[] {
  if (raSegments(input.spec).length === 0) return [];
  return routerNames(input.spec).flatMap((router) => [
    { path: `${router}${RADVD_CONF}`, contents: radvdConf(input, router) },
    { path: `${router}${RADVD_DROPIN}`, contents: dropIn(input) },
  ]);
}

/** The RA-enabled interfaces and their one allowed RA source, for the firewall's output rule. */
export function raSources(input: SynthInput): { iface: string; source: string }[] {
  return raSegments(input.spec).map((s) => ({ iface: s.iface, source: s.source }));
}
