/**
 * What `status` and `metrics` report: the agent's record (state.json), keepalived's own view (its pid and
 * its JSON dump, status-keepalived.ts), the kernel (the external NIC, the VIP) and the markers (demotion,
 * maintenance, health), side by side, with every disagreement between them spelled out. Read-only.
 */
import { spawnSync } from 'node:child_process';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { Demotion } from './demote.js';
import { HealthRecord, type HealthVerdict } from './health.js';
import { Maintenance, type MaintenanceMarker } from './maintenance.js';
import { type AgentState, readState, type TransitionRecord } from './state.js';
import { type KeepalivedInstance, type KeepalivedView, keepalivedView } from './status-keepalived.js';

export interface KernelFacts {
  /** The external NIC is administratively up (only ever on the master). */
  externalUp?: boolean;
  /** The VIP is on its interface (keepalived adds it on the master). */
  vipHeld?: boolean;
  problem?: string;
}

export interface StatusView {
  router: string;
  instance: string;
  agent: { role?: string; since?: string; last?: TransitionRecord; lastFailed: boolean };
  keepalived: KeepalivedView & { instance?: KeepalivedInstance };
  kernel: KernelFacts;
  maintenance: MaintenanceMarker | null;
  maintenanceFile: string;
  demoted: { marker: { at: string; reason: string } | null; trackValue: string | null } | null;
  health: HealthVerdict | null;
  /** Every way the views disagree (empty: they agree). */
  disagreements: string[];
  /** Transitions seen so far by result (this boot, from the state file's counts). */
  totals: Record<string, number>;
}

function kernelFacts(config: AgentConfig): KernelFacts {
  const r = spawnSync('ip', ['-json', '-4', 'address', 'show'], {
    encoding: 'utf8',
    timeout: config.commandTimeoutMs,
  });
  if (r.error || r.status !== 0)
    return { problem: `ip -json address show: ${r.error?.message ?? r.stderr.trim()}` };
  try {
    const links = JSON.parse(r.stdout) as {
      ifname?: string;
      flags?: string[];
      addr_info?: { local?: string }[];
    }[];
    const ext = links.find((l) => l.ifname === config.externalNic);
    const facts: KernelFacts = { externalUp: ext?.flags?.includes('UP') ?? false };
    const h = config.handover;
    if (h) {
      const dev = links.find((l) => l.ifname === h.dev);
      facts.vipHeld = (dev?.addr_info ?? []).some((a) => a.local === h.vip);
    }
    return facts;
  } catch (e) {
    return { problem: `ip -json address show: ${(e as Error).message}` };
  }
}

/** The transitions in the state file's window plus those counted before it, by result. */
export function transitionTotals(state: AgentState): Record<string, number> {
  const totals: Record<string, number> = { applied: 0, stale: 0, superseded: 0, failed: 0 };
  for (const [k, v] of Object.entries(state.totals ?? {})) totals[k] = (totals[k] ?? 0) + v;
  for (const t of state.transitions) totals[t.result] = (totals[t.result] ?? 0) + 1;
  return totals;
}

/** The disagreements between the views; pure, so it is tested without a router. */
export function disagreements(v: Omit<StatusView, 'disagreements'>): string[] {
  const out: string[] = [];
  const ka = v.keepalived;
  const role = v.agent.role;
  if (!ka.running) {
    out.push(
      `keepalived is not running (${ka.problem ?? 'no process'}): nothing elects this router or its peer`,
    );
    if (v.kernel.externalUp || v.kernel.vipHeld || role === 'master')
      out.push('keepalived is not running, but this router still holds the master state');
  } else if (!ka.instances) {
    out.push(`keepalived runs but its view is unknown: ${ka.problem ?? 'no dump'}`);
  } else if (!ka.instance) {
    out.push(`keepalived has no instance ${v.instance} (its config does not match agent.json)`);
  } else {
    const kaRole = ka.instance.state === 'MASTER' ? 'master' : 'backup';
    if (ka.instance.state !== 'MASTER' && ka.instance.state !== 'BACKUP')
      out.push(`keepalived holds instance ${v.instance} in ${ka.instance.state}`);
    if (role && role !== kaRole)
      out.push(`keepalived says ${ka.instance.state}, the agent last applied the ${role} state`);
    if (v.kernel.vipHeld !== undefined && v.kernel.vipHeld !== (kaRole === 'master'))
      out.push(
        `keepalived says ${ka.instance.state}, but the kernel ${v.kernel.vipHeld ? 'holds' : 'lacks'} the VIP`,
      );
    if (v.maintenance && kaRole === 'master')
      out.push(
        'in maintenance, but still MASTER: the peer is not taking over (down, demoted or in maintenance too?)',
      );
  }
  if (v.kernel.externalUp !== undefined && role && v.kernel.externalUp !== (role === 'master'))
    out.push(`the external NIC is ${v.kernel.externalUp ? 'UP' : 'DOWN'}, but the agent's role is ${role}`);
  if (v.maintenance && v.demoted && v.demoted.trackValue !== '1')
    out.push(
      `in maintenance, but the demotion file says ${v.demoted.trackValue ?? 'nothing'} (hagate-agent maintenance on writes it again)`,
    );
  if (v.kernel.problem) out.push(`the kernel could not be read: ${v.kernel.problem}`);
  return out;
}

export async function statusView(
  config: AgentConfig,
  state: AgentState = readState(config.stateDir),
): Promise<StatusView> {
  const last = state.transitions.filter((t) => t.result !== 'stale').at(-1);
  const ka = await keepalivedView(config);
  const instance = ka.instances?.find((i) => i.name === config.instance);
  const m = new Maintenance(config);
  const d = new Demotion(config);
  const base: Omit<StatusView, 'disagreements'> = {
    router: config.router,
    instance: config.instance,
    agent: {
      ...(state.role ? { role: state.role } : {}),
      ...(state.since ? { since: state.since } : {}),
      ...(last ? { last } : {}),
      lastFailed: last?.result === 'failed',
    },
    keepalived: { ...ka, ...(instance ? { instance } : {}) },
    kernel: kernelFacts(config),
    maintenance: m.read() ?? null,
    maintenanceFile: m.file,
    demoted: config.demote ? { marker: d.marker() ?? null, trackValue: d.trackValue() ?? null } : null,
    health: config.health ? (new HealthRecord(config).read() ?? null) : null,
    totals: transitionTotals(state),
  };
  return { ...base, disagreements: disagreements(base) };
}

/** The view's lines for the human status. */
export function describeView(v: StatusView): string[] {
  const out: string[] = [];
  const ka = v.keepalived;
  if (!ka.running) out.push(`keepalived: NOT RUNNING (${ka.problem ?? 'no process'})`);
  else if (ka.instance) {
    const i = ka.instance;
    const prio =
      i.effectivePriority !== undefined
        ? `, priority ${i.effectivePriority}${i.basePriority !== undefined && i.basePriority !== i.effectivePriority ? ` (base ${i.basePriority})` : ''}`
        : '';
    out.push(
      `keepalived: pid ${ka.pid}, instance ${i.name} ${i.state}${prio} (its own dump, ${ka.dumpMs} ms)`,
    );
  } else
    out.push(`keepalived: pid ${ka.pid}, its view unknown: ${ka.problem ?? `no instance ${v.instance}`}`);
  out.push(
    v.maintenance
      ? `MAINTENANCE since ${v.maintenance.since}${v.maintenance.by ? ` (by ${v.maintenance.by})` : ''}: hagate-agent maintenance off ends it`
      : 'maintenance: off',
  );
  if (v.health) out.push(`health: ${v.health.ok ? 'ok' : 'FAILING'} at ${v.health.at}: ${v.health.detail}`);
  out.push(
    v.disagreements.length === 0
      ? 'views: keepalived, the kernel and the agent agree'
      : `views DISAGREE:\n${v.disagreements.map((d) => `  ${d}`).join('\n')}`,
  );
  return out;
}
