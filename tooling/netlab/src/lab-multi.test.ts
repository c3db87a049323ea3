/**
 * The lab on examples/multi (two LAN VLANs, four instances in one sync group, IPv6 on the LANs and the
 * provider side), the CI subset: boot, a graceful stop and a hard kill with the agent in fifo mode. Every
 * VIP of every segment ends on one router, and IPv4 and IPv6 traffic through each VIP recovers both ways;
 * the LANs' hosts that take router advertisements keep the link-local VIP as their one router.
 */
import { join } from 'node:path';
import { needs } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { LAB_PREFIX, labNamespaces } from './cleanup.js';
import { runLab } from './run.js';
import { DEFAULT_SPEC } from './tree.js';

describe('failover lab on several segments and IPv6 (fifo)', () => {
  it('moves every VIP together and recovers IPv4 and IPv6 through each VIP, both ways', {
    timeout: 240_000,
  }, async (ctx) => {
    needs(ctx, 'root', 'keepalived', 'nft', 'ip', 'ifup', 'ping', 'radvd');
    let runId = '';
    const report = await runLab({
      spec: join(DEFAULT_SPEC, '../../multi/hagate.yaml'),
      scenarios: ['boot', 'graceful-stop', 'hard-kill'],
      hooks: 'fifo',
      baseline: false,
      handleSignals: false,
      sessions: false,
      onRunId: (id) => {
        runId = id;
      },
    });
    expect(labNamespaces().filter((n) => n.startsWith(`${LAB_PREFIX}${runId}-`))).toEqual([]);
    const v = report.variants[0]!;
    expect(v.error).toBeUndefined();
    const want: Record<string, string> = { boot: 'gw1', 'graceful-stop': 'gw2', 'hard-kill': 'gw2' };
    for (const s of v.scenarios) {
      const broken = s.invariants.filter((i) => i.ok === false).map((i) => `${i.name}: ${i.detail}`);
      expect(broken, `${s.scenario} invariants`).toEqual([]);
      expect(s.converged, `${s.scenario} converged`).toBe(true);
      expect(s.master, s.scenario).toBe(want[s.scenario]);
      const names = s.invariants.map((i) => i.name);
      expect(names).toContain("every VIP of every segment (6) is on the failover IP's router");
      expect(names).toContain('internet host -> lan2 host (IPv6, routed)');
      // Router advertisements (both LANs): after the boot and after each failover, the hosts that take them
      // have one default router, the link-local VIP (ra.ts); the boot gives them their first route, so they
      // are probed from the next scenario on.
      for (const lan of ['eth1', 'eth3']) {
        expect(names).toContain(
          `the ${lan} LAN host's one IPv6 default route is the link-local VIP (router advertisements)`,
        );
        expect(names).toContain(
          `the ${lan} LAN host has no default route through a router's own link-local address`,
        );
      }
      const ra = s.scenario === 'boot' ? [] : ['ra eth1->internet v6', 'ra eth3->internet v6'];
      expect(s.moreDirections?.map((d) => d.name)).toEqual([
        'lan->internet v6',
        'internet->lan v6',
        'lan2->internet',
        'lan2->internet v6',
        'internet->lan2 v6',
        ...ra,
      ]);
      for (const d of s.moreDirections ?? []) {
        expect(d.recovered, `${s.scenario} ${d.name} recovered`).toBe(true);
        expect(d.received, `${s.scenario} ${d.name}`).toBeGreaterThan(0);
      }
    }
    // Every VIP, IPv6 included, within the same bound as the main one (slack for a loaded CI host); a hard
    // kill is a real outage on each of them.
    for (const name of ['graceful-stop', 'hard-kill']) {
      const s = v.scenarios.find((x) => x.scenario === name)!;
      for (const d of s.moreDirections ?? []) {
        if (name === 'hard-kill') expect(d.outageMs, `${name} ${d.name}`).toBeGreaterThan(0);
        expect(d.outageMs, `${name} ${d.name}`).toBeLessThan(s.boundMs! + 1500);
      }
    }
  });
});
