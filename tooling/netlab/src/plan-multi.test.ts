/** The lab's plan of examples/multi (two LANs, IPv6) next to the how-to's, which gains nothing. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMulti, multiProbes } from './multi.js';
import { planLab } from './plan.js';
import { DEFAULT_SPEC, readSpec } from './tree.js';

const MULTI = join(DEFAULT_SPEC, '../../multi/hagate.yaml');

describe('lab plan of examples/multi', () => {
  const plan = planLab(readSpec(MULTI), 'abc123');

  it('has a host per VIP-bearing segment with IPv4 through the VIP and IPv6 through the link-local VIP', () => {
    expect(plan.segments).toEqual([
      {
        segment: 'lan',
        ns: plan.lan.ns,
        ifname: 'eth0',
        hvPort: 'frontweb',
        bridge: 'brint-10',
        iface: 'eth1',
        addr: '10.10.1.10',
        prefix: 24,
        gateway: '10.10.1.254',
        addr6: '2001:db8:10::10',
        prefix6: 64,
        gateway6: 'fe80::1',
      },
      {
        segment: 'lan2',
        ns: 'hgl-abc123-lan2',
        ifname: 'eth0',
        hvPort: 'frontweb2',
        bridge: 'brint-20',
        iface: 'eth3',
        addr: '10.20.1.10',
        prefix: 24,
        gateway: '10.20.1.254',
        addr6: '2001:db8:20::10',
        prefix6: 64,
        gateway6: 'fe80::1',
      },
    ]);
  });

  it('lists every VIP of every instance, and the provider side in IPv6', () => {
    expect(plan.vips.map((v) => `${v.instance} ${v.iface} ${v.address}`)).toEqual([
      'LAN_V4 eth1 10.10.1.254',
      'LAN2_V4 eth3 10.20.1.254',
      'LAN_V6 eth1 fe80::1',
      'LAN_V6 eth1 2001:db8:10::fe',
      'LAN2_V6 eth3 fe80::1',
      'LAN2_V6 eth3 2001:db8:20::fe',
    ]);
    expect(plan.ipv6).toEqual({
      external: '2001:db8:ff::20',
      gateway: 'fe80::1',
      providerAddr: '2001:db8:ff::1',
      providerPrefix: 64,
      upAddr: '2001:db8:ee::1',
      inetAddr: '2001:db8:ee::10',
      routed: ['2001:db8:10::/64', '2001:db8:20::/64'],
    });
  });

  it('probes IPv4 through the second LAN, IPv6 both ways through both', () => {
    expect(isMulti(plan)).toBe(true);
    expect(multiProbes(plan, 10).map((p) => p.name)).toEqual([
      'lan->internet v6',
      'internet->lan v6',
      'lan2->internet',
      'lan2->internet v6',
      'internet->lan2 v6',
    ]);
  });

  it('the how-to gains no host, probe nor IPv6', () => {
    const dedibox = planLab(readSpec(DEFAULT_SPEC), 'abc123');
    expect(dedibox.segments.map((s) => s.ns)).toEqual([dedibox.lan.ns]);
    expect(dedibox.vips).toHaveLength(1);
    expect(dedibox.ipv6).toBeUndefined();
    expect(isMulti(dedibox)).toBe(false);
    expect(multiProbes(dedibox, 10)).toEqual([]);
  });
});
