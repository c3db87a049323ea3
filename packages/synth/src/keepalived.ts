/** keepalived.conf of each router, built through @hagate/keepalived-config's typed API. */
import {
  buildConfig,
  type GlobalDefs,
  type KeepalivedConfig,
  print,
  type VrrpInstance,
  type VrrpScript,
} from '@hagate/keepalived-config';
import {
  failoverWeight,
  peerOf,
  routerNames,
  segmentInterface,
  syncGroupName,
  type VrrpInstanceFacts,
  vrrpInstances,
} from '@hagate/spec';
import { DEMOTE_FILE } from './agent.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/**
 * Where keepalived writes VRRP events when `vrrp.hooks` is `fifo`. keepalived makes the FIFO but not its
 * folder, so it lives directly in /run (always there at boot), not in the agent's state dir.
 */
export function keepalivedFifoPath(_input: SynthInput): string {
  return '/run/hagate-keepalived.fifo';
}

/** The agent's command line as keepalived runs it; `--config` only when the config is not at its default. */
export function agentCommand(input: SynthInput, ...args: string[]): string {
  const { path, configPath } = input.spec.agent;
  return [path, ...(configPath === DEFAULT_AGENT_CONFIG ? [] : ['--config', configPath]), ...args].join(' ');
}

const DEFAULT_AGENT_CONFIG = '/etc/hagate/agent.json';

/** Name of the track_file hagate-agent writes to demote this router. */
export const DEMOTE_TRACK = 'hagate_demote';

/**
 * How much a demoted router loses: with preemption, its priority drops to 1 (keepalived keeps the effective
 * priority in 1..254), below any healthy peer, so the peer preempts it; and if both routers are demoted one
 * of them stays master instead of both going to FAULT. Without preemption a lower priority does not make the
 * peer take over, so a demoted router goes to FAULT (weight 0: a non-zero value is a failure).
 */
export function demoteWeight(priority: number, preempt: boolean): number {
  return preempt ? -(priority - 1) : 0;
}

/** The typed model of one router's keepalived.conf (exported for tests and `hagate lint`). */
export function keepalivedModel(input: SynthInput, router: string): KeepalivedConfig {
  const { spec } = input;
  const self = spec.routers[router];
  if (!self) throw new Error(`router ${router} is not in the spec`);
  const peer = peerOf(spec, router);
  const { vrrp } = spec;
  const fifo = vrrp.hooks === 'fifo';
  const globalDefs: GlobalDefs = {
    routerId: router,
    enableScriptSecurity: true,
    scriptUser: 'root',
    ...(vrrp.version === 3 ? { vrrpVersion: 3 as const } : {}),
    ...(fifo
      ? {
          vrrpNotifyFifo: keepalivedFifoPath(input),
          vrrpNotifyFifoScript: agentCommand(input, 'fifo'),
        }
      : {}),
    shutdownScript: agentCommand(input, 'shutdown'),
    ...(vrrp.startupDelay > 0 ? { vrrpStartupDelay: vrrp.startupDelay } : {}),
    // When a split brain heals, the losing master sends one lower-priority advert before it steps down, so
    // the rightful master hears it (MASTER_RX_LOWER_PRI): keepalived re-sends the VIP's GARPs and the agent
    // re-announces the failover IP. Without it the loser may go quiet first and nothing re-announces.
    vrrpHigherPrioSendAdvert: true,
  };
  // nopreempt only works from state BACKUP: without preemption both routers start as BACKUP.
  // So does preempt_delay (keepalived clears it on a MASTER-state instance).
  const master = self.preferredMaster === true && vrrp.preempt && vrrp.preemptDelay === undefined;
  const ops = opsTracking(input, router);
  const demote = { name: DEMOTE_TRACK, weight: demoteWeight(self.priority, vrrp.preempt) };
  const group = syncGroupName(spec);
  const instances = vrrpInstances(spec).map((facts): VrrpInstance => {
    const addresses = (r: typeof self) =>
      facts.family === 4 ? r.addresses[facts.segmentName] : r.addresses6[facts.segmentName];
    const srcIp = addresses(self);
    const peerIp = addresses(peer.router);
    if (srcIp === undefined || peerIp === undefined) {
      const field = facts.family === 4 ? 'addresses' : 'addresses6';
      throw new Error(
        `routers.${srcIp === undefined ? router : peer.name}.${field}.${facts.segmentName} is required by ${facts.main ? 'vrrp.segment' : `vrrp instance ${facts.name}`}`,
      );
    }
    return {
      name: facts.name,
      state: master ? 'MASTER' : 'BACKUP',
      interface: facts.iface,
      virtualRouterId: facts.vrid,
      priority: self.priority,
      advertInt: vrrp.advertInt,
      preempt: vrrp.preempt,
      ...(vrrp.preemptDelay !== undefined ? { preemptDelay: vrrp.preemptDelay } : {}),
      ...(vrrp.auth && facts.family === 4
        ? { authentication: { type: vrrp.auth.type, password: vrrp.auth.password } }
        : {}),
      ...(vrrp.unicast ? { unicastSrcIp: srcIp, unicastPeers: [peerIp] } : {}),
      // The failover IP is never here: the agent owns the external NIC (an instance whose VIP
      // device is down would go to FAULT and the backup could never take over).
      virtualIpaddress: virtualAddresses(facts),
      // Only the main instance runs the agent: the sync group moves the others with it.
      ...(facts.main ? hooks(input, fifo) : {}),
      // In a sync group keepalived ignores a weighted tracker on a member: the group tracks the file instead.
      ...(group === undefined ? { ...ops.instance, trackFile: [demote] } : {}),
    };
  });
  return {
    header: [generatedMarker(input)],
    globalDefs,
    // The agent writes 1 when this router cannot hold the master state (and 0 once it has checked it can);
    // keepalived writes 1 when it starts, so a router whose agent cannot run at all stays demoted.
    ...(ops.scripts.length ? { scripts: ops.scripts } : {}),
    trackFiles: [{ name: DEMOTE_TRACK, file: DEMOTE_FILE, weight: 1, init: { value: 1, overwrite: true } }],
    // Several instances move together: the external side, NAT and every VIP are always on one router.
    ...(group === undefined
      ? {}
      : {
          syncGroups: [
            { name: group, group: instances.map((i) => i.name), ...ops.instance, trackFile: [demote] },
          ],
        }),
    instances,
  };
}

/** An instance's VIPs on its interface (an IPv6 instance's link-local VIP first, as the spec requires). */
function virtualAddresses(facts: VrrpInstanceFacts): VrrpInstance['virtualIpaddress'] {
  return facts.vips.map((v) => ({ address: `${v.address}/${v.prefix}`, dev: facts.iface }));
}

/** How keepalived runs the agent, on the main instance. */
function hooks(input: SynthInput, fifo: boolean): Partial<VrrpInstance> {
  return {
    // With the fifo hook, keepalived's shutdown only SIGTERMs the fifo script (as on a reload) and writes no
    // STOP line; notify_stop runs at once on shutdown and never on reload, so the stopping router hands over
    // to the peer (the agent's handover), as with the notify hook, instead of waiting for keepalived's exit.
    ...(fifo ? { notifyStop: agentCommand(input, 'shutdown') } : { notify: agentCommand(input) }),
    // A split brain healing: re-announce the failover IP (keepalived re-sends the VIP's GARPs itself). The
    // fifo hook gets keepalived's MASTER_RX_LOWER_PRI line instead.
    ...(fifo ? {} : { notifyMasterRxLowerPri: agentCommand(input, 'reannounce') }),
  };
}

/** Name of the vrrp_script that runs `hagate-agent health`. */
export const HEALTH_SCRIPT = 'hagate_upstream';

/**
 * The upstream health check (external.health) and the tracked LAN segments (vrrp.trackSegments): a failure
 * lowers the router by the failover weight (more than the priority gap) instead of FAULT, so the healthy peer
 * takes over and, when both fail alike, the order of the priorities is kept and one router stays master
 * (never a double FAULT). keepalived counts rise/fall; the script's own timeout is the probe's plus 1 s.
 */
function opsTracking(
  input: SynthInput,
  router: string,
): { scripts: VrrpScript[]; instance: Pick<VrrpInstance, 'trackInterface' | 'trackScript'> } {
  const { spec } = input;
  const h = spec.external.health;
  const weight = -failoverWeight(spec);
  const scripts: VrrpScript[] = h
    ? [
        {
          name: HEALTH_SCRIPT,
          script: agentCommand(input, 'health'),
          interval: h.interval,
          timeout: h.timeout + 1,
          weight,
          rise: h.rise,
          fall: h.fall,
        },
      ]
    : [];
  const self = spec.routers[router];
  const ifaces = (spec.vrrp.trackSegments ?? []).flatMap((name) => {
    const seg = spec.segments[name];
    return seg && self?.addresses[name] !== undefined ? [segmentInterface(seg)] : [];
  });
  return {
    scripts,
    instance: {
      ...(ifaces.length ? { trackInterface: ifaces.map((name) => ({ name, weight })) } : {}),
      ...(h ? { trackScript: [{ name: HEALTH_SCRIPT }] } : {}),
    },
  };
}

/** `<router>/etc/keepalived/keepalived.conf` for each router of the spec. */
export function synthKeepalived(input: SynthInput): GeneratedFile[] {
  return routerNames(input.spec).map((router) => ({
    path: `${router}/etc/keepalived/keepalived.conf`,
    contents: print(buildConfig(keepalivedModel(input, router))),
  }));
}
