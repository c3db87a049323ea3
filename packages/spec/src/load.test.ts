import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSpecError, loadSpec } from './load.js';

const FILE = 'examples/dedibox/hagate.yaml';
const dedibox = readFileSync(new URL('../../../examples/dedibox/hagate.yaml', import.meta.url), 'utf8');

/** Replaces exactly one occurrence of `from` (the test fails loudly if the fixture drifted). */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`fixture edit: "${from}" must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

function errorsOf(text: string): string[] {
  const r = loadSpec(text, FILE);
  if (r.ok) throw new Error('expected the spec to be refused');
  return r.errors.map(formatSpecError);
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

/** `FILE:line:col` of the `|` inside a needle that occurs once in text. */
function at(text: string, needle: string): string {
  const bare = needle.replace('|', '');
  const start = text.indexOf(bare);
  if (start < 0 || text.indexOf(bare, start + 1) >= 0)
    throw new Error(`needle "${bare}" must occur exactly once`);
  const offset = start + needle.indexOf('|');
  const before = text.slice(0, offset).split('\n');
  return `${FILE}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

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
      ['{|preemt: true}: vrrp.preemt: expected no key "preemt" here (unknown key), found one'],
    ],
    [
      'unknown hooks mode',
      'hooks: notify',
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

  it('an empty file says what is missing', () => {
    const errs = errorsOf('');
    expect(errs).toContain(`${FILE}:1:1: version: expected version: 1, found nothing`);
    expect(errs).toContain(`${FILE}:1:1: routers: expected a mapping, found nothing`);
  });
});
