/** The whole lab run: variants (hook modes, baseline, tuned) x scenarios, with cleanup whatever happens. */
import { join } from 'node:path';
import type { Spec } from '@hagate/spec';
import { installBaseline } from './baseline.js';
import { type CgroupDetection, detectCgroups } from './cgroup.js';
import { claimRun, cleanup, newRunId } from './cleanup.js';
import { Constrained, type ConstrainedReport } from './constrained.js';
import { runSync } from './exec.js';
import { Lab } from './lab.js';
import { planLab } from './plan.js';
import { SCENARIOS, type ScenarioName, type ScenarioResult, ScenarioRunner } from './scenarios.js';
import { HAGATE_ONLY } from './scenarios-agent.js';
import { CONNTRACK_SCENARIOS } from './scenarios-conntrack.js';
import { NEEDS_HEALTH } from './scenarios-ops.js';
import { SessionServer } from './sessions.js';
import { flowCell, newConnCell } from './table.js';
import { DEFAULT_SPEC, generate, type HookMode, readSpec, variantSpec } from './tree.js';

export type Selectable = ScenarioName | 'tuned';
export const ALL_SCENARIOS: readonly Selectable[] = [...SCENARIOS, 'tuned'];

export interface LabOptions {
  /** hagate.yaml to run (default examples/dedibox/hagate.yaml). */
  spec?: string;
  /** Run on an already generated tree instead of running `hagate gen` (one variant: its own hooks). */
  tree?: string;
  scenarios?: readonly Selectable[];
  hooks?: 'notify' | 'fifo' | 'both';
  /** Also run the how-to's bash scripts (default true). */
  baseline?: boolean;
  /** Where the how-to's scripts are (default tooling/baseline). */
  baselineDir?: string;
  /** Fewer flap cycles. */
  quick?: boolean;
  progress?: (line: string) => void;
  /** Remove leftovers and this run's namespaces on SIGINT / SIGTERM (default true). */
  handleSignals?: boolean;
  /** Called with the run id once claimed (tests use it). */
  onRunId?: (id: string) => void;
  /**
   * Plain (no limits) and/or constrained (each router in a cgroup: 1 vCPU, 256 MiB) runs of every variant.
   * Default: both for the full run (no `scenarios`, no `tree`), plain otherwise.
   */
  runs?: readonly RunKind[];
  /** Busy processes competing for the cores during the constrained runs (default 0). */
  load?: number;
  /** Scenarios that measure sessions next to the pings (default: all; false: none). */
  sessions?: boolean | readonly string[];
  /** Long-lived TCP connections and UDP flows per scenario (default 50 each). */
  flows?: number;
}

export type RunKind = 'plain' | 'constrained';

export interface VariantReport {
  name: string;
  hooks: HookMode;
  tuned: boolean;
  /** Run with the routers in cgroups (1 vCPU, 256 MiB): the limits and what the groups measured. */
  constrained?: ConstrainedReport;
  /** The same variant without limits (for side-by-side tables). */
  base: string;
  advertInt: number;
  vrrpVersion: 2 | 3;
  scenarios: ScenarioResult[];
  error?: string;
}

export interface LabReport {
  tool: '@hagate/netlab';
  startedAt: string;
  finishedAt: string;
  runId: string;
  host: { kernel: string; keepalived: string };
  spec: string;
  options: {
    scenarios: string[];
    hooks: string;
    baseline: boolean;
    quick: boolean;
    runs: RunKind[];
    load: number;
    sessions: string[];
    flows: number;
  };
  /** Constrained runs asked for but impossible here (why), or skipped in the full run. */
  constrainedUnavailable?: string;
  variants: VariantReport[];
  /** Every scenario of every hagate variant passed (split-brain: after healing). */
  ok: boolean;
  /** One line per scenario: hagate vs baseline outage, side by side. */
  note: string[];
}

interface Variant {
  name: string;
  base: string;
  hooks: HookMode;
  tuned: boolean;
  constrained: boolean;
  scenarios: ScenarioName[];
}

/** Every variant plain first, then (if asked) each again constrained. */
function withRuns(list: Omit<Variant, 'constrained' | 'base'>[], runs: readonly RunKind[]): Variant[] {
  const out: Variant[] = [];
  for (const kind of ['plain', 'constrained'] as const) {
    if (!runs.includes(kind)) continue;
    for (const v of list)
      out.push({
        ...v,
        base: v.name,
        constrained: kind === 'constrained',
        name: kind === 'constrained' ? `${v.name}-constrained` : v.name,
      });
  }
  return out;
}

function variants(
  o: Required<Pick<LabOptions, 'hooks' | 'baseline'>>,
  selected: readonly Selectable[],
): Omit<Variant, 'constrained' | 'base'>[] {
  const main = SCENARIOS.filter((s) => selected.includes(s));
  const modes: HookMode[] = o.hooks === 'both' ? ['notify', 'fifo'] : [o.hooks];
  if (o.baseline) modes.push('baseline');
  const out: Omit<Variant, 'constrained' | 'base'>[] = [];
  for (const hooks of modes) {
    const base = hooks === 'baseline' ? 'baseline' : `hagate-${hooks}`;
    const own =
      hooks === 'baseline'
        ? main.filter((s) => !HAGATE_ONLY.includes(s) && !CONNTRACK_SCENARIOS.includes(s))
        : main;
    if (own.length) out.push({ name: base, hooks, tuned: false, scenarios: own });
    if (selected.includes('tuned'))
      out.push({ name: `${base}-tuned`, hooks, tuned: true, scenarios: ['hard-kill'] });
  }
  return out;
}

export async function runLab(opts: LabOptions = {}): Promise<LabReport> {
  const progress = opts.progress ?? (() => {});
  const selected = opts.scenarios ?? ALL_SCENARIOS;
  const o = {
    hooks: opts.hooks ?? 'both',
    baseline: opts.baseline ?? true,
    quick: opts.quick ?? false,
  } as const;
  const specPath = opts.spec ?? DEFAULT_SPEC;
  const startedAt = new Date().toISOString();
  const fullRun = !opts.scenarios && !opts.tree;
  const load = opts.load ?? 0;
  const flows = opts.flows ?? 50;
  const sessionScenarios: string[] =
    opts.sessions === false
      ? []
      : opts.sessions === true || !opts.sessions
        ? [...ALL_SCENARIOS]
        : [...opts.sessions];
  // The full run runs plain and constrained, constrained only where cgroups can be had.
  let runs: RunKind[] = [...(opts.runs ?? (fullRun ? ['plain', 'constrained'] : ['plain']))];
  let cgroups: CgroupDetection | undefined;
  let constrainedUnavailable: string | undefined;
  if (runs.includes('constrained')) {
    cgroups = detectCgroups();
    if (!cgroups.ok) {
      constrainedUnavailable = cgroups.reason;
      progress(`constrained runs impossible here: ${cgroups.reason}`);
      if (!opts.runs) runs = runs.filter((r) => r !== 'constrained');
    } else if (cgroups.plan.backend === 'v1') {
      progress(`constrained runs with cgroup v1 (cgroup v2 unavailable: ${cgroups.plan.v2Unavailable})`);
    }
  }

  const left = cleanup();
  if (left.namespaces.length) progress(`removed leftovers of an earlier run: ${left.namespaces.join(' ')}`);
  const runId = newRunId();
  const runDir = claimRun(runId);
  opts.onRunId?.(runId);
  const onSignal = (sig: NodeJS.Signals) => {
    progress(`${sig}: cleaning up`);
    cleanup({ runId });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  if (opts.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  const reports: VariantReport[] = [];
  try {
    const spec: Spec = readSpec(specPath);
    // The conntrackd scenarios need a pair that runs it.
    const runnable = spec.conntrackSync
      ? selected
      : selected.filter((s) => !(CONNTRACK_SCENARIOS as readonly string[]).includes(s));
    const list: Variant[] = withRuns(
      opts.tree
        ? [
            {
              name: 'tree',
              hooks: spec.vrrp.hooks,
              tuned: false,
              scenarios: SCENARIOS.filter((s) => runnable.includes(s)),
            },
          ]
        : variants(o, runnable),
      runs,
    );
    // The upstream scenarios need a health check in the spec (external.health).
    if (!spec.external.health)
      for (const v of list) v.scenarios = v.scenarios.filter((s) => !NEEDS_HEALTH.includes(s));
    for (const v of list) {
      const vdir = join(runDir, v.name);
      const vspec = variantSpec(spec, { hooks: v.hooks, tuned: v.tuned });
      const vr: VariantReport = {
        name: v.name,
        base: v.base,
        hooks: v.hooks,
        tuned: v.tuned,
        advertInt: vspec.vrrp.advertInt,
        vrrpVersion: vspec.vrrp.version,
        scenarios: [],
      };
      reports.push(vr);
      progress(
        `== ${v.name}: VRRPv${vspec.vrrp.version}, advert ${vspec.vrrp.advertInt}s, ${v.scenarios.join(', ')}`,
      );
      let lab: Lab | undefined;
      let limits: Constrained | undefined;
      let sessions: SessionServer | undefined;
      try {
        const tree = opts.tree ?? generate(vspec, vdir);
        const plan = planLab(vspec, runId);
        lab = new Lab(
          plan,
          vdir,
          tree,
          v.hooks === 'baseline'
            ? (r, root) => installBaseline(vspec, r.name, root, opts.baselineDir)
            : undefined,
        );
        lab.build();
        if (v.constrained) {
          if (!cgroups?.ok) throw new Error(`constrained run impossible here: ${constrainedUnavailable}`);
          limits = new Constrained(cgroups.plan, runId, runDir, lab, load);
          limits.start();
        }
        if (sessionScenarios.length) sessions = new SessionServer(plan.inet.ns, plan.inet.addr);
        const runner = new ScenarioRunner(lab, v.name, {
          hooks: v.hooks,
          quick: o.quick,
          flapCycles: o.quick ? 5 : 20,
          progress,
          ...(sessions
            ? { sessions: { server: sessions, scenarios: sessionScenarios, tcp: flows, udp: flows } }
            : {}),
        });
        if (v.tuned) await runner.steady();
        for (const s of v.scenarios) {
          progress(`  ${v.name} ${s} ...`);
          const res = await runner.run(s).catch((e: Error) => failed(s, v.name, e));
          limits?.sample();
          vr.scenarios.push(res);
          progress(`  ${summaryLine(res)}`);
        }
      } catch (e) {
        vr.error = (e as Error).message;
        progress(`  ${v.name}: ERROR ${vr.error}`);
      } finally {
        await sessions?.stop();
        await lab?.destroy();
        if (limits) {
          try {
            vr.constrained = await limits.finish();
          } catch (e) {
            vr.error ??= (e as Error).message;
            await limits.abort();
          }
        }
        cleanup({ runId, keepRunDir: true });
      }
    }
  } finally {
    cleanup({ runId });
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const hagate = reports.filter((r) => r.hooks !== 'baseline');
  return {
    tool: '@hagate/netlab',
    startedAt,
    finishedAt: new Date().toISOString(),
    runId,
    host: {
      kernel: runSync(['uname', '-r']).stdout.trim(),
      keepalived: (runSync(['keepalived', '--version']).stderr.split('\n')[0] ?? '').trim(),
    },
    spec: specPath,
    options: {
      scenarios: [...selected],
      hooks: o.hooks,
      baseline: o.baseline,
      quick: o.quick,
      runs,
      load,
      sessions: sessionScenarios,
      flows,
    },
    ...(constrainedUnavailable ? { constrainedUnavailable } : {}),
    variants: reports,
    ok: hagate.every((r) => !r.error && r.scenarios.every((s) => s.ok)),
    note: closingNote(reports),
  };
}

function failed(scenario: string, variant: string, e: Error): ScenarioResult {
  const empty = {
    name: '',
    intervalMs: 10,
    sent: 0,
    received: 0,
    lost: 0,
    lostBeforeFirst: 0,
    lostAfterLast: 0,
    outageMs: 0,
    totalOutageMs: 0,
    gaps: [],
    runs: [],
    recovered: false,
  };
  return {
    scenario,
    variant,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    master: null,
    converged: false,
    directions: {
      lanToInternet: { ...empty, name: 'lan->internet' },
      internetToFailover: { ...empty, name: 'internet->failover-ip' },
    },
    transitions: [],
    invariants: [],
    events: [],
    ok: false,
    error: e.message,
  };
}

export function summaryLine(r: ScenarioResult): string {
  const d = r.directions;
  const fmt = (x: typeof d.lanToInternet) =>
    `${Math.round(x.outageMs)} ms/${x.lost} lost${x.recovered ? '' : ' NOT RECOVERED'}`;
  const bad = r.invariants.filter((i) => i.ok === false).map((i) => i.name);
  return [
    `${r.ok ? 'PASS' : 'FAIL'} ${r.variant} ${r.scenario}:`,
    `LAN->internet ${fmt(d.lanToInternet)},`,
    `internet->failover ${fmt(d.internetToFailover)},`,
    `master ${r.master ?? 'none'}`,
    r.boundMs !== undefined ? `(bound ${r.boundMs} ms)` : '',
    bad.length ? `broken: ${bad.join('; ')}` : '',
    r.splitInvariants
      ? `(while split: ${r.splitInvariants.filter((i) => i.ok === false).length} invariants broken, as expected)`
      : '',
    r.moreDirections?.length
      ? `other VIPs: ${r.moreDirections.map((m) => `${m.name} ${m.outageMs} ms/${m.lost} lost${m.recovered ? '' : ' NOT RECOVERED'}`).join(', ')}`
      : '',
    r.sessions
      ? `sessions TCP ${flowCell(r.sessions.tcp)}, UDP ${flowCell(r.sessions.udp)}${r.sessions.push ? `, UDP push ${flowCell(r.sessions.push)}` : ''}, new in outage ${newConnCell(r)}`
      : '',
    r.sessionsError ? `sessions error: ${r.sessionsError}` : '',
    r.error ? `error: ${r.error}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** hagate vs baseline, side by side, per scenario: worst outage of each direction. */
export function closingNote(reports: VariantReport[]): string[] {
  const lines: string[] = [];
  const byName = new Map(reports.map((r) => [r.name, r]));
  for (const run of ['', '-constrained']) {
    for (const tuned of [false, true]) {
      const sfx = `${tuned ? '-tuned' : ''}${run}`;
      const base = byName.get(`baseline${sfx}`);
      for (const mode of ['notify', 'fifo']) {
        const h = byName.get(`hagate-${mode}${sfx}`);
        if (!h) continue;
        for (const s of h.scenarios) {
          const b = base?.scenarios.find((x) => x.scenario === s.scenario);
          const f = (x: ScenarioResult | undefined) =>
            x
              ? `${Math.round(x.directions.lanToInternet.outageMs)} / ${Math.round(x.directions.internetToFailover.outageMs)} ms${x.extBothUpMs ? ` (external NIC up on both: ${x.extBothUpMs} ms)` : ''}`
              : 'n/a';
          lines.push(
            `${s.scenario}${sfx} (LAN->internet / internet->failover IP): hagate-${mode} ${f(s)} vs baseline ${f(b)}`,
          );
        }
      }
    }
  }
  return lines;
}
