/**
 * hagate-agent files of each router: /etc/hagate/agent.json (the desired state of each VRRP role, read by
 * the agent) and, when the bundle is given, the agent itself at spec.agent.path (mode 0755).
 */
import type { AgentConfig, RoleState } from '@hagate/spec';
import { peerOf, vrrpMasterDownMs, vrrpSegment } from '@hagate/spec';
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
    owned: { links: [ext], addressesOn: [ext], routes: ['default', `${gw}/32`] },
    roles: { master, backup },
    firewall: { ruleset: RULESET_PATH, table: { ...NFT_TABLE } },
    demote: { file: DEMOTE_FILE },
    ...(spec.conntrackSync ? { conntrack: { socket: CONNTRACKD_SOCKET, timeoutMs: 2000 } } : {}),
    // With the fifo hook each router's fifo process answers its peer's claims on the external NIC, so it is
    // up on one router at a time (notify runs have no process to answer: a claim would only wait).
    ...(spec.vrrp.hooks === 'fifo'
      ? { claim: { peer: peerLan, port: CLAIM_PORT, answerMs: 30, releaseMs: 1000 } }
      : {}),
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
