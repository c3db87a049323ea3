/**
 * The hypervisor side: libvirt networks (Open vSwitch bridges with portgroups), the router VM
 * definitions, one `<interface>` file per NIC for `virsh attach-device`, and apply.md, the exact
 * commands to apply them. Everything goes through @hagate/libvirt-xml-builder's typed model.
 */
import { createHash } from 'node:crypto';
import {
  assertValidDomain,
  assertValidInterface,
  assertValidNetwork,
  type Disk,
  type Domain,
  type Interface,
  type Network,
  type NetworkInterface,
  type PciAddress,
  type Portgroup,
  parseDomain,
  printDomain,
  printInterface,
  printNetwork,
  upsertInterface,
} from '@hagate/libvirt-xml-builder';
import type { Nic, Router, Spec } from '@hagate/spec';
import { applyMd } from './apply-md.js';
import { SynthError } from './errors.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** Extra inputs read from disk by the caller (synth itself never reads files). */
export interface LibvirtSynthOptions {
  /**
   * Contents of each router's `existingDomainXml` (its `virsh dumpxml`), keyed by router name. When a
   * router names such a file, its domain XML is that dump with the spec's NICs added or updated.
   */
  existingDomainXml?: Record<string, string>;
}

/** Namespace of hagate's name-based (v5) UUIDs: the v5 UUID of "hagate" in the URL namespace. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const HAGATE_NAMESPACE = uuidV5('https://hagate.invalid/libvirt', URL_NAMESPACE);

/** The domain UUID of a router: the spec's, else a v5 UUID of `<spec name>/<router name>`. */
export function domainUuid(spec: Spec, routerName: string): string {
  return spec.routers[routerName]?.uuid ?? uuidV5(`${spec.name}/domain/${routerName}`, HAGATE_NAMESPACE);
}

/** Guest PCI buses of the NICs, as libvirt placed them in the how-to (q35 root ports): 0x01, 0x09, 0x0a, then on. */
export function nicAddress(index: number): PciAddress {
  const bus = index === 0 ? 0x01 : 0x08 + index;
  return { type: 'pci', domain: 0, bus, slot: 0, function: 0 };
}

/** The `<interface>` model of one spec NIC. */
export function nicModel(nic: Nic, opts: { address?: PciAddress } = {}): NetworkInterface {
  return {
    type: 'network',
    mac: nic.mac,
    source:
      nic.portgroup === undefined
        ? { network: nic.network }
        : { network: nic.network, portgroup: nic.portgroup },
    target: { dev: nic.target },
    model: nic.model,
    ...(nic.model === 'virtio' ? { driver: { name: 'vhost' as const } } : {}),
    ...(opts.address ? { address: opts.address } : {}),
  };
}

/** LVM volumes of a router: root, var, swap (swap left out when its size is 0). */
export function routerVolumes(
  spec: Spec,
  routerName: string,
  router: Router,
): { path: string; name: string; gib: number }[] {
  const vg = router.volumeGroup;
  const vols = [
    { name: routerName, gib: spec.vm.disks.rootGiB },
    { name: `${routerName}-var`, gib: spec.vm.disks.varGiB },
    { name: `${routerName}-swap`, gib: spec.vm.disks.swapGiB },
  ].filter((v) => v.gib > 0);
  return vols.map((v) => ({ ...v, path: `/dev/${vg}/${v.name}` }));
}

/** The full router VM definition. */
export function domainModel(spec: Spec, routerName: string): Domain {
  const router = spec.routers[routerName];
  if (!router) throw new SynthError(['routers', routerName], `no router ${routerName} in the spec`);
  const devs = ['vda', 'vdb', 'vdc'];
  const disks: Disk[] = routerVolumes(spec, routerName, router).map((v, i) => ({
    type: 'block',
    device: 'disk',
    driver: { name: 'qemu', type: 'raw', cache: 'none', io: 'native' },
    source: { dev: v.path },
    target: { dev: devs[i] ?? `vd${String.fromCharCode(97 + i)}`, bus: 'virtio' },
  }));
  const memory = { value: spec.vm.memoryMiB, unit: 'MiB' as const };
  return {
    type: 'kvm',
    name: routerName,
    uuid: domainUuid(spec, routerName),
    memory,
    currentMemory: memory,
    vcpu: { count: spec.vm.vcpus, placement: 'static' },
    os: { type: 'hvm', arch: 'x86_64', machine: 'q35', boot: ['hd'] },
    features: { acpi: true, apic: true },
    cpu: { mode: 'host-model', check: 'partial' },
    clock: { offset: 'utc' },
    onPoweroff: 'destroy',
    onReboot: 'restart',
    onCrash: 'destroy',
    devices: {
      disks,
      interfaces: Object.values(router.nics).map((nic, i) => nicModel(nic, { address: nicAddress(i) })),
      serials: [{ type: 'pty', target: { type: 'isa-serial', port: 0, model: 'isa-serial' } }],
      consoles: [{ type: 'pty', target: { type: 'serial', port: 0 } }],
    },
  };
}

/** A libvirt network on an Open vSwitch bridge, with the spec's portgroups. */
export function networkModel(spec: Spec, networkName: string): Network {
  const net = spec.hypervisor.networks[networkName];
  if (!net)
    throw new SynthError(['hypervisor', 'networks', networkName], `no network ${networkName} in the spec`);
  const portgroups: Portgroup[] = Object.entries(net.portgroups).map(([name, pg]) => ({
    name,
    ...(pg.default ? { default: true } : {}),
    ...(pg.trunk
      ? { vlan: { trunk: true, tags: pg.trunk.map((id) => ({ id })) } }
      : pg.vlan !== undefined
        ? { vlan: { tags: [{ id: pg.vlan }] } }
        : {}),
  }));
  return {
    name: networkName,
    uuid: uuidV5(`${spec.name}/network/${networkName}`, HAGATE_NAMESPACE),
    forward: { mode: 'bridge' },
    bridge: { name: net.bridge },
    virtualport: { type: 'openvswitch' },
    portgroups,
  };
}

/** An existing domain dump with the spec's NICs added or updated (the how-to's `virsh edit` step). */
export function patchedDomain(spec: Spec, routerName: string, xml: string, file: string): Domain {
  const router = spec.routers[routerName];
  if (!router) throw new SynthError(['routers', routerName], `no router ${routerName} in the spec`);
  let d: Domain;
  try {
    d = parseDomain(xml, { file });
  } catch (e) {
    throw new SynthError(['routers', routerName, 'existingDomainXml'], (e as Error).message);
  }
  if (d.name !== routerName) {
    throw new SynthError(
      ['routers', routerName, 'existingDomainXml'],
      `expected the dump of domain ${routerName}, found domain ${d.name} in ${file}`,
    );
  }
  for (const nic of Object.values(router.nics)) d = upsertInterface(d, nicModel(nic));
  return d;
}

/** `virsh domiflist` as virsh prints it: a leading space, columns padded and 3 spaces apart, a dash rule. */
export function domiflistTable(interfaces: Interface[]): string {
  const header = ['Interface', 'Type', 'Source', 'Model', 'MAC'];
  const source = (i: Interface) =>
    i.type === 'network'
      ? i.source.network
      : i.type === 'bridge'
        ? i.source.bridge
        : i.type === 'direct'
          ? i.source.dev
          : '-';
  const rows = interfaces.map((i) => [i.target?.dev ?? '-', i.type, source(i), i.model ?? '-', i.mac ?? '-']);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => ` ${cell.padEnd(widths[c] ?? 0)}  `)
      .join('')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, w) => a + w + 3, 0));
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * All hypervisor files: networks, domains, per-NIC interface files and apply.md. The dumps named by
 * `existingDomainXml` come from `opts`, or from a field of the same name on the input (so a caller of
 * `synth()` can pass them along with the spec).
 */
export function synthLibvirt(input: SynthInput, opts: LibvirtSynthOptions = {}): GeneratedFile[] {
  const { spec } = input;
  const base = `${spec.hypervisor.name}/libvirt`;
  const header = generatedMarker(input);
  const files: GeneratedFile[] = [];
  for (const name of Object.keys(spec.hypervisor.networks)) {
    const net = networkModel(spec, name);
    assertValidNetwork(net); // the printers never refuse: what synth builds is checked here
    files.push({ path: `${base}/networks/${name}.xml`, contents: printNetwork(net, { header }) });
  }
  const domains = new Map<string, Domain>();
  const patched = new Set<string>();
  for (const [name, router] of Object.entries(spec.routers)) {
    let d: Domain;
    if (router.existingDomainXml !== undefined) {
      const xml = (opts.existingDomainXml ?? (input as SynthInput & LibvirtSynthOptions).existingDomainXml)?.[
        name
      ];
      if (xml === undefined) {
        throw new SynthError(
          ['routers', name, 'existingDomainXml'],
          `expected the contents of ${router.existingDomainXml} to be passed to synth, found none`,
        );
      }
      d = patchedDomain(spec, name, xml, router.existingDomainXml);
      patched.add(name);
    } else {
      d = domainModel(spec, name);
      assertValidDomain(d);
    }
    domains.set(name, d);
    files.push({ path: `${base}/domains/${name}.xml`, contents: printDomain(d, { header }) });
    for (const nic of Object.values(router.nics)) {
      const model = nicModel(nic);
      assertValidInterface(model);
      files.push({
        path: `${base}/interfaces/${nic.target}.xml`,
        contents: printInterface(model, { header }),
      });
    }
  }
  files.push({ path: `${spec.hypervisor.name}/apply.md`, contents: applyMd(input, domains, patched) });
  return files;
}
