import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { missing, needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addressesByInterface,
  formatDiagnostic,
  loadInterfaces,
  parseInterfaces,
  readAddresses,
} from './index.js';

const dir = new URL('../test/fixtures/', import.meta.url).pathname;
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.interfaces'))
  .sort();
const scratch = mkdtempSync(join(tmpdir(), 'hagate-addr-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cidrs = (text: string) =>
  readAddresses(parseInterfaces(text)).addresses.map((a) => `${a.name} ${a.cidr}`);
const codes = (text: string) =>
  readAddresses(parseInterfaces(text, { file: 'i' })).diagnostics.map((d) => [d.code, formatDiagnostic(d)]);

describe('readAddresses: the length of each address, as ifupdown 0.8 gives it', () => {
  it.each([
    ['class A without a length', 'iface e inet static\n address 10.0.0.1\n', ['e 10.0.0.1/8']],
    ['class B', 'iface e inet static\n address 172.16.0.1\n', ['e 172.16.0.1/16']],
    ['class C', 'iface e inet static\n address 192.0.2.1\n', ['e 192.0.2.1/24']],
    ['class D', 'iface e inet static\n address 224.1.1.1\n', ['e 224.1.1.1/32']],
    ['/LEN', 'iface e inet static\n address 172.16.0.1/20\n', ['e 172.16.0.1/20']],
    [
      'dotted netmask',
      'iface e inet static\n address 192.0.2.1\n netmask 255.255.255.0\n',
      ['e 192.0.2.1/24'],
    ],
    ['netmask as a length', 'iface e inet static\n address 10.0.0.1\n netmask 24\n', ['e 10.0.0.1/24']],
    [
      'netmask wins over /LEN',
      'iface e inet static\n address 10.1.1.1/24\n netmask 255.255.0.0\n',
      ['e 10.1.1.1/16'],
    ],
    ['inet6 without a length', 'iface e inet6 static\n address 2001:db8::1\n', ['e 2001:db8::1/128']],
    ['inet6 /LEN', 'iface e inet6 static\n address 2001:db8::1/64\n', ['e 2001:db8::1/64']],
    [
      'inet6 netmask wins',
      'iface e inet6 static\n address 2001:db8::1/64\n netmask 48\n',
      ['e 2001:db8::1/48'],
    ],
    [
      'first address and netmask count',
      'iface e inet static\n address 10.0.0.1/24\n address 10.0.0.2/24\n',
      ['e 10.0.0.1/24'],
    ],
    ['dhcp assigns nothing', 'iface e inet dhcp\n address 10.9.9.9\n', []],
    ['manual assigns nothing', 'iface e inet manual\n address 10.3.3.3/24\n', []],
    [
      'several stanzas, in order',
      'iface d inet static\n address 10.0.0.1/24\niface d inet static\n address 10.0.1.1/24\niface d inet6 static\n address 2001:db8::1/64\n',
      ['d 10.0.0.1/24', 'd 10.0.1.1/24', 'd 2001:db8::1/64'],
    ],
    [
      'inherits: the template, then its own options; chains',
      'iface t1 inet static\n address 10.1.0.1/16\niface t2 inet static inherits t1\n netmask 24\niface t3 inherits t2\n',
      ['t1 10.1.0.1/16', 't2 10.1.0.1/24', 't3 10.1.0.1/24'],
    ],
    [
      'inherits: the first stanza of that name',
      'iface b inet static\n address 10.0.0.1/24\niface b inet static\n address 10.5.5.5/16\niface j inherits b\n',
      ['b 10.0.0.1/24', 'b 10.5.5.5/16', 'j 10.0.0.1/24'],
    ],
  ])('%s', (_, text, expected) => {
    expect(cidrs(text)).toEqual(expected);
    expect(readAddresses(parseInterfaces(text)).diagnostics.filter((d) => d.severity === 'error')).toEqual(
      [],
    );
  });

  it('reports what ifupdown would turn into nonsense, located, all at once', () => {
    expect(
      codes(
        'iface a inet static\n address 10.0.0.1/33\niface b inet static\n address 10.0.0.1\n netmask 255.0.255.0\niface c inet6 static\n address 10.0.0.1\niface d inet static\n address nope\niface e inet static\n address 10.0.0.1/24/8\niface f inet static inherits later\niface g inet static\n address 10.0.0.1/24\n netmask 24\n netmask 16\n',
      ),
    ).toEqual([
      ['IFUP011', "i:2:2: iface a inet static: expected a length 0-32, found '/33'"],
      [
        'IFUP011',
        "i:5:2: iface b inet static: expected a length 0-32 or a dotted netmask without holes, found netmask '255.0.255.0'",
      ],
      ['IFUP010', "i:7:2: iface c inet6 static: expected an IPv6 address[/length], found '10.0.0.1'"],
      ['IFUP010', "i:9:2: iface d inet static: expected an IPv4 address[/length], found 'nope'"],
      ['IFUP010', "i:11:2: iface e inet static: expected an IPv4 address[/length], found '10.0.0.1/24/8'"],
      ['IFUP013', 'i:12:1: iface f inherits later: expected an earlier iface stanza named later, found none'],
      ['IFUP012', "i:16:2: iface g: expected one netmask per stanza (ifupdown uses the first), found '16'"],
    ]);
  });

  it('gives each address its place, its source of length and its template', () => {
    const r = readAddresses(
      parseInterfaces(readFileSync(join(dir, '39-address-inherits.interfaces'), 'utf8'), { file: 'f' }),
    );
    // vm3 inherits vm1 (which inherits base) and names an address of its own: the inherited one counts.
    expect(r.addresses.find((a) => a.name === 'vm3')).toEqual({
      name: 'vm3',
      family: 'inet',
      address: '10.1.0.1',
      prefixLength: 24,
      cidr: '10.1.0.1/24',
      prefixFrom: 'netmask',
      pos: { file: 'f', line: 3, col: 2, offset: expect.any(Number) },
      inheritedFrom: 'base',
    });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "f:13:2: iface vm3: expected one address per stanza (ifupdown uses the first, inherited from base), found '10.3.0.1'",
    ]);
    expect(r.addresses.find((a) => a.name === 'vm2')).toMatchObject({
      inheritedFrom: 'base',
      prefixFrom: 'address',
    });
    expect(r.unaddressed.map((u) => `${u.name} ${u.family} ${u.method}`)).toEqual([
      'up1 inet dhcp',
      'up1 inet6 auto',
      'tap0 inet manual',
    ]);
  });

  it('addressesByInterface: per interface, leaving out the ones with a stanza of unknown subnet', () => {
    const r = readAddresses(
      parseInterfaces(
        'iface a inet static\n address 10.0.0.1/24\niface a inet6 static\n address 2001:db8::1/64\niface b inet static\n address 10.0.1.1/24\niface b inet6 auto\niface c inet dhcp\niface c inet6 static\n address 2001:db8::c/64\n',
      ),
    );
    expect(addressesByInterface(r)).toEqual({ a: ['10.0.0.1/24', '2001:db8::1/64'] });
    expect(addressesByInterface(r, 'inet')).toEqual({ a: ['10.0.0.1/24'], b: ['10.0.1.1/24'] });
    expect(addressesByInterface(r, 'inet6')).toEqual({ a: ['2001:db8::1/64'], c: ['2001:db8::c/64'] });
  });
});

/** What ifquery says a name's static stanzas assign: each `address:` with the `netmask:` after it. */
function ifqueryCidrs(file: string, name: string): string[] {
  const r = run(['ifquery', '-i', file, name]);
  if (r.status !== 0) throw new Error(`ifquery ${name}: ${r.stderr}`);
  const out: string[] = [];
  let addr: string | undefined;
  const flush = (mask: string | undefined) => {
    if (addr === undefined) return;
    const v6 = addr.includes(':');
    const len =
      mask === undefined || mask === ''
        ? v6
          ? 128
          : 32
        : /^\d+$/.test(mask)
          ? Number(mask)
          : mask.split('.').reduce((n, o) => n + Number(o).toString(2).replaceAll('0', '').length, 0);
    out.push(`${addr}/${len}`);
    addr = undefined;
  };
  for (const line of r.stdout.split('\n')) {
    const [k, v = ''] = line.split(': ');
    if (k === 'address') {
      flush(undefined);
      addr = v;
    } else if (k === 'netmask' || k === 'netmask:') flush(v);
  }
  flush(undefined);
  return out.sort();
}

describe('readAddresses agrees with ifquery on every fixture', () => {
  let compared = 0;
  it.for(fixtures)('%s', (name, ctx) => {
    needs(ctx, 'ifquery');
    const text = readFileSync(join(dir, name), 'utf8');
    const file = join(scratch, name);
    writeFileSync(file, text);
    const ast = parseInterfaces(text, { file: name });
    const r = readAddresses(ast);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // Names whose address-bearing stanzas are all static (ifquery also prints a manual stanza's raw address).
    const names = new Set(r.addresses.map((a) => a.name));
    for (const n of ast.nodes)
      if (
        n.kind === 'iface' &&
        n.method !== 'static' &&
        n.inherits === undefined &&
        n.items.some((i) => i.kind === 'option' && i.name === 'address')
      )
        names.delete(n.name);
    for (const n of names) {
      const ours = r.addresses
        .filter((a) => a.name === n)
        .map((a) => a.cidr)
        .sort();
      expect(ours, `${name}: ${n}`).toEqual(ifqueryCidrs(file, n));
      compared++;
    }
  });

  it('compared many interfaces', (ctx) => {
    if (missing('ifquery')) ctx.skip('needs ifquery');
    expect(compared).toBeGreaterThanOrEqual(30);
  });
});

describe('readAddresses over loadInterfaces: source lines followed, findings in their own file', () => {
  it('reads the sourced files and locates each address in its file; ifquery agrees', (ctx) => {
    const root = join(scratch, 'tree');
    const files: Record<string, string> = {
      interfaces: 'auto lo\niface lo inet loopback\n\nsource interfaces.d/*\n',
      'interfaces.d/uplink':
        '# uplink\nauto eth1\niface eth1 inet static\n\taddress 192.0.2.2\n\tnetmask 255.255.255.240\n',
      'interfaces.d/lan':
        'iface eth2 inet static\n\taddress 10.10.1.1/24\niface eth2 inet6 static\n\taddress 2001:db8:10::1/64\n',
      'interfaces.d/bad': 'iface eth3 inet static\n\taddress 10.10.3.1/40\n',
    };
    for (const [p, t] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), t);
    }
    const loaded = loadInterfaces(join(root, 'interfaces'));
    const r = readAddresses(loaded.file);
    expect(r.addresses.map((a) => [a.cidr, a.pos?.file, a.pos?.line])).toEqual([
      ['10.10.1.1/24', join(root, 'interfaces.d/lan'), 2],
      ['2001:db8:10::1/64', join(root, 'interfaces.d/lan'), 4],
      ['192.0.2.2/28', join(root, 'interfaces.d/uplink'), 4],
    ]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `${join(root, 'interfaces.d/bad')}:2:2: iface eth3 inet static: expected a length 0-32, found '/40'`,
    ]);
    needs(ctx, 'ifquery');
    for (const n of ['eth1', 'eth2'])
      expect(ifqueryCidrs(join(root, 'interfaces'), n)).toEqual(
        r.addresses
          .filter((a) => a.name === n)
          .map((a) => a.cidr)
          .sort(),
      );
  });
});
