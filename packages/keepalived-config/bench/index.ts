/**
 * Bench entries of @hagate/keepalived-config (run by the workspace bench runner through tsx).
 * parse + print of a generated keepalived.conf with 10,000 vrrp_instance blocks; the baseline is the
 * same work on 1,000 blocks measured in the same run and scaled x10, so ratio ~1 means linear cost.
 */

import type { BenchEntry } from '../../../tooling/bench/src/types.js';
import { buildConfig, parse, print, type VrrpInstance } from '../src/index.js';

function config(n: number): string {
  const instances: VrrpInstance[] = [];
  for (let i = 0; i < n; i++) {
    const a = (i >> 8) & 255;
    const b = i & 255;
    instances.push({
      name: `VI_${i}`,
      state: i % 2 === 0 ? 'MASTER' : 'BACKUP',
      interface: `eth${i % 4}`,
      virtualRouterId: (i % 255) + 1,
      priority: 100 + (i % 100),
      advertInt: 1,
      authentication: { type: 'PASS', password: 'secret' },
      unicastSrcIp: `10.${a}.${b}.1`,
      unicastPeers: [`10.${a}.${b}.2`],
      virtualIpaddress: [{ address: `10.${a}.${b}.254/24`, dev: `eth${i % 4}` }],
      notify: '/usr/local/sbin/hagate-agent',
    });
  }
  return print(
    buildConfig({
      header: [`bench: ${n} instances`],
      globalDefs: { routerId: 'bench', enableScriptSecurity: true, scriptUser: 'root' },
      instances,
    }),
  );
}

function time(text: string): number {
  const t0 = performance.now();
  const out = print(parse(text));
  const ms = performance.now() - t0;
  if (out !== text) throw new Error('bench: print(parse(x)) changed a canonical config');
  return ms;
}

export const entries: BenchEntry[] = [
  {
    name: 'keepalived-config/parse-print-10k',
    description:
      'parse + print a keepalived.conf with 10,000 vrrp_instance blocks (baseline: 1,000 blocks x10)',
    quick: true,
    async run({ quick }) {
      const big = config(10_000);
      const small = config(1_000);
      const n = quick ? 3 : 9;
      time(small); // warm-up (JIT)
      const samples: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < n; i++) {
        base.push(time(small) * 10);
        samples.push(time(big));
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      const t0 = performance.now();
      JSON.parse(JSON.stringify({ text: big }));
      const jsonMs = performance.now() - t0;
      return {
        unit: 'ms',
        samples,
        baseline: { name: '1k vrrp_instance x10 (linear extrapolation)', samples: base },
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        extra: {
          bytes10k: big.length,
          lines10k: big.split('\n').length - 1,
          medianMs10k: Number(median(samples).toFixed(2)),
          medianMs1kTimes10: Number(median(base).toFixed(2)),
          ratio10kTo1kTimes10: Number((median(samples) / median(base)).toFixed(3)),
          mbPerSecond: Number((big.length / 1e6 / (median(samples) / 1000)).toFixed(2)),
          jsonRoundTripSameTextMs: Number(jsonMs.toFixed(2)),
        },
      };
    },
  },
];
