/** The lock's waiter protocol and its address (issue 16.2, 16.11), in one process. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acquireLock, type Claim, type LockResult, lockAddress } from './lock.js';

const claim = (t: number, pid: number, droppable = true): Claim => ({
  seq: { t, pid },
  event: `INSTANCE ROUTEUR_1 MASTER ${t}`,
  role: 'master',
  droppable,
});
const name = (label: string) => `hagate-agent-lock-test/${label}/${process.pid}`;
const settled = <T>(p: Promise<T>) => {
  const s: { value?: T } = {};
  void p.then((v) => {
    s.value = v;
  });
  return s;
};
const tick = () => new Promise((r) => setTimeout(r, 20));

describe('lock', () => {
  it('binds `\\0<lockName>` padded with NULs to the 108 bytes of sun_path, on every Node version', async () => {
    const n = name('address');
    expect(lockAddress(n)).toHaveLength(108);
    const r = await acquireLock(n, claim(1, 1), 10_000);
    if (!('held' in r)) throw new Error('not held');
    const unix = readFileSync('/proc/net/unix', 'utf8');
    expect(unix).toContain(` @${n}${'@'.repeat(107 - n.length)}\n`);
    r.held.release();
  });

  it('a name over 107 bytes is refused (it would not fit)', () => {
    expect(() => lockAddress('é'.repeat(54))).toThrow(/108 bytes, at most 107/);
  });

  it('an older waiter is answered stale at once and recorded; the newest waits until release', async () => {
    const n = name('waiters');
    const holder = (await acquireLock(n, claim(10, 100), 10_000)) as Extract<LockResult, { held: unknown }>;
    expect(holder.held).toBeDefined();
    const older = await acquireLock(n, claim(5, 50), 10_000);
    expect(older).toEqual({ stale: { t: 10, pid: 100 } });
    const newer = settled(acquireLock(n, claim(20, 200), 10_000));
    const newest = settled(acquireLock(n, claim(30, 300), 10_000));
    while (!newer.value) await tick(); // the newer one is answered when the newest arrives
    expect(newer.value).toEqual({ stale: { t: 30, pid: 300 } });
    expect(holder.held.pending()).toEqual({ t: 30, pid: 300 });
    expect(holder.held.newest()).toEqual({ t: 30, pid: 300 });
    expect(
      holder.held
        .takeStale()
        .map((s) => s.seq.t)
        .sort((a, b) => a - b),
    ).toEqual([5, 20]);
    expect(newest.value).toBeUndefined();
    holder.held.release();
    while (!newest.value) await tick();
    const got = newest.value as LockResult;
    if (!('held' in got)) throw new Error('the newest waiter did not get the lock');
    got.held.release();
  });

  it('a waiter older than the state file (observe) drops out; a fifo claim is never answered stale', async () => {
    const n = name('observe');
    const r = (await acquireLock(n, claim(10, 100), 10_000)) as Extract<LockResult, { held: unknown }>;
    const fifo = settled(acquireLock(n, claim(1, 1, false), 10_000));
    const notify = settled(acquireLock(n, claim(40, 40), 10_000));
    await tick();
    expect(notify.value).toBeUndefined();
    r.held.observe({ t: 50, pid: 1 });
    while (!notify.value) await tick();
    expect(notify.value).toEqual({ stale: { t: 50, pid: 1 } });
    expect(fifo.value).toBeUndefined();
    r.held.release();
    while (!fifo.value) await tick();
    const got = fifo.value as LockResult;
    if (!('held' in got)) throw new Error('the fifo claim did not get the lock');
    got.held.release();
  });
});
