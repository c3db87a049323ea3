/**
 * conntrackd in the lab's routers, when the generated tree has its config (a spec with conntrackSync): started
 * at boot before keepalived (as conntrackd.service is), in the router's namespaces; stopped and restarted by
 * the scenarios that take it away; stopped with the lab.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exited, sleep, spawnLines } from './exec.js';
import type { Lab } from './lab.js';
import type { RouterPlan } from './plan.js';

const CONF = 'etc/conntrackd/conntrackd.conf';

export class LabConntrackd {
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly lab: Lab) {}

  private conf(name: string): string {
    return join(this.lab.routerDir(this.lab.router(name)), 'root', CONF);
  }

  /** Whether the router has conntrackd (its tree has a conntrackd.conf). */
  has(name: string): boolean {
    return existsSync(this.conf(name));
  }

  /** Boot: conntrackd in the foreground (the lab's own child; killed with the router on a hard kill). */
  start(r: RouterPlan): void {
    if (!this.has(r.name)) return;
    const inner = this.lab.inRouter(r, ['conntrackd', '-C', `/${CONF}`]);
    const argv = this.lab.enter ? this.lab.enter(r.name, inner) : inner;
    const log = this.lab.logs.get(r.name) ?? [];
    this.lab.logs.set(r.name, log);
    this.children.set(
      r.name,
      spawnLines(argv, (line, t) => log.push(`${new Date(t).toISOString()} conntrackd: ${line}`)),
    );
    this.lab.log('action:boot', `${r.name}: conntrackd started`, r.name);
  }

  /** The hypervisor port of the router's sync link (its conntrackd.conf `Interface`). */
  syncPort(name: string): string | undefined {
    if (!this.has(name)) return undefined;
    const iface = /^\s*Interface\s+(\S+)/m.exec(readFileSync(this.conf(name), 'utf8'))?.[1];
    return this.lab.router(name).links.find((l) => l.ifname === iface)?.hvPort;
  }

  /** `systemctl stop conntrackd` in a router: SIGTERM, resolves once it has exited. */
  async stop(name: string): Promise<void> {
    const c = this.children.get(name);
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    this.lab.log('action:conntrackd-stop', `${name}: conntrackd stopped`, name);
    c.kill('SIGTERM');
    if (!(await exited(c, 10_000))) {
      c.kill('SIGKILL');
      await exited(c, 5000);
    }
    // What a killed one leaves behind would stop the next start (its lock file) or fool the wait for it.
    const run = join(this.lab.routerDir(this.lab.router(name)), 'run-up');
    for (const f of ['conntrackd.ctl', 'lock/conntrack.lock']) rmSync(join(run, f), { force: true });
  }

  /** `systemctl restart conntrackd` in a running router (empty caches); resolves once its socket is there. */
  async restart(name: string): Promise<void> {
    await this.stop(name);
    this.start(this.lab.router(name));
    const sock = join(this.lab.routerDir(this.lab.router(name)), 'run-up', 'conntrackd.ctl');
    for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(50);
  }

  /** The lab's end: every conntrackd stopped. */
  async stopAll(): Promise<void> {
    for (const c of this.children.values()) {
      c.kill('SIGTERM');
      await exited(c, 5000);
    }
  }
}
