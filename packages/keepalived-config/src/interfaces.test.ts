import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { InterfacesFileError, parseInterfaceAssignment, readInterfaceAddresses } from './interfaces.js';

/** [name, /etc/network/interfaces text, addresses read] */
const cases: Array<[string, string, Record<string, string[]>]> = [
  [
    'the article router: VLANs and the LAN, CIDR addresses',
    'auto lo\niface lo inet loopback\n\nauto eth0.99\niface eth0.99 inet static\n\taddress 10.99.1.1/24\n\nauto eth1\niface eth1 inet static\n\taddress 10.10.1.1/24\n\tgateway 10.10.1.9\n',
    { 'eth0.99': ['10.99.1.1/24'], eth1: ['10.10.1.1/24'] },
  ],
  [
    'dotted and numeric netmasks, continuation lines, comments',
    'iface eth1 inet static\n  # address 10.9.9.9/8\n  address 10.0.0.1\n  netmask 255.255.255.0\niface eth2 inet static\n  address \\\n10.2.0.1\n  netmask 16\n',
    { eth1: ['10.0.0.1/24'], eth2: ['10.2.0.1/16'] },
  ],
  [
    'several stanzas of one interface, IPv6 kept after IPv4',
    'iface eth1 inet6 static\n  address 2001:db8::1/64\niface eth1 inet static\n  address 10.0.0.1/24\niface eth1 inet static\n  address 10.0.1.1/24\n',
    { eth1: ['10.0.0.1/24', '10.0.1.1/24', '2001:db8::1/64'] },
  ],
  [
    'no netmask: the address class, as ifupdown',
    'iface eth1 inet static\n  address 10.0.0.1\niface eth2 inet static\n  address 172.16.0.1\niface eth3 inet static\n  address 192.0.2.1\niface eth4 inet static\n  address 224.0.0.1\n',
    { eth1: ['10.0.0.1/8'], eth2: ['172.16.0.1/16'], eth3: ['192.0.2.1/24'], eth4: ['224.0.0.1/32'] },
  ],
  [
    'interfaces whose IPv4 subnet is unknown are left out (dhcp, manual, IPv6 only)',
    'iface eth1 inet dhcp\niface eth1 inet static\n  address 10.0.0.1/24\niface eth2 inet manual\niface eth3 inet6 static\n  address 2001:db8::3/64\niface eth4 inet static\n  address 10.4.0.1/24\niface eth4 inet6 auto\n',
    { eth4: ['10.4.0.1/24'] },
  ],
];

describe('readInterfaceAddresses', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    expect(readInterfaceAddresses(text)).toEqual(expected);
  });

  it.each([
    [
      'iface eth1 inet static\n  address 10.0.0.300/24\n',
      "if:2:3: iface eth1 inet static: expected an IPv4 address[/length], found '10.0.0.300/24'",
    ],
    [
      'iface eth1 inet static\n  address 10.0.0.1/33\n',
      "if:2:3: iface eth1 inet static: expected a length 0-32, found '/33'",
    ],
    [
      'iface eth1 inet static\n  address 10.0.0.1\n  netmask 255.0.255.0\n',
      "if:3:3: iface eth1 inet static: expected a length 0-32 or a dotted netmask without holes, found netmask '255.0.255.0'",
    ],
    [
      // Any top-level keyword ends a stanza: an option after it stands outside any (ifupdown refuses it).
      'iface eth1 inet static\nauto eth1\n  address 10.0.0.1/24\n',
      "if:3:3: expected a stanza keyword (iface, mapping, auto, allow-CLASS, source, source-directory, rename, no-auto-down, no-scripts), found 'address' outside any iface or mapping stanza",
    ],
  ])('reports a bad address or netmask with its position: %j', (text, message) => {
    expect(() => readInterfaceAddresses(text, { file: 'if' })).toThrow(InterfacesFileError);
    expect(() => readInterfaceAddresses(text, { file: 'if' })).toThrow(message);
  });

  it.each([
    ['eth1=10.10.1.1/24', { name: 'eth1', address: '10.10.1.1/24' }],
    ['eth0.99=10.99.1.1/32', { name: 'eth0.99', address: '10.99.1.1/32' }],
    ['eth1=10.0.0.1', undefined],
    ['eth1=2001:db8::1/64', { name: 'eth1', address: '2001:db8::1/64' }],
    ['eth1', undefined],
    ['eth1=10.0.0.1/40', undefined],
    ['=10.0.0.1/24', undefined],
    ['eth1=host/24', undefined],
  ])('parseInterfaceAssignment(%j)', (text, expected) => {
    expect(parseInterfaceAssignment(text)).toEqual(expected);
  });
});

describe('ifquery -i reads the same addresses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hgt-ifaddr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A netmask as ifquery prints it (dotted for inet, a length for inet6 or when written so) -> length. */
  const bits = (mask: string) =>
    /^\d+$/.test(mask)
      ? Number(mask)
      : mask.split('.').reduce((n, o) => n + Number(o).toString(2).replaceAll('0', '').length, 0);

  it.for(cases)('%s', ([, text, expected], ctx) => {
    needs(ctx, 'ifquery');
    const file = join(dir, 'interfaces');
    writeFileSync(file, text);
    for (const [name, addresses] of Object.entries(expected)) {
      const r = run(['ifquery', '-i', file, name]);
      expect(r.status, r.stderr).toBe(0);
      // ifquery prints each stanza's options; pair each address with the netmask that follows it.
      const seen: string[] = [];
      let pending: string | undefined;
      for (const l of r.stdout.split('\n')) {
        const [k, v = ''] = l.split(': ');
        if (k === 'address') {
          if (pending) seen.push(`${pending}/${pending.includes(':') ? 128 : 32}`);
          pending = v;
        } else if (k === 'netmask' && pending) {
          seen.push(`${pending}/${bits(v)}`);
          pending = undefined;
        }
      }
      if (pending) seen.push(`${pending}/${pending.includes(':') ? 128 : 32}`);
      expect([...seen].sort()).toEqual([...addresses].sort());
    }
  });
});
