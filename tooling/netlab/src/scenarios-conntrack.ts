/**
 * Stateful failover when its own machinery is missing (a spec with conntrackSync only): the failover must
 * still complete within its bound, the lab shows which sessions are lost, and the new master's
 * `hagate-agent status` says why.
 * - conntrackd-down: conntrackd is stopped on the backup, then the master stops (keepalived stop): the new
 *   master has no peer table to commit and its agent cannot reach conntrackd.
 * - sync-cut: the sync link passes nothing, and the backup's conntrackd restarts meanwhile (a backup that
 *   rebooted while the link was down): the peer's table never reaches it, then the master stops.
 */
import { agentIn, SilentPort } from './faults.js';
import { skewMs } from './plan.js';
import type { InvariantResult, ScenarioName, ScenarioResult, ScenarioRunner } from './scenarios.js';

/** The scenarios below: only with conntrackd, never with the how-to's scripts. */
export const CONNTRACK_SCENARIOS: readonly ScenarioName[] = ['conntrackd-down', 'sync-cut'];

/** The graceful stop's bound: the backup's skew time (the stopping master's priority-0 advert) + 250 ms. */
function gracefulBound(run: ScenarioRunner, o: string): number {
  const plan = run.lab.plan;
  return skewMs(plan.advertInt, run.lab.router(o).priority, plan.version) + 250;
}

/** The new master's status and whether it names the cause. */
function statusSays(run: ScenarioRunner, o: string, cause: RegExp): InvariantResult {
  const status = agentIn(run.lab, o, ['status']);
  const line = status.stdout.split('\n').find((l) => /warnings/.test(l)) ?? '(no warnings line)';
  return {
    name: 'hagate-agent status on the new master says why the sessions are lost',
    ok: status.status === 0 && cause.test(line),
    detail: `${o}: ${line.trim()}`,
  };
}

function needsConntrackd(run: ScenarioRunner, routers: string[]): void {
  const without = routers.filter((r) => !run.lab.conntrackd.has(r));
  if (without.length > 0)
    throw new Error(`needs conntrackSync in the spec: no conntrackd.conf for ${without.join(', ')}`);
}

export async function conntrackdDown(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  needsConntrackd(run, [p, o]);
  await run.steady();
  await run.lab.conntrackd.stop(o);
  try {
    const result = await run.measure('conntrackd-down', () => run.lab.stopKeepalived(p), {
      expect: o,
      boundMs: gracefulBound(run, o),
    });
    result.invariants.push(statusSays(run, o, /conntrackd commit: not running/));
    result.ok = result.ok && result.invariants.every((i) => i.ok !== false);
    return result;
  } finally {
    await run.lab.conntrackd.restart(o);
  }
}

export async function syncCut(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  needsConntrackd(run, [p, o]);
  const hvPort = run.lab.conntrackd.syncPort(p);
  if (!hvPort) throw new Error(`no sync link found for ${p} (its conntrackd.conf Interface)`);
  await run.steady();
  const cut = new SilentPort(run.lab, hvPort);
  await cut.block();
  run.lab.log('action:sync-cut', `${p}: the sync link passes nothing`, p);
  try {
    await run.lab.conntrackd.restart(o);
    const result = await run.measure('sync-cut', () => run.lab.stopKeepalived(p), {
      expect: o,
      boundMs: gracefulBound(run, o),
    });
    result.invariants.push(statusSays(run, o, /the peer's table was empty at takeover/));
    result.ok = result.ok && result.invariants.every((i) => i.ok !== false);
    return result;
  } finally {
    await cut.unblock();
    run.lab.log('action:sync-restored', `${p}: the sync link passes traffic again`, p);
  }
}
