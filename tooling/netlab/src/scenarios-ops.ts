/**
 * The operations of issue 13, on the real pair: maintenance mode (`hagate-agent maintenance on|off`), and,
 * when the spec has an upstream health check (external.health), the master's upstream failing and both
 * upstreams failing. Not run with the how-to's scripts, which have none of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowMs, sleep } from './exec.js';
import { agentIn, demoteValue, SilentPort } from './faults.js';
import type { Lab } from './lab.js';
import { detectionBoundMs, skewMs } from './plan.js';
import { type RebootResult, reboot } from './reboot.js';
import type { InvariantResult, ScenarioName, ScenarioResult, ScenarioRunner } from './scenarios.js';

/** Those that need external.health in the spec. */
export const NEEDS_HEALTH: readonly ScenarioName[] = ['upstream-fails', 'upstreams-down'];

interface Health {
  interval: number;
  /** The vrrp_script's timeout (the probe's + 1 s). */
  timeout: number;
  fall: number;
  rise: number;
  holdMs: number;
}

/** The health check as generated for `router` (its keepalived.conf's vrrp_script, its agent.json). */
export function healthOf(lab: Lab, router: string): Health | undefined {
  const root = join(lab.tree, router);
  const conf = readFileSync(join(root, 'etc/keepalived/keepalived.conf'), 'utf8');
  const block = /vrrp_script hagate_upstream \{([^}]*)\}/.exec(conf)?.[1];
  if (!block) return undefined;
  const num = (k: string) => Number(new RegExp(`^\\s*${k} (\\S+)$`, 'm').exec(block)?.[1] ?? Number.NaN);
  const agent = JSON.parse(readFileSync(join(root, 'etc/hagate/agent.json'), 'utf8')) as {
    health?: { holdMs: number };
  };
  return {
    interval: num('interval'),
    timeout: num('timeout'),
    fall: num('fall'),
    rise: num('rise'),
    holdMs: agent.health?.holdMs ?? 0,
  };
}

/** The agent's health record on a router (its state dir in the router's /run). */
function healthRecord(lab: Lab, router: string): { ok: boolean; lastProbe?: { ok: boolean } } | undefined {
  const dir = lab.plan.stateDir.startsWith('/run/') ? lab.plan.stateDir.slice(5) : undefined;
  if (!dir) return undefined;
  try {
    return JSON.parse(
      readFileSync(join(lab.routerDir(lab.router(router)), 'run-up', dir, 'health.json'), 'utf8'),
    ) as { ok: boolean; lastProbe?: { ok: boolean } };
  } catch {
    return undefined;
  }
}

/** keepalived state changes of either router since event index `from`. */
function stateChanges(lab: Lab, from: number): string[] {
  return lab.events
    .slice(from)
    .filter((e) => e.source === 'keepalived' && e.kind.startsWith('state:'))
    .map((e) => `${e.router} ${e.kind.slice(6)}`);
}

function finish(result: ScenarioResult, more: InvariantResult[]): ScenarioResult {
  result.invariants.push(...more);
  result.ok = result.ok && result.invariants.every((i) => i.ok !== false);
  return result;
}

/** Whether the router's keepalived.conf lets it preempt (no `nopreempt`). */
function preempts(lab: Lab, router: string): boolean {
  const conf = readFileSync(join(lab.tree, router, 'etc/keepalived/keepalived.conf'), 'utf8');
  return !/^\s*nopreempt\b/m.test(conf);
}

/**
 * Maintenance on the master: the peer takes over (the master keeps forwarding until the peer's adverts
 * reach it, so the outage is the graceful stop's). keepalived restarted on the router in maintenance (its
 * init_file writes 1 again, as at boot): it stays BACKUP. The router in maintenance rebooted (reboot.ts:
 * /run, its NICs and kernel state lost, /var/lib kept): it comes back BACKUP, never MASTER, while the peer
 * keeps every VIP and the external NIC is never up on both. Maintenance off: it preempts back (when the
 * spec preempts; otherwise the peer stays master).
 */
export async function maintenance(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  await run.steady();
  const lab = run.lab;
  const plan = lab.plan;
  const detection = () => detectionBoundMs(plan.advertInt, lab.router(p).priority, plan.version);
  // Demoted, a router that may preempt sits in BACKUP at a low priority; without preemption, in FAULT.
  const demoted = preempts(lab, p) ? 'BACKUP' : 'FAULT';
  let on = { status: -1, stdout: '', stderr: '' };
  const result = await run.measure(
    'maintenance',
    async () => {
      on = agentIn(lab, p, ['maintenance', 'on']);
      lab.log('action:maintenance-on', `${p}: hagate-agent maintenance on exited ${on.status}`, p);
    },
    { expect: o, boundMs: skewMs(plan.advertInt, lab.router(o).priority, plan.version) + 250 },
  );
  const more: InvariantResult[] = [
    {
      name: 'maintenance on: the command saw the peer take over',
      ok: on.status === 0 && /the peer took over/.test(on.stdout),
      detail: (on.stdout.trim().split('\n').at(-1) ?? on.stderr.trim()) || `exit ${on.status}`,
    },
  ];
  const status = agentIn(lab, p, ['status']);
  more.push({
    name: 'status shows the maintenance',
    ok: /MAINTENANCE since/.test(status.stdout),
    detail: status.stdout.split('\n').find((l) => /maintenance/i.test(l)) ?? 'no maintenance line',
  });
  // keepalived restarts while in maintenance: it must not take the master role back.
  await lab.stopKeepalived(p);
  const from = lab.events.length;
  lab.startKeepalived(p);
  await lab.vrrpRunning();
  await sleep(detection() + 2000);
  const became = stateChanges(lab, from).filter((c) => c === `${p} MASTER`);
  more.push({
    name: `keepalived restarted in maintenance: stays ${demoted}`,
    ok: became.length === 0 && lab.vrrpState(p) === demoted && lab.vrrpState(o) === 'MASTER',
    detail: `${p} ${lab.vrrpState(p)}, ${o} ${lab.vrrpState(o)}, demotion file ${demoteValue(lab, p) ?? 'absent'}`,
  });
  more.push(...(await rebootInMaintenance(run, p, o, detection(), demoted)));
  let off = { status: -1, stdout: '', stderr: '' };
  const turnOff = () => {
    off = agentIn(lab, p, ['maintenance', 'off']);
    lab.log('action:maintenance-off', `${p}: hagate-agent maintenance off exited ${off.status}`, p);
  };
  if (preempts(lab, p)) {
    // Measured (under the scenario's name, see rebootInMaintenance): the preemption back after the reboot,
    // with the connection table the rebooted router got from its peer since.
    const back = await run.measure('maintenance', async () => turnOff(), { expect: p });
    more.push({
      name: 'maintenance off: preempts back',
      ok: off.status === 0 && back.converged,
      detail: back.converged
        ? `${p} master again; outage ${outageText(back)}${sessionsText(back)}`
        : `${p} not master (${off.stdout.trim()})`,
    });
  } else {
    turnOff();
    await sleep(detection() + 2000);
    const stays = await run.waitConverged(o, 5000);
    more.push({
      name: 'maintenance off without preemption: the peer stays master',
      ok: off.status === 0 && stays && lab.vrrpState(p) === 'BACKUP',
      detail: `${p} ${lab.vrrpState(p)}, ${o} ${lab.vrrpState(o)}`,
    });
  }
  return finish(result, more);
}

/**
 * The router in maintenance (p, BACKUP) reboots, measured like a scenario (probes through every VIP): it must
 * come back demoted (BACKUP, or FAULT without preemption) without ever entering MASTER (no MASTER notify, no master transition of its agent), its
 * marker must survive in /var/lib while /run is lost, the peer keeps every VIP (nothing lost) and the external
 * NIC (one MAC on both routers) never comes up on the rebooted router.
 */
async function rebootInMaintenance(
  run: ScenarioRunner,
  p: string,
  o: string,
  detectionMs: number,
  demoted: string,
): Promise<InvariantResult[]> {
  const lab = run.lab;
  const from = lab.events.length;
  let rb: RebootResult | undefined;
  // Measured under the scenario's name: its sessions, when it has them, run through this phase too.
  const measured = await run.measure(
    'maintenance',
    async () => {
      rb = await reboot(lab, p);
      // Past keepalived's start-up delay and a master-down interval: when a wrong MASTER would show.
      await lab.vrrpRunning();
      await sleep(detectionMs + 2000);
    },
    { expect: o },
  );
  const since = lab.events.slice(from);
  const masterOfP = since.filter((e) => e.router === p && e.kind === 'state:MASTER').length;
  const extUpOfP = since.filter((e) => e.router === p && e.kind === 'ext:up').length;
  const agent = lab.agentState(p).find((x) => Array.isArray(x.transitions)) as
    | { role?: string; transitions: { role: string; event: string }[] }
    | undefined;
  const masterRuns = agent?.transitions.filter((t) => t.role === 'master') ?? [];
  const status = agentIn(lab, p, ['status']);
  const { lanToInternet: lan, internetToFailover: inet } = measured.directions;
  const lost = lan.lost + inet.lost + (measured.moreDirections ?? []).reduce((n, d) => n + d.lost, 0);
  const outage = outageText(measured);
  lab.log('action:reboot-measured', `${p}: reboot in maintenance: outage ${outage}, ${lost} probes lost`, p);
  return [
    {
      name: 'reboot in maintenance: /run lost, the maintenance marker kept in /var/lib',
      ok:
        !!rb &&
        rb.runLost.some((f) => f.endsWith('hagate-agent.demote')) &&
        rb.diskKept.some((f) => f.endsWith('maintenance.json')),
      detail: rb
        ? `lost from /run: ${rb.runLost.join(' ') || 'nothing'}; kept in /var/lib: ${rb.diskKept.join(' ') || 'nothing'}`
        : (measured.error ?? 'no reboot'),
    },
    {
      name: `reboot in maintenance: comes back ${demoted}, never MASTER (no MASTER notify, no master run of its agent)`,
      ok:
        !measured.error &&
        masterOfP === 0 &&
        masterRuns.length === 0 &&
        lab.vrrpState(p) === demoted &&
        lab.vrrpState(o) === 'MASTER' &&
        /MAINTENANCE since/.test(status.stdout),
      detail: `${p} ${lab.vrrpState(p)} (${masterOfP} MASTER states, agent: ${agent?.transitions.map((t) => t.role).join(' ') || 'no transition'}), ${o} ${lab.vrrpState(o)}, demotion file ${demoteValue(lab, p) ?? 'absent'}${measured.error ? `; ${measured.error}` : ''}`,
    },
    {
      name: 'reboot in maintenance: the peer keeps every VIP (no probe lost through any of them)',
      // The pair's invariants, not the runner's convergence (which wants the other router BACKUP, not FAULT).
      ok: measured.master === o && lost === 0 && measured.invariants.every((i) => i.ok !== false),
      detail: `${o} ${measured.master === o ? 'holds' : 'does not hold'} every VIP; outage ${outage}; ${lost} lost${sessionsText(measured)}`,
    },
    {
      name: 'reboot in maintenance: the external NIC never up on the rebooted router (never on both)',
      ok: extUpOfP === 0 && (measured.extBothUpMs ?? 0) === 0,
      detail: `${p}'s NIC up ${extUpOfP} times, both up ${measured.extBothUpMs ?? 0} ms`,
    },
  ];
}

/**
 * The master's upstream stops answering (the "switch" drops its external port): after `fall` failed probes
 * keepalived lowers it below the peer, which takes over within the bound. Recovery: its upstream answers
 * again; after its hold time it reports healthy and, with preemption, takes the master role back.
 */
export async function upstreamFails(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  const h = healthOf(run.lab, p);
  if (!h) throw new Error('upstream-fails needs external.health in the spec');
  await run.steady();
  const plan = run.lab.plan;
  const port = new SilentPort(run.lab, run.lab.router(p).ext.hvPort);
  // keepalived starts the script every interval, but not while it still runs: a failing probe lasts up to
  // the script's timeout. One period for the failure to be seen, fall periods to lower the router.
  const bound =
    (h.fall + 1) * Math.max(h.interval, h.timeout) * 1000 +
    detectionBoundMs(plan.advertInt, run.lab.router(o).priority, plan.version) +
    250;
  try {
    const result = await run.measure(
      'upstream-fails',
      async () => {
        await port.block();
        run.lab.log('action:upstream-down', `${p}: its upstream stops answering`, p);
      },
      { expect: o, boundMs: bound },
    );
    const more: InvariantResult[] = [];
    const rec = healthRecord(run.lab, p);
    more.push({
      name: 'the old master reports its upstream failing (as backup, held)',
      ok: rec?.ok === false,
      detail: rec ? JSON.stringify(rec).slice(0, 200) : 'no health record',
    });
    await port.unblock();
    run.lab.log('action:upstream-up', `${p}: its upstream answers again`, p);
    const t = nowMs();
    const back = await run.waitConverged(p, h.holdMs + (h.rise + 2) * h.interval * 1000 + 30_000);
    more.push({
      name: 'recovery: after its hold time it takes the master role back',
      ok: back,
      detail: back
        ? `${p} master again ${Math.round(nowMs() - t)} ms after its upstream came back`
        : `${p} not master`,
    });
    return finish(result, more);
  } finally {
    await port.unblock();
  }
}

/**
 * Both upstreams stop answering (the provider's gateway is silenced): both routers are lowered by the same
 * weight, so exactly one stays MASTER (never both FAULT) and, once settled, nothing changes (no flapping).
 * Recovery is measured: the gateway answers again, the master serves again.
 */
export async function upstreamsDown(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  const h = healthOf(run.lab, p);
  if (!h) throw new Error('upstreams-down needs external.health in the spec');
  await run.steady();
  const plan = run.lab.plan;
  const gw = new SilentPort(run.lab, plan.provider.hvPort);
  const more: InvariantResult[] = [];
  try {
    const from = run.lab.events.length;
    await gw.block();
    run.lab.log('action:upstreams-down', 'the provider gateway stops answering');
    const blockedAt = nowMs();
    // Settled: each router has failed as master once and one of them holds the role (or a deadline).
    const failover = (h.fall + 1) * h.interval + h.timeout + 2;
    const deadline =
      blockedAt + 2 * (failover * 1000 + detectionBoundMs(plan.advertInt, 1, plan.version)) + 5000;
    const failed = (r: string) => healthRecord(run.lab, r)?.lastProbe?.ok === false;
    const masters = () =>
      plan.routers.filter((r) => run.lab.vrrpState(r.name) === 'MASTER').map((r) => r.name);
    // The last takeover may still be coming (the new master fails its probes `fall` times, then the
    // preferred router, above its lowered peer again, preempts after a master-down interval): settled once
    // no state changed for longer than that.
    const quietMs = failover * 1000 + detectionBoundMs(plan.advertInt, 1, plan.version);
    const lastChange = () =>
      run.lab.events
        .filter((e, i) => i >= from && e.source === 'keepalived' && e.kind.startsWith('state:'))
        .reduce((t, e) => Math.max(t, e.t), blockedAt);
    while (
      nowMs() < deadline &&
      !(failed(p) && failed(o) && masters().length === 1 && nowMs() - lastChange() > quietMs)
    )
      await sleep(200);
    const settledAt = nowMs();
    // Shorter than what is left of the hold time: after it the backup is trusted again and tests its upstream.
    const window = Math.max(5000, Math.min(15_000, h.holdMs - (settledAt - blockedAt) - 3000));
    const before = run.lab.events.length;
    await sleep(window);
    const during = stateChanges(run.lab, before);
    const states = plan.routers.map((r) => `${r.name} ${run.lab.vrrpState(r.name)}`);
    more.push({
      name: 'both upstreams down: exactly one MASTER, the other BACKUP (no FAULT)',
      ok:
        masters().length === 1 &&
        plan.routers.every((r) => ['MASTER', 'BACKUP'].includes(run.lab.vrrpState(r.name) ?? '')),
      detail: `${states.join(', ')}; ${Math.round((settledAt - blockedAt) / 1000)} s after the gateway went silent; transitions: ${stateChanges(run.lab, from).join(' -> ') || 'none'}`,
    });
    more.push({
      name: `no flapping: no VRRP state change for ${Math.round(window / 1000)} s once settled`,
      ok: during.length === 0,
      detail: during.length ? during.join(' -> ') : 'none',
    });
    const result = await run.measure(
      'upstreams-down',
      async () => {
        await gw.unblock();
        run.lab.log('action:upstreams-up', 'the provider gateway answers again');
      },
      { expect: masters()[0] ?? p },
    );
    return finish(result, more);
  } finally {
    await gw.unblock();
  }
}

/** A measured phase's ping outage per direction, the other VIPs' too. */
function outageText(r: ScenarioResult): string {
  const { lanToInternet: lan, internetToFailover: inet } = r.directions;
  return [
    `${Math.round(lan.outageMs)} / ${Math.round(inet.outageMs)} ms`,
    ...(r.moreDirections ?? []).map((d) => `${d.name} ${d.outageMs} ms`),
  ].join(', ');
}

/** Its sessions, when measured: survived / reset / stalled per kind. */
function sessionsText(r: ScenarioResult): string {
  const s = r.sessions;
  if (!s) return '';
  const c = (k: string, x?: { survived: number; reset: number; stalled: number }) =>
    x ? ` ${k} ${x.survived}/${x.reset}/${x.stalled}` : '';
  return `; sessions survived/reset/stalled:${c('tcp', s.tcp)}${c('udp', s.udp)}${c('push', s.push)}`;
}
