/**
 * Probes: `ping -D -i 0.01` run inside a lab namespace (the article's "ping loop from an outside machine",
 * at 100 per second). Each reply gives its sequence number, its arrival time and its RTT, so its send time;
 * lost sequence numbers between two replies make an outage.
 */
import type { ChildProcess } from 'node:child_process';
import { exited, spawnLines } from './exec.js';

export interface Reply {
  seq: number;
  /** Wall-clock ms the probe was sent (arrival - rtt). */
  sent: number;
  rtt: number;
}

export interface Gap {
  /** Last answered probe before the gap and first answered after it. */
  fromSeq: number;
  toSeq: number;
  /** Send times of those two probes (ms). */
  start: number;
  end: number;
  lost: number;
  /** Time without connectivity: end - start - interval. */
  outageMs: number;
}

export interface ProbeStats {
  name: string;
  intervalMs: number;
  sent: number;
  received: number;
  /** Probes lost between the first and the last reply. */
  lost: number;
  /** Probes sent before the first reply (a boot has no connectivity yet). */
  lostBeforeFirst: number;
  /** Probes sent after the last reply (beyond a few in flight: traffic did not recover). */
  lostAfterLast: number;
  firstReply?: number;
  lastReply?: number;
  /** Longest single outage, and the sum of all (ms). */
  outageMs: number;
  totalOutageMs: number;
  gaps: Gap[];
  recovered: boolean;
}

/** Parses one line of `ping -D` output; undefined for anything but a first (non-DUP) reply. */
export function parsePingLine(line: string): Reply | undefined {
  const m = /^\[(\d+\.\d+)\] \d+ bytes from \S+?: icmp_seq=(\d+) .*time=([\d.]+) ms(.*)$/.exec(line);
  if (!m || m[4]!.includes('DUP!')) return undefined;
  const rtt = Number(m[3]);
  return { seq: Number(m[2]), sent: Number(m[1]) * 1000 - rtt, rtt };
}

/** Statistics of a probe's replies, given how many probes were sent. */
export function probeStats(
  name: string,
  replies: readonly Reply[],
  sent: number,
  intervalMs: number,
): ProbeStats {
  const bySeq = new Map<number, Reply>();
  for (const r of replies) if (!bySeq.has(r.seq)) bySeq.set(r.seq, r);
  const ok = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const gaps: Gap[] = [];
  for (let i = 1; i < ok.length; i++) {
    const a = ok[i - 1]!;
    const b = ok[i]!;
    if (b.seq - a.seq > 1) {
      gaps.push({
        fromSeq: a.seq,
        toSeq: b.seq,
        start: a.sent,
        end: b.sent,
        lost: b.seq - a.seq - 1,
        outageMs: Math.max(0, b.sent - a.sent - intervalMs),
      });
    }
  }
  const first = ok[0];
  const last = ok[ok.length - 1];
  const total = Math.max(sent, last?.seq ?? 0);
  const lostAfterLast = last ? total - last.seq : total;
  return {
    name,
    intervalMs,
    sent: total,
    received: ok.length,
    lost: gaps.reduce((s, g) => s + g.lost, 0),
    lostBeforeFirst: first ? first.seq - 1 : total,
    lostAfterLast,
    ...(first ? { firstReply: first.sent } : {}),
    ...(last ? { lastReply: last.sent } : {}),
    outageMs: gaps.reduce((m, g) => Math.max(m, g.outageMs), 0),
    totalOutageMs: gaps.reduce((s, g) => s + g.outageMs, 0),
    gaps,
    // A few probes are always in flight when the probe stops.
    recovered: !!last && lostAfterLast <= 20,
  };
}

/** A running ping inside a namespace. */
export class Probe {
  readonly replies: Reply[] = [];
  private child?: ChildProcess;
  private transmitted = 0;
  lastReplyAt = 0;

  constructor(
    readonly name: string,
    private readonly ns: string,
    private readonly target: string,
    readonly intervalMs = 10,
  ) {}

  start(): void {
    const argv = [
      'ip',
      'netns',
      'exec',
      this.ns,
      'ping',
      '-n',
      '-D',
      '-i',
      String(this.intervalMs / 1000),
      this.target,
    ];
    this.child = spawnLines(argv, (line, t) => {
      const r = parsePingLine(line);
      if (r) {
        this.replies.push(r);
        this.lastReplyAt = t;
        return;
      }
      const s = /^(\d+) packets transmitted/.exec(line);
      if (s) this.transmitted = Number(s[1]);
    });
  }

  /** True when a reply arrived within the last `ms`. */
  healthy(now: number, ms = 250): boolean {
    return now - this.lastReplyAt <= ms;
  }

  async stop(): Promise<ProbeStats> {
    if (this.child) {
      this.child.kill('SIGINT');
      if (!(await exited(this.child, 5000))) this.child.kill('SIGKILL');
    }
    return probeStats(this.name, this.replies, this.transmitted, this.intervalMs);
  }
}
