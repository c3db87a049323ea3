import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, runOk } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { synthLibvirt } from './libvirt.js';

const text = (path: string, i = input()) => {
  const f = synthLibvirt(i).find((x) => x.path === path);
  if (!f || typeof f.contents !== 'string') throw new Error(`not generated: ${path}`);
  return f.contents;
};
const md = text('hyperv/apply.md');

/** The shell commands of apply.md's ```sh blocks, one per line (continuations joined). */
function shellLines(doc: string): string[] {
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n')).filter((l) => l.trim() !== '');
}

describe('apply.md: from a bare hypervisor to two running routers', () => {
  it('goes through every step in order, each with its check', () => {
    const order = [
      'ovs-vsctl --may-exist add-br br0',
      'for p in $(ovs-vsctl list-ports br0); do [ -e /sys/class/net/$p/device ] && echo "$p"; done',
      'ovs-vsctl --may-exist add-port brint hv-admin tag=99 -- set interface hv-admin type=internal',
      'ip addr replace 10.99.1.254/24 dev hv-admin',
      'virsh net-define libvirt/networks/intern-vlans.xml',
      'lvcreate -L 3G -n extrout1 vg1',
      'qemu-img convert -O raw /var/tmp/debian-12-nocloud-amd64.qcow2 /dev/vg1/extrout1',
      '--owner=0 --group=0',
      'virt-customize -a /dev/vg1/extrout1 -a /dev/vg1/extrout1-var -a /dev/vg1/extrout1-swap',
      "--run-command 'systemctl enable nftables.service keepalived.service'",
      'virt-cat -a /dev/vg1/extrout1 /etc/hostname',
      'virsh define libvirt/domains/extrout1.xml',
      'lvcreate -L 3G -n extrout2 vg0',
      'virsh autostart extrout1',
      'virsh start extrout1',
      'virsh dominfo extrout2',
      'ovs-vsctl get port extrout1.0 trunks   # [99, 250]',
      "ssh root@10.99.1.1 'hostname;",
      'ansible-playbook -i ../ansible/inventory.yml ../ansible/site.yml',
    ];
    const at = order.map((c) => md.indexOf(c));
    expect(order.filter((_, i) => (at[i] as number) < 0)).toEqual([]);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Each numbered step says what its check prints.
    for (const step of md.split('\n## ').slice(1)) expect(step, step.split('\n')[0]).toMatch(/prints|shows/);
  });

  it('installs only files into the image (no directory entry that would change /etc or /usr), root-owned', () => {
    const tar = shellLines(md).find((l) => l.includes('extrout1-tree.tar') && l.includes('tar --null'));
    expect(tar).toContain('find . -type f -print0');
    expect(tar).toContain('--no-recursion');
    expect(tar).toContain('--owner=0 --group=0');
  });

  it('a zero swap volume leaves the swap steps out; a router dump keeps its disks', () => {
    const noSwap = text(
      'hyperv/apply.md',
      input((s) => void (s.vm.disks.swapGiB = 0)),
    );
    expect(noSwap).not.toContain('mkswap');
    expect(noSwap).toContain('-a /dev/vg1/extrout1 -a /dev/vg1/extrout1-var \\');
  });
});

describe('apply.md: its virsh commands, run by virsh (test driver)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hgt-applymd-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('defines, autostarts and starts the networks and VMs; dominfo shows what apply.md promises', (ctx) => {
    needs(ctx, 'virsh');
    const files = synthLibvirt(input());
    for (const f of files) {
      if (!f.path.endsWith('.xml')) continue;
      writeFileSync(join(tmp, f.path.replaceAll('/', '_')), f.contents);
    }
    // The test driver does not implement attach-device (the path for an existing VM).
    const virsh = shellLines(md)
      .filter((l) => l.startsWith('virsh ') && !l.includes('attach-device'))
      .map((l) => l.replace(/\s+#.*$/, '').slice('virsh '.length))
      .map((l) => l.replace(/libvirt\/\S+\.xml/g, (p) => join(tmp, `hyperv/${p}`.replaceAll('/', '_'))));
    expect(virsh.length).toBeGreaterThan(10);
    const out = runOk(['virsh', '-c', 'test:///default', virsh.join('; ')]);
    for (const vm of ['extrout1', 'extrout2']) {
      expect(out).toContain(`Domain '${vm}' marked as autostarted`);
      const info = out.split(`Name:           ${vm}\n`)[1]?.split('Security label')[0] ?? '';
      // The lines apply.md says dominfo shows.
      const promised = md
        .split('Each `virsh dominfo` shows, among other lines:\n\n```\n')[1]
        ?.split('\n```')[0];
      for (const line of promised?.split('\n') ?? ['(none)']) expect(info, vm).toContain(line);
    }
    expect(out).toMatch(/intern-vlans\s+active\s+yes\s+yes/);
    expect(out).toMatch(/ovs-front\s+active\s+yes\s+yes/);
  });
});
