/**
 * Sessions next to the pings (issue 12 item 5): long-lived TCP connections and UDP flows from the LAN host
 * to the internet host through the VIP and SNAT, and new connections opened during the outage. The peers
 * (sessions-peer.js) run in the lab's namespaces; this side starts them, waits for the flows before the
 * scenario's event, lets stalled flows recover after convergence, and turns the client's record into
 * survived / reset / stalled counts, the longest stall, and the timeline rows.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited, nowMs, sleep, spawnLines } from './exec.js';
import type { ScenarioResult } from './scenarios.js';
import type { PeerAttempt, PeerFlow, PeerResult } from './sessions-peer.js';

/** The peer script, compiled (the lab's tests run from src, so always the dist copy). */
export const PEER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../dist/sessions-peer.js');
export const SESSION_PORT = 7070;
/** A flow that got no echo during this long before the end never recovered (ms). */
export const QUIET_MS = 1000;
/** After convergence, how long the lab waits at most for stalled flows to come back (ms). */
export const SETTLE_MS = 12_000;
/** Settled: every flow up (not reset) had an echo within this long (ms; intervals are 50-100 ms). */
export const LATE_MS = 300;

export interface SessionCounts {
  /** Flows opened, and those that had an echo before the event (the ones counted below). */
  flows: number;
  establishedBeforeEvent: number;
  survived: number;
  reset: number;
  stalled: number;
  /** Longest time without an echo after the event, over the flows not reset (ms, minus their interval). */
  longestStallMs: number;
  /** The reasons the reset flows gave (ECONNRESET, EPIPE, closed...), with counts. */
  resetReasons: Record<string, number>;
}

export interface NewConnections {
  attempted: number;
  succeeded: number;
  /** Attempts started while the LAN -> internet pings were lost. */
  duringOutage: { attempted: number; succeeded: number };
}

export interface SessionsResult {
  tcp: SessionCounts;
  udp: SessionCounts;
  /** UDP flows where only the internet side talks (the new master must hold their NAT mapping already). */
  push?: SessionCounts;
  newConnections: NewConnections;
  /** Timeline runs relative to the scenario start: [from, to, fraction of the flows answering]. */
  timeline: { tcp: [number, number, number][]; udp: [number, number, number][] };
  /** New connection attempts relative to the scenario start: [at, ok]. */
  attempts: [number, boolean][];
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Classifies the flows that had an echo before t0 (wall-clock ms); `end` is when the measurement stopped. */
export function countFlows(flows: readonly PeerFlow[], t0: number, end: number, udp: boolean): SessionCounts {
  const c: SessionCounts = {
    flows: flows.length,
    establishedBeforeEvent: 0,
    survived: 0,
    reset: 0,
    stalled: 0,
    longestStallMs: 0,
    resetReasons: {},
  };
  for (const f of flows) {
    if (f.firstReply === undefined || f.firstReply >= t0) continue;
    if (f.error && f.error.t < t0 && !udp) continue;
    c.establishedBeforeEvent++;
    const last = f.lastReply ?? f.firstReply;
    // UDP: an ICMP error counts as a reset only when the echoes never came back after it.
    const reset = f.error !== undefined && (!udp || last < f.error.t);
    const stalled = !reset && end - last > QUIET_MS;
    if (reset) {
      c.reset++;
      c.resetReasons[f.error!.code] = (c.resetReasons[f.error!.code] ?? 0) + 1;
      continue;
    }
    if (stalled) c.stalled++;
    else c.survived++;
    const silences = f.gaps.filter(([, b]) => b >= t0).map(([a, b]) => b - a);
    if (stalled) silences.push(end - last);
    const worst = Math.max(0, ...silences.map((s) => s - f.intervalMs));
    c.longestStallMs = Math.max(c.longestStallMs, Math.round(worst));
  }
  return c;
}

/** Attempts (wall-clock) against outage windows relative to t0. */
export function countAttempts(
  attempts: readonly PeerAttempt[],
  t0: number,
  outages: readonly [number, number][],
): NewConnections {
  const during = attempts.filter((a) => outages.some(([s, e]) => a.t - t0 >= s && a.t - t0 <= e));
  return {
    attempted: attempts.length,
    succeeded: attempts.filter((a) => a.ok).length,
    duringOutage: { attempted: during.length, succeeded: during.filter((a) => a.ok).length },
  };
}

/** Buckets of "flows answering" turned into runs of equal fraction (relative to t0). */
export function bucketRuns(
  counts: readonly number[],
  bucketMs: number,
  start: number,
  t0: number,
  total: number,
  until: number,
): [number, number, number][] {
  if (total === 0) return [];
  const runs: [number, number, number][] = [];
  const n = Math.ceil((until - start) / bucketMs);
  for (let i = 0; i < n; i++) {
    const frac = Math.min(1, (counts[i] ?? 0) / total);
    // Three levels are enough for a picture: all, some, none.
    const level = frac >= 0.999 ? 1 : frac > 0 ? 0.5 : 0;
    const a = round(start + i * bucketMs - t0);
    const b = round(start + (i + 1) * bucketMs - t0);
    const lastRun = runs[runs.length - 1];
    if (lastRun && lastRun[2] === level && lastRun[1] === a) lastRun[1] = b;
    else runs.push([a, b, level]);
  }
  return runs;
}

/** The whole result of one scenario's sessions. */
export function analyseSessions(
  raw: PeerResult,
  t0: number,
  outages: readonly [number, number][],
): SessionsResult {
  const end = raw.stop;
  const est = (fs: PeerFlow[]) => fs.filter((f) => f.firstReply !== undefined && f.firstReply < t0).length;
  return {
    tcp: countFlows(raw.tcp, t0, end, false),
    udp: countFlows(raw.udp, t0, end, true),
    ...(raw.push?.length ? { push: countFlows(raw.push, t0, end, true) } : {}),
    newConnections: countAttempts(raw.attempts, t0, outages),
    timeline: {
      tcp: bucketRuns(raw.buckets.tcp, raw.buckets.ms, raw.start, t0, est(raw.tcp), end),
      udp: bucketRuns(raw.buckets.udp, raw.buckets.ms, raw.start, t0, est(raw.udp), end),
    },
    attempts: raw.attempts.map((a) => [round(a.t - t0), a.ok]),
  };
}

function peerArgv(ns: string, mode: 'server' | 'client', args: string[]): string[] {
  if (!existsSync(PEER_SCRIPT))
    throw new Error(`${PEER_SCRIPT} is missing: run \`pnpm build\` first (the lab's session peers)`);
  return ['ip', 'netns', 'exec', ns, process.execPath, PEER_SCRIPT, mode, ...args];
}

/** The echo server on the internet host (TCP and UDP on one port), for the lifetime of a lab. */
export class SessionServer {
  private child?: ChildProcess;
  private listening = false;
  readonly log: string[] = [];

  constructor(
    private readonly ns: string,
    readonly addr: string,
    readonly port = SESSION_PORT,
  ) {}

  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null) return;
    this.listening = false;
    this.child = spawnLines(
      peerArgv(this.ns, 'server', ['--addr', this.addr, '--port', String(this.port)]),
      (l) => {
        if (l.includes('"listening"')) this.listening = true;
        else this.log.push(l);
      },
    );
    const until = nowMs() + 10_000;
    while (!this.listening && nowMs() < until && this.child.exitCode === null) await sleep(20);
    if (!this.listening) throw new Error(`session echo server did not start: ${this.log.join(' ').trim()}`);
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child, 5000);
    this.child = undefined;
  }
}

/** The flows of one scenario, from the LAN host. */
export class SessionProbe {
  private child?: ChildProcess;
  private readyAt?: number;
  private late = { t: 0, tcp: Number.POSITIVE_INFINITY, udp: Number.POSITIVE_INFINITY };
  private result?: PeerResult;
  readonly log: string[] = [];

  constructor(
    private readonly ns: string,
    private readonly server: SessionServer,
    readonly tcp = 50,
    readonly udp = 50,
    readonly attemptMs = 100,
    readonly push = 0,
  ) {}

  start(): void {
    const argv = peerArgv(this.ns, 'client', [
      '--addr',
      this.server.addr,
      '--port',
      String(this.server.port),
      '--tcp',
      String(this.tcp),
      '--udp',
      String(this.udp),
      '--push',
      String(this.push),
      '--attempt-ms',
      String(this.attemptMs),
      '--late-ms',
      String(LATE_MS),
    ]);
    this.child = spawnLines(
      argv,
      (line, t, stream) => {
        if (stream === 'err' || !line.startsWith('{')) {
          this.log.push(line);
          return;
        }
        const m = JSON.parse(line) as { type: string; tcpLate?: number; udpLate?: number };
        if (m.type === 'ready') this.readyAt = t;
        else if (m.type === 'status') this.late = { t, tcp: m.tcpLate ?? 0, udp: m.udpLate ?? 0 };
        else if (m.type === 'result') this.result = m as PeerResult;
      },
      true,
    );
  }

  /** Resolves once every flow got its first echo (or the client gave up waiting, 8 s). */
  async ready(timeoutMs = 12_000): Promise<boolean> {
    const until = nowMs() + timeoutMs;
    while (this.readyAt === undefined && nowMs() < until && this.child?.exitCode === null) await sleep(20);
    return this.readyAt !== undefined;
  }

  /**
   * Waits until every flow up (not reset) is answering again, twice in a row (half a second apart), at
   * most `maxMs`: a flow still in TCP's retransmission back-off gets its chance to recover.
   */
  async settle(maxMs = SETTLE_MS): Promise<void> {
    const from = nowMs();
    const until = from + maxMs;
    let since: number | undefined;
    while (nowMs() < until) {
      const fresh = this.late.t > from && this.late.tcp === 0 && this.late.udp === 0;
      if (!fresh) since = undefined;
      else if (since === undefined) since = this.late.t;
      else if (this.late.t - since >= 500) return;
      await sleep(100);
    }
  }

  /** Stops the client and returns its record. */
  async stop(): Promise<PeerResult> {
    const c = this.child;
    if (!c) throw new Error('session client not started');
    c.stdin?.end('stop\n');
    if (!(await exited(c, 8000))) c.kill('SIGKILL');
    if (!this.result)
      throw new Error(`session client gave no result: ${this.log.slice(-5).join(' ').trim()}`);
    return this.result;
  }
}

/** What a scenario runner needs to measure sessions. */
export interface SessionOptions {
  server: SessionServer;
  /** Scenarios that measure sessions. */
  scenarios: readonly string[];
  tcp: number;
  udp: number;
  /** Push flows (server to client only); default: as many as `udp`. */
  push?: number;
}

/** The scenario's session client, started (a boot has no route yet: only new connections, no flows). */
export async function startScenarioSessions(
  o: SessionOptions | undefined,
  lanNs: string,
  name: string,
  fromScratch: boolean,
): Promise<SessionProbe | undefined> {
  if (!o?.scenarios.includes(name)) return undefined;
  await o.server.start();
  const probe = new SessionProbe(
    lanNs,
    o.server,
    fromScratch ? 0 : o.tcp,
    fromScratch ? 0 : o.udp,
    100,
    fromScratch ? 0 : (o.push ?? o.udp),
  );
  probe.start();
  return probe;
}

/** Stops the client; an error is kept for the report rather than failing the scenario. */
export function stopSessions(probe: SessionProbe | undefined): Promise<PeerResult | Error | undefined> {
  return probe ? probe.stop().catch((e: Error) => e) : Promise.resolve(undefined);
}

/** Adds the sessions (or why they are missing) to a scenario result; outages from its LAN -> internet pings. */
export function attachSessions(
  result: ScenarioResult,
  t0: number,
  raw: PeerResult | Error | undefined,
): void {
  if (!raw) return;
  if (raw instanceof Error) {
    result.sessionsError = raw.message;
    return;
  }
  const d = result.directions.lanToInternet;
  const outages: [number, number][] = d.gaps.map((g) => [g.start, g.end]);
  // Before the first answered ping (a boot): the whole start is an outage.
  if (d.lostBeforeFirst > 0 && d.firstReply !== undefined)
    outages.push([Number.NEGATIVE_INFINITY, d.firstReply]);
  result.sessions = analyseSessions(raw, t0, outages);
}
