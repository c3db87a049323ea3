import { describe, expect, it } from 'vitest';
import { edit, errorsOf as errorsOfSpec, exampleText, locate } from '../test/spec-fixtures.js';
import { formatSpecError, loadSpec } from './load.js';
import { hasIpv6, routerSegments6, syncGroupName, vrrpInstances } from './model.js';

const FILE = 'examples/multi/hagate.yaml';
const multi = exampleText('multi');
const dedibox = exampleText('dedibox');

const errorsOf = (text: string) => errorsOfSpec(text, FILE);

const at = (text: string, needle: string) => locate(FILE, text, needle);

describe('the multi example: several instances, IPv6', () => {
  it('loads, with every instance resolved, the main one first, and one sync group', () => {
    const r = loadSpec(multi, FILE);
    if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
    const instances = vrrpInstances(r.spec);
    expect(instances.map((i) => [i.name, i.iface, i.family, i.vrid, i.main])).toEqual([
      ['LAN_V4', 'eth1', 4, 10, true],
      ['LAN2_V4', 'eth3', 4, 20, false],
      // The same VRID as LAN_V4 on eth1: VRIDs are per interface and address family.
      ['LAN_V6', 'eth1', 6, 10, false],
      ['LAN2_V6', 'eth3', 6, 20, false],
    ]);
    expect(instances[2]?.vips).toEqual([
      { address: 'fe80::1', prefix: 64 },
      { address: '2001:db8:10::fe', prefix: 64 },
    ]);
    expect(syncGroupName(r.spec)).toBe('GATEWAYS');
    expect(hasIpv6(r.spec)).toBe(true);
    expect(
      routerSegments6(r.spec, r.spec.routers.gw2!).map((s) => `${s.iface} ${s.address}/${s.prefix}`),
    ).toEqual(['eth1 2001:db8:10::2/64', 'eth3 2001:db8:20::2/64']);
  });

  it('a spec of one instance (the how-to) has no sync group and no IPv6', () => {
    const r = loadSpec(dedibox, 'dedibox.yaml');
    if (!r.ok) throw new Error('dedibox must load');
    expect(vrrpInstances(r.spec).map((i) => i.name)).toEqual(['ROUTEUR_1']);
    expect(syncGroupName(r.spec)).toBeUndefined();
    expect(hasIpv6(r.spec)).toBe(false);
  });
});

describe('every topology rule, one broken spec each, located', () => {
  const LAN2_V4 = '{ name: LAN2_V4, segment: lan2, vrid: 20, vips: [10.20.1.254] }';
  const LAN_V6 = '{ name: LAN_V6, segment: lan, vrid: 10, vips: ["fe80::1", "2001:db8:10::fe"] }';
  // [name, base spec, edits, expected lines]; `⟦text|more⟧` is FILE:line:col of the `|` in the edited spec.
  const table: [string, string, [string, string][], string[]][] = [
    [
      'a VRID used twice on one interface and family',
      multi,
      [[LAN2_V4, '{ name: LAN2_V4, segment: lan, vrid: 10, vips: [10.10.1.253] }']],
      [
        '⟦segment: lan, vrid: |10, vips: [10.10.1.253]⟧: vrrp.instances[0].vrid: expected a VRID unused by the other IPv4 instances on eth1, found 10 also used by vrrp.vrid',
      ],
    ],
    [
      'an IPv4 VIP outside its segment',
      multi,
      [[LAN2_V4, '{ name: LAN2_V4, segment: lan2, vrid: 20, vips: [10.30.1.254] }']],
      [
        '⟦vips: [|10.30.1.254]⟧: vrrp.instances[0].vips[0]: expected an address inside 10.20.1.0/24 (segment lan2), found 10.30.1.254',
      ],
    ],
    [
      'two families in one instance',
      multi,
      [[LAN2_V4, '{ name: LAN2_V4, segment: lan2, vrid: 20, vips: [10.20.1.254, "2001:db8:20::fd"] }']],
      [
        '⟦vips: [10.20.1.254, |"2001:db8:20::fd"]⟧: vrrp.instances[0].vips[1]: expected an IPv4 address like the instance\'s first VIP (one instance per address family), found 2001:db8:20::fd',
      ],
    ],
    [
      'an IPv6 instance whose first VIP is not link-local',
      multi,
      [[LAN_V6, '{ name: LAN_V6, segment: lan, vrid: 10, vips: ["2001:db8:10::fe"] }']],
      [
        '⟦vrid: 10, vips: [|"2001:db8:10::fe"]⟧: vrrp.instances[1].vips[0]: expected a link-local address (fe80::/10) first: RFC 5798 makes an IPv6 virtual router\'s first address its link-local one, found 2001:db8:10::fe',
      ],
    ],
    [
      'an IPv6 VIP outside the segment prefix',
      multi,
      [[LAN_V6, '{ name: LAN_V6, segment: lan, vrid: 10, vips: ["fe80::1", "2001:db8:30::fe"] }']],
      [
        '⟦"fe80::1", |"2001:db8:30::fe"⟧: vrrp.instances[1].vips[1]: expected an address inside 2001:db8:10::/64 (segment lan), found 2001:db8:30::fe',
      ],
    ],
    [
      'an IPv6 VIP that a router owns',
      multi,
      [[LAN_V6, '{ name: LAN_V6, segment: lan, vrid: 10, vips: ["fe80::1", "2001:db8:10:0::2"] }']],
      [
        '⟦"fe80::1", |"2001:db8:10:0::2"⟧: vrrp.instances[1].vips[1]: expected a VIP that no router owns, found 2001:db8:10:0::2 = gw2.lan',
      ],
    ],
    [
      'IPv6 VIPs with VRRPv2',
      multi,
      [['version: 3 #', 'version: 2 #']],
      [
        '⟦vrid: 10, |vips: ["fe80::1", "2001:db8:10::fe"]⟧: vrrp.instances[1].vips: expected vrrp.version: 3 for IPv6 VIPs (VRRPv2 is IPv4 only), found version 2',
        '⟦vrid: 20, |vips: ["fe80::1", "2001:db8:20::fe"]⟧: vrrp.instances[2].vips: expected vrrp.version: 3 for IPv6 VIPs (VRRPv2 is IPv4 only), found version 2',
      ],
    ],
    [
      'an instance name used twice',
      multi,
      [['name: LAN2_V6', 'name: LAN_V4']],
      [
        '⟦{ name: |LAN_V4, segment: lan2⟧: vrrp.instances[2].name: expected an instance name of its own, found "LAN_V4" also used by vrrp.instance',
      ],
    ],
    [
      'an instance on an unknown segment',
      multi,
      [[LAN2_V4, '{ name: LAN2_V4, segment: lan3, vrid: 20, vips: [10.20.1.254] }']],
      [
        '⟦segment: |lan3⟧: vrrp.instances[0].segment: expected a segment name (admin, monitoring, lan, lan2), found "lan3"',
      ],
    ],
    [
      "a router's IPv6 address outside the segment prefix",
      multi,
      [['lan: 2001:db8:10::2', 'lan: 2001:db8:11::2']],
      [
        '⟦lan: |2001:db8:11::2⟧: routers.gw2.addresses6.lan: expected an address inside 2001:db8:10::/64, found 2001:db8:11::2',
      ],
    ],
    [
      'an IPv6 address on a segment without subnet6',
      multi,
      [['      lan2: 2001:db8:20::1\n', '      lan2: 2001:db8:20::1\n      admin: 2001:db8:99::1\n']],
      [
        '⟦admin: |2001:db8:99::1⟧: routers.gw1.addresses6.admin: expected a segment with a subnet6 (segments.admin.subnet6), found none',
      ],
    ],
    [
      "a router without an IPv6 address on an IPv6 instance's segment",
      multi,
      [['      lan2: 2001:db8:20::2\n', '']],
      [
        '⟦|addresses6:\n      lan: 2001:db8:10::2⟧: routers.gw2.addresses6: expected an IPv6 address on segment lan2 (vrrp.instances[2]), found none',
      ],
    ],
    [
      "the provider's IPv6 address inside a LAN prefix",
      multi,
      [['address: 2001:db8:ff::20/64', 'address: 2001:db8:10::20/64']],
      [
        '⟦address: |2001:db8:10::20/64⟧: external.ipv6.address: expected an address outside the internal segments, found 2001:db8:10::20/64 inside lan (2001:db8:10::/64)',
      ],
    ],
    [
      'two segments with one IPv6 prefix',
      multi,
      [['subnet6: 2001:db8:20::/64', 'subnet6: 2001:db8:10:0::/64']],
      [
        '⟦subnet6: |2001:db8:10:0::/64⟧: segments.lan2.subnet6: expected a prefix of its own, found 2001:db8:10:0::/64 also used by segment lan',
        // What follows from it: lan2's addresses and VIP are no longer inside its prefix.
        '⟦lan2: |2001:db8:20::1⟧: routers.gw1.addresses6.lan2: expected an address inside 2001:db8:10:0::/64, found 2001:db8:20::1',
        '⟦lan2: |2001:db8:20::2⟧: routers.gw2.addresses6.lan2: expected an address inside 2001:db8:10:0::/64, found 2001:db8:20::2',
        '⟦"fe80::1", |"2001:db8:20::fe"⟧: vrrp.instances[2].vips[1]: expected an address inside 2001:db8:10:0::/64 (segment lan2), found 2001:db8:20::fe',
      ],
    ],
    [
      'a sync group name without instances',
      dedibox,
      [['startupDelay', 'startupDelay']]
        .slice(0, 0)
        .concat([['  hooks: fifo', '  syncGroup: G\n  hooks: fifo']]) as [string, string][],
      [
        '⟦syncGroup: |G⟧: vrrp.syncGroup: expected vrrp.instances (a sync group needs several instances), found none',
      ],
    ],
  ];

  for (const [name, base, edits, expected] of table) {
    it(name, () => {
      let text = base;
      for (const [from, to] of edits) text = edit(text, from, to);
      const lines = expected.map((e) => e.replace(/^⟦([^⟧]*)⟧/, (_m, needle: string) => at(text, needle)));
      expect(errorsOf(text).map((l) => l.replace('examples/multi/hagate.yaml', FILE))).toEqual(lines);
    });
  }

  it('an address that is not IPv6 is refused by the schema, located', () => {
    const text = edit(multi, 'subnet6: 2001:db8:20::/64', 'subnet6: 2001:db8:20::/129');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'subnet6: |2001:db8:20::/129')}: segments.lan2.subnet6: expected an IPv6 prefix like 2001:db8:10::/64, found "2001:db8:20::/129"`,
    ]);
  });
});
