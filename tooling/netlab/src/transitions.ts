/** The VRRP transitions of a scenario, each with when the kernel and the agent had applied it. */
import type { Lab, LabEvent } from './lab.js';

export interface Transition {
  router: string;
  state: string;
  /** keepalived's event (ms, relative to the scenario start). */
  at: number;
  /** From the event to the kernel showing the new master state (failover IP, NIC up, default route). */
  kernelAppliedMs?: number;
  /** From the event to the agent having applied its state (agent's state file: start + total). */
  agentAppliedMs?: number;
  agentSteps?: Record<string, number>;
}

/** keepalived's state lines, each with the kernel's and the agent's times to apply it. */
export function transitionsOf(lab: Lab, events: LabEvent[], t0: number): Transition[] {
  const out: Transition[] = [];
  const states = events.filter(
    (e) => e.source === 'keepalived' && e.kind.startsWith('state:') && e.kind !== 'state:STOPPED',
  );
  for (const [i, e] of states.entries()) {
    const state = e.kind.slice(6);
    const router = e.router!;
    const next = states.slice(i + 1).find((x) => x.router === router)?.t ?? Number.POSITIVE_INFINITY;
    const tr: Transition = { router, state, at: round(e.t - t0) };
    if (state === 'MASTER') {
      const applied = events.filter(
        (k) =>
          k.router === router &&
          k.source === 'kernel' &&
          k.t >= e.t - 5 &&
          k.t < next &&
          ['fip:add', 'ext:up', 'default:add'].includes(k.kind),
      );
      const lastK = applied.slice(0, 3).reduce((m, k) => Math.max(m, k.t), 0);
      if (applied.length) tr.kernelAppliedMs = round(lastK - e.t);
    }
    // The agent's record of the event it handled after this one, if any.
    const st = lab.agentState(router).find((x) => Array.isArray(x.transitions)) as
      | { transitions: { at: string; event: string; result: string; steps: Record<string, number> }[] }
      | undefined;
    const rec = st?.transitions.find(
      (x) =>
        x.result === 'applied' &&
        x.event.includes(state) &&
        Date.parse(x.at) >= e.t - 20 &&
        Date.parse(x.at) < next,
    );
    if (rec) {
      tr.agentAppliedMs = round(Date.parse(rec.at) + (rec.steps.total ?? 0) - e.t);
      tr.agentSteps = rec.steps;
    }
    out.push(tr);
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
