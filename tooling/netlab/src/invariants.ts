/**
 * The pair's invariants after a scenario, read from the kernel of each router and from real traffic: one
 * router holds the VIP, the failover IP, the external NIC and the acting NAT, the backup routes through
 * its peer, both probes get answers, and the agents' state files agree.
 */
import { run } from './exec.js';
import type { Lab, RouterSnapshot } from './lab.js';
import { multiInvariants } from './multi.js';
import type { InvariantResult, RunOptions } from './scenarios.js';

export async function pairInvariants(lab: Lab, hooks: RunOptions['hooks']): Promise<InvariantResult[]> {
  const plan = lab.plan;
  const snaps = await Promise.all(plan.routers.map((r) => lab.snapshot(r.name)));
  const who = (f: (s: RouterSnapshot) => boolean) => snaps.filter(f).map((s) => s.router);
  const one = (name: string, f: (s: RouterSnapshot) => boolean): InvariantResult => {
    const w = who(f);
    return { name, ok: w.length === 1, detail: w.length ? w.join(', ') : 'none' };
  };
  const out = [
    one('exactly one router holds the VIP', (s) => s.hasVip),
    one('exactly one router holds the failover IP', (s) => s.hasFailoverIp),
    one('exactly one router has the external NIC up', (s) => s.extUp),
    one('exactly one router NATs (a rule that can act there)', (s) => s.hasNat),
  ];
  const vipHolders = who((s) => s.hasVip);
  const master = vipHolders.length === 1 ? vipHolders[0] : undefined;
  const same =
    !!master &&
    [who((s) => s.hasFailoverIp), who((s) => s.extUp), who((s) => s.hasNat)].every(
      (w) => w.length === 1 && w[0] === master,
    );
  out.push({ name: 'the same router holds all of them', ok: same, detail: master ?? 'no single master' });
  const backup = snaps.find((s) => s.router !== master && s.up);
  if (!master || !backup) {
    out.push({
      name: "the backup's default route goes through the peer",
      ok: master ? null : false,
      detail: master ? 'peer is down' : 'no single master',
    });
  } else {
    const peer = lab.router(master).lanAddr;
    const ok = backup.defaultVia === peer && backup.defaultDev === plan.vrrpIface;
    out.push({
      name: "the backup's default route goes through the peer",
      ok,
      detail: `${backup.router}: default via ${backup.defaultVia ?? '-'} dev ${backup.defaultDev ?? '-'} (want ${peer} dev ${plan.vrrpIface})`,
    });
  }
  const ping = async (ns: string, target: string) => {
    const r = await run(
      ['ip', 'netns', 'exec', ns, 'ping', '-n', '-c', '5', '-i', '0.05', '-W', '1', target],
      { timeoutMs: 10_000 },
    );
    const m = /(\d+) received/.exec(r.stdout);
    return Number(m?.[1] ?? 0);
  };
  const [a, b] = await Promise.all([ping(plan.lan.ns, plan.inet.addr), ping(plan.inet.ns, plan.failoverIp)]);
  out.push({
    name: 'LAN host -> internet host works (via VIP + SNAT)',
    ok: a > 0,
    detail: `${a}/5 answered`,
  });
  out.push({ name: 'internet host -> failover IP works', ok: b > 0, detail: `${b}/5 answered` });
  out.push(...(await multiInvariants(plan, snaps)));
  out.push(...(await lab.radvd.invariants()));
  if (hooks === 'baseline') {
    out.push({ name: 'agent state says converged', ok: null, detail: 'baseline scripts keep no state' });
  } else {
    const details: string[] = [];
    let ok = true;
    for (const s of snaps) {
      if (!s.up || !s.keepalived) continue;
      const want = s.router === master ? 'master' : 'backup';
      const st = lab.agentState(s.router).find((x) => Array.isArray(x.transitions)) as
        | { role?: string; transitions: { result: string }[] }
        | undefined;
      const last = st?.transitions[st.transitions.length - 1];
      const good = st?.role === want && last?.result !== 'failed';
      ok &&= good;
      details.push(`${s.router}: role ${st?.role ?? 'none'} (want ${want}), last ${last?.result ?? 'none'}`);
    }
    out.push({ name: 'agent state says converged', ok, detail: details.join('; ') });
  }
  return out;
}
