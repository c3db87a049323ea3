/**
 * The external NIC up on one router at a time. Both routers' external NICs carry the same MAC (the
 * provider's failover MAC); up on both, even for a few milliseconds, the upstream switch sees the MAC on two
 * ports (flapping, and on some switches a blocked port). A preempting master and a preempted one run their
 * transitions at the same time, and a stopping master hands over while its peer starts its own: nothing
 * orders the two NICs but the routers themselves.
 *
 * So a router taking the master role asks its peer first, over the LAN, in one UDP datagram (`QUERY`). The
 * peer's agent answers `FREE` (its NIC is down), `HOLDING` (up, and a backup transition is under way or
 * queued: it is giving it up) or `KEEPING` (up, and it stays master: a split brain, or keepalived's event
 * not read yet), and once it has given its NIC up it tells the asker `RELEASED`. The asker repeats its question every few ms (an answer or a release can be lost, and
 * the process that answers can change: a stopping fifo process, then the shutdown hook's handover). It brings
 * its NIC up on `FREE` or `RELEASED`; on no answer at all within `answerMs` (the peer is down, or runs no
 * agent that answers); or, logged, when the peer still holds its NIC after `releaseMs` (HOLDING) or 60 ms
 * (KEEPING only: a peer that keeps the master state; availability wins).
 *
 * Only the peer's address is listened to (the firewall accepts the port from the peer only, on the LAN); a
 * forged `HOLDING` can delay a takeover by `releaseMs` at most, a forged `FREE` only brings back the race.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { literalUdp4 } from './udp.js';

type ClaimState = NonNullable<AgentConfig['claim']>;

const MAGIC = 'hagate-claim/1';
const KINDS = ['QUERY', 'HOLDING', 'KEEPING', 'FREE', 'RELEASED'] as const;
/** How long a router taking the master role waits for a peer that answered KEEPING to change its mind. */
const KEEP_MS = 60;
export type ClaimKind = (typeof KINDS)[number];

export function encodeClaim(instance: string, kind: ClaimKind): Buffer {
  return Buffer.from(`${MAGIC} ${instance} ${kind}`);
}

/** The message's kind when it is one of ours for `instance`, else undefined. */
export function decodeClaim(msg: Buffer, instance: string): ClaimKind | undefined {
  if (msg.length > 200) return undefined;
  const [magic, inst, kind, ...rest] = msg.toString('latin1').split(' ');
  if (magic !== MAGIC || inst !== instance || rest.length > 0) return undefined;
  return (KINDS as readonly string[]).includes(kind ?? '') ? (kind as ClaimKind) : undefined;
}

const IFF_UP = 0x1;

/** Whether `nic` is administratively up (IFF_UP in /sys/class/net/NIC/flags); false when it is missing. */
export function nicUp(nic: string): boolean {
  try {
    return (Number.parseInt(readFileSync(`/sys/class/net/${nic}/flags`, 'latin1'), 16) & IFF_UP) !== 0;
  } catch {
    return false;
  }
}

export type ClaimOutcome =
  /** The peer's NIC was down when it answered. */
  | 'free'
  /** The peer gave its NIC up after this router asked. */
  | 'released'
  /** No answer within answerMs: the peer is down or answers nothing. */
  | 'silent'
  /** The peer still held its NIC after releaseMs: taken over anyway. */
  | 'overridden'
  /** The wait was interrupted (SIGTERM): taken over at once. */
  | 'interrupted';

export interface ClaimResult {
  outcome: ClaimOutcome;
  ms: number;
}

/** Asks the peer until this router may bring its external NIC up; never throws. */
export async function claimExternal(
  claim: ClaimState,
  instance: string,
  opts: { signal?: AbortSignal; requeryMs?: number } = {},
): Promise<ClaimResult> {
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 100) / 100;
  const sock = literalUdp4();
  const query = encodeClaim(instance, 'QUERY');
  return new Promise<ClaimResult>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let held = false;
    let done = false;
    const finish = (outcome: ClaimOutcome) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      clearInterval(again);
      opts.signal?.removeEventListener('abort', onAbort);
      try {
        sock.close();
      } catch {}
      resolve({ outcome, ms: ms() });
    };
    const onAbort = () => finish('interrupted');
    const send = () => {
      try {
        sock.send(query, claim.port, claim.peer);
      } catch {}
    };
    sock.on('error', () => {});
    let keep: NodeJS.Timeout | undefined;
    sock.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (from.address !== claim.peer) return;
      const kind = decodeClaim(msg, instance);
      if (kind === 'FREE') finish('free');
      else if (kind === 'RELEASED') finish('released');
      else if (kind === 'HOLDING' && !held) {
        held = true;
        if (keep) clearTimeout(keep);
        timers.push(setTimeout(() => finish('overridden'), claim.releaseMs));
      } else if (kind === 'KEEPING' && !held && !keep) {
        keep = setTimeout(() => finish('overridden'), Math.min(KEEP_MS, claim.releaseMs));
        timers.push(keep);
      }
    });
    const again = setInterval(send, opts.requeryMs ?? 20);
    timers.push(
      setTimeout(() => {
        if (!held && !keep) finish('silent');
      }, claim.answerMs),
    );
    if (opts.signal?.aborted) return finish('interrupted');
    opts.signal?.addEventListener('abort', onAbort);
    sock.bind(0, send);
  });
}

/**
 * The peer's side: answers the questions of a router taking the master role, and tells it when this
 * router's external NIC is down. Owned by the process that can give the NIC up: the fifo process, or a
 * stopping master's handover.
 */
export class ClaimResponder {
  private sock: Socket | undefined;
  /** Who asked while the NIC was up ("address port"), until when (ms, performance clock). */
  private readonly askers = new Map<string, number>();
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Set once the peer asked: it is taking the master role. */
  asked = false;
  /** Who hears of the peer's questions (see onAsk). */
  private readonly listeners = new Set<() => void>();

  /**
   * `releasing`: whether this router is giving its NIC up (a backup transition under way or queued, a
   * stopping master's handover); when it is not, a router whose NIC is up answers KEEPING.
   */
  constructor(
    private readonly claim: ClaimState,
    private readonly instance: string,
    private readonly nic: string,
    private readonly releasing: () => boolean = () => true,
  ) {}

  /** Binds the port; while another process of this router holds it, tries again every `retryMs`. */
  start(retryMs = 20): void {
    if (this.stopped || this.sock) return;
    const sock = literalUdp4();
    sock.on('message', (msg: Buffer, from: RemoteInfo) => this.onMessage(sock, msg, from));
    sock.once('error', () => {
      try {
        sock.close();
      } catch {}
      if (this.sock === sock) this.sock = undefined;
      if (!this.stopped) this.retry = setTimeout(() => this.start(retryMs), retryMs);
    });
    this.sock = sock;
    sock.bind(this.claim.port);
  }

  private onMessage(sock: Socket, msg: Buffer, from: RemoteInfo): void {
    if (from.address !== this.claim.peer || decodeClaim(msg, this.instance) !== 'QUERY') return;
    this.asked = true;
    const up = nicUp(this.nic);
    // The answer goes out first; then whoever listens hears of the question.
    if (this.listeners.size > 0)
      setImmediate(() => {
        for (const l of this.listeners) l();
      });
    if (up) this.askers.set(`${from.address} ${from.port}`, performance.now() + this.claim.releaseMs + 1000);
    const answer = !up ? 'FREE' : this.releasing() ? 'HOLDING' : 'KEEPING';
    try {
      sock.send(encodeClaim(this.instance, answer), from.port, from.address);
    } catch {}
  }

  /** As soon as the NIC is down (right after the ip batch that lowered it, and again after the whole
   * transition): tells everyone who asked while it was up. */
  released(): void {
    if (this.askers.size === 0 || nicUp(this.nic)) return;
    const msg = encodeClaim(this.instance, 'RELEASED');
    const now = performance.now();
    for (const [who, until] of this.askers) {
      const [address, port] = who.split(' ') as [string, string];
      if (until >= now) {
        try {
          this.sock?.send(msg, Number(port), address);
        } catch {}
      }
    }
    this.askers.clear();
  }

  /**
   * Resolves true once the peer asks (it may have asked already), false after `ms`. A one-shot run that gave
   * the NIC up before the peer's question waits for it this long, so the peer hears FREE instead of silence
   * (which would cost it `answerMs`).
   */
  untilAsked(ms: number): Promise<boolean> {
    if (this.asked) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(t);
        off();
        resolve(v);
      };
      const off = this.onAsk(() => done(true));
      const t = setTimeout(() => done(false), ms);
    });
  }

  /** Calls `fn` on each question of the peer (after its answer); returns the unsubscribe. A stopping
   * master's handover wakes on it instead of at its next poll. */
  onAsk(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    try {
      this.sock?.close();
    } catch {}
    this.sock = undefined;
  }
}
