/**
 * The lab's summary as tables, plain and constrained side by side: one row per variant and scenario, the
 * ping outages of both directions and the sessions (TCP, UDP, UDP push, new connections during the outage).
 */
import type { LabReport } from './run.js';
import type { ScenarioResult } from './scenarios.js';
import type { SessionCounts } from './sessions.js';

export interface PairRow {
  /** The variant without limits (hagate-notify, baseline-tuned...). */
  variant: string;
  scenario: string;
  plain?: ScenarioResult;
  constrained?: ScenarioResult;
}

/** Scenario results paired by variant and scenario, in the order they ran. */
export function pairRows(report: LabReport): PairRow[] {
  const rows = new Map<string, PairRow>();
  for (const v of report.variants) {
    const base = v.base ?? v.name;
    for (const s of v.scenarios) {
      const key = `${base}\u0000${s.scenario}`;
      const row = rows.get(key) ?? { variant: base, scenario: s.scenario };
      if (v.constrained || v.name.endsWith('-constrained')) row.constrained = s;
      else row.plain = s;
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

export function pingCell(s: ScenarioResult | undefined): string {
  if (!s) return '';
  const d = s.directions;
  const f = (x: typeof d.lanToInternet) => `${Math.round(x.outageMs)}${x.recovered ? '' : '!'}`;
  return `${f(d.lanToInternet)} / ${f(d.internetToFailover)} ms${s.ok ? '' : ' FAIL'}`;
}

/** survived/reset/stalled and the longest stall, e.g. `50/0/0 480 ms`. */
export function flowCell(c: SessionCounts | undefined): string {
  if (!c) return '';
  if (c.establishedBeforeEvent === 0) return c.flows ? `0 of ${c.flows} up` : '-';
  const missing = c.flows - c.establishedBeforeEvent;
  return `${c.survived}/${c.reset}/${c.stalled} ${c.longestStallMs} ms${missing ? ` (${missing} never up)` : ''}`;
}

export function newConnCell(s: ScenarioResult | undefined): string {
  const n = s?.sessions?.newConnections;
  if (!n) return s?.sessionsError ? 'error' : '';
  return `${n.duringOutage.succeeded}/${n.duringOutage.attempted} (all ${n.succeeded}/${n.attempted})`;
}

/** Text table with aligned columns. */
export function textTable(head: string[], rows: string[][]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)];
}

/** Column groups of the side-by-side tables: plain, and constrained when it ran. */
function kinds(rows: PairRow[]): ('plain' | 'constrained')[] {
  const out: ('plain' | 'constrained')[] = [];
  if (rows.some((r) => r.plain)) out.push('plain');
  if (rows.some((r) => r.constrained)) out.push('constrained');
  return out;
}

/** The tables the CLI prints (and the HTML shows): pings, then sessions. */
export function summaryTables(report: LabReport): { pings: string[]; sessions: string[] } {
  const rows = pairRows(report);
  const ks = kinds(rows);
  const pings = textTable(
    ['variant', 'scenario', ...ks.map((k) => `${k}: LAN->inet / inet->failover IP`)],
    rows.map((r) => [r.variant, r.scenario, ...ks.map((k) => pingCell(r[k]))]),
  );
  const withSessions = rows.filter((r) => r.plain?.sessions || r.constrained?.sessions);
  const sessions = withSessions.length
    ? textTable(
        [
          'variant',
          'scenario',
          ...ks.flatMap((k) => [
            `${k}: TCP s/r/st longest`,
            'UDP s/r/st longest',
            'UDP push s/r/st longest',
            'new in outage ok/tried',
          ]),
        ],
        withSessions.map((r) => [
          r.variant,
          r.scenario,
          ...ks.flatMap((k) => [
            flowCell(r[k]?.sessions?.tcp),
            flowCell(r[k]?.sessions?.udp),
            flowCell(r[k]?.sessions?.push),
            newConnCell(r[k]),
          ]),
        ]),
      )
    : [];
  return { pings, sessions };
}
