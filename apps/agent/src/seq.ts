/**
 * How the order of notify events is decided. keepalived forks one notify process per event, in event
 * order. An event's sequence is the fork time of its process (/proc/self/stat field 22, clock ticks since
 * boot) then its pid (pids grow with each fork, modulo /proc/sys/kernel/pid_max), plus the boot it belongs
 * to (/proc/sys/kernel/random/boot_id): taken before waiting for the lock, so a process that gets the lock
 * later than a newer one knows its event is stale. fifo events use the time they were read.
 */
import { readFileSync } from 'node:fs';

export interface Seq {
  /** Clock ticks (1/100 s) since boot. */
  t: number;
  pid: number;
  /** The boot the clock counts from; a seq of another boot is not comparable (and is ignored). */
  boot?: string;
}

let bootId: string | undefined | null = null;

/** This boot's id, or undefined when /proc does not tell. */
export function currentBoot(): string | undefined {
  if (bootId === null) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      bootId = undefined;
    }
  }
  return bootId;
}

function withBoot(t: number, pid: number): Seq {
  const boot = currentBoot();
  return boot === undefined ? { t, pid } : { t, pid, boot };
}

export function processSeq(): Seq {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = Number(fields[19]);
    if (Number.isSafeInteger(t) && t >= 0) return withBoot(t, process.pid);
  } catch {}
  return nowSeq();
}

/** Now, in the same clock (CLOCK_BOOTTIME, as /proc/uptime). */
export function nowSeq(): Seq {
  const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return withBoot(Math.floor(up * 100), process.pid);
}

/** A stored seq, validated: undefined unless it has integer `t` and `pid` (and a string `boot`, if any). */
export function validSeq(x: unknown): Seq | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const { t, pid, boot } = x as Record<string, unknown>;
  if (!Number.isSafeInteger(t) || (t as number) < 0) return undefined;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (boot !== undefined && typeof boot !== 'string') return undefined;
  return boot === undefined
    ? { t: t as number, pid: pid as number }
    : { t: t as number, pid: pid as number, boot };
}

/** A stored seq that still means something now: valid and of this boot (else undefined). */
export function sameBootSeq(x: unknown, boot: string | undefined = currentBoot()): Seq | undefined {
  const s = validSeq(x);
  return s && s.boot === boot ? s : undefined;
}

let pidMaxCache: number | undefined;

/** /proc/sys/kernel/pid_max (the kernel's default of 4194304 when unreadable). */
export function pidMax(): number {
  if (pidMaxCache === undefined) {
    let n = Number.NaN;
    try {
      n = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    } catch {}
    pidMaxCache = Number.isSafeInteger(n) && n > 1 ? n : 4_194_304;
  }
  return pidMaxCache;
}

/**
 * > 0 when a is newer than b. In the same clock tick the pid decides; pids are handed out in increasing
 * order and wrap at pid_max, so a difference of more than half of pid_max means the smaller pid was
 * handed out after the wrap (it is the newer one).
 */
export function compareSeq(a: Seq, b: Seq, max: number = pidMax()): number {
  if (a.t !== b.t) return a.t - b.t;
  const d = a.pid - b.pid;
  return Math.abs(d) > max / 2 ? -d : d;
}

/** The newer of two seqs (either may be absent). */
export function newerSeq(a: Seq | undefined, b: Seq | undefined): Seq | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareSeq(a, b) >= 0 ? a : b;
}
