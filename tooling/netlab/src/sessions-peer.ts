#!/usr/bin/env node
/**
 * The two ends of the lab's session measurement, run inside lab namespaces with `ip netns exec` (Node's
 * standard library only):
 *
 * - `server --addr A --port P`: TCP and UDP echo on A:P (the internet host).
 * - `client --addr A --port P --tcp N --udp N [--push N] [--attempt-ms 100]`: N long-lived TCP connections
 *   and N UDP flows to A:P (the LAN host, through the VIP and SNAT), each sending a sequence number every
 *   50-100 ms and timing the echoes; N push flows, UDP flows where only the server talks once the client has
 *   said `push` (a router that takes over must already hold their NAT mapping: no client packet re-creates
 *   it); plus one new TCP connection attempted every `attempt-ms`. Prints JSON lines:
 *   `ready` once every flow got its first echo, `status` every 250 ms (flows whose last echo is older than `late-ms`),
 *   and `result` after `stop` on stdin (then exits).
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const ATTEMPT_TIMEOUT_MS = 3000;
const BUCKET_MS = 200;
/** The server pushes to a client flow this long at most (a client gone without `stop`). */
const PUSH_MAX_MS = 120_000;

export interface PeerFlow {
  id: number;
  intervalMs: number;
  sent: number;
  replies: number;
  firstReply?: number;
  lastReply?: number;
  /** Silences longer than 2.5 intervals: [last echo before, first echo after] (wall-clock ms). */
  gaps: [number, number][];
  /** TCP: reset / closed by the other side; UDP: an ICMP error reported on the socket. */
  error?: { t: number; code: string };
}

export interface PeerAttempt {
  /** Wall-clock ms the attempt started. */
  t: number;
  ok: boolean;
  /** Until the echo (ok) or the failure. */
  ms?: number;
  error?: string;
}

export interface PeerResult {
  type: 'result';
  start: number;
  stop: number;
  tcp: PeerFlow[];
  udp: PeerFlow[];
  /** Push flows (server to client only), when asked for. */
  push?: PeerFlow[];
  attempts: PeerAttempt[];
  /** Per 200 ms from `start`: how many flows got at least one echo. */
  buckets: { ms: number; tcp: number[]; udp: number[]; push?: number[] };
}

const now = () => performance.timeOrigin + performance.now();
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

function args(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) m.set(argv[i]!.replace(/^--/, ''), argv[i + 1] ?? '');
  return m;
}

function server(addr: string, port: number): void {
  const tcp = createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  const udp = createSocket('udp4');
  const pushes = new Map<string, NodeJS.Timeout>();
  const endPush = (key: string) => {
    clearInterval(pushes.get(key));
    pushes.delete(key);
  };
  udp.on('message', (msg, rinfo) => {
    const text = msg.toString();
    const key = `${rinfo.address}:${rinfo.port}`;
    if (text.startsWith('push ')) {
      // A push flow: this side talks from now on, every interval the client asked for.
      if (pushes.has(key)) return;
      const every = Math.max(20, Number.parseInt(text.slice(5), 10) || 100);
      let seq = 0;
      pushes.set(
        key,
        setInterval(() => udp.send(`${++seq}\n`, rinfo.port, rinfo.address), every),
      );
      setTimeout(() => endPush(key), PUSH_MAX_MS).unref();
    } else if (text.startsWith('stop')) endPush(key);
    else udp.send(msg, rinfo.port, rinfo.address);
  });
  udp.on('error', () => {});
  let bound = 0;
  const done = () => {
    if (++bound === 2) out({ type: 'listening', addr, port });
  };
  tcp.listen(port, addr, done);
  udp.bind(port, addr, done);
}

class Client {
  private readonly start = now();
  readonly tcp: PeerFlow[] = [];
  readonly udp: PeerFlow[] = [];
  readonly push: PeerFlow[] = [];
  readonly attempts: PeerAttempt[] = [];
  private readonly buckets = { tcp: [] as number[], udp: [] as number[], push: [] as number[] };
  private readonly lastBucket = new Map<PeerFlow, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly sockets: { destroy(): void }[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readyDone = false;

  constructor(
    private readonly addr: string,
    private readonly port: number,
    /** A flow is late when its last echo is older than this (ms). */
    private readonly lateMs: number,
  ) {}

  private reply(kind: 'tcp' | 'udp' | 'push', f: PeerFlow): void {
    const t = now();
    if (f.lastReply !== undefined && t - f.lastReply > 2.5 * f.intervalMs) f.gaps.push([f.lastReply, t]);
    f.firstReply ??= t;
    f.lastReply = t;
    f.replies++;
    const b = Math.floor((t - this.start) / BUCKET_MS);
    if (this.lastBucket.get(f) !== b) {
      this.lastBucket.set(f, b);
      const arr = this.buckets[kind];
      while (arr.length <= b) arr.push(0);
      arr[b]!++;
    }
    this.checkReady();
  }

  private checkReady(): void {
    if (this.readyDone) return;
    if ([...this.tcp, ...this.udp, ...this.push].every((f) => f.firstReply !== undefined)) this.ready();
  }

  private ready(): void {
    if (this.readyDone) return;
    this.readyDone = true;
    const est = (fs: PeerFlow[]) => fs.filter((f) => f.firstReply !== undefined && !f.error).length;
    out({ type: 'ready', t: now(), tcp: est(this.tcp), udp: est(this.udp), push: est(this.push) });
  }

  private every(f: PeerFlow, send: () => void): void {
    // Spread the flows: each its own interval in 50-100 ms and a random phase.
    const first = setTimeout(() => {
      send();
      this.timers.push(setInterval(send, f.intervalMs));
    }, Math.random() * f.intervalMs);
    this.timers.push(first);
  }

  private newFlow(id: number): PeerFlow {
    return { id, intervalMs: 50 + Math.round(Math.random() * 50), sent: 0, replies: 0, gaps: [] };
  }

  openTcp(id: number): void {
    const f = this.newFlow(id);
    this.tcp.push(f);
    const s: Socket = connect({ host: this.addr, port: this.port, noDelay: true });
    this.sockets.push(s);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buf += chunk;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        buf = buf.slice(i + 1);
        this.reply('tcp', f);
        i = buf.indexOf('\n');
      }
    });
    const fail = (code: string) => {
      f.error ??= { t: now(), code };
      this.checkReady();
    };
    s.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    s.on('close', () => fail('closed'));
    s.on('connect', () =>
      this.every(f, () => {
        if (f.error || s.destroyed) return;
        f.sent++;
        s.write(`${f.sent}\n`);
      }),
    );
  }

  openUdp(id: number): void {
    const f = this.newFlow(id);
    this.udp.push(f);
    const s = createSocket('udp4');
    this.sockets.push({ destroy: () => s.close() });
    s.on('message', () => this.reply('udp', f));
    s.on('error', (e: NodeJS.ErrnoException) => {
      f.error = { t: now(), code: e.code ?? e.message };
    });
    s.connect(this.port, this.addr, () =>
      this.every(f, () => {
        f.sent++;
        s.send(`${f.sent}\n`, (err) => {
          if (err) f.error = { t: now(), code: (err as NodeJS.ErrnoException).code ?? err.message };
        });
      }),
    );
  }

  /** A push flow: says `push` (again every 500 ms until the server's first message), then only listens. On
   * close it says `stop`, so the server stops pushing. */
  openPush(id: number): void {
    const f = this.newFlow(id);
    this.push.push(f);
    const s = createSocket('udp4');
    let hello: NodeJS.Timeout | undefined;
    this.sockets.push({
      destroy: () => {
        clearInterval(hello);
        s.send('stop\n', () => s.close());
      },
    });
    s.on('message', () => {
      clearInterval(hello);
      this.reply('push', f);
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      f.error = { t: now(), code: e.code ?? e.message };
    });
    s.connect(this.port, this.addr, () => {
      const say = () => {
        if (f.firstReply === undefined) s.send(`push ${f.intervalMs}\n`);
        else clearInterval(hello);
      };
      say();
      hello = setInterval(say, 500);
      this.timers.push(hello);
    });
  }

  /** One new connection: connect, send a line, wait for its echo. */
  attempt(): void {
    const a: PeerAttempt = { t: now(), ok: false };
    this.attempts.push(a);
    const p = new Promise<void>((resolve) => {
      const s = connect({ host: this.addr, port: this.port, noDelay: true });
      const end = (ok: boolean, error?: string) => {
        if (a.ms !== undefined) return;
        a.ok = ok;
        a.ms = Math.round((now() - a.t) * 10) / 10;
        if (error) a.error = error;
        clearTimeout(timer);
        s.destroy();
        resolve();
      };
      const timer = setTimeout(() => end(false, 'timeout'), ATTEMPT_TIMEOUT_MS);
      s.on('connect', () => s.write('new\n'));
      s.on('data', () => end(true));
      s.on('error', (e: NodeJS.ErrnoException) => end(false, e.code ?? e.message));
      s.on('close', () => end(false, 'closed'));
    });
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
  }

  run(tcp: number, udp: number, push: number, attemptMs: number): void {
    for (let i = 0; i < tcp; i++) this.openTcp(i);
    for (let i = 0; i < udp; i++) this.openUdp(i);
    for (let i = 0; i < push; i++) this.openPush(i);
    if (tcp + udp + push === 0) this.ready();
    // Whatever could connect within 8 s is what the scenario starts with.
    this.timers.push(setTimeout(() => this.ready(), 8000));
    if (attemptMs > 0) this.timers.push(setInterval(() => this.attempt(), attemptMs));
    this.timers.push(
      setInterval(() => {
        const t = now();
        const late = (fs: PeerFlow[]) =>
          fs.filter((f) => f.firstReply !== undefined && !f.error && t - f.lastReply! > this.lateMs).length;
        out({ type: 'status', t, tcpLate: late(this.tcp), udpLate: late(this.udp) });
      }, 250),
    );
  }

  async stop(): Promise<void> {
    const stop = now();
    for (const t of this.timers) clearInterval(t);
    // Attempts still waiting get one more second.
    await Promise.race([Promise.all([...this.pending]), new Promise((r) => setTimeout(r, 1000))]);
    for (const a of this.attempts) if (a.ms === undefined) a.error = 'pending';
    const result: PeerResult = {
      type: 'result',
      start: this.start,
      stop,
      tcp: this.tcp,
      udp: this.udp,
      ...(this.push.length > 0 ? { push: this.push } : {}),
      attempts: this.attempts,
      buckets: { ms: BUCKET_MS, ...this.buckets },
    };
    // Written before the sockets close (their closing is not a reset), then exit once it is flushed.
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    for (const s of this.sockets) s.destroy();
  }
}

function main(argv: string[]): void {
  const [mode, ...rest] = argv;
  const a = args(rest);
  const addr = a.get('addr') ?? '';
  const port = Number(a.get('port'));
  if (!addr || !Number.isInteger(port)) {
    process.stderr.write(
      'usage: sessions-peer server|client --addr A --port P [--tcp N --udp N --push N --attempt-ms MS --late-ms MS]\n',
    );
    process.exit(2);
  }
  if (mode === 'server') {
    server(addr, port);
    return;
  }
  const c = new Client(addr, port, Number(a.get('late-ms') ?? 300));
  c.run(
    Number(a.get('tcp') ?? 50),
    Number(a.get('udp') ?? 50),
    Number(a.get('push') ?? 0),
    Number(a.get('attempt-ms') ?? 100),
  );
  const rl = createInterface({ input: process.stdin });
  let stopping = false;
  rl.on('line', (line) => {
    if (line.trim() !== 'stop' || stopping) return;
    stopping = true;
    void c.stop();
  });
  // The lab is gone (stdin closed without `stop`): nothing will read the result.
  rl.on('close', () => {
    if (!stopping) process.exit(0);
  });
}

main(process.argv.slice(2));
