/**
 * hagate-agent files of each router: /etc/hagate/agent.json (the desired state of each VRRP role, read by
 * the agent) and, when the bundle is given, the agent itself at spec.agent.path (mode 0755).
 */
import type { AgentConfig, RoleState } from '@hagate/spec';
import {
  canonicalIpv6,
  isLinkLocal6,
  peerOf,
  raSegments,
  routerSegments6,
  syncGroupName,
  vrrpInstances,
  vrrpMasterDownMs,
  vrrpSegment,
} from '@hagate/spec';
import { CONNTRACKD_SOCKET } from './conntrackd.js';
import { hasRoleRules, NFT_TABLE, RULESET_PATH, roleRulesPath } from './nftables.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** The keepalived track_file the agent writes to demote this router (`0` healthy, `1` demoted). In /run
 * itself: keepalived creates it at start-up (init_file), before the agent has made its state folder. */
export const DEMOTE_FILE = '/run/hagate-agent.demote';

/**
 * Upper bound of a stopping master's wait for its peer, ms. keepalived kills a shutdown_script after
 * `shutdown_script_timeout` (10 s by default): the handover and the change after it fit well inside.
 */
export const HANDOVER_CAP_MS = 8000;

/** The agent.json of one router, as data. */
export function agentConfigFor(input: SynthInput, routerName: string): AgentConfig {
  const { spec } = input;
  const router = spec.routers[routerName];
  if (!router) throw new Error(`no router ${routerName} in the spec`);
  const peer = peerOf(spec, routerName);
  const lan = vrrpSegment(spec);
  const ownLan = router.addresses[lan.name];
  const peerLan = peer.router.addresses[lan.name];
  if (ownLan === undefined || peerLan === undefined) {
    throw new Error(`routers ${routerName} and ${peer.name} need an address on the VRRP segment ${lan.name}`);
  }
  const ext = spec.external.nic;
  const gw = spec.external.gateway;
  const arpNotify = { key: `net/ipv4/conf/${ext}/arp_notify`, value: '1', stage: 'pre' as const };
  const master: RoleState = {
    links: [{ name: ext, up: true }],
    addresses: [{ dev: ext, cidr: `${spec.external.failoverIp}/${spec.external.prefixLength}` }],
    routes: [
      { dst: `${gw}/32`, dev: ext, scope: 'link' },
      { dst: 'default', via: gw, dev: ext },
    ],
    // arp_notify before the NIC goes up: the kernel then sends a gratuitous ARP for the failover IP.
    sysctls: [arpNotify, { key: 'net/ipv4/ip_forward', value: '1', stage: 'post' }],
    announce: { probe: { address: gw, method: 'udp' } },
  };
  const backup: RoleState = {
    links: [{ name: ext, up: false }],
    addresses: [],
    routes: [{ dst: 'default', via: peerLan, dev: lan.iface, src: ownLan }],
    // A backup holds no VIP: it has nothing to forward, so forwarding stops before anything else changes.
    sysctls: [arpNotify, { key: 'net/ipv4/ip_forward', value: '0', stage: 'pre' }],
    announce: {},
  };
  if (spec.conntrackSync) {
    // Window tracking off for every TCP connection, as conntrackd already does for the ones it commits: a
    // router's own entries go stale while its peer carries the traffic (split brain, flapping), and the
    // firewall's `ct state invalid drop` then stalls every connection that comes back to it.
    const liberal = { key: 'net/netfilter/nf_conntrack_tcp_be_liberal', value: '1', stage: 'pre' as const };
    master.sysctls.unshift(liberal);
    backup.sysctls.unshift(liberal);
  }
  const owned6 = ipv6Roles(input, routerName, master, backup);
  if (hasRoleRules(input)) {
    master.nftRoleRules = roleRulesPath('master');
    backup.nftRoleRules = roleRulesPath('backup');
  }
  return {
    $comment: generatedMarker(input),
    version: 2,
    router: routerName,
    instance: spec.vrrp.instance,
    externalNic: ext,
    stateDir: spec.agent.stateDir,
    lockName: `hagate-agent/${spec.vrrp.instance}`,
    syslog: { ident: 'hagate-agent', facility: 'daemon' },
    commandTimeoutMs: 5000,
    owned: { links: [ext], addressesOn: [ext], routes: ['default', `${gw}/32`, ...owned6] },
    roles: { master, backup },
    firewall: { ruleset: RULESET_PATH, table: { ...NFT_TABLE } },
    demote: { file: DEMOTE_FILE },
    ...(spec.conntrackSync ? { conntrack: { socket: CONNTRACKD_SOCKET, timeoutMs: 2000 } } : {}),
    // The external NIC up on one router at a time: a new master asks its peer first. The fifo process
    // answers for its router; with the notify hook, a run that takes a master to BACKUP answers while it
    // runs (one that starts after the question's answerMs is not waited for: the race stays possible).
    claim: { peer: peerLan, port: CLAIM_PORT, answerMs: 60, releaseMs: 1000, lingerMs: 250 },
    ...syncGroup(input),
    // `hagate-agent health` (keepalived's vrrp_script) pings the gateway through the external NIC.
    ...(spec.external.health
      ? {
          health: {
            gateway: gw,
            dev: ext,
            timeoutMs: spec.external.health.timeout * 1000,
            holdMs: Math.round(spec.external.health.hold * 1000),
            fall: spec.external.health.fall,
          },
        }
      : {}),
    ...(spec.agent.metricsFile ? { metrics: { file: spec.agent.metricsFile } } : {}),
    // The peer takes over within its master-down interval (at its skew time when our priority-0 advert
    // reaches it); 250 ms of margin for its gratuitous ARP to arrive.
    handover: {
      vip: spec.vrrp.vip,
      dev: lan.iface,
      timeoutMs: Math.min(
        Math.ceil(vrrpMasterDownMs(spec.vrrp.advertInt, peer.router.priority, spec.vrrp.version) + 250),
        HANDOVER_CAP_MS,
      ),
    },
  };
}

/** The UDP port the agents answer their peer's claims on the external NIC on (LAN, from the peer only). */
export const CLAIM_PORT = 7411;
/** The sync group the agent's instance is in, when the spec has several instances. */
function syncGroup(input: SynthInput): Pick<AgentConfig, 'syncGroup'> {
  const name = syncGroupName(input.spec);
  return name === undefined
    ? {}
    : { syncGroup: { name, instances: vrrpInstances(input.spec).map((i) => i.name) } };
}

/**
 * The IPv6 part of both roles, when the spec has IPv6: the master holds the provider-side address and the
 * default route through the provider's gateway and forwards IPv6; the backup forwards nothing and routes
 * its own IPv6 through its peer's address on the first segment where both have one. Returns the owned
 * IPv6 destinations.
 */
function ipv6Roles(input: SynthInput, routerName: string, master: RoleState, backup: RoleState): string[] {
  const { spec } = input;
  const router = spec.routers[routerName];
  if (!router) return [];
  const e6 = spec.external.ipv6;
  const ownSegs = routerSegments6(spec, router);
  if (!e6 && ownSegs.length === 0) return [];
  const ext = spec.external.nic;
  const forwarding = 'net/ipv6/conf/all/forwarding';
  if (raSegments(spec).length > 0) {
    // With router advertisements, IPv6 forwarding stays on in both roles (see radvd.ts): a new master that
    // turned it on only after keepalived added the link-local VIP would announce router lifetime 0 (radvd)
    // and neighbor adverts without the Router flag (keepalived), and the hosts would drop their router.
    master.sysctls.push({ key: forwarding, value: '1', stage: 'pre' });
    backup.sysctls.push({ key: forwarding, value: '1', stage: 'pre' });
  } else {
    master.sysctls.push({ key: forwarding, value: '1', stage: 'post' });
    backup.sysctls.push({ key: forwarding, value: '0', stage: 'pre' });
  }
  const owned: string[] = [];
  if (e6) {
    const [address, len] = e6.address.split('/') as [string, string];
    const gw = canonicalIpv6(e6.gateway);
    // ndisc_notify: the kernel announces the NIC's addresses (unsolicited neighbor adverts) when it comes
    // up, as arp_notify does for the failover IP.
    const ndiscNotify = { key: `net/ipv6/conf/${ext}/ndisc_notify`, value: '1', stage: 'pre' as const };
    // No duplicate address detection on the NIC whose MAC both routers share: its link-local address is the
    // same on both, so a new master raising it while the old one lets go would find a "duplicate", lose its
    // link-local address and with it neighbor discovery toward the provider's gateway; and DAD costs a
    // second of every takeover anyway. Only one router ever has the NIC up.
    const acceptDad = { key: `net/ipv6/conf/${ext}/accept_dad`, value: '0', stage: 'pre' as const };
    master.sysctls.splice(1, 0, acceptDad, ndiscNotify);
    backup.sysctls.splice(1, 0, acceptDad, ndiscNotify);
    master.addresses.push({ dev: ext, cidr: `${canonicalIpv6(address)}/${len}` });
    if (!isLinkLocal6(gw)) {
      master.routes.push({ dst: `${gw}/128`, dev: ext });
      owned.push(`${gw}/128`);
    }
    master.routes.push({ dst: '::/0', via: gw, dev: ext });
    owned.push('::/0');
  }
  const peer = peerOf(spec, routerName);
  const lan = vrrpSegment(spec);
  const via = [...ownSegs]
    .sort((a, b) => (a.name === lan.name ? -1 : b.name === lan.name ? 1 : 0))
    .find((s) => peer.router.addresses6[s.name] !== undefined);
  if (via && e6) {
    const peerAddr = peer.router.addresses6[via.name] as string;
    backup.routes.push({
      dst: '::/0',
      via: canonicalIpv6(peerAddr),
      dev: via.iface,
      src: canonicalIpv6(via.address),
    });
  }
  return owned;
}

/** out/<router>/etc/hagate/agent.json for each router, plus out/<router>/<agent.path> when the bundle is given. */
export function synthAgent(input: SynthInput): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  for (const name of Object.keys(input.spec.routers)) {
    files.push({
      path: `${name}${input.spec.agent.configPath}`,
      contents: `${JSON.stringify(agentConfigFor(input, name), null, 2)}\n`,
      mode: 0o644,
    });
    if (input.agentBundle) {
      files.push({ path: `${name}${input.spec.agent.path}`, contents: input.agentBundle, mode: 0o755 });
    }
  }
  return files;
}
