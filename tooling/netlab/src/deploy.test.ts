/**
 * The deploy scenario (issue 14), in the CI subset: the generated playbook, run by Debian's ansible-playbook
 * from the hypervisor's namespace over SSH, rolls a changed spec into the running pair; again (no change);
 * then a tree the backup refuses (no change on either router).
 */
import { needs } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { LAB_PREFIX, labNamespaces } from './cleanup.js';
import { runDeploy } from './deploy.js';

describe('deploy lab: the generated Ansible playbook over SSH into the running pair', () => {
  it('rolls the pair with no more than a graceful handover, is idempotent, and stops on a failed validation', {
    timeout: 400_000,
  }, async (ctx) => {
    needs(ctx, 'root', 'keepalived', 'nft', 'ip', 'ifup', 'ansible-playbook', 'sshd', 'ssh-keygen');
    const r = await runDeploy();
    expect(labNamespaces().filter((n) => n.startsWith(`${LAB_PREFIX}${r.runId}-`))).toEqual([]);
    const [rolling, again, failing] = r.runs;

    // 1. The rolling update: both routers changed, the backup first, the master handed over and back.
    expect(rolling?.status, rolling?.tail).toBe(0);
    for (const h of ['extrout1', 'extrout2']) {
      expect(rolling?.recap[h]?.failed).toBe(0);
      expect(rolling?.recap[h]?.changed).toBeGreaterThan(0);
      expect(r.filesMatch[`rolling-update ${h}`], h).toBe(true);
    }
    // Boot-time enablement is read on each router updated (the lab's units count as enabled: no enable).
    expect(r.serviceRequests).toContain('extrout1 is-enabled nftables.service keepalived.service');
    expect(r.serviceRequests.filter((x) => x.includes(' enable '))).toEqual([]);
    expect(r.serviceRequests.filter((x) => !x.includes('is-enabled')).slice(0, 3)).toEqual([
      'extrout2 restart keepalived',
      'extrout2 is-active keepalived',
      'extrout1 stop keepalived',
    ]);
    const s = r.rolling;
    expect(s.error).toBeUndefined();
    expect(s.converged).toBe(true);
    expect(s.master).toBe('extrout1');
    expect(s.invariants.filter((i) => i.ok === false)).toEqual([]);
    // Two changes of master (handover, then preemption back), each one keepalived's own.
    expect(s.transitions.filter((t) => t.state === 'MASTER').map((t) => t.router)).toEqual([
      'extrout2',
      'extrout1',
    ]);
    // The outage of the whole update: within a graceful handover's bound (skew + 250 ms), both ways,
    // with slack for a loaded CI host; and the VIP is never gone for longer than keepalived's skew time.
    for (const d of [s.directions.lanToInternet, s.directions.internetToFailover]) {
      expect(d.recovered, d.name).toBe(true);
      expect(d.outageMs, d.name).toBeLessThan(r.handoverBoundMs + 1000);
    }
    expect(r.vipLessMs).toBeGreaterThan(0);
    expect(r.vipLessMs).toBeLessThan(r.handoverBoundMs + 1000);

    // 2. Again: nothing to do, nothing touched.
    expect(again?.status, again?.tail).toBe(0);
    expect(again?.recap.extrout1?.changed).toBe(0);
    expect(again?.recap.extrout2?.changed).toBe(0);
    expect(r.transitionsAfter.idempotent).toBe(0);

    // 3. The backup's kernel refuses the firewall: the playbook fails there, before anything goes live.
    expect(failing?.status).not.toBe(0);
    expect(failing?.recap.extrout2?.failed).toBe(1);
    expect(failing?.recap.extrout1?.changed).toBe(0);
    expect(failing?.recap.extrout2?.changed).toBe(0);
    expect(failing?.tail).toContain('Load the firewall in a scratch network namespace');
    expect(r.transitionsAfter.failing).toBe(0);
    for (const h of ['extrout1', 'extrout2']) expect(r.filesMatch[`failing-validation ${h}`], h).toBe(true);
  });
});
