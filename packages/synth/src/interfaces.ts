/**
 * /etc/network/interfaces of each router (Debian ifupdown), built with @hagate/debian-interfaces.
 *
 * Minimal on purpose: loopback, then one static stanza per segment the router has an address on
 * (`eth0.99`, `eth0.250`, `eth1` for the dedibox example), each `auto`. No gateway and no routes: they
 * depend on the VRRP role and belong to hagate-agent. The external NIC is never written here: it
 * carries the provider failover MAC, the same on both routers, so only the agent raises it, on the MASTER.
 *
 * Addresses are written `address A/prefix`: ifupdown 0.8's interfaces(5) marks `netmask` deprecated, and
 * `ifquery` reports the same address/netmask/broadcast for both forms. VLAN stanzas carry no
 * `vlan-raw-device`: ifupdown 0.8 takes the raw device and VLAN id from the dotted name itself (it runs
 * `ip link add link eth0 name eth0.99 type vlan id 99` when the device is missing), and the option is
 * only needed for undotted names with the vlan package.
 */
import {
  type AutoEntry,
  auto,
  blank,
  bringsUpAtBoot,
  comment,
  type InterfacesFile,
  iface,
  interfacesFile,
  printInterfaces,
  type TopNode,
} from '@hagate/debian-interfaces';
import { routerNames, routerSegments, routerSegments6, type Spec } from '@hagate/spec';
import { SynthError } from './errors.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** Path of a router's interfaces file in the output tree. */
export function interfacesPath(router: string): string {
  return `${router}/etc/network/interfaces`;
}

/** The typed model of one router's /etc/network/interfaces (exported for tests and `hagate lint`). */
export function interfacesModel(input: SynthInput, router: string): InterfacesFile {
  const { spec } = input;
  const self = spec.routers[router];
  if (!self) throw new Error(`router ${router} is not in the spec`);
  const ext = spec.external;
  const mac = ext.failoverMac === undefined ? '' : `(the provider failover MAC ${ext.failoverMac}) `;
  const nodes: TopNode[] = [
    comment(generatedMarker(input)),
    comment(`${router}: /etc/network/interfaces for ifupdown.`),
    comment(),
    comment(`${ext.nic} (external.nic) is left out on purpose: both routers give it the same MAC`),
    comment(`${mac}so it may only be up on the VRRP MASTER: only hagate-agent raises it.`),
    comment(`Never add ${ext.nic} here (no auto, no allow-hotplug).`),
    comment('Routes and the default gateway depend on the VRRP role: hagate-agent sets them.'),
    blank(),
    auto('lo'),
    iface('lo', 'inet', 'loopback'),
  ];
  for (const seg of routerSegments(spec, self)) {
    if (seg.segment.nic === ext.nic) {
      throw new SynthError(
        ['segments', seg.name, 'nic'],
        `expected a NIC other than the external NIC ${ext.nic} (only hagate-agent raises it, on the MASTER), found ${seg.segment.nic}`,
      );
    }
    const tag = seg.segment.vlan === undefined ? 'untagged' : `VLAN ${seg.segment.vlan} tagged`;
    nodes.push(
      blank(),
      comment(`segment ${seg.name}: ${seg.segment.subnet}, ${tag} on ${seg.segment.nic}`),
      auto(seg.iface),
      iface(seg.iface, 'inet', 'static', { address: `${seg.address}/${seg.prefix}` }),
    );
    const v6 = routerSegments6(spec, self).find((s) => s.name === seg.name);
    if (v6) {
      // A router takes no router advertisement and makes no address of its own on its segments: its
      // addresses are these, its routes the agent's (the peer's advertisements must not make a default route).
      nodes.push(
        iface(seg.iface, 'inet6', 'static', {
          address: `${v6.address}/${v6.prefix}`,
          accept_ra: '0',
          autoconf: '0',
        }),
      );
    }
  }
  const file = interfacesFile(...nodes);
  const bad = externalNicAtBoot(file, spec);
  if (bad.length > 0) {
    throw new SynthError(
      ['external', 'nic'],
      `the interfaces file of ${router} would bring ${ext.nic} up at boot`,
    );
  }
  return file;
}

/**
 * The lines of an interfaces file that would raise the spec's external NIC at boot (`auto`,
 * `allow-auto`, `allow-hotplug` naming it, a VLAN on it, or a pattern that may match it). Empty means
 * safe. For `hagate lint` on a file a user wrote or edited.
 */
export function externalNicAtBoot(file: InterfacesFile, spec: Pick<Spec, 'external'>): AutoEntry[] {
  return bringsUpAtBoot(file, spec.external.nic);
}

/** `<router>/etc/network/interfaces` for each router. */
export function synthInterfaces(input: SynthInput): GeneratedFile[] {
  return routerNames(input.spec).map((router) => ({
    path: interfacesPath(router),
    contents: printInterfaces(interfacesModel(input, router)),
  }));
}
