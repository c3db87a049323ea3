/** fast-check properties: print(parse(print(x))) === print(x), and parse(print(model)) gives the model back. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, runOk } from '@hagate/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Disk,
  type Domain,
  type Interface,
  type Network,
  type PciAddress,
  parseDomain,
  parseNetwork,
  printDomain,
  printNetwork,
  type Vlan,
  withoutSource,
} from './index.js';
import { isElement, parseXml, printXml, type XmlElement, type XmlNode } from './xml.js';

const chars = 'abcXYZ019 -_./:&<>"\'é☃';
const str = (min = 1, max = 12, alphabet = chars) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: min, maxLength: max });
const name = str(1, 12, chars.replace('/', ''));
const hex2 = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));
const mac = fc
  .tuple(
    fc.integer({ min: 0, max: 127 }).map((n) => (n * 2).toString(16).padStart(2, '0')),
    fc.array(hex2, { minLength: 5, maxLength: 5 }),
  )
  .map(([a, rest]) => [a, ...rest].join(':'));
const uuid = fc.uuid();
const ifname = str(1, 15, 'abcdefghijklmnopqrstuvwxyz0123456789-.').filter(
  (s) => !/^(vnet|macvtap|macvlan)/.test(s),
);

const vlan: fc.Arbitrary<Vlan> = fc
  .uniqueArray(fc.integer({ min: 0, max: 4095 }), { minLength: 1, maxLength: 4 })
  .chain((ids) =>
    fc.record(
      {
        trunk: ids.length > 1 ? fc.constant(true) : fc.boolean(),
        tags: fc.constant(ids.map((id) => ({ id }))),
      },
      { requiredKeys: ['tags'] },
    ),
  )
  .map((v) => (v.trunk === false ? { tags: v.tags } : v));

const pci = (bus: number): fc.Arbitrary<PciAddress> =>
  fc.record({
    type: fc.constant('pci' as const),
    domain: fc.constant(0),
    bus: fc.constant(bus),
    slot: fc.integer({ min: 0, max: 31 }),
    function: fc.integer({ min: 0, max: 7 }),
  });

const common = (i: number) =>
  ({
    mac,
    target: fc.record({ dev: ifname.map((s) => `${s.slice(0, 12)}.${i}`) }),
    model: fc.constantFrom('virtio', 'e1000', 'rtl8139'),
    driver: fc.record(
      { name: fc.constantFrom('vhost' as const, 'qemu' as const), queues: fc.integer({ min: 1, max: 8 }) },
      { requiredKeys: [] },
    ),
    virtualport: fc.record(
      { type: fc.constant('openvswitch' as const), interfaceId: uuid },
      { requiredKeys: ['type'] },
    ),
    vlan,
    link: fc.constantFrom('up' as const, 'down' as const),
    mtu: fc.integer({ min: 68, max: 65535 }),
    address: pci(0x10 + i),
  }) as const;

const iface = (i: number): fc.Arbitrary<Interface> =>
  fc.oneof(
    fc.record(
      {
        type: fc.constant('network' as const),
        source: fc.record({ network: str(), portgroup: str() }, { requiredKeys: ['network'] }),
        ...common(i),
      },
      { requiredKeys: ['type', 'source'] },
    ),
    fc.record(
      { type: fc.constant('bridge' as const), source: fc.record({ bridge: str() }), ...common(i) },
      { requiredKeys: ['type', 'source'] },
    ),
    fc.record(
      {
        type: fc.constant('direct' as const),
        source: fc.record(
          {
            dev: str(),
            mode: fc.constantFrom(
              'vepa' as const,
              'bridge' as const,
              'private' as const,
              'passthrough' as const,
            ),
          },
          { requiredKeys: ['dev'] },
        ),
        ...common(i),
      },
      { requiredKeys: ['type', 'source'] },
    ),
    fc.record({ type: fc.constant('ethernet' as const), ...common(i) }, { requiredKeys: ['type'] }),
  ) as fc.Arbitrary<Interface>;

const disk = (i: number): fc.Arbitrary<Disk> =>
  fc.record(
    {
      type: fc.constant('block' as const),
      device: fc.constant('disk' as const),
      driver: fc.record(
        {
          name: fc.constant('qemu'),
          type: fc.constant('raw'),
          cache: fc.constantFrom('none' as const, 'writeback' as const),
          io: fc.constantFrom('native' as const, 'threads' as const),
        },
        { requiredKeys: ['name'] },
      ),
      source: fc.record({ dev: str(1, 20).map((s) => `/dev/vg/${s}`) }),
      target: fc.constant({ dev: `vd${String.fromCharCode(97 + i)}`, bus: 'virtio' as const }),
    },
    { requiredKeys: ['type', 'target'] },
  );

const memory = fc.record(
  {
    value: fc.integer({ min: 1, max: 1 << 30 }),
    unit: fc.constantFrom('KiB' as const, 'MiB' as const, 'GiB' as const),
  },
  { requiredKeys: ['value'] },
);

const domain: fc.Arbitrary<Domain> = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }))
  .chain(([nNics, nDisks]) =>
    fc.record(
      {
        type: fc.constantFrom('kvm', 'qemu', 'test'),
        name,
        uuid,
        title: str(1, 30),
        description: str(1, 30, `${chars}\n`),
        memory,
        currentMemory: memory,
        vcpu: fc.record(
          {
            count: fc.integer({ min: 1, max: 64 }),
            placement: fc.constantFrom('static' as const, 'auto' as const),
          },
          { requiredKeys: ['count'] },
        ),
        os: fc.record(
          {
            type: fc.constant('hvm' as const),
            arch: fc.constantFrom('x86_64', 'aarch64'),
            machine: fc.constantFrom('pc', 'q35'),
            boot: fc.array(fc.constantFrom('hd' as const, 'network' as const), {
              minLength: 1,
              maxLength: 2,
            }),
          },
          { requiredKeys: ['type'] },
        ),
        features: fc.record(
          { acpi: fc.constant(true), apic: fc.constant(true), pae: fc.constant(true) },
          { requiredKeys: [] },
        ),
        cpu: fc.record(
          {
            mode: fc.constantFrom('host-model' as const, 'host-passthrough' as const),
            check: fc.constantFrom('none' as const, 'partial' as const),
            migratable: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        clock: fc.record({ offset: fc.constantFrom('utc' as const, 'localtime' as const) }),
        onPoweroff: fc.constantFrom('destroy' as const, 'restart' as const),
        onReboot: fc.constantFrom('destroy' as const, 'restart' as const),
        onCrash: fc.constantFrom('destroy' as const, 'coredump-restart' as const),
        devices: fc.record({
          disks: fc.tuple(...Array.from({ length: nDisks }, (_, i) => disk(i))),
          interfaces: fc.tuple(...Array.from({ length: nNics }, (_, i) => iface(i))),
          serials: fc.constant([
            { type: 'pty' as const, target: { type: 'isa-serial', port: 0, model: 'isa-serial' } },
          ]),
          consoles: fc.constant([{ type: 'pty' as const, target: { type: 'serial' as const, port: 0 } }]),
        }),
      },
      { requiredKeys: ['type', 'name', 'memory', 'os', 'devices'] },
    ),
  ) as fc.Arbitrary<Domain>;

const network: fc.Arbitrary<Network> = fc.record(
  {
    name,
    uuid,
    forward: fc.record({ mode: fc.constantFrom('bridge' as const, 'nat' as const, 'route' as const) }),
    bridge: fc.record(
      { name: ifname, stp: fc.boolean(), delay: fc.integer({ min: 0, max: 10 }) },
      { requiredKeys: ['name'] },
    ),
    virtualport: fc.constant({ type: 'openvswitch' as const }),
    vlan,
    portgroups: fc
      .uniqueArray(name, { maxLength: 4 })
      .chain((names) =>
        fc.tuple(
          ...names.map((pgName, i) =>
            fc
              .record(
                { name: fc.constant(pgName), default: fc.constant(i === 0), vlan },
                { requiredKeys: ['name'] },
              )
              .map((p) => (p.default ? p : { ...p, default: undefined })),
          ),
        ),
      )
      .map((pgs) => pgs.map((p) => JSON.parse(JSON.stringify(p)))),
  },
  { requiredKeys: ['name', 'portgroups'] },
) as fc.Arbitrary<Network>;

/** Generic XML: element-only or text-only content, comments included. */
const tag = str(1, 8, 'abcdefgxyz').map((s) => `e${s}`);
const attrs = fc.dictionary(str(1, 6, 'abcdefgxyz'), str(0, 10), { maxKeys: 3 });
const xmlTree: fc.Arbitrary<XmlElement> = fc.letrec<{ node: XmlElement }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.record({ name: tag, attrs, children: fc.constant([] as XmlNode[]) }),
    fc.record({
      name: tag,
      attrs,
      children: str(1, 20, `${chars}\n`)
        .filter((s) => s.trim() !== '')
        .map((text) => [{ text }] as XmlNode[]),
    }),
    fc.record({
      name: tag,
      attrs,
      children: fc.array(
        fc.oneof(
          tie('node'),
          str(1, 10, 'abc xyz').map((comment) => ({ comment })),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  ),
})).node;

describe('properties', () => {
  it('domain: parse(print(m)) is m, and print is a fixed point of parse', () => {
    fc.assert(
      fc.property(domain, (m) => {
        const xml = printDomain(m);
        const back = parseDomain(xml);
        expect(withoutSource(back)).toEqual(withoutSource(m));
        expect(printDomain(back)).toBe(xml);
      }),
      { numRuns: 150 },
    );
  });

  it('network: parse(print(m)) is m, and print is a fixed point of parse', () => {
    fc.assert(
      fc.property(network, (m) => {
        const xml = printNetwork(m);
        const back = parseNetwork(xml);
        expect(withoutSource(back)).toEqual(withoutSource(m));
        expect(printNetwork(back)).toBe(xml);
      }),
      { numRuns: 150 },
    );
  });

  it('generic XML: parse(print(tree)) is the tree (escaping is lossless)', () => {
    fc.assert(
      fc.property(xmlTree, (tree) => {
        const xml = printXml(tree);
        expect(parseXml(xml).root).toEqual(tree);
      }),
      { numRuns: 200 },
    );
  });

  it('foreign XML as libxml2 writes it (double quotes, its escaping) prints back byte for byte', (ctx) => {
    needs(ctx, 'xmllint');
    const dir = mkdtempSync(join(tmpdir(), 'hgt-lvp-'));
    try {
      fc.assert(
        fc.property(xmlTree, (tree) => {
          // libxml2 itself re-serialises our print: that is the style libvirt gives <metadata> content,
          // whose elements always carry their namespace (an element without attributes takes the
          // quote of its parent).
          const file = join(dir, 'tree.xml');
          writeFileSync(file, printXml({ ...tree, attrs: { 'xmlns:m': 'urn:x:m', ...tree.attrs } }));
          const libxml = runOk(['xmllint', '--format', '--encode', 'UTF-8', file]);
          expect(libxml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n/);
          expect(printXml(parseXml(libxml))).toBe(libxml);
        }),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown elements and attributes injected into a domain survive parse/print in place', () => {
    const extra = fc.record({ name: tag, attrs, children: fc.constant([] as XmlNode[]) });
    fc.assert(
      fc.property(domain, fc.array(extra, { minLength: 1, maxLength: 3 }), fc.nat(), (m, extras, seed) => {
        const doc = parseXml(printDomain(m));
        // Inject: some unknown children at the top level and inside each interface, plus an unknown attribute.
        const at = seed % (doc.root.children.length + 1);
        doc.root.children.splice(at, 0, ...structuredClone(extras));
        const devices = doc.root.children.find((c): c is XmlElement => isElement(c) && c.name === 'devices');
        for (const nic of devices?.children.filter(isElement).filter((c) => c.name === 'interface') ?? []) {
          nic.children.splice(seed % (nic.children.length + 1), 0, ...structuredClone(extras));
          nic.attrs['x-extra'] = 'kept';
        }
        const injected = printXml(doc);
        expect(printDomain(parseDomain(injected))).toBe(injected);
      }),
      { numRuns: 100 },
    );
  });
});
