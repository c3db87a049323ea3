/** The lab's wiring: `ip -batch` in a namespace, and a host's veth plugged into a hypervisor bridge. */
import { runSyncOk } from './exec.js';

/** Runs `cmds` as one `ip -batch` in namespace `ns`; throws on any failure. */
export function ipBatch(ns: string, cmds: readonly string[]): void {
  runSyncOk(['ip', '-n', ns, '-batch', '-'], { input: `${cmds.join('\n')}\n` });
}

/** A veth from `h.ns` (`h.ifname`) whose peer (`h.hvPort`) goes into the hypervisor's `h.bridge`, up. */
export function plugIntoBridge(
  hv: string,
  h: { ns: string; ifname: string; hvPort: string; bridge: string },
): void {
  runSyncOk([
    'ip',
    '-n',
    h.ns,
    'link',
    'add',
    h.ifname,
    'type',
    'veth',
    'peer',
    'name',
    h.hvPort,
    'netns',
    hv,
  ]);
  ipBatch(hv, [`link set ${h.hvPort} master ${h.bridge}`, `link set ${h.hvPort} up`]);
}
