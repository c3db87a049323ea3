import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  assertValidDomain,
  assertValidNetwork,
  type Domain,
  formatDiagnostic,
  type Interface,
  LibvirtModelError,
  LibvirtXmlError,
  type Network,
  parseDomain,
  parseInterface,
  parseNetwork,
  printDomain,
  printInterface,
  printNetwork,
  toKiB,
  validateDomain,
  validateNetwork,
  withoutSource,
} from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (p: string) => readFileSync(join(here, '../test/fixtures', p), 'utf8');

const baseDomain = (): Domain => ({
  type: 'kvm',
  name: 'vm1',
  memory: { value: 256, unit: 'MiB' },
  os: { type: 'hvm' },
  devices: { disks: [], interfaces: [], serials: [], consoles: [] },
});

const nic = (over: Partial<Interface> = {}): Interface =>
  ({ type: 'network', source: { network: 'default' }, ...over }) as Interface;

const baseNetwork = (): Network => ({
  name: 'net1',
  forward: { mode: 'bridge' },
  bridge: { name: 'br1' },
  virtualport: { type: 'openvswitch' },
  portgroups: [],
});

describe('value checks (what libvirt refuses), reported with model path, expectation and finding', () => {
  const domainCases: Array<[string, (d: Domain) => void, string, string]> = [
    [
      'VLAN id above 4095',
      (d) => void d.devices.interfaces.push(nic({ vlan: { tags: [{ id: 4096 }] } })),
      'devices.interfaces[0].vlan.tags[0].id',
      'found 4096',
    ],
    [
      'negative VLAN id',
      (d) => void d.devices.interfaces.push(nic({ vlan: { tags: [{ id: -1 }] } })),
      'devices.interfaces[0].vlan.tags[0].id',
      'from 0 to 4095',
    ],
    [
      'trunk=no with two tags',
      (d) => void d.devices.interfaces.push(nic({ vlan: { trunk: false, tags: [{ id: 1 }, { id: 2 }] } })),
      'devices.interfaces[0].vlan.trunk',
      'found false',
    ],
    [
      'empty vlan',
      (d) => void d.devices.interfaces.push(nic({ vlan: { tags: [] } })),
      'devices.interfaces[0].vlan.tags',
      'at least one tag',
    ],
    [
      'MAC syntax',
      (d) => void d.devices.interfaces.push(nic({ mac: '52:54:00:zz:00:01' })),
      'devices.interfaces[0].mac',
      'found "52:54:00:zz:00:01"',
    ],
    [
      'short MAC',
      (d) => void d.devices.interfaces.push(nic({ mac: '52:54:00:00:01' })),
      'devices.interfaces[0].mac',
      'like 52:54:00:aa:bb:cc',
    ],
    [
      'multicast MAC',
      (d) => void d.devices.interfaces.push(nic({ mac: '01:00:5e:00:00:01' })),
      'devices.interfaces[0].mac',
      'unicast',
    ],
    ['UUID', (d) => void (d.uuid = 'not-a-uuid'), 'uuid', 'found "not-a-uuid"'],
    [
      'target dev of 16 characters',
      (d) => void d.devices.interfaces.push(nic({ target: { dev: 'abcdefghijklmnop' } })),
      'devices.interfaces[0].target.dev',
      '1 to 15 characters',
    ],
    [
      'target dev libvirt would discard',
      (d) => void d.devices.interfaces.push(nic({ target: { dev: 'vnet3' } })),
      'devices.interfaces[0].target.dev',
      'vnet',
    ],
    [
      'duplicate target dev',
      (d) => void d.devices.interfaces.push(nic({ target: { dev: 'a.0' } }), nic({ target: { dev: 'a.0' } })),
      'devices.interfaces[1].target.dev',
      'also at devices.interfaces[0]',
    ],
    [
      'PCI slot 32',
      (d) => void d.devices.interfaces.push(nic({ address: { type: 'pci', bus: 1, slot: 32, function: 0 } })),
      'devices.interfaces[0].address.slot',
      'from 0 to 31',
    ],
    [
      'PCI address used twice',
      (d) =>
        void d.devices.interfaces.push(
          nic({ address: { type: 'pci', bus: 1, slot: 0, function: 0 } }),
          nic({ address: { type: 'pci', bus: 1, slot: 0, function: 0 } }),
        ),
      'devices.interfaces[1].address',
      'free PCI address',
    ],
    [
      'OVS interfaceid not a UUID',
      (d) => void d.devices.interfaces.push(nic({ virtualport: { type: 'openvswitch', interfaceId: 'x' } })),
      'devices.interfaces[0].virtualport.interfaceId',
      'found "x"',
    ],
    ['zero memory', (d) => void (d.memory = { value: 0 }), 'memory.value', 'positive integer'],
    ['name with a slash', (d) => void (d.name = 'a/b'), 'name', "without '/'"],
    [
      'duplicate disk target',
      (d) =>
        void d.devices.disks.push(
          { type: 'block', source: { dev: '/dev/a' }, target: { dev: 'vda' } },
          { type: 'block', source: { dev: '/dev/b' }, target: { dev: 'vda' } },
        ),
      'devices.disks[1].target.dev',
      'unique disk target',
    ],
  ];

  it.each(domainCases)('domain: %s', (_, mutate, path, found) => {
    const d = baseDomain();
    mutate(d);
    expect(() => assertValidDomain(d)).toThrow(LibvirtModelError);
    expect(() => printDomain(d), 'the printer never refuses').not.toThrow();
    const issue = validateDomain(d).find((i) => i.path === path);
    expect(issue?.message).toContain(found);
    expect(issue?.message).toMatch(/^expected /);
  });

  const networkCases: Array<[string, (n: Network) => void, string, string]> = [
    [
      'duplicate portgroup',
      (n) => void n.portgroups.push({ name: 'a' }, { name: 'a' }),
      'portgroups[1].name',
      'twice',
    ],
    [
      'two default portgroups',
      (n) => void n.portgroups.push({ name: 'a', default: true }, { name: 'b', default: true }),
      'portgroups[1].default',
      'at most one default',
    ],
    [
      'portgroup VLAN 5000',
      (n) => void n.portgroups.push({ name: 'a', vlan: { tags: [{ id: 5000 }] } }),
      'portgroups[0].vlan.tags[0].id',
      'found 5000',
    ],
    [
      'two native VLANs',
      (n) =>
        void (n.vlan = {
          trunk: true,
          tags: [
            { id: 1, nativeMode: 'untagged' },
            { id: 2, nativeMode: 'tagged' },
          ],
        }),
      'vlan.tags',
      'at most one',
    ],
    [
      'bridge name of 16 characters',
      (n) => void (n.bridge = { name: 'bridge0123456789' }),
      'bridge.name',
      'found "bridge0123456789"',
    ],
    ['network MAC', (n) => void (n.mac = 'nope'), 'mac', 'found "nope"'],
  ];

  it.each(networkCases)('network: %s', (_, mutate, path, found) => {
    const n = baseNetwork();
    mutate(n);
    expect(() => assertValidNetwork(n)).toThrow(LibvirtModelError);
    expect(() => printNetwork(n), 'the printer never refuses').not.toThrow();
    expect(validateNetwork(n).find((i) => i.path === path)?.message).toContain(found);
  });

  it('reports every issue at once', () => {
    const d = baseDomain();
    d.uuid = 'x';
    d.devices.interfaces.push(nic({ mac: 'bad', vlan: { tags: [{ id: 9999 }] } }));
    try {
      assertValidDomain(d);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LibvirtModelError);
      expect((e as LibvirtModelError).issues.map((i) => i.path)).toEqual([
        'uuid',
        'devices.interfaces[0].mac',
        'devices.interfaces[0].vlan.tags[0].id',
      ]);
      expect((e as Error).message).toContain('invalid domain "vm1":\n  uuid: expected a UUID');
    }
  });

  it('accepts the edge values libvirt accepts (VLAN 0 and 4095, 15-character target)', () => {
    const d = baseDomain();
    d.devices.interfaces.push(
      nic({ target: { dev: 'abcdefghijklmno' }, vlan: { trunk: true, tags: [{ id: 0 }, { id: 4095 }] } }),
    );
    expect(validateDomain(d)).toEqual([]);
  });
});

describe('parse errors name the file and where', () => {
  it('malformed XML: file:line:col', () => {
    expect(() => parseNetwork('<network><name>x</network>')).toThrow(LibvirtXmlError);
    expect(() => parseDomain('<domain>\n  <name>x</nam>\n</domain>', { file: 'vm.xml' })).toThrow(
      /^vm\.xml:2:\d+: malformed XML: /,
    );
  });

  it('wrong root element', () => {
    expect(() => parseDomain('<network><name>x</name></network>', { file: 'n.xml' })).toThrow(
      'n.xml:1:1: expected a <domain> root element, found <network>',
    );
    expect(() => parseNetwork('<domain/>')).toThrow('expected a <network> root element, found <domain>');
    expect(() => parseInterface('<disk/>')).toThrow('expected an <interface> root element');
  });

  it('missing or bad values give the element path, expectation and finding', () => {
    expect(() =>
      parseDomain("<domain type='kvm'><os><type>hvm</type></os><memory>1</memory></domain>", {
        file: 'd.xml',
      }),
    ).toThrow('d.xml: /domain/name: expected a <name> element, found nothing');
    expect(() =>
      parseDomain(
        "<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type></os><devices><interface type='bridge'><source bridge='b'/><vlan><tag id='ten'/></vlan></interface></devices></domain>",
      ),
    ).toThrow('/domain/devices/interface[1]/vlan/tag[1]/@id: expected an integer, found "ten"');
    expect(() => parseNetwork("<network><name>n</name><bridge name='b' stp='maybe'/></network>")).toThrow(
      `/network/bridge/@stp: expected 'yes' or 'no', found "maybe"`,
    );
    expect(() =>
      parseDomain("<domain type='kvm'><name>a</name><memory>lots</memory><os><type>hvm</type></os></domain>"),
    ).toThrow('/domain/memory: expected a memory size (integer), found "lots"');
    expect(() =>
      parseInterface("<interface type='network'><mac address='52:54:00:00:00:01'/></interface>"),
    ).toThrow("/interface/source: expected a <source network='...'/>, found nothing");
  });
});

describe('parse errors as Diagnostics', () => {
  const caught = (f: () => unknown): LibvirtXmlError => {
    try {
      f();
    } catch (e) {
      if (e instanceof LibvirtXmlError) return e;
    }
    throw new Error('expected a LibvirtXmlError');
  };

  it('malformed XML is LV100 at its line and column', () => {
    const e = caught(() => parseDomain('<domain>\n  <name>x</nam>\n</domain>', { file: 'vm.xml' }));
    expect(e.diagnostic).toMatchObject({
      code: 'LV100',
      severity: 'error',
      pos: { file: 'vm.xml', line: 2 },
    });
    expect(formatDiagnostic(e.diagnostic)).toBe(e.message);
  });

  it('a bad value is LV101 at the element holding it, with expected and found', () => {
    const xml =
      "<domain type='kvm'>\n  <name>a</name>\n  <memory>1</memory>\n  <os><type>hvm</type></os>\n  <devices>\n    <interface type='bridge'>\n      <source bridge='b'/>\n      <vlan><tag id='ten'/></vlan>\n    </interface>\n  </devices>\n</domain>\n";
    const e = caught(() => parseDomain(xml, { file: 'd.xml' }));
    expect(e.diagnostic).toEqual({
      code: 'LV101',
      severity: 'error',
      message: '/domain/devices/interface[1]/vlan/tag[1]/@id: expected an integer, found "ten"',
      pos: { file: 'd.xml', line: 8, col: 13, offset: xml.indexOf("<tag id='ten'") },
      expected: 'an integer',
      found: '"ten"',
    });
    expect(formatDiagnostic(e.diagnostic)).toBe(
      'd.xml:8:13: /domain/devices/interface[1]/vlan/tag[1]/@id: expected an integer, found "ten"',
    );
  });
});

describe('printers', () => {
  it('print each interface type like virsh dumpxml', async () => {
    const nics: Interface[] = [
      {
        type: 'network',
        mac: '52:54:00:aa:bb:cc',
        source: { network: 'intern-vlans', portgroup: 'vlansadmin' },
        target: { dev: 'extrout1.0' },
        model: 'virtio',
        driver: { name: 'vhost', queues: 2 },
        address: { type: 'pci', domain: 0, bus: 1, slot: 0, function: 0 },
      },
      {
        type: 'bridge',
        mac: '52:54:00:01:02:03',
        source: { bridge: 'ovsbr0' },
        vlan: { trunk: true, tags: [{ id: 42 }, { id: 48, nativeMode: 'untagged' }] },
        virtualport: { type: 'openvswitch', interfaceId: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' },
        target: { dev: 'vm.1' },
        model: 'virtio',
      },
      { type: 'direct', source: { dev: 'eno1', mode: 'bridge' }, model: 'virtio', link: 'down' },
      { type: 'ethernet', target: { dev: 'tap0', managed: false }, model: 'e1000', mtu: 9000 },
    ];
    await expect(nics.map((n) => printInterface(n)).join('')).toMatchFileSnapshot(
      '__snapshots__/interfaces.xml',
    );
    for (const n of nics) expect(withoutSource(parseInterface(printInterface(n)))).toEqual(n);
  });

  it('prints an OVS network with portgroups', async () => {
    const n: Network = {
      ...baseNetwork(),
      name: 'intern-vlans',
      bridge: { name: 'brint' },
      portgroups: [
        { name: 'vlansadmin', vlan: { trunk: true, tags: [{ id: 99 }, { id: 250 }] } },
        { name: 'vlan10', default: true, vlan: { tags: [{ id: 10 }] } },
      ],
    };
    const xml = printNetwork(n, { header: 'made by a test' });
    await expect(xml).toMatchFileSnapshot('__snapshots__/network-ovs.xml');
    expect(withoutSource(parseNetwork(xml))).toEqual(n);
  });

  it('escapes with the XML library: quotes, ampersands and angle brackets', () => {
    const d = baseDomain();
    d.title = `it's <a> "test" & more`;
    d.devices.disks.push({
      type: 'file',
      source: { file: `/img/it's "x" & <y>.raw` },
      target: { dev: 'vda' },
    });
    const xml = printDomain(d);
    expect(xml).toContain('<title>it&apos;s &lt;a&gt; &quot;test&quot; &amp; more</title>');
    expect(xml).toContain("<source file='/img/it&apos;s &quot;x&quot; &amp; &lt;y&gt;.raw'/>");
    const back = parseDomain(xml);
    expect(back.title).toBe(d.title);
    expect(back.devices.disks[0]?.source?.file).toBe(`/img/it's "x" & <y>.raw`);
  });

  it('keeps a comment safe even when the header text contains "--"', () => {
    const xml = printDomain(baseDomain(), { header: 'a -- b' });
    expect(xml.split('\n')[0]).toMatch(/^<!--.*-->$/);
    expect(xml.split('\n')[0]?.slice(4, -3)).not.toContain('--');
  });

  it('converts memory units to KiB like libvirt', () => {
    expect(toKiB({ value: 256, unit: 'MiB' })).toBe(262144);
    expect(toKiB({ value: 3, unit: 'GiB' })).toBe(3 * 1024 * 1024);
    expect(toKiB({ value: 1, unit: 'G' })).toBe(1024 * 1024);
    expect(toKiB({ value: 1000, unit: 'KB' })).toBe(977);
    expect(toKiB({ value: 2048 })).toBe(2048);
  });
});

describe('parsing the typed model', () => {
  it('reads the article-style router fixture', () => {
    const d = parseDomain(fixture('domain/02-router-article.xml'));
    expect(toKiB(d.memory)).toBe(262144);
    expect(d.vcpu).toEqual({ count: 1, placement: 'static' });
    expect(withoutSource(d.os)).toEqual({ type: 'hvm', arch: 'x86_64', machine: 'pc-q35-5.2', boot: ['hd'] });
    expect(withoutSource(d.features)).toEqual({ acpi: true, apic: true });
    expect(d.devices.disks.map((x) => x.source?.dev)).toEqual(['/dev/vgA/rtr-a', '/dev/vgA/rtr-a-var']);
    expect(withoutSource(d.devices.interfaces[1])).toEqual({
      type: 'network',
      mac: '52:54:00:10:20:31',
      source: { network: 'lan-vlans', portgroup: 'v20' },
      target: { dev: 'rtr-a.1' },
      model: 'virtio',
      driver: { name: 'vhost' },
      address: { type: 'pci', domain: 0, bus: 9, slot: 0, function: 0 },
    });
  });

  it('keeps interfaces of types it does not model out of the typed list, but in the output', () => {
    const xml = fixture('domain/08-unknown-interface-types.xml');
    const d = parseDomain(xml);
    expect(d.devices.interfaces.map((i) => i.type)).toEqual(['network', 'bridge']);
    const out = printDomain(d);
    expect(out).toContain("<interface type='user'>");
    expect(out).toContain("<source address='230.0.0.1' port='5558'/>");
  });

  it('reads network portgroups, vlans and OVS parameters', () => {
    const n = parseNetwork(fixture('network/08-ovs-portgroup-interfaceid.xml'));
    expect(withoutSource(n.virtualport)).toEqual({ type: 'openvswitch', profileId: 'base-profile' });
    expect(
      n.portgroups.map((p) => [p.name, p.default, p.vlan?.tags[0]?.id, p.virtualport?.profileId]),
    ).toEqual([
      ['gold', true, undefined, 'gold-profile'],
      ['silver', undefined, 200, 'silver-profile'],
    ]);
    const v = parseNetwork(fixture('network/09-network-vlan-native.xml'));
    expect(v.vlan).toEqual({
      trunk: true,
      tags: [{ id: 1, nativeMode: 'untagged' }, { id: 30 }, { id: 31 }],
    });
  });

  it('edits in place: changing one value changes one line', () => {
    const xml = fixture('domain/02-router-article.xml');
    const d = parseDomain(xml);
    const first = d.devices.interfaces[0];
    if (first?.type !== 'network') throw new Error('fixture changed');
    first.source = { ...first.source, portgroup: 'other' };
    const before = printDomain(parseDomain(xml)).split('\n');
    const after = printDomain(d).split('\n');
    expect(after.length).toBe(before.length);
    const changed = after.flatMap((l, i) => (l === before[i] ? [] : [[before[i], l]]));
    expect(changed).toEqual([
      [
        "      <source network='lan-vlans' portgroup='admin'/>",
        "      <source network='lan-vlans' portgroup='other'/>",
      ],
    ]);
  });

  it('keeps the original spelling of unchanged numbers and booleans (decimal PCI, on/off)', () => {
    const out = printDomain(parseDomain(fixture('domain/12-decimal-addresses.xml')));
    expect(out).toContain("<address type='pci' domain='0' bus='0' slot='5' function='0'/>");
    const cpu = printDomain(parseDomain(fixture('domain/13-graphics-video-channels.xml')));
    expect(cpu).toContain("migratable='on'");
  });

  it('removing a modelled element removes only it', () => {
    const d = parseDomain(fixture('domain/15-hostdev-and-network-ovs.xml'));
    const nic0 = d.devices.interfaces[0];
    if (!nic0) throw new Error('fixture changed');
    delete nic0.virtualport;
    const out = printDomain(d);
    expect(out).not.toContain('virtualport');
    expect(out).toContain("<alias name='ua-nic0'/>");
    expect(out).toContain("<boot order='1'/>");
    expect(out).toContain('<hostdev');
  });
});
