/**
 * `etc/conntrackd/conntrackd.conf` of each router when the spec has `conntrackSync`: conntrackd in FTFW mode
 * (reliable: acknowledged, resent) over UDP unicast between the routers' addresses on the sync segment, so
 * each router holds the other's connections in its external cache. hagate-agent commits that cache into the
 * kernel before the new master's external NIC comes up (see the agent's conntrack.ts); conntrackd itself
 * never changes the kernel table on its own (no DisableExternalCache).
 */
import {
  canonicalIpv6,
  hasIpv6,
  isLinkLocal6,
  peerOf,
  routerNames,
  type Spec,
  segmentInterface,
  vrrpInstances,
} from '@hagate/spec';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** conntrackd's control socket on the routers (its `UNIX { Path }`); the agent talks to it directly. */
export const CONNTRACKD_SOCKET = '/var/run/conntrackd.ctl';
export const CONNTRACKD_CONF = '/etc/conntrackd/conntrackd.conf';

/** The sync segment's interface and both ends' addresses, for the config and the firewall rule. */
export function syncLink(spec: Spec, router: string) {
  const cs = spec.conntrackSync;
  if (!cs) return undefined;
  const seg = spec.segments[cs.segment];
  const self = spec.routers[router]?.addresses[cs.segment];
  const peer = peerOf(spec, router).router.addresses[cs.segment];
  if (!seg || !self || !peer) return undefined;
  return { iface: segmentInterface(seg), self, peer, port: cs.port };
}

/**
 * What conntrackd must not sync, per family: the routers' own connections. conntrackd skips a connection
 * whose original source or reply source is in its ignore pool (conntrack-tools' filter.c), so a forwarded
 * connection (LAN host to the internet, SNATed to the failover IP or not) is still synced, while one to or
 * from a router address, a VIP or the provider-side addresses is not. Link-local IPv6 is never forwarded:
 * `fe80::/10` covers the routers' own link-local addresses (not in the spec) and the link-local VIPs.
 */
export function ignoredAddresses(spec: Spec): { ipv4: string[]; ipv6: string[] } {
  const v4 = new Set<string>(['127.0.0.1']);
  const v6 = new Set<string>(['::1', 'fe80::/10']);
  const add = (a: string) => {
    if (a.includes(':')) {
      if (!isLinkLocal6(a)) v6.add(canonicalIpv6(a));
    } else v4.add(a);
  };
  for (const r of Object.values(spec.routers)) for (const a of Object.values(r.addresses)) add(a);
  for (const i of vrrpInstances(spec)) for (const v of i.vips) add(v.address);
  add(spec.external.failoverIp);
  for (const r of Object.values(spec.routers)) for (const a of Object.values(r.addresses6)) add(a);
  if (spec.external.ipv6) add(spec.external.ipv6.address.split('/')[0] as string);
  for (const a of spec.conntrackSync?.ignore ?? []) add(a);
  return { ipv4: [...v4], ipv6: [...v6] };
}

export function conntrackdConf(input: SynthInput, router: string): string {
  const { spec } = input;
  const cs = spec.conntrackSync;
  const link = syncLink(spec, router);
  if (!cs || !link) throw new Error(`conntrackSync is not usable for ${router}`);
  const t = '\t';
  const ignore = ignoredAddresses(spec);
  const lines = [
    `# ${generatedMarker(input)}`,
    `# conntrackd of ${router}: FTFW over UDP unicast to its peer on ${link.iface}; hagate-agent drives it on`,
    '# every VRRP transition through the UNIX socket below.',
    'Sync {',
    `${t}Mode FTFW {`,
    // A new master commits the peer's connections itself (hagate-agent), before its NIC comes up.
    `${t}${t}DisableExternalCache Off`,
    // Entries a former master keeps are purged quickly once the peer owns them.
    `${t}${t}PurgeTimeout 5`,
    `${t}}`,
    `${t}UDP {`,
    `${t}${t}IPv4_address ${link.self}`,
    `${t}${t}IPv4_Destination_Address ${link.peer}`,
    `${t}${t}Port ${link.port}`,
    `${t}${t}Interface ${link.iface}`,
    `${t}${t}SndSocketBuffer 1249280`,
    `${t}${t}RcvSocketBuffer 1249280`,
    `${t}${t}Checksum on`,
    `${t}}`,
    '}',
    'General {',
    `${t}HashSize ${Math.max(1024, Math.floor(cs.tableSize / 4))}`,
    `${t}HashLimit ${cs.tableSize * 2}`,
    `${t}LogFile off`,
    `${t}Syslog on`,
    `${t}LockFile /var/lock/conntrack.lock`,
    `${t}UNIX {`,
    `${t}${t}Path ${CONNTRACKD_SOCKET}`,
    `${t}}`,
    `${t}NetlinkBufferSize 2097152`,
    `${t}NetlinkBufferSizeMaxGrowth 8388608`,
    `${t}Filter From Userspace {`,
    `${t}${t}Protocol Accept {`,
    `${t}${t}${t}TCP`,
    `${t}${t}${t}UDP`,
    `${t}${t}${t}ICMP`,
    // ICMPv6's name in /etc/protocols (conntrackd looks every protocol up there).
    ...(hasIpv6(spec) ? [`${t}${t}${t}IPv6-ICMP`] : []),
    `${t}${t}}`,
    `${t}${t}Address Ignore {`,
    ...ignore.ipv4.map((a) => `${t}${t}${t}IPv4_address ${a}`),
    ...ignore.ipv6.map((a) => `${t}${t}${t}IPv6_address ${a}`),
    `${t}${t}}`,
    `${t}}`,
    '}',
    '',
  ];
  return lines.join('\n');
}

/** conntrackd.conf of each router (none without `conntrackSync`). */
export function synthConntrackd(input: SynthInput): GeneratedFile[] {
  if (!input.spec.conntrackSync) return [];
  return routerNames(input.spec).map((router) => ({
    path: `${router}${CONNTRACKD_CONF}`,
    contents: conntrackdConf(input, router),
  }));
}
