/**
 * `hagate-agent metrics`: the status view (status-view.ts) in the Prometheus text format, written atomically
 * (temporary file in the same folder + rename) for node_exporter's textfile collector, which must never read
 * half a file. Run it from a timer; each run asks keepalived for a fresh dump.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { type StatusView, statusView } from './status-view.js';

const KA_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;

/** A label value, escaped as the text format requires. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The metrics text of one view. Pure: tested without a router. */
export function renderMetrics(v: StatusView): string {
  const out: string[] = [];
  const base = `router="${label(v.router)}",instance="${label(v.instance)}"`;
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}{${base}${labels}} ${value}`);
  };
  const role = v.agent.role;
  metric(
    'hagate_agent_role',
    'gauge',
    'The role the agent last applied (1 for the current one; none when unknown).',
    role ? (['master', 'backup'] as const).map((r) => [`,role="${r}"`, r === role ? 1 : 0]) : [],
  );
  metric('hagate_keepalived_up', 'gauge', 'keepalived runs (its pid file names a live keepalived).', [
    ['', v.keepalived.running ? 1 : 0],
  ]);
  const ki = v.keepalived.instance;
  metric(
    'hagate_keepalived_state',
    'gauge',
    "keepalived's own state of the instance (from its JSON dump; none when it could not be asked).",
    ki ? KA_STATES.map((s) => [`,state="${s}"`, ki.state === s ? 1 : 0]) : [],
  );
  metric(
    'hagate_keepalived_effective_priority',
    'gauge',
    "keepalived's effective priority of the instance (base, lowered by the demotion file and the health check).",
    ki?.effectivePriority !== undefined ? [['', ki.effectivePriority]] : [],
  );
  metric(
    'hagate_agent_transitions_total',
    'counter',
    "Transitions the agent handled since boot, by result (the state file's count).",
    Object.entries(v.totals).map(([r, n]) => [`,result="${label(r)}"`, n]),
  );
  metric('hagate_agent_transition_failures_total', 'counter', 'Transitions that failed since boot.', [
    ['', v.totals.failed ?? 0],
  ]);
  const last = v.agent.last;
  metric(
    'hagate_agent_last_apply_duration_seconds',
    'gauge',
    'How long the last transition took, from its first step to its check.',
    last?.steps.total !== undefined ? [['', last.steps.total / 1000]] : [],
  );
  metric(
    'hagate_agent_last_transition_timestamp_seconds',
    'gauge',
    'When the last transition was handled (Unix time).',
    last && Number.isFinite(Date.parse(last.at)) ? [['', Date.parse(last.at) / 1000]] : [],
  );
  metric('hagate_agent_last_transition_failed', 'gauge', 'The last transition failed.', [
    ['', v.agent.lastFailed ? 1 : 0],
  ]);
  metric('hagate_maintenance', 'gauge', 'The router is in maintenance (hagate-agent maintenance on).', [
    ['', v.maintenance ? 1 : 0],
  ]);
  metric(
    'hagate_demoted',
    'gauge',
    'The demotion file is not 0 (demoted, in maintenance, or not yet checked).',
    [['', v.demoted && v.demoted.trackValue !== null && v.demoted.trackValue !== '0' ? 1 : 0]],
  );
  metric(
    'hagate_health_up',
    'gauge',
    "The upstream health check's last verdict (1 healthy); none without a health check.",
    v.health ? [[`,probed="${v.health.probed ? 'yes' : 'no'}"`, v.health.ok ? 1 : 0]] : [],
  );
  metric(
    'hagate_status_disagreements',
    'gauge',
    'How many ways keepalived, the kernel and the agent disagree (0 when their views match).',
    [['', v.disagreements.length]],
  );
  return `${out.join('\n')}\n`;
}

/** Writes `text` to `file` through a temporary file in the same folder and a rename. */
export function writeAtomically(file: string, text: string): void {
  const tmp = `${dirname(file)}/.${file.slice(dirname(file).length + 1)}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot write the metrics file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

export async function metrics(config: AgentConfig): Promise<number> {
  const view = await statusView(config);
  const text = renderMetrics(view);
  if (!config.metrics) {
    process.stdout.write(text);
    return 0;
  }
  try {
    writeAtomically(config.metrics.file, text);
  } catch (e) {
    process.stderr.write(`hagate-agent: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
