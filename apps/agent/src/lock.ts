/**
 * Serializing agent runs, and telling a waiting event at once when a newer one exists.
 *
 * The lock is an abstract unix socket. Binding it succeeds for one process at a time in a network
 * namespace, and the kernel releases it when that process exits or is killed, so a crashed agent never
 * leaves a stale lock behind (no lock file, no pid guessing).
 *
 * The holder listens on it. A process that cannot bind connects to the holder and sends its claim (seq,
 * event, role). The holder keeps the newest seq it has seen (its own, the state file's, every waiter's):
 * a waiter older than that is answered `stale` at once and exits; every waiter that is still the newest
 * stays connected, without polling, until the holder's socket closes (release, exit or kill), then tries
 * to bind again. The stale waiters' events are handed to the holder's state file (`takeStale`).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Role } from './plan.js';
import { compareSeq, newerSeq, type Seq, validSeq } from './seq.js';
import type { TransitionRecord } from './state.js';

export interface Claim {
  seq: Seq;
  /** The event as received, for the holder's record if this one turns out stale. */
  event: string;
  role: Role;
  /** false: never answered `stale` (fifo events are ordered by their reader, never dropped). */
  droppable: boolean;
}

export interface Lock {
  /** The newest seq seen so far: this holder's, the floor given to `observe`, every waiter's. */
  newest(): Seq;
  /** Raises the newest seq (e.g. the state file's `lastSeq`); older waiters are answered `stale` at once. */
  observe(seq: Seq | undefined): void;
  /** The newest seq of a waiter still connected (it will run after this holder), if any. */
  pending(): Seq | undefined;
  /** The events of waiters answered `stale` since the last call, as transitions to record. */
  takeStale(): TransitionRecord[];
  /** Stops listening and closes every waiter's connection (they try to bind again). Synchronous. */
  release(): void;
}

export type LockResult = { held: Lock } | { stale: Seq };

/**
 * The address bound: `\0<lockName>` NUL-padded to the 108 bytes of `sun_path`. Node 20 (libuv 1.46)
 * always binds an abstract name with `addrlen = sizeof(struct sockaddr_un)`, so the short name cannot be
 * bound there; libuv 1.48+ (Node 22) binds exactly the bytes given. Padding explicitly gives the same
 * address on both, so agents run by different Node versions still exclude each other.
 */
export function lockAddress(name: string): string {
  const len = Buffer.byteLength(name);
  if (len > 107) throw new Error(`lockName ${name}: ${len} bytes, at most 107 fit in a unix socket address`);
  return `\0${name}${'\0'.repeat(107 - len)}`;
}

function tryBind(address: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer({ pauseOnConnect: false });
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(undefined);
      else reject(e);
    });
    server.listen({ path: address }, () => {
      server.unref();
      resolve(server);
    });
  });
}

interface Waiter {
  sock: Socket;
  claim?: Claim;
}

class HeldLock implements Lock {
  private top: Seq;
  private readonly waiters = new Set<Waiter>();
  private stale: TransitionRecord[] = [];

  constructor(
    private readonly server: Server,
    own: Claim,
  ) {
    this.top = own.seq;
    server.on('connection', (sock) => this.accept(sock));
  }

  private accept(sock: Socket): void {
    sock.unref();
    const w: Waiter = { sock };
    this.waiters.add(w);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      if (w.claim) return;
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 4096) sock.destroy();
        return;
      }
      const claim = parseClaim(buf.slice(0, nl));
      if (!claim) return void sock.destroy();
      w.claim = claim;
      this.observe(claim.seq);
      if (claim.droppable && compareSeq(this.top, claim.seq) > 0) this.answerStale(w);
    });
    sock.on('error', () => {});
    sock.on('close', () => this.waiters.delete(w));
  }

  private answerStale(w: Waiter): void {
    const c = w.claim as Claim;
    this.waiters.delete(w);
    this.stale.push({
      at: new Date().toISOString(),
      event: c.event,
      role: c.role,
      seq: c.seq,
      result: 'stale',
      changes: 0,
      steps: {},
    });
    w.sock.end(`stale ${JSON.stringify(this.top)}\n`);
  }

  newest(): Seq {
    return this.top;
  }

  observe(seq: Seq | undefined): void {
    if (!seq || compareSeq(seq, this.top) <= 0) return;
    this.top = seq;
    for (const w of [...this.waiters])
      if (w.claim?.droppable && compareSeq(seq, w.claim.seq) > 0) this.answerStale(w);
  }

  pending(): Seq | undefined {
    let p: Seq | undefined;
    for (const w of this.waiters) if (w.claim) p = newerSeq(p, w.claim.seq);
    return p;
  }

  takeStale(): TransitionRecord[] {
    const s = this.stale;
    this.stale = [];
    return s;
  }

  release(): void {
    this.server.close();
    for (const w of this.waiters) w.sock.destroy();
    this.waiters.clear();
  }
}

function parseClaim(line: string): Claim | undefined {
  try {
    const x = JSON.parse(line) as Record<string, unknown>;
    const seq = validSeq(x.seq);
    if (!seq || typeof x.event !== 'string' || (x.role !== 'master' && x.role !== 'backup')) return undefined;
    return { seq, event: x.event, role: x.role, droppable: x.droppable !== false };
  } catch {
    return undefined;
  }
}

/**
 * Waits as a connected waiter until the holder closes (`retry`), answers `stale`, or is not listening
 * (`refused`: it released between our bind and connect, or a foreign socket holds the name).
 */
function waitOnHolder(
  address: string,
  claim: Claim,
  onSocket: (s: Socket) => void,
): Promise<'retry' | 'refused' | { stale: Seq }> {
  return new Promise((resolve) => {
    const sock = connect({ path: address });
    onSocket(sock);
    let connected = false;
    let answer = '';
    let done = false;
    const finish = (r: 'retry' | 'refused' | { stale: Seq }) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(r);
    };
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      connected = true;
      sock.write(`${JSON.stringify(claim)}\n`);
    });
    sock.on('data', (chunk: string) => {
      answer += chunk;
      const nl = answer.indexOf('\n');
      if (nl >= 0 && answer.startsWith('stale ')) {
        let by: Seq | undefined;
        try {
          by = validSeq(JSON.parse(answer.slice(6, nl)));
        } catch {}
        finish({ stale: by ?? claim.seq });
      }
    });
    sock.on('error', () => finish(connected ? 'retry' : 'refused'));
    sock.on('close', () => finish(connected ? 'retry' : 'refused'));
  });
}

/**
 * Takes the lock for `claim`, or learns that a newer event exists (`stale`, only for a droppable claim).
 * Waiting is event-driven (woken by the holder's socket closing); `timeoutMs` is only an overall safety
 * bound. Only a name bound by something that does not listen (not an agent) makes it retry on a timer.
 */
export async function acquireLock(name: string, claim: Claim, timeoutMs: number): Promise<LockResult> {
  const address = lockAddress(name);
  let current: Socket | undefined;
  let over = false;
  const timer = setTimeout(() => {
    over = true;
    current?.destroy();
  }, timeoutMs);
  try {
    let refused = 0;
    for (;;) {
      const server = await tryBind(address);
      if (server) return { held: new HeldLock(server, claim) };
      if (over) throw new Error(`lock ${name}: still held by another hagate-agent after ${timeoutMs} ms`);
      const r = await waitOnHolder(address, claim, (s) => {
        current = s;
      });
      current = undefined;
      if (typeof r === 'object') return r;
      refused = r === 'refused' ? refused + 1 : 0;
      if (refused > 2) await new Promise((ok) => setTimeout(ok, Math.min(refused * 5, 100)));
    }
  } finally {
    clearTimeout(timer);
  }
}
