/**
 * Graceful handover of a stopping master (keepalived's STOP, its shutdown): keep the master state, so the
 * LAN keeps its way out, until the peer holds the VIP; only then give the master state up. The external
 * NIC (one MAC shared by both routers) is thus never up on both, and the gap is the peer's own apply time
 * instead of VRRP's skew time.
 *
 * How the peer's takeover is seen, without raw sockets and without spawning anything while waiting: the
 * agent drops any neighbour entry of the VIP and sends one datagram to it, so the kernel resolves the VIP
 * itself (ARP requests, then a FAILED entry that the next datagram restarts). The peer answers as soon as
 * it holds the VIP, and its gratuitous ARP on becoming master completes the pending entry at once. The
 * agent reads /proc/net/arp every few ms until the entry is complete.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { HandoverState } from '@hagate/spec/agent-config';
import { exec } from './exec.js';

export type HandoverOutcome =
  /** The peer holds the VIP: give up now. */
  | 'peer'
  /** The peer did not take over in time (down, or not there): give up anyway. */
  | 'timeout'
  /** The VIP came back here (keepalived restarted and is master again): keep the master state. */
  | 'reclaimed'
  /** SIGTERM / SIGINT while waiting: give up now. */
  | 'interrupted';

export interface HandoverResult {
  outcome: HandoverOutcome;
  ms: number;
  /** The MAC that answered for the VIP (outcome `peer`). */
  peerMac?: string;
}

const ATF_COM = 0x2;

/** The MAC of a complete /proc/net/arp entry for `ip` on `dev`, else undefined. */
export function completeArpEntry(procNetArp: string, ip: string, dev: string): string | undefined {
  for (const line of procNetArp.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] !== ip || f[5] !== dev) continue;
    const flags = Number.parseInt(f[2] as string, 16);
    if (flags & ATF_COM && f[3] !== '00:00:00:00:00:00') return f[3];
  }
  return undefined;
}

function holdsAddress(dev: string, ip: string): boolean {
  return (networkInterfaces()[dev] ?? []).some((a) => a.family === 'IPv4' && a.address === ip);
}

function readArp(): string {
  try {
    return readFileSync('/proc/net/arp', 'utf8');
  } catch {
    return '';
  }
}

/** Sleeps `ms`, or until one of `signals` aborts. */
const sleep = (ms: number, ...signals: (AbortSignal | undefined)[]) =>
  new Promise<void>((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    if (live.some((s) => s.aborted)) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      for (const s of live) s.removeEventListener('abort', done);
      resolve();
    }
    for (const s of live) s.addEventListener('abort', done, { once: true });
  });

/**
 * Waits until the peer holds `h.vip` (or the timeout, or the VIP comes back here, or `signal`).
 * Never throws: a failure to watch degrades to waiting for the timeout.
 */
export async function waitForTakeover(
  h: HandoverState,
  opts: {
    commandTimeoutMs: number;
    signal?: AbortSignal;
    pollMs?: number;
    nudgeMs?: number;
    /** True once the peer asked for the external NIC (claim.ts): it is taking over. */
    peerAsked?: () => boolean;
    /** Aborted when the peer asks: the wait looks again at once instead of at its next poll. */
    wake?: AbortSignal;
  },
): Promise<HandoverResult> {
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 100) / 100;
  const pollMs = opts.pollMs ?? 5;
  const nudgeMs = opts.nudgeMs ?? 500;
  // An entry from before (the peer was master once) says nothing about now.
  const stale = readArp()
    .split('\n')
    .some((l) => {
      const f = l.trim().split(/\s+/);
      return f[0] === h.vip && f[5] === h.dev;
    });
  if (stale) {
    await exec(['ip', 'neigh', 'del', h.vip, 'dev', h.dev], { timeoutMs: opts.commandTimeoutMs }).catch(
      () => undefined,
    );
  }
  const sock = createSocket('udp4');
  sock.on('error', () => {});
  const nudge = () => {
    try {
      sock.send(Buffer.alloc(0), 9, h.vip);
    } catch {}
  };
  let gone = false;
  let nextNudge = 0;
  try {
    for (;;) {
      const mac = completeArpEntry(readArp(), h.vip, h.dev);
      if (mac) return { outcome: 'peer', ms: ms(), peerMac: mac };
      if (opts.peerAsked?.()) return { outcome: 'peer', ms: ms() };
      if (holdsAddress(h.dev, h.vip)) {
        // Still ours: keepalived has not removed it yet, or holds it again after a restart.
        if (gone) return { outcome: 'reclaimed', ms: ms() };
      } else {
        gone = true;
        if (performance.now() >= nextNudge) {
          nudge();
          nextNudge = performance.now() + nudgeMs;
        }
      }
      if (opts.signal?.aborted) return { outcome: 'interrupted', ms: ms() };
      const left = t0 + h.timeoutMs - performance.now();
      if (left <= 0) return { outcome: 'timeout', ms: ms() };
      await sleep(Math.min(pollMs, left), opts.signal, opts.wake);
    }
  } finally {
    sock.close();
  }
}
