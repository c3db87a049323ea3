import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { edit, errorsOf as errorsOfSpec, exampleText, locate } from '../test/spec-fixtures.js';
import { formatSpecError, jsonObject, loadSpec } from './load.js';

const FILE = 'examples/dedibox/hagate.yaml';
const dedibox = exampleText('dedibox');

const errorsOf = (text: string) => errorsOfSpec(text, FILE);

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

const at = (text: string, needle: string) => locate(FILE, text, needle);

describe('loadSpec on the dedibox example', () => {
  it('accepts it and applies defaults', () => {
    const r = loadSpec(dedibox, FILE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.vrrp.version).toBe(2);
    expect(r.spec.agent.path).toBe('/usr/local/sbin/hagate-agent');
    expect(r.spec.routers.extrout1?.nics.eth0?.model).toBe('virtio');
    expect(r.spec.firewall.extraRules).toEqual([]);
    expect(r.locate(['routers', 'extrout2', 'priority'])).toEqual({
      line: lineOf(dedibox, 'priority: 50'),
      col: 15,
    });
  });
});

describe('bad specs are refused with every error located', () => {
  const table: [string, string, string, string[]][] = [
    // [name, from, to, expected lines]; `{text|more}` stands for FILE:line:col of the `|` in that unique text
    [
      'priority is a string',
      'priority: 50',
      'priority: high',
      ['{priority: |high}: routers.extrout2.priority: expected an integer priority 1-254, found "high"'],
    ],
    [
      'priority out of range',
      'priority: 50',
      'priority: 300',
      [
        '{priority: |300}: routers.extrout2.priority: expected a priority 1-254 (255 is reserved for the address owner), found 300',
      ],
    ],
    [
      'priorities equal',
      'priority: 50',
      'priority: 200',
      [
        "{priority: |200\n    preferredMaster}: routers.extrout1.priority: expected the preferred master to have the higher priority, found 200 <= extrout2's 200",
        "{priority: |200\n    nics}: routers.extrout2.priority: expected a priority different from extrout1's, found 200 on both",
      ],
    ],
    [
      'two preferred masters',
      'priority: 50\n',
      'priority: 50\n    preferredMaster: true\n',
      ['{|routers:}: routers: expected exactly one router with preferredMaster: true, found 2'],
    ],
    [
      'vrid out of range',
      'vrid: 1',
      'vrid: 256',
      ['{vrid: |256}: vrrp.vrid: expected a VRID 1-255, found 256'],
    ],
    [
      'vip outside the lan',
      'vip: 10.10.1.254',
      'vip: 10.20.1.254',
      [
        '{vip: |10.20.1.254}: vrrp.vip: expected an address inside 10.10.1.0/24 (segment lan), found 10.20.1.254',
      ],
    ],
    [
      'vip equals a router address',
      'vip: 10.10.1.254',
      'vip: 10.10.1.2',
      ['{vip: |10.10.1.2 }: vrrp.vip: expected a VIP that no router owns, found 10.10.1.2 = extrout2.lan'],
    ],
    [
      'vip not an address',
      'vip: 10.10.1.254',
      'vip: 10.10.1.300',
      ['{vip: |10.10.1.300}: vrrp.vip: expected an IPv4 address like 10.10.1.1, found "10.10.1.300"'],
    ],
    [
      'duplicate router address',
      'monitoring: 10.250.1.2',
      'monitoring: 10.250.1.1',
      [
        '{monitoring: |10.250.1.1\n      lan: 10.10.1.2}: routers.extrout2.addresses.monitoring: expected a unique address, found 10.250.1.1 also used by extrout1.monitoring',
      ],
    ],
    [
      'address outside its segment',
      'admin: 10.99.1.2',
      'admin: 10.98.1.2',
      [
        '{admin: |10.98.1.2}: routers.extrout2.addresses.admin: expected an address inside 10.99.1.0/24, found 10.98.1.2',
      ],
    ],
    [
      'bad MAC',
      '"52:54:00:ab:ab:ab"',
      '"52:54:00:ab:ab"',
      [
        '{mac: |"52:54:00:ab:ab"}: routers.extrout2.nics.eth0.mac: expected a MAC address like 52:54:00:aa:bb:cc, found "52:54:00:ab:ab"',
      ],
    ],
    [
      'multicast MAC on a NIC',
      '"52:54:00:ab:ab:ab"',
      '"01:00:5e:00:00:01"',
      [
        '{mac: |"01:00:5e:00:00:01"}: routers.extrout2.nics.eth0.mac: expected a unicast MAC (first octet even), found multicast 01:00:5e:00:00:01',
      ],
    ],
    [
      'duplicate MAC on an internal NIC',
      '"52:54:00:cd:cd:cd"',
      '"52:54:00:dd:ee:ff"',
      [
        '{extrout2.1, network: intern-vlans, portgroup: vlan10, mac: |"52}: routers.extrout2.nics.eth1.mac: expected a MAC of its own, found 52:54:00:dd:ee:ff also used by extrout1.eth1 (only the external NIC may share external.failoverMac)',
      ],
    ],
    [
      'external NIC without the failover MAC',
      'eth2: { target: extrout2.2, network: ovs-front, mac: "52:54:00:ff:ff:ff" }',
      'eth2: { target: extrout2.2, network: ovs-front, mac: "52:54:00:ee:ee:ee" }',
      [
        '{mac: |"52:54:00:ee:ee:ee"}: routers.extrout2.nics.eth2.mac: expected the provider failover MAC 52:54:00:ff:ff:ff (external.failoverMac) on the external NIC, found 52:54:00:ee:ee:ee',
      ],
    ],
    [
      'VLAN id too large',
      'vlan: 10 #',
      'vlan: 4095 #',
      [
        '{vlan: |4095}: hypervisor.networks.intern-vlans.portgroups.vlan10.vlan: expected a VLAN id (integer 1-4094), found 4095',
      ],
    ],
    [
      'interface name too long',
      'target: extrout2.0,',
      'target: extrout2-very-long.0,',
      [
        '{target: |extrout2-very-long.0}: routers.extrout2.nics.eth0.target: expected a Linux interface name (1-15 characters, no space, "/" or ":"), found "extrout2-very-long.0"',
      ],
    ],
    [
      'unknown portgroup',
      'portgroup: vlan10, mac: "52:54:00:cd:cd:cd"',
      'portgroup: vlan11, mac: "52:54:00:cd:cd:cd"',
      [
        '{portgroup: |vlan11}: routers.extrout2.nics.eth1.portgroup: expected a portgroup of network intern-vlans (vlansadmin, vlan10), found "vlan11"',
      ],
    ],
    [
      'unknown network',
      'network: ovs-front, mac: "52:54:00:ff:ff:ff" }\n    addresses:\n      admin: 10.99.1.2',
      'network: ovs-back, mac: "52:54:00:ff:ff:ff" }\n    addresses:\n      admin: 10.99.1.2',
      [
        '{network: |ovs-back}: routers.extrout2.nics.eth2.network: expected one of the hypervisor networks (intern-vlans, ovs-front), found "ovs-back"',
      ],
    ],
    [
      'VLAN segment on an access port',
      'vlan: 250 #',
      'vlan: 251 #',
      [
        '{portgroup: |vlansadmin, mac: "52:54:00:aa}: routers.extrout1.nics.eth0.portgroup: expected a trunk portgroup carrying VLAN 251 (segment monitoring), found "vlansadmin" trunking 99+250',
        '{portgroup: |vlansadmin, mac: "52:54:00:ab}: routers.extrout2.nics.eth0.portgroup: expected a trunk portgroup carrying VLAN 251 (segment monitoring), found "vlansadmin" trunking 99+250',
      ],
    ],
    [
      'auth password too long',
      'password: password',
      'password: password123',
      [
        '{password: |password123}: vrrp.auth.password: expected at most 8 characters (keepalived truncates longer ones), found 11',
      ],
    ],
    [
      'sub-second advert with VRRPv2',
      'advertInt: 1',
      'advertInt: 0.5',
      [
        '{advertInt: |0.5}: vrrp.advertInt: expected whole seconds with VRRPv2 (sub-second needs version: 3), found 0.5',
      ],
    ],
    [
      'unknown key',
      'preempt: true',
      'preemt: true',
      [
        '{|preemt: true}: vrrp.preemt: expected no key "preemt" here (unknown key; did you mean "preempt"?), found one',
      ],
    ],
    [
      'unknown hooks mode',
      'hooks: fifo',
      'hooks: script',
      ['{hooks: |script}: vrrp.hooks: expected "notify" or "fifo", found "script"'],
    ],
    [
      'failover IP inside a segment',
      'failoverIp: 203.0.113.10',
      'failoverIp: 10.10.1.100',
      [
        '{failoverIp: |10.10.1.100}: external.failoverIp: expected an address outside the internal segments, found 10.10.1.100 inside lan (10.10.1.0/24)',
      ],
    ],
    [
      'external NIC used by a segment',
      'nic: eth1 #',
      'nic: eth2 #',
      [
        '{nic: |eth2 #}: segments.lan.nic: expected a NIC other than the external NIC eth2 (only hagate-agent raises it, on the MASTER)',
      ],
    ],
    ['wrong version', 'version: 1', 'version: 2', ['{version: |2}: version: expected version: 1, found 2']],
    [
      'missing vrrp segment',
      'segment: lan #',
      'segment: lab #',
      ['{segment: |lab}: vrrp.segment: expected a segment name (admin, monitoring, lan), found "lab"'],
    ],
  ];

  for (const [name, from, to, expected] of table) {
    it(name, () => {
      const text = edit(dedibox, from, to);
      const lines = expected.map((e) => e.replace(/^\{([^}]*)\}/, (_m, needle: string) => at(text, needle)));
      expect(errorsOf(text)).toEqual(lines);
    });
  }

  it('YAML syntax errors carry a position and nothing else is checked', () => {
    const text = edit(dedibox, 'vcpus: 1', 'vcpus: [1');
    const errs = errorsOf(text);
    expect(errs.length).toBeGreaterThan(0);
    for (const e of errs) expect(e).toMatch(/^examples\/dedibox\/hagate\.yaml:\d+:\d+: YAML syntax: /);
  });

  it('duplicate keys are a YAML error', () => {
    const text = edit(dedibox, 'vcpus: 1', 'vcpus: 1\n  vcpus: 2');
    expect(errorsOf(text)[0]).toMatch(
      new RegExp(`^${FILE}:${lineOf(text, 'vcpus: 2')}:3: YAML syntax: Map keys must be unique`),
    );
  });

  it('reports several errors at once, sorted by position', () => {
    const text = edit(edit(dedibox, 'vrid: 1', 'vrid: 0'), 'priority: 50', 'priority: 0');
    const errs = errorsOf(text);
    expect(errs).toHaveLength(2);
    expect(errs[0]).toContain('routers.extrout2.priority');
    expect(errs[1]).toContain('vrrp.vrid');
  });

  it('an unknown key does not hide the cross-field errors: all are listed at once', () => {
    const text = edit(edit(dedibox, 'preempt: true', 'preemt: true'), 'vrid: 1', 'vrid: 0');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'vrid: |0')}: vrrp.vrid: expected a VRID 1-255, found 0`,
      `${at(text, '|preemt: true')}: vrrp.preemt: expected no key "preemt" here (unknown key; did you mean "preempt"?), found one`,
    ]);
  });

  it.each([
    ['a typo', 'priority: 200', 'prority: 200', '"prority" here (unknown key; did you mean "priority"?)'],
    ['a swap', 'priority: 200', 'priorty: 200', '"priorty" here (unknown key; did you mean "priority"?)'],
    [
      'the wrong case',
      'advertInt: 1',
      'advertint: 1',
      '"advertint" here (unknown key; did you mean "advertInt"?)',
    ],
    [
      'nothing close: the known keys are listed',
      'preempt: true',
      'colour: blue',
      '"colour" here (unknown key; known keys: instance, vrid, segment, vip, advertInt, version, preempt, unicast, auth, hooks',
    ],
  ])('an unknown key, %s, gets a suggestion', (_, from, to, expected) => {
    expect(errorsOf(edit(dedibox, from, to)).join('\n')).toContain(`expected no key ${expected}`);
  });

  it('an alias without its anchor before it is a located YAML error, not a crash', () => {
    const text = edit(edit(dedibox, 'advertInt: 1', 'advertInt: &one 1'), 'vrid: 1', 'vrid: *one');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'vrid: |*one')}: YAML alias: expected an anchor &one defined before *one, found none`,
    ]);
  });

  it('aliases defined before use work, and an alias bomb is refused at its first alias', () => {
    const ok = edit(edit(dedibox, 'vrid: 1', 'vrid: &one 1'), 'advertInt: 1', 'advertInt: *one');
    expect(loadSpec(ok, FILE).ok).toBe(true);
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++)
      rows.push(
        `${'abcdef'[i]}: &${'abcdef'[i]} [${Array(10)
          .fill(`*${'abcdef'[i - 1]}`)
          .join(', ')}]`,
      );
    const bomb = `${rows.join('\n')}\n`;
    const errs = errorsOf(bomb);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(
      new RegExp(
        `^${FILE}:2:\\d+: YAML alias: expected aliases expanding to at most 100 nodes each, found more`,
      ),
    );
  });

  it('a binary file is refused at its first non-text byte and never echoed', () => {
    const bin = `#!\u007fELF\u0002\u0001\u0001\u0000\u0000\u001b[2J\ufffd`;
    expect(errorsOf(bin)).toEqual([
      `${FILE}:1:10: expected a YAML or JSON text file, found binary data (a NUL byte)`,
    ]);
    expect(errorsOf('name: caf\ufffd\n')).toEqual([
      `${FILE}:1:10: expected a YAML or JSON text file, found bytes that are not UTF-8 (binary data, or another encoding)`,
    ]);
  });

  it('control characters of the file are escaped in messages', () => {
    const text = edit(dedibox, 'hooks: fifo', 'hooks: "fi\\e[31mfo"');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'hooks: |"fi')}: vrrp.hooks: expected "notify" or "fifo", found "fi\\u001b[31mfo"`,
    ]);
    const key = edit(dedibox, 'preempt: true', '"pre\\e[2Jempt": true');
    expect(errorsOf(key).join('\n')).toContain('expected no key "pre\\u001b[2Jempt" here');
    // Whatever a message quotes (e.g. a YAML syntax message), formatting escapes what is left.
    expect(formatSpecError({ file: 'f', line: 1, col: 2, path: '', message: 'found \u001b[2J\u0007' })).toBe(
      'f:1:2: found \\x1b[2J\\x07',
    );
  });

  it('an empty file says what is missing', () => {
    const errs = errorsOf('');
    expect(errs).toContain(`${FILE}:1:1: version: expected version: 1, found nothing`);
    expect(errs).toContain(`${FILE}:1:1: routers: expected a mapping, found nothing`);
  });
});

describe('every cross-field rule, one broken spec each', () => {
  // [name, edits of the dedibox spec ([from, to] once, or [from, to, true] everywhere), expected lines];
  // `⟦text|more⟧` stands for FILE:line:col of the `|` in that unique text of the edited spec.
  const table: [string, ([string, string] | [string, string, boolean])[], string[]][] = [
    [
      'portgroup with both vlan and trunk',
      [['vlan: 10 #', 'vlan: 10\n          trunk: [11] #']],
      [
        '⟦|vlan10:⟧: hypervisor.networks.intern-vlans.portgroups.vlan10: expected either vlan or trunk, found both',
        '⟦eth1: { target: extrout1.1, network: intern-vlans, portgroup: |vlan10, mac: "52:54:00:dd:ee:ff" }⟧: routers.extrout1.nics.eth1.portgroup: expected an access portgroup for untagged segment lan, found trunk "vlan10"',
        '⟦eth1: { target: extrout2.1, network: intern-vlans, portgroup: |vlan10, mac: "52:54:00:cd:cd:cd" }⟧: routers.extrout2.nics.eth1.portgroup: expected an access portgroup for untagged segment lan, found trunk "vlan10"',
      ],
    ],
    [
      'trunk with a duplicate VLAN',
      [['trunk: [99, 250]', 'trunk: [99, 250, 99]']],
      [
        '⟦|trunk: [99, 250, 99] # VM <-> hypervisor (99) and inter-VM admin/monitoring (250)⟧: hypervisor.networks.intern-vlans.portgroups.vlansadmin.trunk: expected distinct VLAN ids, found duplicates',
      ],
    ],
    [
      'two default portgroups',
      [
        ['vlan: 10 #', 'vlan: 10\n          default: true #'],
        ['trunk: [99, 250]', 'trunk: [99, 250]\n          default: true'],
      ],
      [
        '⟦|portgroups:⟧: hypervisor.networks.intern-vlans.portgroups: expected at most one default portgroup, found 2',
      ],
    ],
    [
      'guest interface name over 15 characters',
      [['eth0', 'lan0verylong', true]],
      [
        '⟦|monitoring:\n    nic: lan0verylong⟧: segments.monitoring: expected a guest interface name of at most 15 characters, found "lan0verylong.250"',
      ],
    ],
    [
      'two segments on one subnet',
      [
        ['subnet: 10.250.1.0/24', 'subnet: 10.99.1.0/24'],
        ['monitoring: 10.250.1.1', 'monitoring: 10.99.1.11'],
        ['monitoring: 10.250.1.2', 'monitoring: 10.99.1.12'],
      ],
      [
        '⟦subnet: |10.99.1.0/24\n  lan:⟧: segments.monitoring.subnet: expected a subnet of its own, found 10.99.1.0/24 also used by segment admin',
      ],
    ],
    [
      'two routers with one id',
      [['id: 2', 'id: 1']],
      [
        '⟦id: |1\n    volumeGroup: vg0 # the "slave" volume group⟧: routers.extrout2.id: expected a router id of its own, found 1 also used by extrout1',
      ],
    ],
    [
      'a router without the external NIC',
      [['      eth2: { target: extrout2.2, network: ovs-front, mac: "52:54:00:ff:ff:ff" }\n', '']],
      [
        '⟦|nics:\n      eth0: { target: extrout2.0, network: intern-vlans, portgroup: vlansadmin, mac: "52:54:00:ab:ab:ab" }⟧: routers.extrout2.nics: expected the external NIC eth2 (external.nic), found none',
      ],
    ],
    [
      'an address that is the broadcast address',
      [['admin: 10.99.1.2', 'admin: 10.99.1.255']],
      [
        '⟦admin: |10.99.1.255⟧: routers.extrout2.addresses.admin: expected a host address of 10.99.1.0/24, found its network or broadcast address 10.99.1.255',
      ],
    ],
    [
      'a segment NIC the router lacks',
      [
        [
          '      eth1: { target: extrout2.1, network: intern-vlans, portgroup: vlan10, mac: "52:54:00:cd:cd:cd" }\n',
          '',
        ],
      ],
      [
        '⟦lan: |10.10.1.2⟧: routers.extrout2.addresses.lan: expected NIC eth1 (segments.lan.nic) on this router, found none',
      ],
    ],
    [
      'an untagged segment on a trunk port',
      [['portgroup: vlan10, mac: "52:54:00:dd:ee:ff"', 'portgroup: vlansadmin, mac: "52:54:00:dd:ee:ff"']],
      [
        '⟦eth1: { target: extrout1.1, network: intern-vlans, portgroup: |vlansadmin, mac: "52:54:00:dd:ee:ff" }⟧: routers.extrout1.nics.eth1.portgroup: expected an access portgroup for untagged segment lan, found trunk "vlansadmin"',
      ],
    ],
    [
      'three routers',
      [
        [
          'routers:\n',
          'routers:\n  extrout3:\n    id: 3\n    volumeGroup: vg0\n    priority: 10\n    nics: {}\n    addresses: {}\n',
        ],
      ],
      [
        '⟦|routers:⟧: routers: expected exactly 2 routers (a VRRP pair), found 3',
        '⟦|nics: {}⟧: routers.extrout3.nics: expected the external NIC eth2 (external.nic), found none',
        '⟦|addresses: {}⟧: routers.extrout3.addresses: expected an address on the VRRP segment lan, found none',
      ],
    ],
    [
      'authentication with VRRPv3',
      [['advertInt: 1', 'advertInt: 1\n  version: 3']],
      ['⟦|auth:⟧: vrrp.auth: expected no authentication with VRRPv3 (RFC 5798 removed it), found auth'],
    ],
    [
      'VRRPv3 advert finer than 10 ms',
      [
        ['advertInt: 1', 'advertInt: 0.005\n  version: 3'],
        [
          '  auth:\n    type: PASS\n    password: password # cleartext, 8 characters at most: VRRP PASS auth is no security\n',
          '',
        ],
      ],
      [
        '⟦advertInt: |0.005⟧: vrrp.advertInt: expected a multiple of 0.01 s up to 40.95 with VRRPv3, found 0.005',
      ],
    ],
    [
      'fastDetection on the VRRPv2 pair (1 s adverts, auth)',
      [['advertInt: 1', 'advertInt: 1\n  fastDetection: true']],
      [
        '⟦|instance: ROUTEUR_1⟧: vrrp.version: expected version: 3 with fastDetection (VRRPv2 adverts are whole seconds), found 2',
        '⟦advertInt: |1\n  fast⟧: vrrp.advertInt: expected 0.05-0.08 s with fastDetection, found 1',
        '⟦|auth:⟧: vrrp.auth: expected no authentication with fastDetection (VRRPv3 has none), found auth',
      ],
    ],
    [
      'fastDetection with 70 ms adverts: the priority-50 router waits 266 ms',
      [
        ['advertInt: 1', 'advertInt: 0.07\n  version: 3\n  fastDetection: true'],
        [
          '  auth:\n    type: PASS\n    password: password # cleartext, 8 characters at most: VRRP PASS auth is no security\n',
          '',
        ],
      ],
      [
        '⟦priority: |50⟧: routers.extrout2.priority: expected a master-down interval of at most 250 ms with fastDetection (3 x advertInt + skew at priority 50), found 266 ms: lower vrrp.advertInt or raise this priority',
      ],
    ],
    [
      'provider gateway inside a segment',
      [['gateway: 198.51.100.1', 'gateway: 10.99.1.254']],
      [
        '⟦gateway: |10.99.1.254 # documentation address standing for the provider gateway 62.210.0.1⟧: external.gateway: expected a provider gateway outside the internal segments, found 10.99.1.254 inside admin (10.99.1.0/24)',
      ],
    ],
    [
      'gateway equal to the failover IP',
      [['gateway: 198.51.100.1', 'gateway: 203.0.113.10']],
      [
        '⟦gateway: |203.0.113.10 # documentation address standing for the provider gateway 62.210.0.1⟧: external.gateway: expected a gateway different from the failover IP, found 203.0.113.10',
      ],
    ],
    [
      'unknown sshFrom segment',
      [['sshFrom: admin', 'sshFrom: office']],
      [
        '⟦sshFrom: |office # segment allowed to reach the routers over SSH⟧: firewall.sshFrom: expected a segment name (admin, monitoring, lan), found "office"',
      ],
    ],
    [
      'preferred master with the lower priority',
      [['priority: 200', 'priority: 40']],
      [
        "⟦priority: |40⟧: routers.extrout1.priority: expected the preferred master to have the higher priority, found 40 <= extrout2's 50",
      ],
    ],
    [
      'no preferred master',
      [['    preferredMaster: true # keepalived `state MASTER`\n', '']],
      ['⟦|routers:⟧: routers: expected exactly one router with preferredMaster: true, found 0'],
    ],
  ];

  for (const [name, edits, expected] of table) {
    it(name, () => {
      let text = dedibox;
      for (const [from, to, all] of edits) text = all ? text.replaceAll(from, to) : edit(text, from, to);
      const lines = expected.map((e) => e.replace(/^⟦([^⟧]*)⟧/, (_m, needle: string) => at(text, needle)));
      expect(errorsOf(text)).toEqual(lines);
    });
  }

  it('fastDetection with 50 ms adverts (the priority-50 router waits 190 ms) is accepted', () => {
    const text = edit(
      edit(dedibox, 'advertInt: 1', 'advertInt: 0.05\n  version: 3\n  fastDetection: true'),
      '  auth:\n    type: PASS\n    password: password # cleartext, 8 characters at most: VRRP PASS auth is no security\n',
      '',
    );
    const r = loadSpec(text, FILE);
    expect(r.ok ? r.spec.vrrp : r.errors).toMatchObject({ fastDetection: true, version: 3, advertInt: 0.05 });
  });
});

describe('locate(path, offset): a character inside a string value', () => {
  // Each spec sets firewall.extraRules[0].rule in another YAML style; the rule's "dport" is at the position
  // the table says (1-based line and column in the file).
  const base = (rule: string) =>
    dedibox.replace(
      /firewall:\n/,
      `firewall:\n  extraRules:\n    - chain: input\n      roles: [master]\n      rule: ${rule}\n`,
    );
  const at = (text: string, needle: string) => {
    const i = text.indexOf(needle);
    const before = text.slice(0, i).split('\n');
    return { line: before.length, col: (before.at(-1) as string).length + 1 };
  };
  it.each([
    ['plain', 'tcp dport 22 accept'],
    ['double-quoted with an escape', '"iifname \\"eth1\\" tcp dport 22 accept"'],
    ["single-quoted with ''", "'meta comment ''x'' tcp dport 22 accept'"],
    ['block literal, second line', '|\n        ip saddr 10.0.0.0/8\n        tcp dport 22 accept'],
    ['block folded, second line', '>\n        ip saddr 10.0.0.0/8\n        tcp dport 22 accept'],
  ])('%s', (_name, rule) => {
    const text = base(rule);
    const r = loadSpec(text, 'x.yaml');
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
    const value = r.spec.firewall.extraRules[0]?.rule as string;
    const path = ['firewall', 'extraRules', 0, 'rule'];
    expect(r.locate(path, value.indexOf('dport'))).toEqual(at(text, 'dport'));
    expect(r.locate(path, 0)).toEqual(at(text, value.slice(0, 6).replace(/"/g, '\\"')));
  });
});

describe('a spec written as JSON (what a fleet generator emits)', () => {
  const json = JSON.stringify(parse(dedibox), null, 2);

  it('loads to the same spec as its YAML, and positions are found in the JSON text', () => {
    const fromYaml = loadSpec(dedibox, FILE);
    const fromJson = loadSpec(json, 'fleet/pair.json');
    if (!fromYaml.ok || !fromJson.ok) throw new Error('expected both to load');
    expect(fromJson.spec).toEqual(fromYaml.spec);
    const needle = json.indexOf('"priority": 50');
    const before = json.slice(0, needle).split('\n');
    expect(fromJson.locate(['routers', 'extrout2', 'priority'])).toEqual({
      line: before.length,
      col: before.at(-1)!.length + '"priority": '.length + 1,
    });
  });

  it.each([
    ['a schema error', (t: string) => t.replace('"priority": 50', '"priority": 500')],
    ['a cross-field rule error', (t: string) => t.replace('"vip": "10.10.1.254"', '"vip": "10.10.2.254"')],
    [
      'a repeated key (JSON.parse would keep the last one)',
      (t: string) => t.replace('"vcpus": 1', '"vcpus": 1, "vcpus": 2'),
    ],
  ])('%s is reported exactly as the YAML reading reports it', (_name, change) => {
    const text = change(json);
    expect(text).not.toBe(json);
    const r = loadSpec(text, 'fleet/pair.json');
    const yamlOnly = loadSpec(`# yaml\n${text}`, 'fleet/pair.json');
    if (r.ok || yamlOnly.ok) throw new Error('expected the spec to be refused');
    // The same messages, one line further down in the commented copy.
    expect(r.errors.map(formatSpecError)).toEqual(
      yamlOnly.errors.map((e) => formatSpecError({ ...e, line: e.line - 1 })),
    );
  });

  it('JSON with a YAML comment is still a spec (read as YAML)', () => {
    const r = loadSpec(`${json}\n# done\n`, 'fleet/pair.json');
    expect(r.ok).toBe(true);
  });

  it('the JSON reading gives what the YAML reading gives, for any JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const fast = jsonObject(text);
        if (fast === undefined) throw new Error(`the JSON reading refused ${text}`);
        expect(fast).toEqual(parse(text, { uniqueKeys: true }));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['{"a": 1, "a": 2}'],
    ['{"a": {"b": 1, "b": 1}}'],
    ['{"a": 1, "\\u0061": 2}'],
    ['[{"a": 1}]'],
    ['{"a": 1} # comment'],
    ['a: 1'],
  ])('%s is left to the YAML reading', (text) => {
    expect(jsonObject(text)).toBeUndefined();
  });

  it('colons and quotes inside strings are not members', () => {
    expect(jsonObject('{"a:b": "c:\\"d\\":e", "f": [":", {"g": "\\\\"}]}')).toEqual({
      'a:b': 'c:"d":e',
      f: [':', { g: '\\' }],
    });
  });
});
