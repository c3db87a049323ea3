/**
 * The admin path of a pair, shared by apply.md and the Ansible inventory so they never disagree: the segment
 * the routers are reached on over SSH (the firewall's `sshFrom`, else a segment named `admin`, else the
 * first one), its VLAN and Open vSwitch bridge on the hypervisor, and the hypervisor's own address there.
 */
import { intToIpv4, parseCidr, type Segment, type Spec, segmentInterface } from '@hagate/spec';

export interface AdminPath {
  /** Segment name. */
  name: string;
  segment: Segment;
  /** Guest interface (`eth0.99`). */
  iface: string;
  /** Each router's address there, by router name. */
  routers: Record<string, string>;
  /** The hypervisor's port: the OVS bridge the routers' NIC of that segment is on, the VLAN tag. */
  hypervisor?: { bridge: string; vlan?: number; port: string; address: string; prefix: number };
}

/** The highest host address of the subnet that no router uses. */
function freeAddress(subnet: string, used: Set<string>): string | undefined {
  const { network, prefix } = parseCidr(subnet);
  if (prefix > 30) return undefined;
  const broadcast = network + 2 ** (32 - prefix) - 1;
  for (let a = broadcast - 1; a > network; a--) {
    const ip = intToIpv4(a);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function adminPath(spec: Spec): AdminPath {
  const names = Object.keys(spec.segments);
  const name =
    spec.firewall.sshFrom && spec.segments[spec.firewall.sshFrom]
      ? spec.firewall.sshFrom
      : names.includes('admin')
        ? 'admin'
        : (names[0] as string);
  const segment = spec.segments[name] as Segment;
  const routers: Record<string, string> = {};
  for (const [r, router] of Object.entries(spec.routers)) {
    const a = router.addresses[name];
    if (a !== undefined) routers[r] = a;
  }
  const out: AdminPath = { name, segment, iface: segmentInterface(segment), routers };
  // The network of the routers' NIC on that segment is where the hypervisor's port goes.
  const first = Object.values(spec.routers)[0];
  const nic = first?.nics[segment.nic];
  const net = nic ? spec.hypervisor.networks[nic.network] : undefined;
  const used = new Set(Object.values(routers));
  if (spec.vrrp.segment === name) used.add(spec.vrrp.vip);
  const address = freeAddress(segment.subnet, used);
  if (net && address) {
    out.hypervisor = {
      bridge: net.bridge,
      ...(segment.vlan !== undefined ? { vlan: segment.vlan } : {}),
      port: `hv-${name}`.slice(0, 15),
      address,
      prefix: parseCidr(segment.subnet).prefix,
    };
  }
  return out;
}
