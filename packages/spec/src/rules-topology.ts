/**
 * Cross-field rules of the pair's topology beyond one IPv4 instance: the routers' IPv6 addresses, the extra
 * VRRP instances of the sync group (VRIDs, VIPs, families) and the provider side's IPv6.
 */
import { IPV4_RE, inSubnet, isNetworkOrBroadcast } from './ipv4.js';
import { canonicalIpv6, inSubnet6, isLinkLocal6, isSubnetRouterAnycast, parseCidr6 } from './ipv6.js';
import { segmentInterface } from './model.js';
import type { Spec } from './schema.js';

type Add = (path: (string | number)[], message: string) => void;

const key6 = (ip: string) => canonicalIpv6(ip);

/** Segments' subnet6 and the routers' addresses6. */
export function checkIpv6Addresses(spec: Spec, add: Add): void {
  const prefixes = new Map<string, string>();
  for (const [name, seg] of Object.entries(spec.segments)) {
    if (seg.subnet6 === undefined) continue;
    const c = parseCidr6(seg.subnet6);
    if (!c) continue;
    const k = `${canonicalIpv6(seg.subnet6.split('/')[0] as string)}/${c.prefix}`;
    const other = prefixes.get(k);
    if (other)
      add(
        ['segments', name, 'subnet6'],
        `expected a prefix of its own, found ${seg.subnet6} also used by segment ${other}`,
      );
    prefixes.set(k, name);
    if (isLinkLocal6(seg.subnet6.split('/')[0] as string))
      add(
        ['segments', name, 'subnet6'],
        `expected a global or unique-local prefix, found link-local ${seg.subnet6}`,
      );
  }
  const seen = new Map<string, string>();
  for (const [rname, r] of Object.entries(spec.routers)) {
    for (const [sname, address] of Object.entries(r.addresses6)) {
      const at = ['routers', rname, 'addresses6', sname];
      const seg = spec.segments[sname];
      if (!seg) {
        add(at, `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${sname}"`);
        continue;
      }
      if (seg.subnet6 === undefined) {
        add(at, `expected a segment with a subnet6 (segments.${sname}.subnet6), found none`);
        continue;
      }
      if (!inSubnet6(address, seg.subnet6))
        add(at, `expected an address inside ${seg.subnet6}, found ${address}`);
      else if (isSubnetRouterAnycast(address, seg.subnet6))
        add(
          at,
          `expected a host address of ${seg.subnet6}, found its subnet-router anycast address ${address}`,
        );
      const prev = seen.get(key6(address));
      if (prev) add(at, `expected a unique address, found ${address} also used by ${prev}`);
      seen.set(key6(address), `${rname}.${sname}`);
      if (r.addresses[sname] === undefined)
        add(
          ['routers', rname, 'addresses'],
          `expected an IPv4 address on segment ${sname} too (its NIC is configured from it), found none`,
        );
    }
  }
}

/** The extra instances: names, segments, VIP families and places, VRIDs per interface and family. */
export function checkInstances(spec: Spec, add: Add): void {
  const v = spec.vrrp;
  const names = new Map<string, string>([[v.instance, 'vrrp.instance']]);
  // VRIDs: unique per (interface, family); the main instance is IPv4.
  const vrids = new Map<string, string>();
  const mainSeg = spec.segments[v.segment];
  if (mainSeg) vrids.set(`${segmentInterface(mainSeg)} 4 ${v.vrid}`, 'vrrp.vrid');
  const vips = new Map<string, string>([[v.vip, 'vrrp.vip']]);
  const routerAddresses = new Map<string, string>();
  for (const [rname, r] of Object.entries(spec.routers)) {
    for (const [s, a] of Object.entries(r.addresses)) routerAddresses.set(a, `${rname}.${s}`);
    for (const [s, a] of Object.entries(r.addresses6)) routerAddresses.set(key6(a), `${rname}.${s}`);
  }
  v.instances.forEach((inst, i) => {
    const at = (...p: (string | number)[]) => ['vrrp', 'instances', i, ...p];
    const prevName = names.get(inst.name);
    if (prevName)
      add(at('name'), `expected an instance name of its own, found "${inst.name}" also used by ${prevName}`);
    names.set(inst.name, `vrrp.instances[${i}].name`);
    if (inst.vrid < 1 || inst.vrid > 255) add(at('vrid'), `expected a VRID 1-255, found ${inst.vrid}`);
    const seg = spec.segments[inst.segment];
    if (!seg) {
      add(
        at('segment'),
        `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${inst.segment}"`,
      );
      return;
    }
    const family = inst.vips[0]?.includes(':') ? 6 : 4;
    const vridKey = `${segmentInterface(seg)} ${family} ${inst.vrid}`;
    const prevVrid = vrids.get(vridKey);
    if (prevVrid)
      add(
        at('vrid'),
        `expected a VRID unused by the other IPv${family} instances on ${segmentInterface(seg)}, found ${inst.vrid} also used by ${prevVrid}`,
      );
    vrids.set(vridKey, `vrrp.instances[${i}].vrid`);
    if (family === 6 && v.version !== 3)
      add(
        at('vips'),
        `expected vrrp.version: 3 for IPv6 VIPs (VRRPv2 is IPv4 only), found version ${v.version}`,
      );
    inst.vips.forEach((vip, j) => {
      const vat = at('vips', j);
      const isV6 = vip.includes(':');
      if (isV6 !== (family === 6)) {
        add(
          vat,
          `expected an IPv${family} address like the instance's first VIP (one instance per address family), found ${vip}`,
        );
        return;
      }
      if (family === 4) {
        if (!IPV4_RE.test(vip)) return;
        if (!inSubnet(vip, seg.subnet))
          add(vat, `expected an address inside ${seg.subnet} (segment ${inst.segment}), found ${vip}`);
        else if (isNetworkOrBroadcast(vip, seg.subnet))
          add(vat, `expected a host address of ${seg.subnet}, found ${vip}`);
      } else if (j === 0) {
        if (!isLinkLocal6(vip))
          add(
            vat,
            `expected a link-local address (fe80::/10) first: RFC 5798 makes an IPv6 virtual router's first address its link-local one, found ${vip}`,
          );
      } else if (isLinkLocal6(vip)) {
        add(vat, `expected one link-local VIP (the first), found another: ${vip}`);
      } else if (seg.subnet6 === undefined) {
        add(vat, `expected segment ${inst.segment} to have a subnet6 for a global IPv6 VIP, found none`);
      } else if (!inSubnet6(vip, seg.subnet6)) {
        add(vat, `expected an address inside ${seg.subnet6} (segment ${inst.segment}), found ${vip}`);
      } else if (isSubnetRouterAnycast(vip, seg.subnet6)) {
        add(vat, `expected a host address of ${seg.subnet6}, found its subnet-router anycast address ${vip}`);
      }
      const k = isV6 && !isLinkLocal6(vip) ? key6(vip) : isV6 ? `${key6(vip)}%${segmentInterface(seg)}` : vip;
      const prev = vips.get(k);
      if (prev) add(vat, `expected a VIP of its own, found ${vip} also used by ${prev}`);
      vips.set(k, `vrrp.instances[${i}].vips[${j}]`);
      const owner = routerAddresses.get(isV6 ? key6(vip) : vip);
      if (owner) add(vat, `expected a VIP that no router owns, found ${vip} = ${owner}`);
    });
    // keepalived's unicast source and peer come from the routers' addresses in the instance's family.
    for (const [rname, r] of Object.entries(spec.routers)) {
      const has = family === 4 ? r.addresses[inst.segment] : r.addresses6[inst.segment];
      if (has === undefined)
        add(
          ['routers', rname, family === 4 ? 'addresses' : 'addresses6'],
          `expected an ${family === 4 ? 'IPv4' : 'IPv6'} address on segment ${inst.segment} (vrrp.instances[${i}]), found none`,
        );
    }
  });
  if (v.syncGroup !== undefined && v.instances.length === 0)
    add(['vrrp', 'syncGroup'], 'expected vrrp.instances (a sync group needs several instances), found none');
  if (v.syncGroup !== undefined && names.has(v.syncGroup))
    add(['vrrp', 'syncGroup'], `expected a name no instance uses, found "${v.syncGroup}"`);
}

/** The provider side's IPv6. */
export function checkExternalIpv6(spec: Spec, add: Add): void {
  const e6 = spec.external.ipv6;
  if (!e6) return;
  const [address] = e6.address.split('/') as [string];
  if (isLinkLocal6(address))
    add(['external', 'ipv6', 'address'], `expected a global address, found link-local ${e6.address}`);
  if (!isLinkLocal6(e6.gateway) && e6.gateway.includes(':') && key6(e6.gateway) === key6(address))
    add(
      ['external', 'ipv6', 'gateway'],
      `expected a gateway different from the router's address, found ${e6.gateway}`,
    );
  for (const [sname, s] of Object.entries(spec.segments)) {
    if (s.subnet6 === undefined) continue;
    if (inSubnet6(address, s.subnet6))
      add(
        ['external', 'ipv6', 'address'],
        `expected an address outside the internal segments, found ${e6.address} inside ${sname} (${s.subnet6})`,
      );
    if (inSubnet6(e6.gateway, s.subnet6))
      add(
        ['external', 'ipv6', 'gateway'],
        `expected a provider gateway outside the internal segments, found ${e6.gateway} inside ${sname} (${s.subnet6})`,
      );
  }
}
