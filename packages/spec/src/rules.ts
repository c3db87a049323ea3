/** Cross-field rules of a spec that already matches the schema. Each finding names a spec path. */
import { inSubnet, isNetworkOrBroadcast } from './ipv4.js';
import { segmentInterface, vrrpMasterDownMs } from './model.js';
import { checkRouterAdvertisements } from './ra.js';
import { checkOpsRules } from './rules-ops.js';
import { checkExternalIpv6, checkInstances, checkIpv6Addresses } from './rules-topology.js';
import { FAST_ADVERT_RANGE, FAST_MASTER_DOWN_MAX_MS, type Spec } from './schema.js';

export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

/** The group bit (lowest bit of the first octet): a NIC cannot have such an address. */
function isMulticastMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

export function checkRules(spec: Spec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const add = (path: (string | number)[], message: string) => out.push({ path, message });
  const routers = Object.entries(spec.routers);

  if (routers.length !== 2) {
    add(['routers'], `expected exactly 2 routers (a VRRP pair), found ${routers.length}`);
  }

  // Hypervisor networks and portgroups.
  for (const [net, network] of Object.entries(spec.hypervisor.networks)) {
    let defaults = 0;
    for (const [pg, group] of Object.entries(network.portgroups)) {
      if (group.vlan !== undefined && group.trunk !== undefined) {
        add(['hypervisor', 'networks', net, 'portgroups', pg], 'expected either vlan or trunk, found both');
      }
      if (group.trunk && new Set(group.trunk).size !== group.trunk.length) {
        add(
          ['hypervisor', 'networks', net, 'portgroups', pg, 'trunk'],
          'expected distinct VLAN ids, found duplicates',
        );
      }
      if (group.default) defaults++;
    }
    if (defaults > 1) {
      add(
        ['hypervisor', 'networks', net, 'portgroups'],
        `expected at most one default portgroup, found ${defaults}`,
      );
    }
  }

  // Segments: unique subnets, guest interface names.
  const subnets = new Map<string, string>();
  for (const [name, seg] of Object.entries(spec.segments)) {
    const iface = segmentInterface(seg);
    if (iface.length > 15) {
      add(['segments', name], `expected a guest interface name of at most 15 characters, found "${iface}"`);
    }
    const other = subnets.get(seg.subnet);
    if (other)
      add(
        ['segments', name, 'subnet'],
        `expected a subnet of its own, found ${seg.subnet} also used by segment ${other}`,
      );
    subnets.set(seg.subnet, name);
    if (seg.nic === spec.external.nic) {
      add(
        ['segments', name, 'nic'],
        `expected a NIC other than the external NIC ${spec.external.nic} (only hagate-agent raises it, on the MASTER)`,
      );
    }
  }

  // Routers.
  const ids = new Map<number, string>();
  const targets = new Map<string, string>();
  const macs = new Map<string, string>();
  const addresses = new Map<string, string>();
  const priorities = new Map<number, string>();
  for (const [rname, r] of routers) {
    const at = (...p: (string | number)[]) => ['routers', rname, ...p];
    const prevId = ids.get(r.id);
    if (prevId) add(at('id'), `expected a router id of its own, found ${r.id} also used by ${prevId}`);
    ids.set(r.id, rname);

    if (r.priority < 1 || r.priority > 254) {
      add(
        at('priority'),
        `expected a priority 1-254 (255 is reserved for the address owner), found ${r.priority}`,
      );
    } else {
      const prev = priorities.get(r.priority);
      if (prev)
        add(at('priority'), `expected a priority different from ${prev}'s, found ${r.priority} on both`);
      priorities.set(r.priority, rname);
    }

    for (const [guest, nic] of Object.entries(r.nics)) {
      const net = spec.hypervisor.networks[nic.network];
      if (!net) {
        add(
          at('nics', guest, 'network'),
          `expected one of the hypervisor networks (${Object.keys(spec.hypervisor.networks).join(', ')}), found "${nic.network}"`,
        );
      } else if (nic.portgroup !== undefined && !net.portgroups[nic.portgroup]) {
        const known = Object.keys(net.portgroups);
        add(
          at('nics', guest, 'portgroup'),
          `expected a portgroup of network ${nic.network}${known.length ? ` (${known.join(', ')})` : ' (it has none)'}, found "${nic.portgroup}"`,
        );
      }
      const prevT = targets.get(nic.target);
      if (prevT)
        add(
          at('nics', guest, 'target'),
          `expected a target device name of its own, found "${nic.target}" also used by ${prevT}`,
        );
      targets.set(nic.target, `${rname}.${guest}`);
      if (isMulticastMac(nic.mac))
        add(
          at('nics', guest, 'mac'),
          `expected a unicast MAC (first octet even), found multicast ${nic.mac}`,
        );
      const isExternal = guest === spec.external.nic;
      if (isExternal && spec.external.failoverMac !== undefined) {
        if (nic.mac !== spec.external.failoverMac) {
          add(
            at('nics', guest, 'mac'),
            `expected the provider failover MAC ${spec.external.failoverMac} (external.failoverMac) on the external NIC, found ${nic.mac}`,
          );
        }
      } else {
        const prevM = macs.get(nic.mac);
        if (prevM)
          add(
            at('nics', guest, 'mac'),
            `expected a MAC of its own, found ${nic.mac} also used by ${prevM} (only the external NIC may share external.failoverMac)`,
          );
        macs.set(nic.mac, `${rname}.${guest}`);
      }
    }
    if (!r.nics[spec.external.nic]) {
      add(at('nics'), `expected the external NIC ${spec.external.nic} (external.nic), found none`);
    }

    for (const [seg, address] of Object.entries(r.addresses)) {
      const segment = spec.segments[seg];
      if (!segment) {
        add(
          at('addresses', seg),
          `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${seg}"`,
        );
        continue;
      }
      if (!inSubnet(address, segment.subnet)) {
        add(at('addresses', seg), `expected an address inside ${segment.subnet}, found ${address}`);
      } else if (isNetworkOrBroadcast(address, segment.subnet)) {
        add(
          at('addresses', seg),
          `expected a host address of ${segment.subnet}, found its network or broadcast address ${address}`,
        );
      }
      const prevA = addresses.get(address);
      if (prevA)
        add(at('addresses', seg), `expected a unique address, found ${address} also used by ${prevA}`);
      addresses.set(address, `${rname}.${seg}`);

      const nic = r.nics[segment.nic];
      if (!nic) {
        add(
          at('addresses', seg),
          `expected NIC ${segment.nic} (segments.${seg}.nic) on this router, found none`,
        );
        continue;
      }
      const group =
        nic.portgroup === undefined
          ? undefined
          : spec.hypervisor.networks[nic.network]?.portgroups[nic.portgroup];
      if (segment.vlan !== undefined) {
        if (!group?.trunk?.includes(segment.vlan)) {
          add(
            at('nics', segment.nic, 'portgroup'),
            `expected a trunk portgroup carrying VLAN ${segment.vlan} (segment ${seg}), found ${nic.portgroup === undefined ? 'no portgroup' : `"${nic.portgroup}"${group?.trunk ? ` trunking ${group.trunk.join('+')}` : ''}`}`,
          );
        }
      } else if (group?.trunk) {
        add(
          at('nics', segment.nic, 'portgroup'),
          `expected an access portgroup for untagged segment ${seg}, found trunk "${nic.portgroup}"`,
        );
      }
    }
  }
  if (routers.length === 2) {
    const masters = routers.filter(([, r]) => r.preferredMaster);
    if (masters.length !== 1) {
      add(['routers'], `expected exactly one router with preferredMaster: true, found ${masters.length}`);
    } else {
      const [mname, m] = masters[0]!;
      const other = routers.find(([n]) => n !== mname)!;
      const inRange = (p: number) => p >= 1 && p <= 254;
      if (inRange(m.priority) && inRange(other[1].priority) && m.priority <= other[1].priority) {
        add(
          ['routers', mname, 'priority'],
          `expected the preferred master to have the higher priority, found ${m.priority} <= ${other[0]}'s ${other[1].priority}`,
        );
      }
    }
  }

  // VRRP.
  const v = spec.vrrp;
  if (v.vrid < 1 || v.vrid > 255) add(['vrrp', 'vrid'], `expected a VRID 1-255, found ${v.vrid}`);
  const seg = spec.segments[v.segment];
  if (!seg) {
    add(
      ['vrrp', 'segment'],
      `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${v.segment}"`,
    );
  } else {
    if (!inSubnet(v.vip, seg.subnet))
      add(['vrrp', 'vip'], `expected an address inside ${seg.subnet} (segment ${v.segment}), found ${v.vip}`);
    else if (isNetworkOrBroadcast(v.vip, seg.subnet))
      add(['vrrp', 'vip'], `expected a host address of ${seg.subnet}, found ${v.vip}`);
    const owner = addresses.get(v.vip);
    if (owner) add(['vrrp', 'vip'], `expected a VIP that no router owns, found ${v.vip} = ${owner}`);
    for (const [rname, r] of routers) {
      if (r.addresses[v.segment] === undefined)
        add(
          ['routers', rname, 'addresses'],
          `expected an address on the VRRP segment ${v.segment}, found none`,
        );
    }
  }
  if (v.version === 2) {
    if (!Number.isInteger(v.advertInt))
      add(
        ['vrrp', 'advertInt'],
        `expected whole seconds with VRRPv2 (sub-second needs version: 3), found ${v.advertInt}`,
      );
  } else if (Math.abs(v.advertInt * 100 - Math.round(v.advertInt * 100)) > 1e-9 || v.advertInt > 40.95) {
    add(['vrrp', 'advertInt'], `expected a multiple of 0.01 s up to 40.95 with VRRPv3, found ${v.advertInt}`);
  }
  if (v.auth) {
    if (v.version === 3)
      add(['vrrp', 'auth'], 'expected no authentication with VRRPv3 (RFC 5798 removed it), found auth');
    if (v.auth.password.length > 8)
      add(
        ['vrrp', 'auth', 'password'],
        `expected at most 8 characters (keepalived truncates longer ones), found ${v.auth.password.length}`,
      );
  }

  if (v.fastDetection) {
    const at = (k: string) => ['vrrp', k];
    if (v.version !== 3)
      add(
        at('version'),
        `expected version: 3 with fastDetection (VRRPv2 adverts are whole seconds), found ${v.version}`,
      );
    const [lo, hi] = FAST_ADVERT_RANGE;
    if (v.advertInt < lo || v.advertInt > hi)
      add(at('advertInt'), `expected ${lo}-${hi} s with fastDetection, found ${v.advertInt}`);
    // With version 3, auth is refused above already.
    if (v.auth && v.version !== 3)
      add(at('auth'), 'expected no authentication with fastDetection (VRRPv3 has none), found auth');
    if (v.version === 3 && v.advertInt >= lo && v.advertInt <= hi) {
      // Either router may be the one waiting: each one's wait (its skew grows as its priority falls) counts.
      for (const [rname, r] of routers) {
        const down = vrrpMasterDownMs(v.advertInt, r.priority, 3);
        if (down > FAST_MASTER_DOWN_MAX_MS)
          add(
            ['routers', rname, 'priority'],
            `expected a master-down interval of at most ${FAST_MASTER_DOWN_MAX_MS} ms with fastDetection (3 x advertInt + skew at priority ${r.priority}), found ${Math.round(down)} ms: lower vrrp.advertInt or raise this priority`,
          );
      }
    }
  }

  // External side.
  const e = spec.external;
  if (e.failoverMac !== undefined && isMulticastMac(e.failoverMac))
    add(
      ['external', 'failoverMac'],
      `expected a unicast MAC (first octet even), found multicast ${e.failoverMac}`,
    );
  for (const [sname, s] of Object.entries(spec.segments)) {
    if (inSubnet(e.failoverIp, s.subnet))
      add(
        ['external', 'failoverIp'],
        `expected an address outside the internal segments, found ${e.failoverIp} inside ${sname} (${s.subnet})`,
      );
    if (inSubnet(e.gateway, s.subnet))
      add(
        ['external', 'gateway'],
        `expected a provider gateway outside the internal segments, found ${e.gateway} inside ${sname} (${s.subnet})`,
      );
  }
  if (e.gateway === e.failoverIp)
    add(['external', 'gateway'], `expected a gateway different from the failover IP, found ${e.gateway}`);

  checkIpv6Addresses(spec, add);
  checkInstances(spec, add);
  checkExternalIpv6(spec, add);
  checkRouterAdvertisements(spec, add);

  const cs = spec.conntrackSync;
  if (cs) {
    const syncSeg = spec.segments[cs.segment];
    if (!syncSeg) {
      add(
        ['conntrackSync', 'segment'],
        `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${cs.segment}"`,
      );
    } else {
      for (const [rname, r] of routers) {
        if (r.addresses[cs.segment] === undefined)
          add(
            ['routers', rname, 'addresses'],
            `expected an address on the conntrack sync segment ${cs.segment}, found none`,
          );
      }
    }
  }

  if (spec.firewall.sshFrom !== undefined && !spec.segments[spec.firewall.sshFrom]) {
    add(
      ['firewall', 'sshFrom'],
      `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${spec.firewall.sshFrom}"`,
    );
  }
  out.push(...checkOpsRules(spec));
  return out;
}
