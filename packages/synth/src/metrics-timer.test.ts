import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, run } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { synth } from './index.js';
import { METRICS_UNIT, synthMetricsTimer } from './metrics-timer.js';

const withMetrics = () =>
  input((s) => void (s.agent.metricsFile = '/var/lib/prometheus/node-exporter/hagate.prom'));

describe('synthMetricsTimer', () => {
  it('writes nothing without agent.metricsFile (the dedibox tree is unchanged)', () => {
    expect(synthMetricsTimer(input())).toEqual([]);
    expect(synth(input()).some((f) => f.path.includes('hagate-agent-metrics'))).toBe(false);
  });

  it('runs hagate-agent metrics from a timer on each router', () => {
    const files = synthMetricsTimer(withMetrics());
    expect(files.map((f) => f.path)).toEqual([
      `extrout1${METRICS_UNIT}.service`,
      `extrout1${METRICS_UNIT}.timer`,
      `extrout2${METRICS_UNIT}.service`,
      `extrout2${METRICS_UNIT}.timer`,
    ]);
    expect(files[0]?.contents).toContain('ExecStart=/usr/local/sbin/hagate-agent metrics\n');
    expect(files[1]?.contents).toContain('OnUnitActiveSec=15s\n');
  });

  it('passes systemd-analyze verify (units and their command line)', (ctx) => {
    needs(ctx, 'root', 'systemd-analyze', 'unshare');
    const root = mkdtempSync(join(tmpdir(), 'hgt-metrics-timer-'));
    try {
      const files = synthMetricsTimer(withMetrics()).filter((f) => f.path.startsWith('extrout1/'));
      const paths = files.map((f) => {
        const path = join(root, f.path.split('/').pop() as string);
        writeFileSync(path, f.contents as string);
        return path;
      });
      // verify checks that ExecStart's program exists: a root-owned script at the agent's real path, seen
      // only by systemd-analyze through a private mount namespace (the host's folder is untouched).
      const bin = join(root, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'hagate-agent'), '#!/bin/sh\n');
      chmodSync(join(bin, 'hagate-agent'), 0o755);
      const script =
        'mount --bind "$1" /usr/local/sbin && shift && exec systemd-analyze verify --man=no "$@"';
      const r = run(['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', bin, ...paths]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
