/**
 * How the order of notify events is decided. keepalived forks one notify process per event, in event
 * order. An event's sequence is the fork time of its process (/proc/self/stat field 22, clock ticks since
 * boot) then its pid (pids grow with each fork): taken before waiting for the lock, so a process that gets
 * the lock later than a newer one knows its event is stale. fifo events use the time they were read.
 */
import { readFileSync } from 'node:fs';

export interface Seq {
  /** Clock ticks (1/100 s) since boot. */
  t: number;
  pid: number;
}

export function processSeq(): Seq {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = Number(fields[19]);
    if (Number.isFinite(t)) return { t, pid: process.pid };
  } catch {}
  return nowSeq();
}

/** Now, in the same clock (CLOCK_BOOTTIME, as /proc/uptime). */
export function nowSeq(): Seq {
  const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return { t: Math.floor(up * 100), pid: process.pid };
}

/** > 0 when a is newer than b. */
export function compareSeq(a: Seq, b: Seq): number {
  return a.t !== b.t ? a.t - b.t : a.pid - b.pid;
}
