/**
 * A router's reboot, as `systemctl reboot` does it on the VM. systemd first stops keepalived (SIGTERM: its
 * shutdown script runs the agent) and conntrackd. Then the kernel goes, and with it every process, /run (a
 * tmpfs: keepalived's track file, the agent's state, the pid files), the NICs' state (links down, addresses,
 * routes, sysctls such as ip_forward back to their defaults), the connection table and the firewall. At boot
 * ifup applies the interfaces file, nftables.service loads the boot firewall, conntrackd starts, then
 * keepalived (which starts the fifo agent itself). The disk survives: /var/lib, where the agent keeps its
 * maintenance marker.
 *
 * In the lab the power cycle is the hard kill's: the router's namespace is deleted with its processes and
 * NICs, so every kernel state is a new namespace's. The boot is the restore's (Lab.createRouter), with
 * /var/lib kept.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.js';

export interface RebootResult {
  /** What the router's /run held before the reboot and no longer holds (paths inside it). */
  runLost: string[];
  /** What its /var/lib held before and still holds (paths inside it). */
  diskKept: string[];
}

/** Reboots a router (see above); resolves once its keepalived has been started again. */
export async function reboot(lab: Lab, name: string): Promise<RebootResult> {
  const rd = lab.routerDir(lab.router(name));
  const list = (d: string) =>
    existsSync(join(rd, d)) ? readdirSync(join(rd, d), { recursive: true, encoding: 'utf8' }) : [];
  const run = list('run-up');
  const disk = list('varlib-up');
  lab.log('action:reboot', `${name}: reboot (services stopped, power cycle, boot; /var/lib kept)`, name);
  await lab.stopKeepalived(name);
  await lab.conntrackd.stop(name);
  await lab.hardKill(name);
  lab.createRouter(lab.router(name), true);
  // Read before keepalived starts and writes its files again.
  const runNow = new Set(list('run-up'));
  const diskNow = new Set(list('varlib-up'));
  lab.startKeepalived(name);
  return { runLost: run.filter((f) => !runNow.has(f)), diskKept: disk.filter((f) => diskNow.has(f)) };
}
