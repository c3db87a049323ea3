/**
 * apply.md: the hypervisor's runbook, from nothing to two running routers. Every step is commands to run as
 * root on the hypervisor, then the command that proves it worked and what that prints.
 */
import type { Domain } from '@hagate/libvirt-xml-builder';
import { raSegments, type Spec } from '@hagate/spec';
import { adminPath } from './admin.js';
import { domiflistTable, routerVolumes } from './libvirt.js';
import { generatedMarker, type SynthInput } from './types.js';

/** Debian 12's cloud image without cloud-init (root logs in on the console; SSH by key). */
export const DEBIAN_IMAGE_URL =
  'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-nocloud-amd64.qcow2';
const IMAGE = '/var/tmp/debian-12-nocloud-amd64.qcow2';

/** Debian packages a router needs at first boot. */
export function routerPackages(spec: Spec): string[] {
  const pkgs = ['keepalived', 'nftables', 'ifupdown', 'iproute2', 'openssh-server', 'python3', 'nodejs'];
  if (spec.conntrackSync) pkgs.push('conntrackd', 'conntrack');
  if (raSegments(spec).length > 0) pkgs.push('radvd');
  return pkgs;
}

type Out = (...lines: string[]) => void;

function bridgesStep(spec: Spec, p: Out): void {
  const ext = Object.values(spec.routers)[0]?.nics[spec.external.nic];
  const extBridge = ext ? spec.hypervisor.networks[ext.network]?.bridge : undefined;
  p('## 1. Open vSwitch bridges and the uplink', '');
  p('The libvirt networks below only point at these bridges; they must exist first.', '', '```sh');
  for (const net of Object.values(spec.hypervisor.networks)) p(`ovs-vsctl --may-exist add-br ${net.bridge}`);
  p('ovs-vsctl list-br', '```', '', '`ovs-vsctl list-br` lists at least:', '', '```');
  for (const b of [...new Set(Object.values(spec.hypervisor.networks).map((n) => n.bridge))].sort()) p(b);
  p('```', '');
  if (!extBridge) return;
  p(
    `The routers' external NICs reach the provider through \`${extBridge}\`: it must carry the hypervisor's`,
    'physical uplink. Check (one line per physical NIC on the bridge):',
    '',
    '```sh',
    `for p in $(ovs-vsctl list-ports ${extBridge}); do [ -e /sys/class/net/$p/device ] && echo "$p"; done`,
    '```',
    '',
    'prints the uplink NIC, e.g. `eno1`. Nothing printed: the bridge has no uplink yet. Add it from the',
    `hypervisor's console, not over SSH (moving the NIC cuts the connection that runs through it): \`ovs-vsctl`,
    `add-port ${extBridge} eno1\`, then move the hypervisor's address and default route from \`eno1\` to \`${extBridge}\`.`,
    '',
  );
}

function adminStep(spec: Spec, p: Out): void {
  const admin = adminPath(spec);
  const hv = admin.hypervisor;
  if (!hv) return;
  const first = Object.entries(admin.routers)[0];
  p(`## 2. The hypervisor's port on the ${admin.name} segment`, '');
  p(
    `The routers answer SSH on the ${admin.name} segment (${admin.segment.subnet}${hv.vlan !== undefined ? `, VLAN ${hv.vlan}` : ''}) only. The hypervisor`,
    `gets an internal OVS port there, \`${hv.port}\`, with ${hv.address}/${hv.prefix} (the highest free address of the subnet).`,
    '',
    '```sh',
    `ovs-vsctl --may-exist add-port ${hv.bridge} ${hv.port}${hv.vlan !== undefined ? ` tag=${hv.vlan}` : ''} -- set interface ${hv.port} type=internal`,
    `ip addr replace ${hv.address}/${hv.prefix} dev ${hv.port}`,
    `ip link set ${hv.port} up`,
    `ovs-vsctl get port ${hv.port} tag`,
    `ip -4 -o addr show dev ${hv.port}`,
    '```',
    '',
    `\`ovs-vsctl get port ${hv.port} tag\` prints \`${hv.vlan ?? '[]'}\`; \`ip -4 -o addr show\` prints one line with`,
    `\`inet ${hv.address}/${hv.prefix}\`. OVS keeps the port across reboots, the address is not kept: add it to the`,
    `hypervisor's network configuration (with ifupdown: an \`iface ${hv.port} inet static\` stanza with`,
    `\`address ${hv.address}/${hv.prefix}\`, brought up after openvswitch-switch).`,
    '',
  );
  if (first) {
    p(`Once the routers run (step 6), \`ping -c 3 -W 1 ${first[1]}\` from here prints \`3 received\`.`, '');
  }
}

function networksStep(spec: Spec, p: Out): void {
  p('## 3. libvirt networks', '', '```sh');
  for (const name of Object.keys(spec.hypervisor.networks)) {
    p(
      `virsh net-define libvirt/networks/${name}.xml`,
      `virsh net-autostart ${name}`,
      `virsh net-start ${name}    # "already active" is fine on a re-run`,
    );
  }
  p('virsh net-list --all', '```', '');
  p('`virsh net-list --all` shows each network `active`, autostart `yes`. Portgroups defined:', '');
  for (const [name, net] of Object.entries(spec.hypervisor.networks)) {
    for (const [pg, v] of Object.entries(net.portgroups)) {
      const what = v.trunk
        ? `trunk of VLANs ${v.trunk.join(', ')}`
        : v.vlan !== undefined
          ? `access VLAN ${v.vlan}`
          : 'no VLAN';
      p(`- \`${name}\` / \`${pg}\`: ${what}${v.default ? ' (default)' : ''}`);
    }
  }
  p('');
}

function osStep(spec: Spec, name: string, p: Out): void {
  const router = spec.routers[name];
  if (!router) return;
  const vols = routerVolumes(spec, name, router);
  const root = vols[0]?.path as string;
  const rest = vols.slice(1);
  const letter = (i: number) => `/dev/sd${String.fromCharCode(98 + i)}`;
  const customize = [
    `virt-customize -a ${root}${rest.map((v) => ` -a ${v.path}`).join('')} \\`,
    `  --hostname ${name} \\`,
    `  --install ${routerPackages(spec).join(',')} \\`,
    '  --ssh-inject root:file:/root/.ssh/id_ed25519.pub \\',
    `  --upload /var/tmp/${name}-tree.tar:/root/hagate-tree.tar \\`,
    "  --run-command 'tar -C / -xf /root/hagate-tree.tar && rm /root/hagate-tree.tar' \\",
  ];
  rest.forEach((v, i) => {
    if (v.name.endsWith('-var')) {
      customize.push(
        `  --run-command 'mkfs.ext4 -q -L var ${letter(i)} && mount ${letter(i)} /mnt && cp -a /var/. /mnt/ && umount /mnt' \\`,
        "  --append-line '/etc/fstab:LABEL=var /var ext4 defaults 0 2' \\",
      );
    } else if (v.name.endsWith('-swap')) {
      customize.push(
        `  --run-command 'mkswap -L swap ${letter(i)}' \\`,
        "  --append-line '/etc/fstab:LABEL=swap none swap sw 0 0' \\",
      );
    }
  });
  customize.push(
    // ifupdown alone configures the NICs (the image may bring systemd-networkd with a DHCP setup).
    "  --run-command 'systemctl disable systemd-networkd.service systemd-networkd.socket 2>/dev/null || true' \\",
    `  --run-command 'systemctl enable nftables.service keepalived.service${raSegments(spec).length > 0 ? ' radvd.service' : ''}' \\`,
    "  --run-command 'update-initramfs -u'",
  );
  p(
    `A new VM only (this overwrites the root volume): Debian 12's cloud image, then the router's tree (\`../${name}/\`) as root-owned`,
    'files (a tar of the files only, so no directory of the image changes owner or mode), the packages, your',
    'SSH key, /var and swap on their volumes, keepalived and the firewall enabled. The `.link` files name the NICs',
    '`eth0`, `eth1`... by MAC and PCI slot; `update-initramfs` puts them in the initramfs too.',
    '',
    '```sh',
    `qemu-img convert -O raw ${IMAGE} ${root}`,
    `(cd ../${name} && find . -type f -print0 | tar --null --no-recursion --owner=0 --group=0 --numeric-owner -T - -cf /var/tmp/${name}-tree.tar)`,
    ...customize,
    `virt-cat -a ${root} /etc/hostname`,
    '```',
    '',
    `\`virt-cat\` prints \`${name}\`.`,
    '',
  );
}

function vmsStep(input: SynthInput, domains: Map<string, Domain>, patched: Set<string>, p: Out): void {
  const { spec } = input;
  p('## 4. Router VMs', '');
  p(
    'Once for both routers: the tools and the Debian 12 image.',
    '',
    '```sh',
    'apt-get install -y qemu-utils libguestfs-tools',
    `wget -O ${IMAGE} ${DEBIAN_IMAGE_URL}`,
    '```',
    '',
  );
  for (const [name, router] of Object.entries(spec.routers)) {
    const d = domains.get(name) as Domain;
    p(`### ${name}`, '');
    if (patched.has(name)) {
      p(
        `\`libvirt/domains/${name}.xml\` is this VM's own \`virsh dumpxml\` (${router.existingDomainXml}) with the NICs of the`,
        'spec added or updated (portgroups included); every other element is unchanged. Its disks keep their OS.',
        '',
        '```sh',
        `virsh define libvirt/domains/${name}.xml`,
        '```',
        '',
      );
    } else {
      p(
        'Disk volumes (skip a line when the volume exists already):',
        '',
        '```sh',
        ...routerVolumes(spec, name, router).map(
          (v) => `lvcreate -L ${v.gib}G -n ${v.name} ${router.volumeGroup}`,
        ),
        '```',
        '',
      );
      osStep(spec, name, p);
      p(
        `A new VM: define it from the full definition (${spec.vm.memoryMiB} MiB, ${spec.vm.vcpus} vCPU, serial console):`,
        '',
        '```sh',
        `virsh define libvirt/domains/${name}.xml`,
        '```',
        '',
        `Or, for an existing ${name}, add only the NICs it lacks (one file per NIC, libvirt picks the PCI slot):`,
        '',
        '```sh',
        ...Object.values(router.nics).map(
          (n) => `virsh attach-device ${name} libvirt/interfaces/${n.target}.xml --config`,
        ),
        '```',
        '',
        'A NIC that exists already but lacks its portgroup is fixed with `virsh edit` (the `<source>` line of the',
        `matching \`<target dev>\` in libvirt/domains/${name}.xml), or by setting \`existingDomainXml\` in the spec.`,
        'A NIC libvirt placed on another PCI slot than the domain file says is not named by its `.link` file:',
        `then set \`existingDomainXml\` (the \`.link\` files follow the dump's slots).`,
        '',
      );
    }
    p(
      `Check: \`virsh domiflist ${name}\` prints`,
      '',
      '```',
      domiflistTable(d.devices.interfaces),
      '```',
      '',
    );
  }
}

function startStep(spec: Spec, p: Out): void {
  const names = Object.keys(spec.routers);
  p('## 5. Start at boot, start now, and check the switch ports', '', '```sh');
  for (const name of names) p(`virsh autostart ${name}`, `virsh start ${name}`);
  for (const name of names) p(`virsh dominfo ${name}`);
  p('ovs-vsctl show', '```', '');
  p('Each `virsh dominfo` shows, among other lines:', '', '```', 'State:          running');
  p('Autostart:      enable', '```', '');
  p(
    "`ovs-vsctl show` then shows each bridge with the routers' ports (UUID, port order and other ports vary):",
    '',
    '```',
  );
  const byBridge = new Map<string, { port: string; tag?: number; trunks?: number[] }[]>();
  for (const router of Object.values(spec.routers)) {
    for (const nic of Object.values(router.nics)) {
      const net = spec.hypervisor.networks[nic.network];
      if (!net) continue;
      const pg =
        nic.portgroup === undefined
          ? Object.values(net.portgroups).find((g) => g.default)
          : net.portgroups[nic.portgroup];
      const list = byBridge.get(net.bridge) ?? [];
      list.push({
        port: nic.target,
        ...(pg?.vlan !== undefined ? { tag: pg.vlan } : {}),
        ...(pg?.trunk ? { trunks: pg.trunk } : {}),
      });
      byBridge.set(net.bridge, list);
    }
  }
  p('<uuid>');
  for (const [bridge, ports] of byBridge) {
    p(`    Bridge ${bridge}`);
    for (const port of ports) {
      p(`        Port "${port.port}"`);
      if (port.tag !== undefined) p(`            tag: ${port.tag}`);
      if (port.trunks) p(`            trunks: [${port.trunks.join(', ')}]`);
      p(`            Interface "${port.port}"`);
    }
  }
  p('```', '', 'Exact checks, one line of output each:', '', '```sh');
  const checks: string[] = [];
  for (const ports of byBridge.values()) {
    for (const port of ports) {
      checks.push(`ovs-vsctl get port ${port.port} tag      # ${port.tag ?? '[]'}`);
      checks.push(`ovs-vsctl get port ${port.port} trunks   # [${(port.trunks ?? []).join(', ')}]`);
    }
  }
  p(...checks, '```', '');
  p(
    'A port with neither tag nor trunks carries every VLAN untagged and tagged: only the external NICs',
    `(${Object.values(spec.routers)
      .map((r) => r.nics[spec.external.nic]?.target)
      .filter(Boolean)
      .join(', ')}) should look like that.`,
    '',
  );
}

function routersStep(spec: Spec, p: Out): void {
  const admin = adminPath(spec);
  const nics = Object.keys(Object.values(spec.routers)[0]?.nics ?? {});
  const vrrpIface =
    spec.segments[spec.vrrp.segment]?.vlan === undefined
      ? spec.segments[spec.vrrp.segment]?.nic
      : `${spec.segments[spec.vrrp.segment]?.nic}.${spec.segments[spec.vrrp.segment]?.vlan}`;
  p('## 6. The routers, first boot', '');
  p(
    `From the hypervisor (its ${admin.name} port, step 2), about a minute after \`virsh start\`:`,
    '',
    '```sh',
  );
  for (const addr of Object.values(admin.routers)) {
    p(
      `ssh root@${addr} 'hostname; ip -br link show | cut -d" " -f1 | grep -E "^(${nics.join('|')})$" | sort; systemctl is-enabled nftables keepalived; systemctl is-active nftables keepalived'`,
    );
  }
  p('```', '');
  p('Each prints its name, its NICs, then `enabled` twice and `active` twice, e.g.:', '', '```');
  p(Object.keys(admin.routers)[0] ?? '', ...[...nics].sort(), 'enabled', 'enabled', 'active', 'active');
  p('```', '');
  p(
    `Exactly one router holds the VIP ${spec.vrrp.vip}: \`ssh root@<router> ip -4 -br addr show dev ${vrrpIface}\``,
    `lists it on the master only (with preemption on, the router with the highest priority).`,
    '',
    ...raStep(spec),
    'Updates after this: `ansible-playbook -i ../ansible/inventory.yml ../ansible/site.yml` (README,',
    '"Deploying"), which validates on each router, updates the backup first and hands the master over.',
    '',
  );
}

/** What the routers' router advertisements look like from a LAN host (nothing without them). */
function raStep(spec: Spec): string[] {
  const segs = raSegments(spec);
  if (segs.length === 0) return [];
  return [
    `Router advertisements (${segs.map((s) => `${s.name} on ${s.iface}`).join(', ')}): radvd runs on both routers and`,
    "only the master's advertisements leave, from the segment's link-local VIP. `ssh root@<router> systemctl",
    'is-active radvd` prints `active` on both; on a LAN host that takes them (SLAAC),',
    `\`ip -6 route show default\` prints one line, \`default via ${[...new Set(segs.map((s) => s.source))].join(' or ')} dev <its NIC> proto ra ...\`, on every`,
    'segment, and stays so across a failover: the VIP moves, the router address the hosts know does not.',
    '',
  ];
}

export function applyMd(input: SynthInput, domains: Map<string, Domain>, patched: Set<string>): string {
  const { spec } = input;
  const hv = spec.hypervisor.name;
  const out: string[] = [];
  const p: Out = (...lines) => void out.push(...lines);
  p(`<!-- ${generatedMarker(input)} -->`, '', `# Applying the generated files on ${hv}`, '');
  p(
    `Run these as root on ${hv}, from the folder that holds this file (the \`${hv}/\` folder of the output).`,
    'Steps are in order; each ends with a check and what it should print.',
    '',
  );
  bridgesStep(spec, p);
  adminStep(spec, p);
  networksStep(spec, p);
  vmsStep(input, domains, patched, p);
  startStep(spec, p);
  routersStep(spec, p);
  return out.join('\n');
}
