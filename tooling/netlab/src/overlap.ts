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
