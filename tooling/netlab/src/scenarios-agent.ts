/**
 * The scenarios of hagate's own mechanisms, next to the how-to's: the demotion of a router whose agent
 * cannot apply the master state, the boot firewall reloaded on the master, and keepalived's start-up delay
 * against a network that passes traffic late. Not run with the how-to's scripts, which have none of them.
 */
import { run as exec, nowMs, runSync, sleep } from './exec.js';
import { agentIn, BrokenIp, demoteValue, SilentPort } from './faults.js';
import { detectionBoundMs } from './plan.js';
import type { ScenarioName, ScenarioResult, ScenarioRunner } from './scenarios.js';

/** The scenarios below: not run with the how-to's scripts. */
export const HAGATE_ONLY: readonly ScenarioName[] = [
  'agent-fails',
  'nft-reload',
  'late-network',
  'maintenance',
  'upstream-fails',
  'upstreams-down',
];

/** How long the late network passes no traffic: past the preferred router's master-down interval (so a
 * keepalived that started VRRP at once would go MASTER), within it plus the spec's start-up delay. */
export const LATE_NETWORK_MS = 4000;

/**
 * The preferred router's agent cannot apply the master state (its `ip` refuses to raise the external NIC):
 * it preempts, fails, gives the external side up and demotes itself; the peer takes the master role back
 * within its detection bound. It stays demoted until the operator repairs it (`hagate-agent repair`), then
 * preempts back.
 */
export async function agentFails(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  await run.steady();
  await run.lab.stopKeepalived(p);
  await run.waitConverged(o, 30_000);
  const plan = run.lab.plan;
  const fault = new BrokenIp(run.lab, p, `link set dev ${run.lab.router(p).ext.ifname} up`);
  try {
    const from = run.lab.events.length;
    const result = await run.measure(
      'agent-fails',
      async () => {
        run.lab.startKeepalived(p);
        // It preempts (after keepalived's start-up delay and a master-down interval), then its agent
        // fails: the scenario is what follows, until the peer holds the role again.
        const until = nowMs() + 30_000;
        const preempted = () =>
          run.lab.events
            .slice(from)
            .some((e) => e.router === p && e.source === 'keepalived' && e.kind === 'state:MASTER');
        while (nowMs() < until && !preempted()) await sleep(50);
      },
      {
        expect: o,
        boundMs: detectionBoundMs(plan.advertInt, run.lab.router(o).priority, plan.version) + 250,
      },
    );
    // Still demoted a few adverts later: the failed router does not take the role back by itself.
    await sleep(Math.max(3000, plan.advertInt * 4000));
    const stayed = run.lab.vrrpState(p) === 'BACKUP' && demoteValue(run.lab, p) === '1';
    const status = agentIn(run.lab, p, ['status']);
    result.invariants.push({
      name: 'the failed router stays demoted until repaired',
      ok: stayed && /demoted/i.test(status.stdout),
      detail: `${p}: ${run.lab.vrrpState(p)}, demotion file ${demoteValue(run.lab, p) ?? 'absent'}`,
    });
    fault.fix();
    const repair = agentIn(run.lab, p, ['repair']);
    run.lab.log('action:repair', `${p}: hagate-agent repair exited ${repair.status}`, p);
    const back = await run.waitConverged(p, 30_000);
    result.invariants.push({
      name: 'once repaired it preempts back',
      ok: repair.status === 0 && back,
      detail: `repair exited ${repair.status}${repair.stderr ? `: ${repair.stderr.trim().split('\n')[0]}` : ''}`,
    });
    result.ok = result.ok && result.invariants.every((i) => i.ok !== false);
    return result;
  } finally {
    fault.remove();
  }
}

/** `systemctl reload nftables` on the master (nft -f /etc/nftables.conf: flush ruleset, then hagate's
 * firewall): the table is back in the same transaction, traffic goes on. */
export async function nftReload(run: ScenarioRunner, p: string): Promise<ScenarioResult> {
  const r = run.lab.router(p);
  const result = await run.measure(
    'nft-reload',
    async () => {
      const out = runSync(run.lab.inRouter(r, ['nft', '-f', '/etc/nftables.conf']));
      if (out.status !== 0) throw new Error(`nft -f /etc/nftables.conf: ${out.stderr.trim()}`);
      run.lab.log('action:nft-reload', `${p}: nft -f /etc/nftables.conf`, p);
    },
    { expect: p },
  );
  const listed = await exec(['ip', 'netns', 'exec', r.ns, 'nft', 'list', 'table', 'inet', 'hagate']);
  result.invariants.push({
    name: "hagate's table is loaded after the reload",
    ok: listed.status === 0 && /snat/.test(listed.stdout),
    detail: listed.status === 0 ? 'table inet hagate with its SNAT rule' : listed.stderr.trim(),
  });
  result.ok = result.ok && result.invariants.every((i) => i.ok !== false);
  return result;
}

/**
 * The preferred router boots while its LAN passes no traffic for LATE_NETWORK_MS (the link is up: a
 * switch port still blocking, a bond settling). keepalived must not announce MASTER before the network
 * carries the peer's adverts: its first MASTER comes after the network is up (then it preempts).
 */
export async function lateNetwork(run: ScenarioRunner, p: string, o: string): Promise<ScenarioResult> {
  await run.steady();
  await run.lab.stopKeepalived(p);
  await run.waitConverged(o, 30_000);
  const lan = run.lab.router(p).links.find((l) => l.ifname === run.lab.plan.vrrpIface);
  if (!lan) throw new Error(`no ${run.lab.plan.vrrpIface} link on ${p}`);
  const port = new SilentPort(run.lab, lan.hvPort);
  let upAt = 0;
  const from = run.lab.events.length;
  try {
    await port.block();
    const result = await run.measure(
      'late-network',
      async () => {
        run.lab.startKeepalived(p);
        await sleep(LATE_NETWORK_MS);
        await port.unblock();
        upAt = nowMs();
        run.lab.log('action:network-up', `${p}: its LAN passes traffic again`, p);
      },
      { expect: p },
    );
    const firstMaster = run.lab.events
      .slice(from)
      .find((e) => e.router === p && e.source === 'keepalived' && e.kind === 'state:MASTER');
    result.invariants.push({
      name: 'no MASTER before the network is up',
      ok: !!firstMaster && firstMaster.t >= upAt,
      detail: firstMaster
        ? `first MASTER ${Math.round(firstMaster.t - upAt)} ms after the network came up`
        : 'never MASTER',
    });
    result.ok = result.ok && result.invariants.every((i) => i.ok !== false);
    return result;
  } finally {
    await port.unblock();
  }
}
