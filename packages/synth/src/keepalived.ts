/** keepalived.conf of each router, built through @hagate/keepalived-config's typed API. */
import {
  buildConfig,
  type GlobalDefs,
  type KeepalivedConfig,
  print,
  type VrrpInstance,
} from '@hagate/keepalived-config';
import { peerOf, routerNames, vrrpSegment } from '@hagate/spec';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** Where keepalived writes VRRP events when `vrrp.hooks` is `fifo`. */
export function keepalivedFifoPath(input: SynthInput): string {
  return `${input.spec.agent.stateDir}/keepalived.fifo`;
}

/** The typed model of one router's keepalived.conf (exported for tests and `hagate lint`). */
export function keepalivedModel(input: SynthInput, router: string): KeepalivedConfig {
  const { spec } = input;
  const self = spec.routers[router];
  if (!self) throw new Error(`router ${router} is not in the spec`);
  const peer = peerOf(spec, router);
  const seg = vrrpSegment(spec);
  const srcIp = self.addresses[seg.name];
  const peerIp = peer.router.addresses[seg.name];
  if (srcIp === undefined || peerIp === undefined) {
    throw new Error(
      `routers.${srcIp === undefined ? router : peer.name}.addresses.${seg.name} is required by vrrp.segment`,
    );
  }
  const { vrrp, agent } = spec;
  const fifo = vrrp.hooks === 'fifo';
  const globalDefs: GlobalDefs = {
    routerId: router,
    enableScriptSecurity: true,
    scriptUser: 'root',
    ...(vrrp.version === 3 ? { vrrpVersion: 3 as const } : {}),
    ...(fifo
      ? {
          vrrpNotifyFifo: keepalivedFifoPath(input),
          vrrpNotifyFifoScript: `${agent.path} --config ${agent.configPath} fifo`,
        }
      : {}),
    shutdownScript: `${agent.path} shutdown`,
  };
  // nopreempt only works from state BACKUP: without preemption both routers start as BACKUP.
  const master = self.preferredMaster === true && vrrp.preempt;
  const instance: VrrpInstance = {
    name: vrrp.instance,
    state: master ? 'MASTER' : 'BACKUP',
    interface: seg.iface,
    virtualRouterId: vrrp.vrid,
    priority: self.priority,
    advertInt: vrrp.advertInt,
    preempt: vrrp.preempt,
    ...(vrrp.auth ? { authentication: { type: vrrp.auth.type, password: vrrp.auth.password } } : {}),
    ...(vrrp.unicast ? { unicastSrcIp: srcIp, unicastPeers: [peerIp] } : {}),
    // The failover IP is never here: the agent owns the external NIC (an instance whose VIP
    // device is down would go to FAULT and the backup could never take over).
    virtualIpaddress: [{ address: `${vrrp.vip}/${seg.prefix}`, dev: seg.iface }],
    ...(fifo ? {} : { notify: agent.path }),
  };
  return {
    header: [generatedMarker(input)],
    globalDefs,
    instances: [instance],
  };
}

/** `<router>/etc/keepalived/keepalived.conf` for each router of the spec. */
export function synthKeepalived(input: SynthInput): GeneratedFile[] {
  return routerNames(input.spec).map((router) => ({
    path: `${router}/etc/keepalived/keepalived.conf`,
    contents: print(buildConfig(keepalivedModel(input, router))),
  }));
}
