/** keepalived.conf with the upstream health check, tracked LAN segments and a preempt delay (issue 13). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, print } from '@hagate/keepalived-config';
import { createNetns, needs } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { agentConfigFor } from './agent.js';
import { HEALTH_SCRIPT, keepalivedModel, synthKeepalived } from './keepalived.js';

const text = (f: { contents: string | Uint8Array }): string =>
  typeof f.contents === 'string' ? f.contents : Buffer.from(f.contents).toString('utf8');

const ops = () =>
  input((s) => {
    s.external.health = { interval: 2, timeout: 1, fall: 3, rise: 2, hold: 300 };
    s.vrrp.trackSegments = ['admin'];
    s.vrrp.preemptDelay = 30;
  });

/** keepalived -t on a config in a scratch netns holding `interfaces`, the agent a root-owned script seen at
 * its real path through a private mount namespace (the host's folder is untouched). */
function keepalivedTest(
  conf: string,
  interfaces: string[],
  agentPath: string,
): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hgt-ka-ops-'));
  const ns = createNetns('kaops');
  try {
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, agentPath.split('/').pop() as string), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const cfg = join(dir, 'keepalived.conf');
    writeFileSync(cfg, conf);
    for (const [i, ifname] of interfaces.entries()) ns.addVeth(ifname, `hgto${i}`);
    const script = 'mount --bind "$1" "$2" && exec keepalived -t -l -D -n -f "$3"';
    const r = ns.exec([
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      bin,
      dirname(agentPath),
      cfg,
    ]);
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('keepalived.conf: health check, tracked segments, preempt delay', () => {
  it('runs hagate-agent health as a vrrp_script whose weight covers the priority gap', () => {
    const m = keepalivedModel(ops(), 'extrout1');
    expect(m.scripts).toEqual([
      {
        name: HEALTH_SCRIPT,
        script: '/usr/local/sbin/hagate-agent health',
        interval: 2,
        timeout: 2,
        weight: -151,
        rise: 2,
        fall: 3,
      },
    ]);
    expect(m.instances[0]?.trackScript).toEqual([{ name: HEALTH_SCRIPT }]);
    expect(m.instances[0]?.trackInterface).toEqual([{ name: 'eth0.99', weight: -151 }]);
  });

  it('lowers a failing master below the healthy backup, and keeps the master when both fail (no FAULT)', () => {
    // keepalived: effective = base + weights of failing trackers, clamped to 1..254 (vrrp_set_effective_priority).
    const eff = (router: string, failing: boolean) => {
      const m = keepalivedModel(ops(), router);
      const w = m.scripts?.[0]?.weight ?? 0;
      return Math.max(1, Math.min(254, (m.instances[0]?.priority ?? 0) + (failing ? w : 0)));
    };
    expect(eff('extrout1', true)).toBeLessThan(eff('extrout2', false));
    // Both failing: the order is kept, so the master of the moment is never preempted by an equal or lower peer.
    expect(eff('extrout1', true)).toBeGreaterThanOrEqual(eff('extrout2', true));
    expect(eff('extrout2', true)).toBeGreaterThanOrEqual(1);
  });

  it('starts both routers BACKUP with preempt_delay (keepalived clears it on a MASTER-state instance)', () => {
    for (const r of ['extrout1', 'extrout2']) {
      const i = keepalivedModel(ops(), r).instances[0];
      expect(i?.state).toBe('BACKUP');
      expect(i?.preemptDelay).toBe(30);
      expect(i?.preempt).toBe(true);
    }
    const printed = text(synthKeepalived(ops())[0] as { contents: string });
    expect(printed).toMatch(/^\s+preempt_delay 30$/m);
    expect(printed).toMatch(/^vrrp_script hagate_upstream \{$/m);
    expect(printed).toContain('script "/usr/local/sbin/hagate-agent health"');
    expect(print(parse(printed))).toBe(printed);
  });

  it("gives the agent the probe's gateway, NIC, timeout and hold time", () => {
    expect(agentConfigFor(ops(), 'extrout2').health).toEqual({
      gateway: '198.51.100.1',
      dev: 'eth2',
      timeoutMs: 1000,
      holdMs: 300000,
      fall: 3,
    });
    expect(agentConfigFor(input(), 'extrout2').health).toBeUndefined();
    const withMetrics = input(
      (s) => void (s.agent.metricsFile = '/var/lib/prometheus/node-exporter/hagate.prom'),
    );
    expect(agentConfigFor(withMetrics, 'extrout1').metrics).toEqual({
      file: '/var/lib/prometheus/node-exporter/hagate.prom',
    });
  });

  it.for(['extrout1', 'extrout2'])('keepalived -t accepts it without any warning (%s)', (router, ctx) => {
    needs(ctx, 'root', 'keepalived', 'ip', 'unshare');
    const inp = ops();
    const conf = text(
      synthKeepalived(inp).find((x) => x.path.startsWith(`${router}/`)) as { contents: string },
    );
    const r = keepalivedTest(conf, ['eth1', 'eth0.99'], inp.spec.agent.path);
    expect(r.output).not.toMatch(
      /Truncating|Unknown keyword|SECURITY|not executable|WARNING|Warning|doesn't exist|error/i,
    );
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});
