/**
 * The firewall rules that follow the pair's topology beyond one IPv4 VIP: VRRP from the peer on every
 * instance's segment and family, forwarding and SNAT from every VIP-bearing segment, and IPv6's ICMPv6
 * as RFC 4890 asks of a firewall (errors and echo, neighbor discovery on the link only, MLD from
 * link-local sources). Used by nftables.ts; a spec with one IPv4 instance gets exactly the rules it had.
 */
import { accept, anonSet, meta, payload, rule, type Statement } from '@hagate/nftables-parser';
import { hasIpv6, peerOf, type Spec, vrrpInstances } from '@hagate/spec';
import { SynthError } from './errors.js';

/** ICMPv6 errors and echo: a router and the hosts behind it need them (RFC 4890 4.3.1 and 4.4.1). */
export const ICMPV6_ERRORS_AND_ECHO = [
  'destination-unreachable',
  'packet-too-big',
  'time-exceeded',
  'parameter-problem',
  'echo-request',
  'echo-reply',
];
/** Neighbor discovery (RFC 4861): valid only with hop limit 255, so never from off the link. */
const ND = ['nd-router-solicit', 'nd-router-advert', 'nd-neighbor-solicit', 'nd-neighbor-advert'];
/** Multicast listener discovery (RFC 2710, RFC 3810): link-local sources only. */
const MLD = ['mld-listener-query', 'mld-listener-report', 'mld-listener-done', 'mld2-listener-report'];

/** The input chain's ICMPv6 rules of a spec with IPv6 (replacing the generic one-line set). */
export function icmpv6InputRules(): Statement[] {
  return [
    rule(payload('icmpv6', 'type', anonSet(...ICMPV6_ERRORS_AND_ECHO)), accept()),
    rule(payload('ip6', 'hoplimit', 255), payload('icmpv6', 'type', anonSet(...ND)), accept()),
    rule(payload('ip6', 'saddr', 'fe80::/10'), payload('icmpv6', 'type', anonSet(...MLD)), accept()),
  ];
}

/** The forward chain's ICMPv6 transit rule (RFC 4890 4.3.1: never dropped; ND and MLD never cross). */
export function icmpv6ForwardRules(spec: Spec): Statement[] {
  return hasIpv6(spec) ? [rule(payload('icmpv6', 'type', anonSet(...ICMPV6_ERRORS_AND_ECHO)), accept())] : [];
}

/** VRRP from the peer on each instance's interface, one rule per interface and family, the main one first. */
export function vrrpInputRules(spec: Spec, router: string): Statement[] {
  const peer = peerOf(spec, router);
  const seen = new Set<string>();
  const out: Statement[] = [];
  for (const inst of vrrpInstances(spec)) {
    const key = `${inst.iface} ${inst.family}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (inst.family === 4) {
      const peerIp = peer.router.addresses[inst.segmentName];
      if (peerIp === undefined)
        throw new SynthError(
          ['routers', peer.name, 'addresses', inst.segmentName],
          `required by ${inst.name}`,
        );
      // VRRP (IP protocol 112) from the peer only: without it both routers become MASTER.
      out.push(
        rule(
          meta('iifname', inst.iface),
          payload('ip', 'saddr', peerIp),
          payload('ip', 'protocol', 'vrrp'),
          accept(),
        ),
      );
    } else {
      const peerIp = peer.router.addresses6[inst.segmentName];
      if (peerIp === undefined)
        throw new SynthError(
          ['routers', peer.name, 'addresses6', inst.segmentName],
          `required by ${inst.name}`,
        );
      // VRRPv3 over IPv6: unicast adverts come from the peer's address there, multicast ones (ff02::12)
      // from its link-local address.
      out.push(
        rule(
          meta('iifname', inst.iface),
          payload('ip6', 'saddr', spec.vrrp.unicast ? peerIp : 'fe80::/10'),
          meta('l4proto', 'vrrp'),
          accept(),
        ),
      );
    }
  }
  return out;
}

/** The interfaces of the segments that carry a VIP, in instance order: the LANs that reach the internet. */
export function vipInterfaces(spec: Spec): string[] {
  return [...new Set(vrrpInstances(spec).map((i) => i.iface))];
}

/** IPv4 VIP-bearing interfaces (the ones SNAT applies to). */
export function vipInterfaces4(spec: Spec): string[] {
  return [
    ...new Set(
      vrrpInstances(spec)
        .filter((i) => i.family === 4)
        .map((i) => i.iface),
    ),
  ];
}
