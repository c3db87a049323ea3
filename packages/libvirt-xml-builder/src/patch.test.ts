import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, run, runOk } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findInterface,
  type Interface,
  parseDomain,
  printDomain,
  setPortgroup,
  upsertInterface,
} from './index.js';
import { childElements, firstChild, isElement, parseXml, printXml } from './xml.js';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hgt-lvp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function canonical(xml: string, name: string): string {
  const f = join(tmp, name);
  writeFileSync(f, xml);
  return runOk(['xmllint', '--c14n', f]).replace(/>\s+</g, '><').trim();
}

/** The fixture as libvirt's test driver dumps it (libvirt's own output is what gets patched in real life). */
function dumped(): string {
  const file = join(tmp, 'src.xml');
  writeFileSync(file, readFileSync(join(here, '../test/fixtures/domain/02-router-article.xml'), 'utf8'));
  const out = runOk(['virsh', '-c', 'test:///default', `define ${file}; dumpxml rtr-a`]);
  return out.slice(out.indexOf('<domain'));
}

const newNic: Interface = {
  type: 'network',
  mac: '52:54:00:10:20:32',
  source: { network: 'front', portgroup: 'ext' },
  target: { dev: 'rtr-a.2' },
  model: 'virtio',
  driver: { name: 'vhost' },
};

describe('patching a dumped domain', () => {
  it('adds a NIC after the last one; every other element is unchanged', (ctx) => {
    needs(ctx, 'virsh', 'xmllint', 'virt-xml-validate');
    const dump = dumped();
    const patched = printDomain(upsertInterface(parseDomain(dump), newNic));

    // The new NIC sits right after the last existing one.
    const devices = firstChild(parseXml(patched).root, 'devices');
    const names = childElements(devices ?? parseXml('<x/>').root).map((e) => e.name);
    const lastNic = names.lastIndexOf('interface');
    expect(names.filter((n) => n === 'interface')).toHaveLength(3);
    expect(names[lastNic - 1]).toBe('interface');

    // Take the new NIC out again: canonically the dump, byte for byte.
    const doc = parseXml(patched);
    const dev = firstChild(doc.root, 'devices');
    if (!dev) throw new Error('no devices');
    dev.children = dev.children.filter(
      (c) => !(isElement(c) && c.name === 'interface' && firstChild(c, 'target')?.attrs.dev === 'rtr-a.2'),
    );
    expect(canonical(printXml(doc), 'without.xml')).toBe(canonical(dump, 'dump.xml'));

    // libvirt accepts the result and lists the NIC.
    const file = join(tmp, 'patched.xml');
    writeFileSync(file, patched);
    expect(run(['virt-xml-validate', file]).status).toBe(0);
    const list = runOk(['virsh', '-c', 'test:///default', `define ${file}; domiflist rtr-a`]);
    expect(list).toMatch(/rtr-a\.2\s+network\s+front\s+virtio\s+52:54:00:10:20:32/);
  });

  it('updates an existing NIC in place, keeping its PCI address and unknown children', () => {
    const d = parseDomain(
      readFileSync(join(here, '../test/fixtures/domain/15-hostdev-and-network-ovs.xml'), 'utf8'),
    );
    const updated = upsertInterface(d, {
      type: 'network',
      source: { network: 'ovs-net', portgroup: 'red' },
      target: { dev: 'pt.0' },
      mac: '52:54:00:0a:0b:0d',
    });
    expect(updated.devices.interfaces).toHaveLength(1);
    const out = printDomain(updated);
    expect(out).toContain("<source network='ovs-net' portgroup='red'/>");
    expect(out).toContain("<mac address='52:54:00:0a:0b:0d'/>");
    expect(out).toContain("<alias name='ua-nic0'/>");
    expect(out).toContain("<parameters interfaceid='5a1c8b2e-7d3f-4e6a-9b0c-1d2e3f4a5b6c'/>");
    // The input is not mutated.
    expect(printDomain(d)).toContain("portgroup='blue'");
  });

  it('replaces a NIC of another type, without leftovers of the old source', () => {
    const d = parseDomain(readFileSync(join(here, '../test/fixtures/domain/16-many-nics.xml'), 'utf8'));
    const out = printDomain(
      upsertInterface(d, { type: 'bridge', source: { bridge: 'brX' }, target: { dev: 'sw.0' } }),
    );
    expect(out).toContain("<interface type='bridge'>");
    expect(out).toContain("<source bridge='brX'/>");
    expect(out).not.toContain("portgroup='p1'");
    expect(out.match(/<interface /g)).toHaveLength(6);
  });

  it('sets and removes a portgroup (the step virsh attach-interface cannot do)', () => {
    const d = parseDomain(readFileSync(join(here, '../test/fixtures/domain/16-many-nics.xml'), 'utf8'));
    const set = setPortgroup(d, 'sw.2', 'vlan10');
    expect(printDomain(set)).toContain("<source network='n2' portgroup='vlan10'/>");
    const removed = setPortgroup(d, 'sw.0', undefined);
    expect(printDomain(removed)).toContain("<source network='n1'/>");
    expect(() => setPortgroup(d, 'sw.9', 'x')).toThrow('no interface with target dev "sw.9"');
    expect(() => setPortgroup(d, 'sw.3', 'x')).toThrow('is of type "bridge", expected "network"');
  });

  it('finds NICs by target dev, else by MAC', () => {
    const d = parseDomain(readFileSync(join(here, '../test/fixtures/domain/16-many-nics.xml'), 'utf8'));
    expect(findInterface(d, { target: 'sw.4' })).toBe(4);
    expect(findInterface(d, { mac: '52:54:00:00:01:03' })).toBe(3);
    expect(findInterface(d, { mac: '52:54:00:00:01:03'.toUpperCase() })).toBe(3);
    expect(findInterface(d, { target: 'nope' })).toBe(-1);
  });
});
