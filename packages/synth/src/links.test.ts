import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printDomain } from '@hagate/libvirt-xml-builder';
import { needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { domainModel } from './libvirt.js';
import { LINK_DIR, pciPath, synthLinks } from './links.js';

const files = synthLinks(input());
const get = (p: string) => {
  const f = files.find((x) => x.path === p);
  if (!f || typeof f.contents !== 'string') throw new Error(`not generated: ${p}`);
  return f.contents;
};

describe('synthLinks: NIC names by MAC and PCI slot', () => {
  it('writes one .link file per NIC of each router', () => {
    expect(files.map((f) => f.path)).toEqual(
      ['extrout1', 'extrout2'].flatMap((r) =>
        ['eth0', 'eth1', 'eth2'].map((n) => `${r}${LINK_DIR}/10-hagate-${n}.link`),
      ),
    );
  });

  it.each([
    ['extrout1', 'eth0', '52:54:00:aa:bb:cc', 'pci-0000:01:00.0'],
    ['extrout1', 'eth1', '52:54:00:dd:ee:ff', 'pci-0000:09:00.0'],
    ['extrout1', 'eth2', '52:54:00:ff:ff:ff', 'pci-0000:0a:00.0'],
    ['extrout2', 'eth2', '52:54:00:ff:ff:ff', 'pci-0000:0a:00.0'],
  ])('%s %s: MAC %s on the slot the domain XML pins (%s)', (router, nic, mac, path) => {
    const text = get(`${router}${LINK_DIR}/10-hagate-${nic}.link`);
    expect(text).toContain(`[Match]\nMACAddress=${mac}\nPath=${path}\n\n[Link]\nName=${nic}\n`);
  });

  it('pciPath is udev ID_PATH for a PCI address', () => {
    expect(pciPath({ type: 'pci', domain: 0, bus: 0x0a, slot: 0, function: 0 })).toBe('pci-0000:0a:00.0');
    expect(pciPath({ type: 'pci', bus: 1, slot: 0x1f, function: 3 })).toBe('pci-0000:01:1f.3');
  });

  it("follows an existing domain's slots, and matches the driver where a NIC has no slot", () => {
    const dump = domainModel(input().spec, 'extrout1');
    dump.devices.interfaces = dump.devices.interfaces.map((i, n) =>
      n === 1 ? { ...i, address: { type: 'pci' as const, domain: 0, bus: 7, slot: 0, function: 0 } } : i,
    );
    dump.devices.interfaces.pop();
    const i = input((s) => {
      (s.routers.extrout1 as { existingDomainXml?: string }).existingDomainXml = 'extrout1.dump.xml';
    });
    const out = synthLinks({ ...i, existingDomainXml: { extrout1: printDomain(dump) } });
    const text = (n: string) =>
      out.find((f) => f.path === `extrout1${LINK_DIR}/10-hagate-${n}.link`)?.contents;
    expect(text('eth1')).toContain('Path=pci-0000:07:00.0\n');
    // eth2 is added to the dump without an address: libvirt picks the slot.
    expect(text('eth2')).toContain('MACAddress=52:54:00:ff:ff:ff\nDriver=virtio_net\n');
  });
});

describe("synthLinks: udev's own parser and matcher (udevadm test-builtin net_setup_link)", () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hgt-links-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /**
   * Runs udevadm in a private mount and network namespace: only `dir`'s files in /etc/systemd/network (the
   * system's own .link files hidden), a veth with `mac`, then `udevadm test-builtin net_setup_link` on it.
   */
  function udevTest(dir: string, mac: string): { out: string; err: string } {
    const script = [
      'mount -t sysfs sysfs /sys',
      'for d in /etc/systemd/network /run/systemd/network /usr/lib/systemd/network /lib/systemd/network; do',
      '  [ -d "$d" ] && mount -t tmpfs hgt "$d"',
      'done',
      `cp ${dir}/*.link /etc/systemd/network/`,
      'ip link add hgtnic type veth peer name hgtpeer',
      `ip link set hgtnic address ${mac}`,
      'udevadm test-builtin net_setup_link /sys/class/net/hgtnic',
    ].join('\n');
    const r = run(['unshare', '-m', '-n', '--propagation', 'private', 'sh', '-ec', script]);
    expect(r.status, r.stderr).toBe(0);
    return { out: r.stdout, err: r.stderr };
  }

  it('parses every file without a warning; a device with the MAC but no PCI slot (a VLAN, a macvlan) is left alone', (ctx) => {
    needs(ctx, 'root', 'udevadm', 'unshare', 'ip');
    const dir = join(tmp, 'as-generated');
    mkdirSync(dir);
    for (const f of files.filter((x) => x.path.startsWith('extrout1/')))
      writeFileSync(join(dir, f.path.split('/').pop() as string), f.contents);
    const { out, err } = udevTest(dir, '52:54:00:dd:ee:ff');
    for (const n of ['eth0', 'eth1', 'eth2'])
      expect(err).toContain(`Parsed configuration file "/etc/systemd/network/10-hagate-${n}.link"`);
    expect(err).not.toMatch(/Unknown|Failed to parse|Invalid|ignoring assignment/i);
    expect(err).toContain('hgtnic: No matching link configuration found');
    expect(out).not.toContain('ID_NET_LINK_FILE');
  });

  it('without the slot condition, the MAC alone names the NIC (what the Path= line guards against)', (ctx) => {
    needs(ctx, 'root', 'udevadm', 'unshare', 'ip');
    const dir = join(tmp, 'mac-only');
    mkdirSync(dir);
    for (const f of files.filter((x) => x.path.startsWith('extrout1/')))
      writeFileSync(
        join(dir, f.path.split('/').pop() as string),
        (f.contents as string).replace(/^Path=.*\n/m, ''),
      );
    const { out, err } = udevTest(dir, '52:54:00:dd:ee:ff');
    expect(err).toContain('hgtnic: Config file /etc/systemd/network/10-hagate-eth1.link is applied');
    expect(out).toContain('ID_NET_LINK_FILE=/etc/systemd/network/10-hagate-eth1.link');
    expect(out).toContain('ID_NET_NAME=eth1');
  });
});
