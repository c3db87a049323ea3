/**
 * The lab's topology, derived from the spec (pure: names and addresses only, nothing is created here).
 *
 * hypervisor namespace: one bridge per VLAN of each portgrouped network (`brint-99`, `brint-250`,
 * `brint-10`: this kernel has no 802.1Q nor bridge VLAN filtering) and one per plain network (`br0`).
 * Router namespaces: a veth per guest interface named as in the guest (`eth0.99`, `eth1`), its peer on the
 * VLAN's bridge; the external NIC is a macvlan with the shared MAC on a veth whose peer sits on br0, so the
 * switch port keeps its carrier (and its learned MAC) when the router takes the NIC down, as a KVM tap does.
 */
import {
  intToIpv4,
  ipv4ToInt,
  parseCidr,
  type Spec,
  vrrpMasterDownMs,
  vrrpSegment,
  vrrpSkewMs,
} from '@hagate/spec';
import { LAB_PREFIX } from './cleanup.js';
import {
  type Ipv6Plan,
  planIpv6,
  planSegmentHosts,
  type SegmentHostPlan,
  type VipPlan,
  vipsOf,
} from './plan-multi.js';

export interface LinkPlan {
  /** Name inside the router (as in the guest). */
  ifname: string;
  /** Name of the peer in the hypervisor namespace (the "tap"). */
  hvPort: string;
  /** Bridge of the hypervisor the port is on; undefined for a trunk parent NIC (carrier only). */
  bridge?: string;
  mac?: string;
}

export interface RouterPlan {
  name: string;
  ns: string;
  priority: number;
  /** The router's address on the VRRP segment. */
  lanAddr: string;
  links: LinkPlan[];
  /** The external NIC: a macvlan named `ext.ifname` on a veth `ext.lower` whose peer `ext.hvPort` is on `ext.bridge`. */
  ext: { ifname: string; lower: string; hvPort: string; bridge: string; mac: string };
}

export interface HostPlan {
  ns: string;
  ifname: string;
  addr: string;
  prefix: number;
  hvPort: string;
  bridge: string;
}

export interface LabPlan {
  runId: string;
  hv: string;
  bridges: string[];
  routers: [RouterPlan, RouterPlan];
  /** The LAN host (FrontWeb): default route via the VIP. */
  lan: HostPlan & { gateway: string };
  /** The provider: the gateway on br0, a route to the failover IP there, and the internet side. */
  provider: HostPlan & { upIfname: string; upAddr: string; upPrefix: number };
  /** The "internet" host behind the provider. */
  inet: { ns: string; ifname: string; addr: string; prefix: number; gateway: string };
  vip: string;
  vrrpIface: string;
  vrrpInstance: string;
  failoverIp: string;
  gateway: string;
  advertInt: number;
  version: 2 | 3;
  /** keepalived's vrrp_startup_delay, seconds: VRRP runs only that long after keepalived started. */
  startupDelay: number;
  stateDir: string;
  /** One host per VIP-bearing segment, the main one (plan.lan's namespace) first. */
  segments: SegmentHostPlan[];
  /** Every VIP of the pair (all instances, both families): all of them must be on one router. */
  vips: VipPlan[];
  /** The provider side's IPv6, when the spec has it. */
  ipv6?: Ipv6Plan;
}

/** Linux interface names are at most 15 bytes. */
function ifname(preferred: string, fallback: string): string {
  return preferred.length <= 15 ? preferred : fallback.slice(0, 15);
}

export function planLab(spec: Spec, runId: string): LabPlan {
  const ns = (role: string) => `${LAB_PREFIX}${runId}-${role}`;
  const bridges = new Set<string>();
  const seg = vrrpSegment(spec);
  const routerNames = Object.keys(spec.routers);
  if (routerNames.length !== 2)
    throw new Error(`the lab needs exactly 2 routers, the spec has ${routerNames.length}`);
  let vrrpBridge: string | undefined;
  let extBridge: string | undefined;

  const routers = routerNames.map((name, ri): RouterPlan => {
    const router = spec.routers[name]!;
    const links: LinkPlan[] = [];
    let ext: RouterPlan['ext'] | undefined;
    Object.entries(router.nics).forEach(([nicName, nic], ni) => {
      const net = spec.hypervisor.networks[nic.network];
      if (!net)
        throw new Error(
          `routers.${name}.nics.${nicName}.network: ${nic.network} is not a hypervisor network`,
        );
      const pg = nic.portgroup ? net.portgroups[nic.portgroup] : undefined;
      const fallback = `hgl${ri}n${ni}`;
      if (nicName === spec.external.nic) {
        const bridge = net.bridge;
        bridges.add(bridge);
        extBridge = bridge;
        ext = {
          ifname: nicName,
          lower: ifname(`${nicName}-tap`, `ext${ni}-tap`),
          hvPort: ifname(nic.target, fallback),
          bridge,
          mac: spec.external.failoverMac ?? nic.mac,
        };
        return;
      }
      const vlans = Object.values(spec.segments)
        .filter((s) => s.nic === nicName && s.vlan !== undefined)
        .map((s) => s.vlan!);
      if (pg?.trunk || vlans.length > 0) {
        // The trunk NIC itself (carrier only) and one veth per tagged VLAN, named like the guest's subinterface.
        links.push({ ifname: nicName, hvPort: ifname(nic.target, fallback), mac: nic.mac });
        for (const v of vlans) {
          const bridge = `${net.bridge}-${v}`.slice(0, 15);
          bridges.add(bridge);
          links.push({
            ifname: `${nicName}.${v}`,
            hvPort: ifname(`${nic.target}.${v}`, `${fallback}v${v}`),
            bridge,
            mac: nic.mac,
          });
        }
        return;
      }
      const bridge = pg?.vlan !== undefined ? `${net.bridge}-${pg.vlan}`.slice(0, 15) : net.bridge;
      bridges.add(bridge);
      links.push({ ifname: nicName, hvPort: ifname(nic.target, fallback), bridge, mac: nic.mac });
      if (nicName === seg.iface) vrrpBridge = bridge;
    });
    if (!ext) throw new Error(`routers.${name}.nics has no ${spec.external.nic} (external.nic)`);
    const lanAddr = router.addresses[seg.name];
    if (!lanAddr) throw new Error(`routers.${name}.addresses.${seg.name} is required (vrrp.segment)`);
    if (!vrrpBridge) vrrpBridge = links.find((l) => l.ifname === seg.iface)?.bridge;
    return { name, ns: ns(name), priority: router.priority, lanAddr, links, ext };
  }) as [RouterPlan, RouterPlan];

  if (!vrrpBridge) throw new Error(`no bridge carries the VRRP segment ${seg.name} (${seg.iface})`);
  if (!extBridge) throw new Error('no bridge carries the external NIC');

  // A free host address on the LAN for FrontWeb.
  const { network, prefix } = parseCidr(seg.segment.subnet);
  const used = new Set([spec.vrrp.vip, ...routers.map((r) => r.lanAddr)]);
  let host = network + 10;
  while (used.has(intToIpv4(host))) host++;
  const gwInt = ipv4ToInt(spec.external.gateway);
  const gwPrefix = 24;

  const lanHost = intToIpv4(host);
  const segments = planSegmentHosts(
    spec,
    ns,
    (iface) => routers[0].links.find((l) => l.ifname === iface)?.bridge,
    { ns: ns('lan'), hvPort: 'frontweb', addr: lanHost, prefix },
  );
  const ipv6 = planIpv6(spec);
  return {
    runId,
    hv: ns('hv'),
    bridges: [...bridges].sort(),
    routers,
    lan: {
      ns: ns('lan'),
      ifname: 'eth0',
      addr: lanHost,
      prefix,
      hvPort: 'frontweb',
      bridge: vrrpBridge,
      gateway: spec.vrrp.vip,
    },
    provider: {
      ns: ns('provider'),
      ifname: 'eth0',
      addr: intToIpv4(gwInt),
      prefix: gwPrefix,
      hvPort: 'provider',
      bridge: extBridge,
      upIfname: 'eth1',
      upAddr: '192.0.2.1',
      upPrefix: 24,
    },
    inet: { ns: ns('inet'), ifname: 'eth0', addr: '192.0.2.10', prefix: 24, gateway: '192.0.2.1' },
    vip: spec.vrrp.vip,
    vrrpIface: seg.iface,
    vrrpInstance: spec.vrrp.instance,
    failoverIp: spec.external.failoverIp,
    gateway: spec.external.gateway,
    advertInt: spec.vrrp.advertInt,
    version: spec.vrrp.version,
    startupDelay: spec.vrrp.startupDelay,
    stateDir: spec.agent.stateDir,
    segments,
    vips: vipsOf(spec),
    ...(ipv6 ? { ipv6 } : {}),
  };
}

/** keepalived's own bound for a backup to take over after the master vanishes: 3 x advert + skew. */
export const detectionBoundMs = vrrpMasterDownMs;

/** VRRP's skew time of a backup (see @hagate/spec). */
export const skewMs = vrrpSkewMs;
