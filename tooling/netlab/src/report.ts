/**
 * lab-report.html: one self-contained page (inline CSS and SVG, no script, no external resource) with a
 * summary table (hagate vs baseline) and a timeline picture per scenario: keepalived states of each
 * router, what the kernel saw applied (failover IP, external NIC, default route), and probe replies in
 * both directions over time.
 */
import type { LabReport } from './run.js';
import type { DirectionResult, ScenarioResult } from './scenarios.js';
import { flowCell, newConnCell, pairRows, pingCell } from './table.js';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STATE_COLOR: Record<string, string> = {
  MASTER: '#2e7d32',
  BACKUP: '#90a4ae',
  FAULT: '#c62828',
  STOPPED: '#eceff1',
  INIT: '#eceff1',
};

const W = 900;
const LEFT = 170;
const ROW = 22;

/** The SVG timeline of one scenario. */
export function timelineSvg(s: ScenarioResult, routers: string[]): string {
  const ev = s.events;
  const lo = Math.min(-300, ...ev.map((e) => e.at), ...dirRuns(s).map((r) => r[0]));
  const hi = Math.max(500, s.durationMs, ...ev.map((e) => e.at));
  const span = hi - lo || 1;
  const x = (t: number) => LEFT + ((t - lo) / span) * (W - LEFT - 10);
  const rows: string[] = [];
  let y = 10;
  const label = (text: string) => `<text x="4" y="${y + 14}" font-size="12">${esc(text)}</text>`;

  for (const r of routers) {
    rows.push(label(`${r} keepalived`));
    const states = ev.filter(
      (e) => e.router === r && e.source === 'keepalived' && e.kind.startsWith('state:'),
    );
    let cur = 'INIT';
    let from = lo;
    const seg = (to: number) => {
      if (to > from) {
        rows.push(
          `<rect x="${x(from).toFixed(1)}" y="${y + 3}" width="${(x(to) - x(from)).toFixed(1)}" height="${ROW - 6}" fill="${STATE_COLOR[cur] ?? '#ffb300'}"><title>${esc(`${r} ${cur}`)}</title></rect>`,
        );
      }
    };
    for (const e of states) {
      seg(e.at);
      cur = e.kind.slice(6);
      from = e.at;
    }
    seg(hi);
    y += ROW;
    rows.push(label(`${r} applied`));
    for (const e of ev.filter((k) => k.router === r && (k.source === 'kernel' || k.source === 'lab'))) {
      const colour =
        e.source === 'lab'
          ? '#6a1b9a'
          : e.kind.endsWith('add') || e.kind.endsWith('up')
            ? '#1565c0'
            : '#ef6c00';
      rows.push(
        `<line x1="${x(e.at).toFixed(1)}" x2="${x(e.at).toFixed(1)}" y1="${y + 3}" y2="${y + ROW - 3}" stroke="${colour}" stroke-width="2"><title>${esc(`${e.at} ms ${e.kind}: ${e.text}`)}</title></line>`,
      );
    }
    y += ROW;
  }
  for (const [name, d] of [
    ['LAN -> internet', s.directions.lanToInternet],
    ['internet -> failover IP', s.directions.internetToFailover],
  ] as const) {
    rows.push(label(name));
    for (const [a, b, ok] of d.runs) {
      rows.push(
        `<rect x="${x(a).toFixed(1)}" y="${y + 5}" width="${Math.max(0.5, x(b) - x(a)).toFixed(1)}" height="${ROW - 10}" fill="${ok ? '#66bb6a' : '#e53935'}"><title>${esc(`${ok ? 'answered' : 'lost'} ${Math.round(a)}..${Math.round(b)} ms`)}</title></rect>`,
      );
    }
    y += ROW;
  }
  // Sessions: the share of the flows answering (all / some / none), and each new connection attempt.
  const clip = (t: number) => Math.min(hi, Math.max(lo, t));
  const sess = s.sessions;
  for (const [name, runs, total] of [
    ['TCP connections', sess?.timeline.tcp ?? [], sess?.tcp.establishedBeforeEvent ?? 0],
    ['UDP flows', sess?.timeline.udp ?? [], sess?.udp.establishedBeforeEvent ?? 0],
  ] as const) {
    if (!sess || runs.length === 0) continue;
    rows.push(label(`${name} (${total})`));
    for (const [a, b, level] of runs) {
      if (b < lo || a > hi) continue;
      const fill = level >= 1 ? '#66bb6a' : level > 0 ? '#ffb300' : '#e53935';
      const what = level >= 1 ? 'all answering' : level > 0 ? 'some answering' : 'none answering';
      rows.push(
        `<rect x="${x(clip(a)).toFixed(1)}" y="${y + 5}" width="${Math.max(0.5, x(clip(b)) - x(clip(a))).toFixed(1)}" height="${ROW - 10}" fill="${fill}"><title>${esc(`${what} ${Math.round(a)}..${Math.round(b)} ms`)}</title></rect>`,
      );
    }
    y += ROW;
  }
  if (sess?.attempts.length) {
    const n = sess.newConnections;
    rows.push(label(`new connections ${n.succeeded}/${n.attempted}`));
    for (const [at, ok] of sess.attempts) {
      if (at < lo || at > hi) continue;
      rows.push(
        `<line x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${y + 5}" y2="${y + ROW - 5}" stroke="${ok ? '#2e7d32' : '#c62828'}"><title>${esc(`${ok ? 'opened' : 'failed'} at ${Math.round(at)} ms`)}</title></line>`,
      );
    }
    y += ROW;
  }
  // Actions of the lab (stop, destroy, block...) as dashed lines across, with the time axis.
  for (const e of ev.filter((k) => k.source === 'lab' && k.kind.startsWith('action:'))) {
    rows.push(
      `<line x1="${x(e.at).toFixed(1)}" x2="${x(e.at).toFixed(1)}" y1="6" y2="${y}" stroke="#6a1b9a" stroke-dasharray="3,3"><title>${esc(e.text)}</title></line>`,
    );
  }
  const step = niceStep(span);
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
    rows.push(
      `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${y}" y2="${y + 4}" stroke="#555"/><text x="${x(t).toFixed(1)}" y="${y + 16}" font-size="10" text-anchor="middle">${t / 1000}s</text>`,
    );
  }
  y += 22;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" role="img" aria-label="${esc(`timeline of ${s.variant} ${s.scenario}`)}">${rows.join('')}</svg>`;
}

function dirRuns(s: ScenarioResult): [number, number, boolean][] {
  return [...s.directions.lanToInternet.runs, ...s.directions.internetToFailover.runs];
}

function niceStep(span: number): number {
  for (const s of [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000]) if (span / s <= 12) return s;
  return 120_000;
}

function dirCell(d: DirectionResult): string {
  const rec = d.recovered ? '' : ' <b class="bad">not recovered</b>';
  return `${Math.round(d.outageMs)} ms <small>(${d.lost} lost${d.totalOutageMs > d.outageMs + 1 ? `, ${Math.round(d.totalOutageMs)} ms total` : ''})</small>${rec}`;
}

export function renderHtml(report: LabReport): string {
  const routers = [
    ...new Set(report.variants.flatMap((v) => v.scenarios.flatMap((s) => s.events.map((e) => e.router)))),
  ].filter((r): r is string => !!r);
  const table = report.variants
    .flatMap((v) =>
      v.scenarios.map(
        (
          s,
        ) => `<tr class="${s.ok ? 'ok' : 'fail'}"><td>${esc(v.name)}</td><td><a href="#${esc(`${v.name}-${s.scenario}`)}">${esc(s.scenario)}</a></td>
<td>${dirCell(s.directions.lanToInternet)}</td><td>${dirCell(s.directions.internetToFailover)}</td>
<td>${s.boundMs !== undefined ? `${s.boundMs} ms` : ''}</td><td>${s.fipRecoveryAfterApplyMs !== undefined ? `${s.fipRecoveryAfterApplyMs} ms` : ''}</td><td>${esc(s.master ?? 'none')}</td>
<td>${s.transitions
          .filter((t) => t.state === 'MASTER')
          .map((t) => `${esc(t.router)}: ${t.agentAppliedMs ?? t.kernelAppliedMs ?? '?'} ms`)
          .join('<br>')}</td>
<td>${esc(flowCell(s.sessions?.tcp))}</td><td>${esc(flowCell(s.sessions?.udp))}</td><td>${esc(newConnCell(s))}</td>
<td>${s.ok ? 'pass' : 'FAIL'}</td></tr>`,
      ),
    )
    .join('\n');
  const details = report.variants
    .map((v) => {
      const head = `<h2>${esc(v.name)} <small>VRRPv${v.vrrpVersion}, advert ${v.advertInt}s, hooks ${esc(v.hooks)}</small></h2>${v.error ? `<p class="bad">${esc(v.error)}</p>` : ''}`;
      return (
        head +
        v.scenarios
          .map(
            (
              s,
            ) => `<section id="${esc(`${v.name}-${s.scenario}`)}"><h3>${esc(s.scenario)} — ${s.ok ? 'pass' : '<span class="bad">FAIL</span>'}</h3>
${s.error ? `<p class="bad">${esc(s.error)}</p>` : ''}
${timelineSvg(s, routers)}
<ul class="inv">${[
              ...(s.splitInvariants ?? []).map((i) => ({ ...i, name: `while split: ${i.name}` })),
              ...s.invariants,
            ]
              .map(
                (i) =>
                  `<li class="${i.ok === null ? 'na' : i.ok ? 'ok' : 'fail'}">${i.ok === null ? '–' : i.ok ? '✔' : '✘'} ${esc(i.name)} <small>${esc(i.detail)}</small></li>`,
              )
              .join('')}</ul>
<details><summary>events</summary><pre>${esc(s.events.map((e) => `${e.at.toFixed(1).padStart(9)} ms  ${(e.router ?? '').padEnd(9)} ${e.source.padEnd(10)} ${e.kind.padEnd(16)} ${e.text}`).join('\n'))}</pre></details></section>`,
          )
          .join('\n')
      );
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hagate failover lab</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1000px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
tr.fail td{background:#ffebee}.bad{color:#c62828}small{color:#666}
ul.inv{font-size:13px;list-style:none;padding-left:0}li.fail{color:#c62828}li.na{color:#888}
pre{font-size:11px;overflow:auto}svg{border:1px solid #eee;margin:6px 0}
.legend span{display:inline-block;padding:0 6px;margin-right:6px;color:#fff;font-size:12px}
</style></head><body>
<h1>hagate failover lab — ${report.ok ? 'PASS' : '<span class="bad">FAIL</span>'}</h1>
<p>${esc(report.startedAt)} → ${esc(report.finishedAt)} · kernel ${esc(report.host.kernel)} · ${esc(report.host.keepalived)} · spec ${esc(report.spec)}</p>
<p class="legend"><span style="background:${STATE_COLOR.MASTER}">MASTER</span><span style="background:${STATE_COLOR.BACKUP}">BACKUP</span><span style="background:${STATE_COLOR.FAULT}">FAULT</span><span style="background:#66bb6a">probe answered</span><span style="background:#e53935">probe lost</span><span style="background:#1565c0">applied (add/up)</span><span style="background:#ef6c00">removed (del/down)</span><span style="background:#6a1b9a">lab action</span></p>
<h2>Summary</h2>
<table><tr><th>variant</th><th>scenario</th><th>LAN → internet outage</th><th>internet → failover IP outage</th><th>bound</th><th>failover IP answers after apply</th><th>master</th><th>event → applied</th><th>TCP survived/reset/stalled, longest stall</th><th>UDP survived/reset/stalled, longest stall</th><th>new connections in the outage ok/tried (all)</th><th></th></tr>
${table}</table>
${sideBySide(report)}
${constrainedInfo(report)}
<h2>hagate vs baseline</h2><pre>${esc(report.note.join('\n'))}</pre>
${details}
</body></html>
`;
}

/** Plain and constrained figures side by side (only when both ran). */
function sideBySide(report: LabReport): string {
  const rows = pairRows(report).filter((r) => r.plain && r.constrained);
  if (rows.length === 0) return '';
  const cells = (x: ScenarioResult | undefined) =>
    `<td>${esc(pingCell(x))}</td><td>${esc(flowCell(x?.sessions?.tcp))}</td><td>${esc(flowCell(x?.sessions?.udp))}</td><td>${esc(newConnCell(x))}</td>`;
  const head =
    '<th>outage LAN → internet / internet → failover IP</th><th>TCP s/r/st, longest stall</th><th>UDP s/r/st, longest stall</th><th>new in outage ok/tried</th>';
  return `<h2>Plain vs constrained (1 vCPU, 256 MiB per router)</h2>
<table><tr><th rowspan="2">variant</th><th rowspan="2">scenario</th><th colspan="4">plain</th><th colspan="4">constrained</th></tr><tr>${head}${head}</tr>
${rows.map((r) => `<tr><td>${esc(r.variant)}</td><td>${esc(r.scenario)}</td>${cells(r.plain)}${cells(r.constrained)}</tr>`).join('\n')}</table>`;
}

/** The cgroup limits and what the groups measured, per constrained variant. */
function constrainedInfo(report: LabReport): string {
  const vs = report.variants.filter((v) => v.constrained);
  const why = report.constrainedUnavailable
    ? `<p class="bad">constrained runs impossible here: ${esc(report.constrainedUnavailable)}</p>`
    : '';
  if (vs.length === 0) return why;
  const rows = vs.flatMap((v) =>
    Object.entries(v.constrained!.routers).map(
      ([r, st]) =>
        `<tr><td>${esc(v.name)}</td><td>${esc(r)}</td><td>${esc(v.constrained!.backend)}</td><td>${esc(v.constrained!.cpu)}</td><td>${Math.round(v.constrained!.memoryBytes / 1048576)} MiB</td><td>${v.constrained!.load}</td><td>${st.cpuMs ?? ''}</td><td>${st.nrThrottled ?? ''} / ${st.throttledMs ?? ''} ms</td><td>${st.memoryPeakBytes !== undefined ? `${(st.memoryPeakBytes / 1048576).toFixed(1)} MiB` : ''}</td><td>${esc(st.commands.join(' '))}</td></tr>`,
    ),
  );
  const v1 = vs.find((v) => v.constrained!.v2Unavailable);
  return `${why}<h3>cgroups</h3>${v1 ? `<p>cgroup v1 (v2 unavailable: ${esc(v1.constrained!.v2Unavailable!)})</p>` : ''}
<table><tr><th>variant</th><th>router</th><th>cgroup</th><th>CPU quota period (µs)</th><th>memory</th><th>busy processes</th><th>CPU used (ms)</th><th>throttled periods / time</th><th>memory peak</th><th>processes seen inside</th></tr>
${rows.join('\n')}</table>`;
}
