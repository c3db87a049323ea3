/**
 * Bench entries of @hagate/keepalived-config (run by the workspace bench runner through tsx).
 * parse + print of a generated keepalived.conf with 10,000 vrrp_instance blocks; the baseline is the
 * same work on 1,000 blocks measured in the same run and scaled x10, so ratio ~1 means linear cost.
 * Memory is measured the same way, each size in a process of its own (bench/memory.ts): the heap that
 * the tree and the printed text retain, and the peak RSS above that of a process given an empty file.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEntry } from '../../../tooling/bench/src/types.js';
import { lint, parse, print } from '../src/index.js';
import { config } from './config.js';

interface MemorySample {
  bytes: number;
  nodes: number;
  heapRetainedBytes: number;
  peakRssBytes: number;
}

const child = fileURLToPath(new URL('./memory.ts', import.meta.url));

/** Parses + prints `text` in a fresh process (see bench/memory.ts); the median of `runs` samples. */
function memory(text: string, runs: number): MemorySample {
  const dir = mkdtempSync(join(tmpdir(), 'hgt-bench-ka-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const samples: MemorySample[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', import.meta.resolve('tsx'), child, file],
        {
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      if (r.status !== 0) throw new Error(`bench/memory.ts failed: ${r.stderr || r.error}`);
      samples.push(JSON.parse(r.stdout) as MemorySample);
    }
    const med = (k: keyof MemorySample) => [...samples].sort((a, b) => a[k] - b[k])[Math.floor(runs / 2)]![k];
    return {
      bytes: samples[0]!.bytes,
      nodes: samples[0]!.nodes,
      heapRetainedBytes: med('heapRetainedBytes'),
      peakRssBytes: med('peakRssBytes'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (n: number) => Number((n / 2 ** 20).toFixed(2));

function time(text: string): number {
  const t0 = performance.now();
  const out = print(parse(text));
  const ms = performance.now() - t0;
  if (out !== text) throw new Error('bench: print(parse(x)) changed a canonical config');
  return ms;
}

/** Lints an already parsed config (resolve + every single-file rule, no disk access). */
function lintTime(file: ReturnType<typeof parse>): number {
  const t0 = performance.now();
  lint(file, { configId: 'bench' });
  return performance.now() - t0;
}

export const entries: BenchEntry[] = [
  {
    name: 'keepalived-config/parse-print-10k',
    description:
      'parse + print a keepalived.conf with 10,000 vrrp_instance blocks (baseline: 1,000 blocks x10); memory of each size in its own process',
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
      const memRuns = quick ? 1 : 3;
      const floor = memory('', memRuns);
      const mem1k = memory(small, memRuns);
      const mem10k = memory(big, memRuns);
      const above = (m: MemorySample) => m.peakRssBytes - floor.peakRssBytes;
      return {
        unit: 'ms',
        samples,
        baseline: { name: '1k vrrp_instance x10 (linear extrapolation)', samples: base },
        // The 10k process's own peak (parse + print of the 10k file only, plus Node and tsx).
        peakRssBytes: mem10k.peakRssBytes,
        extra: {
          bytes10k: big.length,
          lines10k: big.split('\n').length - 1,
          medianMs10k: Number(median(samples).toFixed(2)),
          medianMs1kTimes10: Number(median(base).toFixed(2)),
          ratio10kTo1kTimes10: Number((median(samples) / median(base)).toFixed(3)),
          mbPerSecond: Number((big.length / 1e6 / (median(samples) / 1000)).toFixed(2)),
          jsonRoundTripSameTextMs: Number(jsonMs.toFixed(2)),
          heapRetainedMiB1k: mib(mem1k.heapRetainedBytes),
          heapRetainedMiB10k: mib(mem10k.heapRetainedBytes),
          heapRetainedRatio10kTo1k: Number((mem10k.heapRetainedBytes / mem1k.heapRetainedBytes).toFixed(2)),
          heapRetainedBytesPerInputByte10k: Number((mem10k.heapRetainedBytes / big.length).toFixed(2)),
          peakRssMiBFloor: mib(floor.peakRssBytes),
          peakRssMiB1k: mib(mem1k.peakRssBytes),
          peakRssMiB10k: mib(mem10k.peakRssBytes),
          peakRssAboveFloorRatio10kTo1k: Number((above(mem10k) / above(mem1k)).toFixed(2)),
        },
      };
    },
  },
  {
    name: 'keepalived-config/lint-10k',
    description:
      'lint a parsed keepalived.conf with 10,000 vrrp_instance blocks (baseline: 1,000 blocks x10)',
    quick: true,
    async run({ quick }) {
      const big = parse(config(10_000));
      const small = parse(config(1_000));
      const n = quick ? 3 : 9;
      lintTime(small); // warm-up (JIT)
      const samples: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < n; i++) {
        base.push(lintTime(small) * 10);
        samples.push(lintTime(big));
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      return {
        unit: 'ms',
        samples,
        baseline: { name: '1k vrrp_instance x10 (linear extrapolation)', samples: base },
        extra: {
          medianMs10k: Number(median(samples).toFixed(2)),
          medianMs1kTimes10: Number(median(base).toFixed(2)),
          ratio10kTo1kTimes10: Number((median(samples) / median(base)).toFixed(3)),
        },
      };
    },
  },
];
