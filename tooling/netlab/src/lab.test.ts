/**
 * The CI subset of the lab (issue 7): boot, graceful-stop, preempt-back and hard-kill with hagate's agent
 * in notify mode, on the real generated tree, real keepalived, real nftables. Asserts the invariants and
 * the functional bounds, loosely enough for a loaded 2-core machine. Sessions (TCP connections,
 * UDP flows, new connections) are measured in hard-kill only: their structure is checked, not their timing.
 */
import { needs } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { LAB_PREFIX, labNamespaces } from './cleanup.js';
import { runLab } from './run.js';

describe('failover lab, CI subset (hagate-agent, notify)', () => {
  it('keeps one master, recovers traffic both ways, within the bounds, and leaves nothing behind', {
    timeout: 180_000,
  }, async (ctx) => {
    needs(ctx, 'root', 'keepalived', 'nft', 'ip', 'ifup');
    let runId = '';
    const report = await runLab({
      scenarios: ['boot', 'graceful-stop', 'preempt-back', 'hard-kill'],
      hooks: 'notify',
      baseline: false,
      handleSignals: false,
      sessions: ['hard-kill'],
      flows: 50,
      onRunId: (id) => {
        runId = id;
      },
    });
    expect(labNamespaces().filter((n) => n.startsWith(`${LAB_PREFIX}${runId}-`))).toEqual([]);
    const v = report.variants[0]!;
    expect(v.error).toBeUndefined();
    expect(v.scenarios.map((s) => s.scenario)).toEqual([
      'boot',
      'graceful-stop',
      'preempt-back',
      'hard-kill',
    ]);
    const want: Record<string, string> = {
      boot: 'extrout1',
      'graceful-stop': 'extrout2',
      'preempt-back': 'extrout1',
      'hard-kill': 'extrout2',
    };
    for (const s of v.scenarios) {
      const broken = s.invariants.filter((i) => i.ok === false).map((i) => `${i.name}: ${i.detail}`);
      expect(broken, `${s.scenario} invariants`).toEqual([]);
      expect(s.error, s.scenario).toBeUndefined();
      expect(s.converged, `${s.scenario} converged`).toBe(true);
      expect(s.master, s.scenario).toBe(want[s.scenario]);
      expect(s.directions.lanToInternet.recovered, `${s.scenario} LAN -> internet recovered`).toBe(true);
      expect(
        s.directions.internetToFailover.recovered,
        `${s.scenario} internet -> failover IP recovered`,
      ).toBe(true);
    }
    // The bounds (keepalived detection + 250 ms; skew + 250 ms), with slack for a loaded CI host.
    for (const name of ['graceful-stop', 'hard-kill']) {
      const s = v.scenarios.find((x) => x.scenario === name)!;
      expect(s.boundMs).toBeGreaterThan(0);
      for (const d of [s.directions.lanToInternet, s.directions.internetToFailover]) {
        expect(d.outageMs, `${name} ${d.name}`).toBeGreaterThan(0);
        expect(d.outageMs, `${name} ${d.name}`).toBeLessThan(s.boundMs! + 1500);
      }
    }
    // The failover IP answers right after the new master applied its state: no wait for the switch's MAC
    // ageing (300 s); the bound is 100 ms, checked loosely here.
    for (const name of ['graceful-stop', 'hard-kill']) {
      const s = v.scenarios.find((x) => x.scenario === name)!;
      if (s.fipRecoveryAfterApplyMs !== undefined) expect(s.fipRecoveryAfterApplyMs, name).toBeLessThan(1000);
    }
    // Sessions: only where asked; every flow up before the event, and each one ended one way or another.
    for (const s of v.scenarios.filter((x) => x.scenario !== 'hard-kill')) expect(s.sessions).toBeUndefined();
    const hs = v.scenarios.find((x) => x.scenario === 'hard-kill')!;
    expect(hs.sessionsError).toBeUndefined();
    const sess = hs.sessions!;
    for (const c of [sess.tcp, sess.udp]) {
      expect(c.flows).toBe(50);
      expect(c.establishedBeforeEvent).toBe(50);
      expect(c.survived + c.reset + c.stalled).toBe(c.establishedBeforeEvent);
      expect(Object.values(c.resetReasons).reduce((a, b) => a + b, 0)).toBe(c.reset);
      expect(c.longestStallMs).toBeGreaterThanOrEqual(0);
    }
    const n = sess.newConnections;
    expect(n.attempted).toBeGreaterThan(0);
    expect(n.succeeded).toBeLessThanOrEqual(n.attempted);
    // The outage is real (asserted above): attempts were made inside it, and counted among all.
    expect(n.duringOutage.attempted).toBeGreaterThan(0);
    expect(n.duringOutage.attempted).toBeLessThanOrEqual(n.attempted);
    expect(n.duringOutage.succeeded).toBeLessThanOrEqual(n.duringOutage.attempted);
    expect(sess.attempts).toHaveLength(n.attempted);
    expect(sess.timeline.tcp.length).toBeGreaterThan(0);
    expect(sess.timeline.udp.length).toBeGreaterThan(0);
    // The takeover was applied by the agent after keepalived's event.
    const hk = v.scenarios.find((x) => x.scenario === 'hard-kill')!;
    const t = hk.transitions.find((x) => x.router === 'extrout2' && x.state === 'MASTER');
    expect(t?.agentAppliedMs).toBeGreaterThan(0);
  });
});
