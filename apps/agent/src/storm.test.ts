/**
 * Storms of notify invocations (issue 16.2): the newest event wins, an older waiter drops out at once
 * (answered by the lock holder, no polling, no lock timeout). Root, network namespaces; the end state is
 * read from the kernel.
 */
import { missing } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelRole, type Lab, makeLab, readJson } from '../test/ns-agent.js';

const why = missing('root', 'ip', 'nft');
let lab: Lab;

beforeAll(() => {
  if (!why) lab = makeLab('storm');
});
afterAll(() => lab?.cleanup());

/** The lock is held while its abstract address is listed in the namespace's /proc/net/unix. */
async function lockHeld(ns: { exec(argv: string[]): { stdout: string } }, lockName: string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (ns.exec(['cat', '/proc/net/unix']).stdout.includes(`@${lockName}@`)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`lock ${lockName} never taken`);
}

/**
 * Whether process `pid` is connected to the lock holder's socket `@lockName` (`ss -x`: the holder's accepted
 * socket, named after the lock, has the waiter's socket as its peer). Other sockets of the waiter (its ip
 * child's stdio socketpairs) do not count.
 */
function waitsOnLock(ns: { exec(argv: string[]): { stdout: string } }, pid: number, lockName: string) {
  const rows = ns
    .exec(['ss', '-xpH'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/));
  const mine = new Set(rows.filter((r) => r.some((f) => f.includes(`pid=${pid},`))).map((r) => r[5]));
  return rows.some((r) => r[4]?.startsWith(`@${lockName}`) && mine.has(r[7]));
}

describe('notify storms (root, network namespaces)', () => {
  it('an older waiter drops out at once while the lock is still held; the newest one applies', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('older');
    // The holder: a stopping master waiting for a takeover nobody makes (it holds the lock meanwhile).
    const cfg = lab.config('older', (c) => {
      c.handover = { vip: '10.10.1.254', dev: 'eth1', timeoutMs: 120_000 };
    });
    expect(lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const holder = lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'STOP', '0']);
    await lockHeld(ns, 'hagate-agent-storm/older');
    const older = lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '1']);
    const newer = lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '2']);
    const o = await older.done;
    expect(o.code).toBe(0);
    expect(o.stderr).toContain('BACKUP 1: stale event dropped (a newer one is waiting for the lock)');
    // Still held: the holder and the newest waiter are both alive.
    expect(holder.child.exitCode).toBeNull();
    expect(newer.child.exitCode).toBeNull();
    holder.child.kill('SIGTERM');
    const h = await holder.done;
    const n = await newer.done;
    expect(h.code).toBe(0);
    // Interrupted handover, then the holder sees the newer MASTER waiting: it leaves the role to it.
    expect(h.stderr).toContain('STOP 0: stale event dropped');
    expect(n.code).toBe(0);
    expect(n.stderr).toMatch(/MASTER 2: master state applied, 0 changes/);
    expect(kernelRole(ns)).toBe('master');
    // No event is lost from the record: the stale waiter's event was written by the holder.
    const state = readJson(lab.stateFile('older')) as {
      transitions: { event: string; result: string }[];
      pendingSeq?: unknown;
    };
    const tail = state.transitions.slice(-3).map((t) => `${t.event}: ${t.result}`);
    expect(tail.sort()).toEqual(
      [
        'INSTANCE ROUTEUR_1 BACKUP 1: stale',
        'INSTANCE ROUTEUR_1 STOP 0: stale',
        'INSTANCE ROUTEUR_1 MASTER 2: applied',
      ].sort(),
    );
    expect(state.pendingSeq).toBeUndefined();
  }, 240_000);

  it('the holder persists the newest waiting seq (pendingSeq): an older event that wins the freed lock drops out', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('pending');
    const cfg = lab.config('pending', (c) => {
      c.handover = { vip: '10.10.1.254', dev: 'eth1', timeoutMs: 120_000 };
    });
    expect(lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const holder = lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'STOP', '0']);
    await lockHeld(ns, 'hagate-agent-storm/pending');
    const older = lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '1']);
    // The older one must not reach the holder: frozen before it connects (or answered, if it got there).
    older.child.kill('SIGSTOP');
    const newer = lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '2']);
    const newerPid = newer.child.pid as number;
    // Wait until the newest one waits on the holder (its connection shows in the namespace's sockets).
    let waiting = false;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !waiting; ) {
      waiting = waitsOnLock(ns, newerPid, 'hagate-agent-storm/pending');
      if (!waiting) await new Promise((r) => setTimeout(r, 25));
    }
    expect(waiting).toBe(true);
    newer.child.kill('SIGSTOP');
    holder.child.kill('SIGTERM');
    expect((await holder.done).code).toBe(0);
    const state = readJson(lab.stateFile('pending')) as { pendingSeq?: { pid: number } };
    expect(state.pendingSeq?.pid).toBe(newerPid);
    // The older one runs first on the freed lock: the persisted pendingSeq drops it at once.
    older.child.kill('SIGCONT');
    const o = await older.done;
    expect(o.code).toBe(0);
    expect(o.stderr).toContain('BACKUP 1: stale event dropped');
    expect(kernelRole(ns)).toBe('master');
    newer.child.kill('SIGCONT');
    const n = await newer.done;
    expect(n.code).toBe(0);
    expect(n.stderr).toContain('MASTER 2: master state applied');
    expect(kernelRole(ns)).toBe('master');
    const after = readJson(lab.stateFile('pending')) as { pendingSeq?: unknown; lastSeq: { pid: number } };
    expect(after.pendingSeq).toBeUndefined();
    expect(after.lastSeq.pid).toBe(newerPid);
  }, 240_000);

  it('a storm of 100 concurrent notify invocations in random states ends in the newest state, no timeout', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('storm');
    const cfg = lab.config('storm');
    const N = 100;
    const states = Array.from({ length: N }, () => (Math.random() < 0.5 ? 'MASTER' : 'BACKUP'));
    // Start from the opposite of the newest event's role, so the newest one has something to change.
    const newestRole = states[N - 1] === 'MASTER' ? 'master' : 'backup';
    const opposite = newestRole === 'master' ? 'BACKUP' : 'MASTER';
    expect(lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', opposite, '0']).status).toBe(0);
    const runs = states.map((s, i) => lab.start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', s, String(i + 1)]));
    const results = await Promise.all(runs.map((r) => r.done));
    const bad = results
      .map((r, i) => ({ i, ...r }))
      .filter((r) => r.code !== 0 || !/state applied|stale event dropped/.test(r.stderr));
    expect(bad).toEqual([]);
    expect(kernelRole(ns)).toBe(newestRole);
    const state = readJson(lab.stateFile('storm')) as {
      role: string;
      lastSeq: { pid: number };
      transitions: { event: string; result: string }[];
    };
    // `ip netns exec` execs node in place: the newest event's process is the last one spawned.
    expect(state.lastSeq.pid).toBe(runs[N - 1]?.child.pid);
    expect(state.role).toBe(newestRole);
    expect(state.transitions.map((t) => t.result)).not.toContain('failed');
    expect(results[N - 1]?.stderr).toContain(`${states[N - 1]} ${N}: ${newestRole} state applied`);
  }, 400_000);
});
