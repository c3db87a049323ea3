/**
 * The constrained lab's cgroups for real (root): the limits are in place, a wrapped command and its
 * children start inside, everything is removed at the end and after a crashed lab; the background load is
 * bounded (dies with the lab).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inCI, needs } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { detectCgroups, LabCgroups, ROUTER_MEMORY_BYTES } from './cgroup.js';
import { claimRun, cleanup, newRunId, runDirOf } from './cleanup.js';
import { alive, exited, sleep } from './exec.js';
import { BUSY_SCRIPT, CpuLoad } from './load.js';

/** The cgroup plan here, or a skip (outside CI) / failure (CI) saying why there is none. */
function planOrSkip(ctx: { skip(why: string): void }) {
  needs(ctx, 'root');
  const d = detectCgroups();
  if (!d.ok) {
    if (inCI) throw new Error(`CI=true and no cgroup can hold the lab's limits: ${d.reason}`);
    ctx.skip(d.reason);
    throw new Error('unreachable');
  }
  return d.plan;
}

const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8');

/** Alive and not a zombie (an orphan killed here may wait for a reaper that never comes). */
function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('constrained lab cgroups', () => {
  it('puts a wrapped command and its children under the router limits, and removes everything', async (ctx) => {
    const plan = planOrSkip(ctx);
    const id = newRunId();
    const dir = claimRun(id);
    const cg = new LabCgroups(plan, id, dir);
    try {
      cg.add('extrout1', true);
      cg.add('load', false);
      expect(cg.limits('extrout1')).toEqual({ cpu: '100000 100000', memoryBytes: ROUTER_MEMORY_BYTES });
      const [cmd, ...args] = cg.wrap('extrout1', ['sh', '-c', 'sleep 30 & echo $!; wait']);
      const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
      const inner = await new Promise<number>((resolve) =>
        child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))),
      );
      const pids = cg.pids('extrout1');
      expect(pids).toContain(child.pid);
      expect(pids).toContain(inner);
      expect(cgroupOf(inner)).toContain(`/hgl-${id}/extrout1`);
      expect(cg.pids('load')).toEqual([]);
      const dirs = [...cg.dirs('extrout1'), ...cg.dirs('load')];
      expect(cg.remove()).toEqual([]);
      expect(await exited(child, 5000)).toBe(true);
      expect(running(inner)).toBe(false);
      for (const d of dirs) expect(existsSync(d), d).toBe(false);
      expect(existsSync(join(dirs[0]!, '..'))).toBe(false);
    } finally {
      cg.remove();
      cleanup({ runId: id });
    }
  });

  it("removes a crashed lab's cgroups and what still runs in them", async (ctx) => {
    const plan = planOrSkip(ctx);
    const dead = newRunId();
    mkdirSync(runDirOf(dead), { recursive: true });
    const cg = new LabCgroups(plan, dead, runDirOf(dead));
    cg.add('extrout2', true);
    const [cmd, ...args] = cg.wrap('extrout2', ['sleep', '60']);
    const sleeper = spawn(cmd!, args, { stdio: 'ignore' });
    // The lab was killed with -9: its owner pid is gone.
    writeFileSync(join(runDirOf(dead), 'owner.pid'), `${spawnSync('true').pid}\n`);
    const dirs = cg.dirs('extrout2');
    try {
      for (let i = 0; i < 50 && cg.pids('extrout2').length === 0; i++) await sleep(20);
      expect(cg.pids('extrout2')).toEqual([sleeper.pid]);
      const r = cleanup();
      expect(r.cgroups.length).toBeGreaterThan(0);
      expect(r.cgroupsLeft).toEqual([]);
      for (const d of dirs) expect(existsSync(d), d).toBe(false);
      expect(await exited(sleeper, 5000)).toBe(true);
      expect(sleeper.signalCode).toBe('SIGKILL');
    } finally {
      sleeper.kill('SIGKILL');
      cleanup({ runId: dead });
    }
  });

  it('background load stops on stop() and dies with the lab that started it', async () => {
    const load = new CpuLoad(1);
    load.start();
    const [pid] = load.pids;
    expect(pid && running(pid)).toBe(true);
    await load.stop();
    expect(running(pid!)).toBe(false);
    // A busy process whose parent (standing for the lab) is killed exits by itself.
    const parent = spawn('sh', ['-c', 'node -e "$0" 60000 $$ & echo $!; exec sleep 30', BUSY_SCRIPT], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const busy = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))),
    );
    expect(running(busy)).toBe(true);
    parent.kill('SIGKILL');
    for (let i = 0; i < 100 && running(busy); i++) await sleep(20);
    expect(running(busy)).toBe(false);
  });
});
