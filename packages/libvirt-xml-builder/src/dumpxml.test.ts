/**
 * Documents libvirt itself writes: `virsh dumpxml` of running and inactive VMs (test/fixtures/dumpxml,
 * written for this package in libvirt 9's layout: vnet targets, aliases, `id='N'`, seclabels, resource,
 * controllers, graphics with listen children, libxml2-quoted metadata...), and what libvirt's test
 * driver writes back for every domain and network fixture of the package, inactive and running.
 * parse -> print must give back the same bytes, and must never refuse.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, run, runOk } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkDomain,
  formatDiagnostic,
  parseDomain,
  parseNetwork,
  printDomain,
  printNetwork,
  setPortgroup,
  upsertInterface,
} from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../test/fixtures');
const read = (...p: string[]) => readFileSync(join(fixtures, ...p), 'utf8');
const xmlFiles = (dir: string) =>
  readdirSync(join(fixtures, dir))
    .filter((f) => f.endsWith('.xml'))
    .sort();
const dumps = xmlFiles('dumpxml');
const kindOf = (xml: string) => (/^\s*<network\b/m.test(xml) ? 'network' : 'domain');
const reprint = (xml: string, file: string) =>
  kindOf(xml) === 'network'
    ? printNetwork(parseNetwork(xml, { file }))
    : printDomain(parseDomain(xml, { file }));

const tmp = mkdtempSync(join(tmpdir(), 'hgt-lvd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the dumpxml corpus', () => {
  it('has running and inactive domains and networks', () => {
    const running = dumps.filter((f) => /^\s*<domain [^>]*\bid='\d+'/m.test(read('dumpxml', f)));
    expect(dumps.length).toBeGreaterThanOrEqual(10);
    expect(running.length).toBeGreaterThanOrEqual(5);
    expect(dumps.filter((f) => f.startsWith('inactive-')).length).toBeGreaterThanOrEqual(2);
    expect(dumps.filter((f) => kindOf(read('dumpxml', f)) === 'network').length).toBeGreaterThanOrEqual(2);
  });
});

describe.each(dumps)('dumpxml/%s', (name) => {
  const original = read('dumpxml', name);

  it('prints back byte for byte', () => {
    expect(reprint(original, name)).toBe(original);
  });

  it('is valid for virt-xml-validate', (ctx) => {
    needs(ctx, 'virt-xml-validate');
    const r = run(['virt-xml-validate', join(fixtures, 'dumpxml', name), kindOf(original)]);
    expect(`${r.stdout}${r.stderr}`).toContain('validates');
  });
});

/** The text of the first `<root` on, as virsh prints it after its own status lines. */
function documentIn(out: string, root: string): string {
  const at = out.indexOf(`<${root}`);
  if (at < 0) throw new Error(`no <${root}> in virsh output:\n${out}`);
  return `${out.slice(at).trimEnd()}\n`;
}

const nameOf = (xml: string) => /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? '';

const domainFixtures = [
  ...xmlFiles('domain').map((f) => ['domain', f] as const),
  ...dumps.filter((f) => kindOf(read('dumpxml', f)) === 'domain').map((f) => ['dumpxml', f] as const),
];
const networkFixtures = [
  ...xmlFiles('network').map((f) => ['network', f] as const),
  ...dumps.filter((f) => kindOf(read('dumpxml', f)) === 'network').map((f) => ['dumpxml', f] as const),
];

describe.each(domainFixtures)("libvirt's own dump of %s/%s", (dir, file) => {
  it('inactive and running: prints back byte for byte', (ctx) => {
    needs(ctx, 'virsh');
    const path = join(fixtures, dir, file);
    const vm = nameOf(read(dir, file));
    const inactive = documentIn(
      runOk(['virsh', '-c', 'test:///default', `define ${path}; dumpxml ${vm}`]),
      'domain',
    );
    const running = documentIn(
      runOk(['virsh', '-c', 'test:///default', `define ${path}; start ${vm}; dumpxml ${vm}`]),
      'domain',
    );
    expect(running).toMatch(/^<domain [^>]*id='\d+'/);
    expect(printDomain(parseDomain(inactive))).toBe(inactive);
    expect(printDomain(parseDomain(running))).toBe(running);
  });
});

describe.each(networkFixtures)("libvirt's own dump of %s/%s", (dir, file) => {
  it('active: prints back byte for byte', (ctx) => {
    needs(ctx, 'virsh');
    const net = nameOf(read(dir, file));
    const path = join(fixtures, dir, file);
    const out = runOk([
      'virsh',
      '-c',
      'test:///default',
      `net-define ${path}; net-start ${net}; net-dumpxml ${net}`,
    ]);
    const dumped = documentIn(out, 'network');
    expect(printNetwork(parseNetwork(dumped))).toBe(dumped);
  });
});

describe('patching a running VM (existingDomainXml)', () => {
  const xml = read('dumpxml', 'running-ovs-router.xml');

  it('changes only the lines of the edit', () => {
    const d = setPortgroup(parseDomain(xml), 'vnet4', 'vlan20');
    const before = xml.split('\n');
    const after = printDomain(d).split('\n');
    const changed = after.flatMap((l, i) => (l === before[i] ? [] : [[before[i], l]]));
    expect(changed).toEqual([
      [
        "      <source network='intern-vlans' portgroup='vlan10' portid='4b2d8e6f-0a1c-4d3e-9f5b-6c7a8e9d0f12' bridge='brint'/>",
        "      <source network='intern-vlans' portgroup='vlan20' portid='4b2d8e6f-0a1c-4d3e-9f5b-6c7a8e9d0f12' bridge='brint'/>",
      ],
    ]);
  });

  it('adds a NIC after the last one and stays valid for libvirt', (ctx) => {
    const d = upsertInterface(parseDomain(xml), {
      type: 'network',
      mac: '52:54:00:5e:10:99',
      source: { network: 'intern-vlans', portgroup: 'vlan10' },
      target: { dev: 'rtr-b.3' },
      model: 'virtio',
    });
    const out = printDomain(d);
    const lines = out.split('\n');
    expect(
      lines.slice(
        lines.indexOf("      <target dev='rtr-b.3'/>") - 2,
        lines.indexOf("      <target dev='rtr-b.3'/>") + 2,
      ),
    ).toEqual([
      "      <mac address='52:54:00:5e:10:99'/>",
      "      <source network='intern-vlans' portgroup='vlan10'/>",
      "      <target dev='rtr-b.3'/>",
      "      <model type='virtio'/>",
    ]);
    needs(ctx, 'virt-xml-validate');
    const file = join(tmp, 'patched.xml');
    writeFileSync(file, out);
    expect(run(['virt-xml-validate', file, 'domain']).status).toBe(0);
  });
});

describe('the build checks are opt-in warnings, located in the dump', () => {
  it("a running VM's vnet targets are LV007 warnings at their line, not a refusal", () => {
    const file = 'rtr-b.xml';
    const xml = read('dumpxml', 'running-ovs-router.xml');
    const found = checkDomain(parseDomain(xml, { file }));
    const lineOf = (text: string) => xml.split('\n').findIndex((l) => l.includes(text)) + 1;
    expect(found.map((d) => [d.code, d.severity, d.pos.line, d.found])).toEqual([
      ['LV007', 'warning', lineOf("<target dev='vnet3'/>"), '"vnet3"'],
      ['LV007', 'warning', lineOf("<target dev='vnet4'/>"), '"vnet4"'],
      ['LV007', 'warning', lineOf("<target dev='vnet5'/>"), '"vnet5"'],
    ]);
    expect(formatDiagnostic(found[0]!)).toBe(
      `rtr-b.xml:${lineOf("<target dev='vnet3'/>")}:7: devices.interfaces[0].target.dev: expected a name not starting with vnet/macvtap/macvlan (libvirt discards those), found "vnet3"`,
    );
  });

  it('an inactive dump has nothing to report', () => {
    expect(checkDomain(parseDomain(read('dumpxml', 'inactive-q35-nat.xml')))).toEqual([]);
  });

  it('a part built in code has no source line (line 0)', () => {
    const d = upsertInterface(parseDomain(read('dumpxml', 'inactive-q35-nat.xml'), { file: 'vm.xml' }), {
      type: 'bridge',
      source: { bridge: 'br0' },
      mac: '01:00:5e:00:00:01',
    });
    expect(checkDomain(d).map((x) => [x.code, x.pos, formatDiagnostic(x)])).toEqual([
      [
        'LV005',
        { file: 'vm.xml', line: 0, col: 0 },
        'vm.xml: devices.interfaces[1].mac: expected a unicast MAC address (first octet even), found "01:00:5e:00:00:01"',
      ],
    ]);
  });
});
