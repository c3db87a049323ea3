/**
 * The lab's topology is faithful where it matters: the routers' external NICs share one MAC, and a router
 * taking its NIC down keeps the switch port's carrier, so the switch keeps sending the failover IP's
 * traffic to the old port until the new master sends a frame (the how-to's stale MAC table problem).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { needs } from '@hagate/testkit';
import { testTempDir } from '@hagate/testkit/temp-dir';
import { describe, expect, it } from 'vitest';
import { claimRun, cleanup, newRunId } from './cleanup.js';
import { runSync, runSyncOk } from './exec.js';
import { Lab } from './lab.js';
import { planLab, type RouterPlan } from './plan.js';
import { DEFAULT_SPEC, readSpec } from './tree.js';

describe('lab topology', () => {
  it('reproduces the stale MAC table problem of the shared failover MAC', (ctx) => {
    needs(ctx, 'root', 'ip', 'ping');
    const id = newRunId();
    const dir = claimRun(id);
    try {
      const spec = readSpec(DEFAULT_SPEC);
      const tree = testTempDir('lab-tree');
      for (const r of Object.keys(spec.routers)) mkdirSync(join(tree, r));
      const plan = planLab(spec, id);
      new Lab(plan, dir, tree).build();
      const [r1, r2] = plan.routers;
      const ip = (r: RouterPlan, cmds: string[]) =>
        runSyncOk(['ip', '-n', r.ns, '-batch', '-'], { input: `${cmds.join('\n')}\n` });
      const master = (r: RouterPlan) => [
        `addr add ${plan.failoverIp}/32 dev ${r.ext.ifname}`,
        `link set ${r.ext.ifname} up`,
        `route add ${plan.gateway}/32 dev ${r.ext.ifname}`,
        `route add default via ${plan.gateway} dev ${r.ext.ifname}`,
      ];
      const pingFip = () =>
        runSync([
          'ip',
          'netns',
          'exec',
          plan.inet.ns,
          'ping',
          '-n',
          '-c',
          '3',
          '-i',
          '0.2',
          '-W',
          '1',
          plan.failoverIp,
        ]);
      const answered = () => Number(/(\d+) received/.exec(pingFip().stdout)?.[1] ?? 0);

      // Same MAC on both routers' external NICs.
      const mac = (r: RouterPlan) =>
        runSyncOk(['ip', '-n', r.ns, '-br', 'link', 'show', r.ext.ifname]).split(/\s+/)[2];
      expect(mac(r1)).toBe(r1.ext.mac);
      expect(mac(r2)).toBe(r1.ext.mac);

      ip(r1, master(r1));
      expect(answered()).toBeGreaterThan(0);
      // extrout1 gives up the NIC: its switch port keeps carrier (a KVM tap does not go down with the guest NIC).
      ip(r1, [`link set ${r1.ext.ifname} down`]);
      const port = runSyncOk(['ip', '-n', plan.hv, '-br', 'link', 'show', r1.ext.hvPort]);
      expect(port).toMatch(/\bUP\b/);
      // extrout2 takes the address silently: the switch still sends the shared MAC to extrout1's port.
      ip(r2, master(r2));
      expect(answered()).toBe(0);
      // One frame from extrout2 (here a ping to the gateway) teaches the switch the new port.
      runSync(['ip', 'netns', 'exec', r2.ns, 'ping', '-n', '-c', '1', '-W', '1', plan.gateway]);
      expect(answered()).toBeGreaterThan(0);
    } finally {
      cleanup({ runId: id });
    }
  });
});
