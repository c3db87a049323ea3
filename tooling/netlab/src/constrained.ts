/**
 * One constrained variant: the routers' cgroups (the how-to's 1 vCPU / 256 MiB VM), keepalived started
 * inside them, the optional background load in its own group, and what the groups measured for the report.
 */
import { readFileSync } from 'node:fs';
import { type CgroupPlan, type CgroupStats, LabCgroups } from './cgroup.js';
import type { Lab } from './lab.js';
import { CpuLoad } from './load.js';

export interface ConstrainedReport {
  backend: 'v2' | 'v1';
  /** Why cgroup v2 was not used (v1 backend only). */
  v2Unavailable?: string;
  /** The limits as the kernel reports them: `quota period` (µs) and bytes. */
  cpu: string;
  memoryBytes: number;
  /** Busy processes competing for the cores. */
  load: number;
  routers: Record<string, CgroupStats & { maxProcs: number; commands: string[] }>;
}

export class Constrained {
  private readonly cg: LabCgroups;
  private readonly load: CpuLoad;
  private readonly seen = new Map<string, { maxProcs: number; commands: Set<string> }>();
  private sampler?: NodeJS.Timeout;

  constructor(
    plan: CgroupPlan,
    runId: string,
    runDir: string,
    private readonly lab: Lab,
    loadCount: number,
  ) {
    this.cg = new LabCgroups(plan, runId, runDir);
    for (const r of lab.plan.routers) {
      this.cg.add(r.name, true);
      this.seen.set(r.name, { maxProcs: 0, commands: new Set() });
    }
    this.cg.add('load', false);
    this.load = new CpuLoad(loadCount, (argv) => this.cg.wrap('load', argv));
    lab.enter = (router, argv) => this.cg.wrap(router, argv);
  }

  /** Starts the load and samples who is inside the routers' groups every half second. */
  start(): void {
    this.load.start();
    this.sampler = setInterval(() => this.sample(), 500);
  }

  /** Records which processes are inside each router's group right now (the report's proof). */
  sample(): void {
    for (const [router, s] of this.seen) {
      const pids = this.cg.pids(router);
      s.maxProcs = Math.max(s.maxProcs, pids.length);
      for (const pid of pids) {
        try {
          s.commands.add(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
        } catch {
          // exited meanwhile
        }
      }
    }
  }

  /** Stops the load, reads the groups' figures, removes the groups. Call after the lab is destroyed. */
  async finish(): Promise<ConstrainedReport> {
    clearInterval(this.sampler);
    await this.load.stop();
    const first = this.lab.plan.routers[0]!.name;
    const lim = this.cg.limits(first);
    const routers: ConstrainedReport['routers'] = {};
    for (const [router, s] of this.seen)
      routers[router] = { ...this.cg.stats(router), maxProcs: s.maxProcs, commands: [...s.commands].sort() };
    const report: ConstrainedReport = {
      backend: this.cg.backend,
      ...(this.cg.plan.backend === 'v1' ? { v2Unavailable: this.cg.plan.v2Unavailable } : {}),
      cpu: lim.cpu,
      memoryBytes: lim.memoryBytes,
      load: this.load.count,
      routers,
    };
    const left = this.cg.remove();
    if (left.length) throw new Error(`cgroups not removed: ${left.join(', ')}`);
    return report;
  }

  /** Crash path: stop and remove whatever exists. */
  async abort(): Promise<void> {
    clearInterval(this.sampler);
    await this.load.stop();
    this.cg.remove();
  }
}
