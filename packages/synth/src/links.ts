/**
 * NIC naming on each router: one systemd `.link` file per guest NIC, so the names every other file uses
 * (`eth0`, `eth1`, `eth2` in interfaces, keepalived.conf, the firewall, agent.json) are the names the guest
 * really gives its NICs. Without them a Debian 12 guest names its virtio NICs after their PCI slot
 * (`enp1s0`, `enp9s0`, `enp10s0`).
 *
 * What udev matches, and why a MAC alone is not enough: a VLAN subinterface (`eth0.99`) or a macvlan carries
 * its parent's MAC, and udev would apply the same `.link` file to it. So each file matches the MAC *and* the
 * NIC's PCI path (udev's `ID_PATH`, `pci-0000:BB:00.0` for the slot libvirt/domains/<vm>.xml pins), which
 * only the NIC itself has. The external NIC's MAC (the provider's failover MAC) is the same on both routers:
 * that is no clash, since each router only reads its own files, but it is one more reason to never name a
 * NIC by its MAC alone. Where the slot is not known (a NIC added to an existing VM's dump without an
 * address), the file matches MAC and driver instead: a VLAN or a macvlan has another driver.
 *
 * The names follow the order of the PCI slots (the first NIC on the lowest bus), which is the order the
 * kernel finds them in; its own `ethN` names at boot are thus the ones given here, and no rename has to
 * take a name another NIC still holds (the race systemd.link(5) warns about for kernel-style names).
 */
import type { PciAddress } from '@hagate/libvirt-xml-builder';
import { type Nic, routerNames, type Spec } from '@hagate/spec';
import { nicAddress, patchedDomain } from './libvirt.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** Where the files go on a router. */
export const LINK_DIR = '/etc/systemd/network';

/** The kernel driver of each NIC model (udev's `ID_NET_DRIVER`). */
const DRIVERS: Record<Nic['model'], string> = { virtio: 'virtio_net', e1000: 'e1000', rtl8139: '8139cp' };

/** udev's `ID_PATH` of a NIC on this PCI address. */
export function pciPath(a: PciAddress): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `pci-${hex(a.domain ?? 0, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.function}`;
}

/** The PCI address of each NIC of a router (by NIC name), where the domain XML pins one. */
function nicAddresses(input: SynthInput, routerName: string): Map<string, PciAddress | undefined> {
  const { spec } = input;
  const router = spec.routers[routerName];
  const out = new Map<string, PciAddress | undefined>();
  if (!router) return out;
  const nics = Object.entries(router.nics);
  const xml = input.existingDomainXml?.[routerName];
  if (router.existingDomainXml === undefined || xml === undefined) {
    for (const [i, [name]] of nics.entries()) out.set(name, nicAddress(i));
    return out;
  }
  const d = patchedDomain(spec, routerName, xml, router.existingDomainXml);
  for (const [name, nic] of nics) {
    const i = d.devices.interfaces.find((x) => x.mac?.toLowerCase() === nic.mac.toLowerCase());
    const a = i?.address;
    out.set(name, a?.type === 'pci' ? a : undefined);
  }
  return out;
}

/** The `.link` file of one NIC. */
export function linkFile(
  input: SynthInput,
  routerName: string,
  nicName: string,
  nic: Nic,
  address: PciAddress | undefined,
): string {
  const lines = [
    `# ${generatedMarker(input)}`,
    `# ${routerName}'s NIC ${nic.target} (libvirt) is ${nicName} in the guest.`,
    '[Match]',
    `MACAddress=${nic.mac.toLowerCase()}`,
    address ? `Path=${pciPath(address)}` : `Driver=${DRIVERS[nic.model]}`,
    '',
    '[Link]',
    `Name=${nicName}`,
    '',
  ];
  return lines.join('\n');
}

/** The files of every router: `<router>/etc/systemd/network/10-hagate-<nic>.link`. */
export function synthLinks(input: SynthInput): GeneratedFile[] {
  const spec: Spec = input.spec;
  const files: GeneratedFile[] = [];
  for (const name of routerNames(spec)) {
    const router = spec.routers[name];
    if (!router) continue;
    const addresses = nicAddresses(input, name);
    for (const [nicName, nic] of Object.entries(router.nics)) {
      files.push({
        path: `${name}${LINK_DIR}/10-hagate-${nicName}.link`,
        contents: linkFile(input, name, nicName, nic, addresses.get(nicName)),
      });
    }
  }
  return files;
}
