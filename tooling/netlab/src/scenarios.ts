/**
 * The article's tests, automated: each scenario brings the lab to its starting point, starts the probes,
 * does one thing (stop keepalived, kill the router...), waits until the pair has converged again, and
 * measures outage per direction, the time from keepalived's event to the new state being applied, and
 * the invariants.
 */

import { nowMs, run, runOk, sleep } from './exec.js';
import { demoteValue } from './faults.js';
import { pairInvariants } from './invariants.js';
import type { Lab, LabEvent } from './lab.js';
import { multiProbes } from './multi.js';
import { extBothUpMs, externalInPlaceAt } from './overlap.js';
import { type Transition, transitionsOf } from './transitions.js';

export type { Transition } from './transitions.js';

import { detectionBoundMs, skewMs } from './plan.js';
import { Probe, type ProbeStats, type Reply } from './probe.js';
import { agentFails, lateNetwork, nftReload } from './scenarios-agent.js';
import { conntrackdDown, syncCut } from './scenarios-conntrack.js';
import { maintenance, upstreamFails, upstreamsDown } from './scenarios-ops.js';
import {
  attachSessions,
  type SessionOptions,
  type SessionProbe,
  type SessionsResult,
  startScenarioSessions,
  stopSessions,
} from './sessions.js';

export const SCENARIOS = [
  'boot',
  'graceful-stop',
  'preempt-back',
  'hard-kill',
  'restore',
  'flap',
  'split-brain',
  'agent-fails',
  'nft-reload',
  'late-network',
  'conntrackd-down',
  'sync-cut',
  'maintenance',
  'upstream-fails',
  'upstreams-down',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface InvariantResult {
  name: string;
  /** null: not applicable here (e.g. the agent's state under the baseline scripts). */
  ok: boolean | null;
  detail: string;
}

export interface DirectionResult extends Omit<ProbeStats, 'gaps'> {
  gaps: { start: number; end: number; lost: number; outageMs: number }[];
  /** Timeline runs relative to the scenario start: [from, to, answered]. */
  runs: [number, number, boolean][];
}

export interface ScenarioResult {
  scenario: string;
  variant: string;
  startedAt: string;
  durationMs: number;
  /** Which router ended as master (holding the VIP), or a list when several do. */
  master: string | null;
  converged: boolean;
  directions: { lanToInternet: DirectionResult; internetToFailover: DirectionResult };
  /** The acceptance bound on the outage for this scenario, when it has one. */
  boundMs?: number;
  withinBound?: boolean | null;
  /** How long the external NIC (one MAC on both routers) was up on both at once, from the kernel's events. */
  extBothUpMs?: number;
  /** Outside -> failover IP: first answered probe after the outage minus the new master's applied time. */
  fipRecoveryAfterApplyMs?: number;
  /** Acceptance: that recovery within 100 ms (no dependence on the switch's MAC ageing); scenarios with a bound. */
  fipWithinBound?: boolean;
  transitions: Transition[];
  invariants: InvariantResult[];
  /** split-brain only: the invariants while VRRP is blocked (expected to fail: that is what it shows). */
  splitInvariants?: InvariantResult[];
  /** Timeline events relative to the scenario start. */
  events: (Omit<LabEvent, 't'> & { at: number })[];
  /** The probes through the other VIPs (other segments, IPv6 both ways), when the spec has more than one. */
  moreDirections?: { name: string; outageMs: number; lost: number; received: number; recovered: boolean }[];
  /** TCP connections and UDP flows through the VIP and SNAT, when measured in this scenario. */
  sessions?: SessionsResult;
  sessionsError?: string;
  ok: boolean;
  error?: string;
}

export interface RunOptions {
  hooks: 'notify' | 'fifo' | 'baseline';
  quick: boolean;
  flapCycles: number;
  progress: (line: string) => void;
  /** Measure sessions next to the pings (the echo server runs on the internet host). */
  sessions?: SessionOptions;
}

const PROBE_INTERVAL_MS = 10;
/** Outside -> failover IP must answer within this long after the new master applied its state. */
export const FIP_RECOVERY_BOUND_MS = 100;

export class ScenarioRunner {
  private booted = false;
  private readonly destroyed = new Set<string>();
  /** keepalived state of each router when the scenario started (the timeline's first segment). */
  private initial: [string, string][] = [];

  constructor(
    readonly lab: Lab,
    readonly variant: string,
    readonly opts: RunOptions,
  ) {}

  private get preferred(): string {
    const rs = this.lab.plan.routers;
    return rs[0].priority >= rs[1].priority ? rs[0].name : rs[1].name;
  }

  private get other(): string {
    const rs = this.lab.plan.routers;
    return rs[0].name === this.preferred ? rs[1].name : rs[0].name;
  }

  /** Brings the pair to both routers running, converged, the preferred router master (unmeasured). */
  async steady(): Promise<void> {
    for (const r of this.lab.plan.routers) {
      if (this.destroyed.has(r.name)) {
        this.lab.restore(r.name);
        this.destroyed.delete(r.name);
      }
    }
    if (!this.booted) {
      this.lab.startKeepalived(this.preferred);
      await this.waitConverged(this.preferred, 30_000);
      this.booted = true;
    }
    for (const r of this.lab.plan.routers) this.lab.startKeepalived(r.name);
    await this.waitConverged(this.preferred, 30_000);
    await this.lab.vrrpRunning();
  }

  async run(name: ScenarioName): Promise<ScenarioResult> {
    const p = this.preferred;
    const o = this.other;
    switch (name) {
      case 'boot':
        return this.measure(
          name,
          async () => {
            this.lab.startKeepalived(p);
            await this.waitConverged(p, 30_000, false);
            this.lab.startKeepalived(o);
            this.booted = true;
            await sleep(500);
          },
          { expect: p, fromScratch: true },
        );
      case 'graceful-stop':
        await this.steady();
        return this.measure(name, () => this.lab.stopKeepalived(p), {
          expect: o,
          boundMs: skewMs(this.lab.plan.advertInt, this.lab.router(o).priority, this.lab.plan.version) + 250,
        });
      case 'preempt-back':
        if (this.destroyed.size > 0 || !this.lab.keepalivedRunning(o) || this.lab.keepalivedRunning(p)) {
          await this.steady();
          await this.lab.stopKeepalived(p);
          await this.waitConverged(o, 30_000);
        }
        return this.measure(name, async () => this.lab.startKeepalived(p), { expect: p });
      case 'hard-kill':
        await this.steady();
        return this.measure(
          name,
          async () => {
            await this.lab.hardKill(p);
            this.destroyed.add(p);
          },
          {
            expect: o,
            boundMs:
              detectionBoundMs(this.lab.plan.advertInt, this.lab.router(o).priority, this.lab.plan.version) +
              250,
          },
        );
      case 'restore':
        if (!this.destroyed.has(p)) {
          await this.steady();
          await this.lab.hardKill(p);
          this.destroyed.add(p);
          await this.waitConverged(o, 30_000);
        }
        return this.measure(
          name,
          async () => {
            this.lab.restore(p);
            this.destroyed.delete(p);
          },
          { expect: p },
        );
      case 'flap':
        await this.steady();
        return this.measure(
          name,
          async () => {
            for (let i = 0; i < this.opts.flapCycles; i++) {
              await this.lab.stopKeepalived(p);
              this.lab.startKeepalived(p);
              await sleep(300);
              this.opts.progress(`    flap ${i + 1}/${this.opts.flapCycles}`);
            }
          },
          { expect: p },
        );
      case 'split-brain':
        await this.steady();
        return this.splitBrain();
      case 'agent-fails':
        return agentFails(this, p, o);
      case 'nft-reload':
        await this.steady();
        return nftReload(this, p);
      case 'late-network':
        return lateNetwork(this, p, o);
      case 'conntrackd-down':
        return conntrackdDown(this, p, o);
      case 'sync-cut':
        return syncCut(this, p, o);
      case 'maintenance':
        return maintenance(this, p, o);
      case 'upstream-fails':
        return upstreamFails(this, p, o);
      case 'upstreams-down':
        return upstreamsDown(this, p, o);
    }
  }

  /** One router holds everything, the other nothing, keepalived agrees, and both probes get answers. */
  private async converged(expect: string | undefined, probes: Probe[] | undefined): Promise<boolean> {
    const snaps = await Promise.all(this.lab.plan.routers.map((r) => this.lab.snapshot(r.name)));
    const masters = snaps.filter((s) => s.hasVip || s.hasFailoverIp || s.extUp || s.hasNat);
    const m = masters[0];
    if (masters.length !== 1 || !m || !(m.hasVip && m.hasFailoverIp && m.extUp && m.hasNat)) return false;
    // Every VIP of every segment, and no other router holding any.
    if (m.vips.length !== this.lab.plan.vips.length || snaps.some((s) => s !== m && s.vips.length > 0))
      return false;
    if (expect && m.router !== expect) return false;
    if (this.lab.vrrpState(m.router) !== 'MASTER') return false;
    for (const s of snaps) {
      if (s === m || !s.keepalived) continue;
      const st = this.lab.vrrpState(s.router);
      // Demoted without preemption (weight 0), a router sits in FAULT: that is its converged state.
      if (st !== 'BACKUP' && !(st === 'FAULT' && (demoteValue(this.lab, s.router) ?? '0') !== '0'))
        return false;
    }
    const now = nowMs();
    return !probes || probes.every((pr) => pr.healthy(now));
  }

  async waitConverged(
    expect: string | undefined,
    timeoutMs: number,
    withProbes = true,
    probes?: Probe[],
  ): Promise<boolean> {
    const until = nowMs() + timeoutMs;
    while (nowMs() < until) {
      if (await this.converged(expect, withProbes ? probes : undefined)) return true;
      await sleep(50);
    }
    return false;
  }

  private startProbes(): [Probe, Probe] {
    const p = this.lab.plan;
    const a = new Probe('lan->internet', p.lan.ns, p.inet.addr, PROBE_INTERVAL_MS);
    const b = new Probe('internet->failover-ip', p.inet.ns, p.failoverIp, PROBE_INTERVAL_MS);
    a.start();
    b.start();
    return [a, b];
  }

  /** Probes, the action, convergence, the result (used by the agent's own scenarios too). */
  async measure(
    name: string,
    action: () => Promise<void>,
    opts: { expect: string; boundMs?: number; fromScratch?: boolean },
  ): Promise<ScenarioResult> {
    const probes = this.startProbes();
    const more = multiProbes(this.lab.plan, PROBE_INTERVAL_MS);
    more.push(...this.lab.radvd.probes(PROBE_INTERVAL_MS));
    for (const pr of more) pr.start();
    const sessions = await this.startSessions(name, !!opts.fromScratch);
    const firstEvent = this.lab.events.length;
    // Let the probes settle (and see the steady state) before acting.
    const pre = nowMs() + 2000;
    while (!opts.fromScratch && nowMs() < pre && !probes.every((pr) => pr.healthy(nowMs(), 50)))
      await sleep(20);
    await sessions?.ready();
    await sleep(200);
    this.initial = this.lab.plan.routers.map((r) => [r.name, this.lab.vrrpState(r.name) ?? 'STOPPED']);
    const t0 = nowMs();
    this.lab.log(`scenario:${name}`, `${this.variant}: ${name}`);
    let error: string | undefined;
    let ok = true;
    try {
      await action();
    } catch (e) {
      error = (e as Error).message;
    }
    const converged = await this.waitConverged(opts.expect, 30_000 + this.opts.flapCycles * 0, true, [
      ...probes,
      ...more,
    ]);
    if (converged) await sessions?.settle();
    await sleep(500);
    const [lan, inet] = await Promise.all(probes.map((pr) => pr.stop()));
    const moreStats = await Promise.all(more.map((pr) => pr.stop()));
    const rawSessions = await stopSessions(sessions);
    const invariants = await this.invariants();
    ok = !error && converged && invariants.every((i) => i.ok !== false);
    const result = this.result(
      name,
      t0,
      firstEvent,
      lan!,
      inet!,
      probes,
      invariants,
      converged,
      opts.boundMs,
    );
    if (error) result.error = error;
    if (moreStats.length > 0) {
      result.moreDirections = moreStats.map((m) => ({
        name: m.name,
        outageMs: Math.round(m.outageMs),
        lost: m.lost,
        received: m.received,
        recovered: m.recovered,
      }));
      ok &&= moreStats.every((m) => m.recovered);
    }
    attachSessions(result, t0, rawSessions);
    if (opts.boundMs !== undefined && result.fipRecoveryAfterApplyMs !== undefined) {
      result.fipWithinBound = result.fipRecoveryAfterApplyMs <= FIP_RECOVERY_BOUND_MS;
    }
    result.ok = ok && result.withinBound !== false && result.fipWithinBound !== false;
    return result;
  }

  private async splitBrain(): Promise<ScenarioResult> {
    const probes = this.startProbes();
    const sessions = await this.startSessions('split-brain', false);
    const firstEvent = this.lab.events.length;
    await sessions?.ready();
    await sleep(500);
    this.initial = this.lab.plan.routers.map((r) => [r.name, this.lab.vrrpState(r.name) ?? 'STOPPED']);
    const t0 = nowMs();
    const plan = this.lab.plan;
    this.lab.log('scenario:split-brain', `${this.variant}: VRRP blocked on ${plan.lan.bridge}`);
    // VRRP (IP protocol 112) dropped by the "switch" between the routers.
    await runOk(['ip', 'netns', 'exec', plan.hv, 'nft', '-f', '-'], {
      input: `table bridge hgl_split {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n    ip protocol vrrp drop\n  }\n}\n`,
    });
    this.lab.log('action:block', 'VRRP blocked between the routers');
    const hold =
      detectionBoundMs(plan.advertInt, Math.min(...plan.routers.map((r) => r.priority)), plan.version) + 3000;
    await sleep(hold);
    const splitInvariants = await this.invariants();
    await run(['ip', 'netns', 'exec', plan.hv, 'nft', 'delete', 'table', 'bridge', 'hgl_split']);
    this.lab.log('action:unblock', 'VRRP allowed again');
    const converged = await this.waitConverged(this.preferred, 30_000, true, probes);
    if (converged) await sessions?.settle();
    await sleep(500);
    const [lan, inet] = await Promise.all(probes.map((pr) => pr.stop()));
    const rawSessions = await stopSessions(sessions);
    const invariants = await this.invariants();
    const result = this.result(
      'split-brain',
      t0,
      firstEvent,
      lan!,
      inet!,
      probes,
      invariants,
      converged,
      undefined,
    );
    result.splitInvariants = splitInvariants;
    attachSessions(result, t0, rawSessions);
    result.ok = converged && invariants.every((i) => i.ok !== false);
    return result;
  }

  private startSessions(name: string, fromScratch: boolean): Promise<SessionProbe | undefined> {
    return startScenarioSessions(this.opts.sessions, this.lab.plan.lan.ns, name, fromScratch);
  }

  /** Invariants of issue 7 item 3 (invariants.ts). */
  invariants(): Promise<InvariantResult[]> {
    return pairInvariants(this.lab, this.opts.hooks);
  }

  private result(
    name: string,
    t0: number,
    firstEvent: number,
    lan: ProbeStats,
    inet: ProbeStats,
    probes: Probe[],
    invariants: InvariantResult[],
    converged: boolean,
    boundMs: number | undefined,
  ): ScenarioResult {
    const lab = this.lab;
    const end = nowMs();
    const events = [...lab.events.slice(firstEvent), ...this.agentEvents(t0 - 1000, end)]
      .filter((e) => e.t >= t0 - 1000)
      .sort((a, b) => a.t - b.t);
    const transitions = transitionsOf(this.lab, events, t0);
    const masterLine = invariants[0]!;
    const dir = (s: ProbeStats, pr: Probe): DirectionResult => {
      // A boot starts without connectivity: that is time-to-serve, not an outage.
      const { gaps, ...rest } = s;
      return {
        ...rest,
        gaps: gaps.map((g) => ({ start: g.start - t0, end: g.end - t0, lost: g.lost, outageMs: g.outageMs })),
        runs: runsOf(pr.replies, s, t0),
        ...(s.firstReply !== undefined ? { firstReply: s.firstReply - t0 } : {}),
        ...(s.lastReply !== undefined ? { lastReply: s.lastReply - t0 } : {}),
      };
    };
    const lanD = dir(lan, probes[0]!);
    const inetD = dir(inet, probes[1]!);
    const worst = Math.max(lanD.outageMs, inetD.outageMs);
    const r: ScenarioResult = {
      scenario: name,
      variant: this.variant,
      startedAt: new Date(t0).toISOString(),
      durationMs: Math.round(end - t0),
      master: masterLine.ok ? masterLine.detail : null,
      converged,
      directions: { lanToInternet: lanD, internetToFailover: inetD },
      transitions,
      invariants,
      events: [
        ...this.initial.map(([router, st]) => ({
          router,
          source: 'keepalived' as const,
          kind: `state:${st}`,
          text: `${st} when the scenario started`,
          at: Math.round(Math.min(-300, ...events.map((e) => e.t - t0))),
        })),
        ...events.map(({ t, ...e }) => ({ ...e, at: Math.round((t - t0) * 10) / 10 })),
      ],
      ok: true,
    };
    r.extBothUpMs = extBothUpMs(r.events);
    if (boundMs !== undefined) {
      r.boundMs = Math.round(boundMs);
      r.withinBound = lanD.recovered && inetD.recovered ? worst <= boundMs : false;
    }
    // Outside -> failover IP: recovery relative to the new master having applied its state.
    const g = inet.gaps.reduce<ProbeStats['gaps'][number] | undefined>(
      (m, x) => (!m || x.outageMs > m.outageMs ? x : m),
      undefined,
    );
    if (g) {
      // The new master's kernel state in place (failover IP, NIC up, default route), else the agent's record.
      const k = externalInPlaceAt(events, r.master, g.end);
      const inPlace = k === undefined ? undefined : k - t0;
      const masters = transitions.filter((x) => x.state === 'MASTER' && x.at + t0 <= g.end);
      const m = masters[masters.length - 1];
      const applied =
        inPlace ?? (m ? m.at + (m.kernelAppliedMs ?? m.agentAppliedMs ?? Number.NaN) : Number.NaN);
      if (Number.isFinite(applied)) r.fipRecoveryAfterApplyMs = Math.round(g.end - t0 - applied);
    }
    return r;
  }

  /** What each router's agent recorded between `from` and `to`: one event per handled keepalived event,
   * with its result, its handover (a stopping master waiting for the peer) and its total time. */
  private agentEvents(from: number, to: number): LabEvent[] {
    return this.lab.plan.routers.flatMap((r) => {
      const st = this.lab.agentState(r.name).find((x) => Array.isArray(x.transitions)) as
        | {
            transitions: {
              at: string;
              event: string;
              role: string;
              result: string;
              steps: Record<string, number>;
              handover?: { outcome: string; ms: number };
            }[];
          }
        | undefined;
      return (st?.transitions ?? []).flatMap((x) => {
        const t = Date.parse(x.at);
        if (!(t >= from && t <= to)) return [];
        const handover = x.handover ? `, handover ${x.handover.outcome} after ${x.handover.ms} ms` : '';
        const total = x.steps.total !== undefined ? ` in ${x.steps.total} ms` : '';
        return [
          {
            t,
            router: r.name,
            source: 'agent' as const,
            kind: `agent:${x.result}`,
            text: `${x.event} -> ${x.role}: ${x.result}${total}${handover}`,
          },
        ];
      });
    });
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Answered / unanswered runs of a probe, relative to t0. */
function runsOf(replies: readonly Reply[], s: ProbeStats, t0: number): [number, number, boolean][] {
  const seen = new Map<number, number>();
  for (const r of replies) if (!seen.has(r.seq)) seen.set(r.seq, r.sent);
  const seqs = [...seen.keys()].sort((a, b) => a - b);
  const runs: [number, number, boolean][] = [];
  const iv = s.intervalMs;
  const first = seqs[0];
  if (first === undefined) return [];
  const firstSent = seen.get(first)!;
  if (first > 1) runs.push([round(firstSent - (first - 1) * iv - t0), round(firstSent - t0), false]);
  let startSeq = first;
  for (let i = 1; i <= seqs.length; i++) {
    const prev = seqs[i - 1]!;
    const cur = seqs[i];
    if (cur === undefined || cur - prev > 1) {
      runs.push([round(seen.get(startSeq)! - t0), round(seen.get(prev)! + iv - t0), true]);
      if (cur !== undefined) {
        runs.push([round(seen.get(prev)! + iv - t0), round(seen.get(cur)! - t0), false]);
        startSeq = cur;
      }
    }
  }
  return runs;
}
