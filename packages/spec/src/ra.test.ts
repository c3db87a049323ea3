import { describe, expect, it } from 'vitest';
import { edit, errorsOf as errorsOfSpec, exampleText, locate } from '../test/spec-fixtures.js';
import { formatSpecError, loadSpec } from './load.js';
import { raSegments } from './ra.js';

const FILE = 'examples/multi/hagate.yaml';
const multi = exampleText('multi');
const errorsOf = (text: string) => errorsOfSpec(text, FILE);

const at = (text: string, needle: string) => locate(FILE, text, needle);

const LAN_RA = '    routerAdvertisements: true\n  lan2:';
const LAN_V6 = '{ name: LAN_V6, segment: lan, vrid: 10, vips: ["fe80::1", "2001:db8:10::fe"] }';

describe('routerAdvertisements: resolved per segment', () => {
  it('the multi example announces on both LANs from fe80::1, true meaning the defaults', () => {
    const r = loadSpec(multi, FILE);
    if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
    expect(raSegments(r.spec)).toEqual([
      {
        name: 'lan',
        iface: 'eth1',
        prefix: '2001:db8:10::/64',
        source: 'fe80::1',
        instance: 'LAN_V6',
        interval: 30,
        routerLifetime: 1800,
        slaac: true,
        rdnss: [],
      },
      {
        name: 'lan2',
        iface: 'eth3',
        prefix: '2001:db8:20::/64',
        source: 'fe80::1',
        instance: 'LAN2_V6',
        interval: 10,
        routerLifetime: 1800,
        slaac: true,
        rdnss: ['2001:db8:10::53'],
      },
    ]);
  });

  it('false, or no setting, announces nothing', () => {
    const off = edit(multi, LAN_RA, '    routerAdvertisements: false\n  lan2:');
    const r = loadSpec(off, FILE);
    if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
    expect(raSegments(r.spec).map((s) => s.name)).toEqual(['lan2']);
    const dedibox = loadSpec(exampleText('dedibox'), 'dedibox.yaml');
    if (!dedibox.ok) throw new Error('dedibox must load');
    expect(raSegments(dedibox.spec)).toEqual([]);
  });
});

describe('routerAdvertisements: every misuse refused, located', () => {
  // [name, edits, expected]; `⟦text|more⟧` is FILE:line:col of the `|` in the edited spec.
  const table: [string, [string, string][], string[]][] = [
    [
      'a segment without subnet6',
      [
        [
          '    vlan: 250\n    subnet: 10.250.1.0/24\n',
          '    vlan: 250\n    subnet: 10.250.1.0/24\n    routerAdvertisements: true\n',
        ],
      ],
      [
        '⟦    routerAdvertisements: |true\n  lan:⟧: segments.monitoring.routerAdvertisements: expected a segment with a subnet6 to announce (segments.monitoring.subnet6), found none',
        "⟦    routerAdvertisements: |true\n  lan:⟧: segments.monitoring.routerAdvertisements: expected an IPv6 VRRP instance on segment monitoring (its link-local VIP is the advertisements' only source, so only the master announces), found none",
      ],
    ],
    [
      'no IPv6 VRRP instance on the segment',
      [
        [`    - ${LAN_V6}\n`, ''],
        // The segment keeps its IPv6 addresses; only the instance (and so the VIP to announce from) is gone.
      ],
      [
        "⟦routerAdvertisements: |true\n  lan2:⟧: segments.lan.routerAdvertisements: expected an IPv6 VRRP instance on segment lan (its link-local VIP is the advertisements' only source, so only the master announces), found none",
      ],
    ],
    [
      'an IPv6 instance whose first VIP is not link-local (the instance rule says why)',
      [[LAN_V6, '{ name: LAN_V6, segment: lan, vrid: 10, vips: ["2001:db8:10::fe"] }']],
      [
        '⟦vrid: 10, vips: [|"2001:db8:10::fe"]⟧: vrrp.instances[1].vips[0]: expected a link-local address (fe80::/10) first: RFC 5798 makes an IPv6 virtual router\'s first address its link-local one, found 2001:db8:10::fe',
      ],
    ],
    [
      'a router lifetime shorter than the interval',
      [['routerLifetime: 1800 #', 'routerLifetime: 8 #']],
      [
        '⟦routerLifetime: |8 #⟧: segments.lan2.routerAdvertisements.routerLifetime: expected a router lifetime of at least the interval (10 s: hosts would lose the router between two advertisements), found 8',
      ],
    ],
    [
      'four DNS servers',
      [
        [
          'rdnss: ["2001:db8:10::53"]',
          'rdnss: ["2001:db8:10::53", "2001:db8:10::54", "2001:db8:10::55", "2001:db8:10::56"]',
        ],
      ],
      [
        '⟦|rdnss: ["2001:db8:10::53", "2001:db8:10::54"⟧: segments.lan2.routerAdvertisements.rdnss: expected at most 3 DNS servers (one RDNSS option), found 4',
      ],
    ],
  ];

  for (const [name, edits, expected] of table) {
    it(name, () => {
      let text = multi;
      for (const [from, to] of edits) text = edit(text, from, to);
      const lines = expected.map((e) => e.replace(/^⟦([^⟧]*)⟧/, (_m, needle: string) => at(text, needle)));
      expect(errorsOf(text)).toEqual(lines);
    });
  }

  it('a value that is neither a boolean nor settings is refused by the schema, located', () => {
    const text = edit(multi, LAN_RA, '    routerAdvertisements: yes-please\n  lan2:');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'routerAdvertisements: |yes-please')}: segments.lan.routerAdvertisements: expected true, false or an object of router advertisement settings, found "yes-please"`,
    ]);
  });

  it('an unknown setting and an interval out of range are refused by the schema, located', () => {
    const text = edit(multi, 'interval: 10 #', 'intervall: 10 #');
    expect(errorsOf(text)[0]).toMatch(
      new RegExp(`^${at(text, '|intervall: 10 #')}: segments\\.lan2\\.routerAdvertisements`),
    );
    const short = edit(multi, 'interval: 10 #', 'interval: 2 #');
    expect(errorsOf(short)[0]).toMatch(
      new RegExp(
        `^${at(short, 'interval: |2 #')}: segments\\.lan2\\.routerAdvertisements\\.interval: expected`,
      ),
    );
  });
});
