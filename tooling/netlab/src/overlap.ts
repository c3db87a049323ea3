/**
 * How long the external NIC, whose MAC both routers share, was up on both routers at once during a scenario,
 * from the kernel's own link events (`ip -ts monitor` in each router's namespace). All the routers of the
 * lab share one kernel, so the events are in the kernel's order; their times are those at which each
 * monitor read them (a millisecond or so apart under load).
 */
export interface LinkEvent {
  /** Milliseconds (any origin, the same for every event). */
  at: number;
  router?: string;
  source: string;
  kind: string;
}

/** Milliseconds the external NIC was up on two routers or more; a router's state before its first event is
 * the opposite of that event (an `ext:down` means it was up). */
export function extBothUpMs(events: readonly LinkEvent[]): number {
  const ext = events
    .filter((e) => e.source === 'kernel' && e.router && (e.kind === 'ext:up' || e.kind === 'ext:down'))
    .sort((a, b) => a.at - b.at);
  const up = new Map<string, boolean>();
  for (const e of ext) if (!up.has(e.router as string)) up.set(e.router as string, e.kind === 'ext:down');
  let total = 0;
  let since: number | undefined;
  const count = () => [...up.values()].filter(Boolean).length;
  for (const e of ext) {
    up.set(e.router as string, e.kind === 'ext:up');
    const both = count() >= 2;
    if (both && since === undefined) since = e.at;
    else if (!both && since !== undefined) {
      total += e.at - since;
      since = undefined;
    }
  }
  return Math.round(total * 10) / 10;
}

/**
 * When `router`'s external side was in place (failover IP, NIC up, default route) before `until`: the last
 * of those kernel events around its last `ext:up`. The kernel's events are on time where keepalived's log
 * line can reach the lab after the agent has applied. Undefined when the NIC did not come up there.
 */
export function externalInPlaceAt(
  events: readonly { t: number; router?: string; source: string; kind: string }[],
  router: string | null,
  until: number,
): number | undefined {
  const mine = events.filter((e) => e.source === 'kernel' && e.router === router && e.t <= until);
  const lastUp = mine.filter((e) => e.kind === 'ext:up').pop();
  if (!lastUp) return undefined;
  return mine
    .filter((e) => ['fip:add', 'ext:up', 'default:add'].includes(e.kind) && e.t >= lastUp.t - 50)
    .reduce((m, e) => Math.max(m, e.t), lastUp.t);
}
