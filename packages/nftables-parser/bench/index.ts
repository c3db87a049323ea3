/**
 * Benchmark: parsing a large ruleset in-process vs `nft -c -f` of the same file in a scratch network
 * namespace (same run). Run by the workspace bench runner (`pnpm bench`), or directly:
 *   pnpm exec tsx bench/index.ts [--quick]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createNetns, isRoot, which } from '@hagate/testkit';
import type { BenchEntry } from '../../../tooling/bench/src/types.js';
import { parse } from '../src/index.js';

/** One chain of varied, corpus-like rules (n rules), named cN in table ip bench. */
function chainText(c: number, n: number): string {
  const lines: string[] = [`\tchain c${c} {`];
  for (let i = 0; i < n; i++) {
    const a = `10.${c % 256}.${(i >> 8) & 255}.${i & 255}`;
    switch (i % 8) {
      case 0:
        lines.push(`\t\tip saddr ${a} tcp dport 22 counter packets 0 bytes 0 accept`);
        break;
      case 1:
        lines.push(
          `\t\tiifname "eth${i % 4}" ip daddr ${a}/32 udp dport { 53, 123, ${1024 + (i % 1000)} } accept`,
        );
        break;
      case 2:
        lines.push(`\t\tct state established,related accept`);
        break;
      case 3:
        lines.push(`\t\tip saddr . tcp dport { ${a} . 80, ${a} . 443 } log prefix "r${i}: " drop`);
        break;
      case 4:
        lines.push(
          `\t\tmeta l4proto tcp tcp flags syn / fin,syn,rst,ack limit rate 100/second burst 5 packets accept`,
        );
        break;
      case 5:
        lines.push(`\t\tip protocol icmp icmp type { echo-reply, echo-request } accept comment "rule ${i}"`);
        break;
      case 6:
        lines.push(`\t\tmeta mark set 0x${(i & 0xffff).toString(16).padStart(8, '0')} ip ttl < 5 drop`);
        break;
      default:
        lines.push(`\t\tip daddr ${a} tcp dport ${1 + (i % 65000)} reject with tcp reset`);
    }
  }
  lines.push('\t}');
  return lines.join('\n');
}

/** A ruleset of `rules` rules in chains of 500, in one table (what nft list ruleset would print). */
export function bigRuleset(rules: number): string {
  const per = 500;
  const chains: string[] = [];
  for (let c = 0; c * per < rules; c++) chains.push(chainText(c, Math.min(per, rules - c * per)));
  return `table ip bench {\n${chains.join('\n\n')}\n}\n`;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export const entries: BenchEntry[] = [
  {
    name: 'nftables-parser: parse a large ruleset vs nft -c',
    description:
      'Parse a generated ruleset of 50,000 rules (100 chains of 500 corpus-like rules) in-process, against `nft -c -f` of the same file in a scratch network namespace; extra: parse time at 12.5k/25k/50k rules (linearity) and the ratio.',
    quick: true,
    async run({ quick }) {
      const rules = quick ? 12_500 : 50_000;
      const text = bigRuleset(rules);
      const runs = quick ? 3 : 7;
      parse(text); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(time(() => parse(text)));
      const extra: Record<string, number | string> = { rules, bytes: text.length };
      for (const n of [rules / 4, rules / 2, rules]) {
        const t = bigRuleset(n);
        extra[`parseMs@${n}`] = Number(median([0, 1, 2].map(() => time(() => parse(t)))).toFixed(2));
      }
      const baseline: number[] = [];
      if (isRoot && which('nft') && which('ip')) {
        const dir = mkdtempSync(join(tmpdir(), 'hgt-bench-'));
        const ns = createNetns('bench');
        try {
          const file = join(dir, 'big.nft');
          writeFileSync(file, text);
          for (let i = 0; i < 2; i++) {
            const t = performance.now();
            const r = ns.exec(['nft', '-c', '-f', file], { timeoutMs: 600_000 });
            baseline.push(performance.now() - t);
            if (r.status !== 0) throw new Error(`nft -c failed: ${r.stderr.slice(0, 500)}`);
          }
        } finally {
          ns.remove();
          rmSync(dir, { recursive: true, force: true });
        }
        extra.ratioNftOverParse = Number((median(baseline) / median(samples)).toFixed(1));
      } else {
        extra.baseline = 'skipped: needs root, nft and ip';
      }
      return {
        unit: 'ms',
        samples,
        baseline: { name: 'nft -c -f (scratch netns)', samples: baseline },
        peakRssBytes: process.memoryUsage().rss,
        extra,
      };
    },
  },
];

if (process.argv[1]?.endsWith('bench/index.ts')) {
  const quick = process.argv.includes('--quick');
  for (const e of entries) {
    const r = await e.run({ quick });
    console.log(
      e.name,
      JSON.stringify({
        parseMs: r.samples.map((x) => +x.toFixed(1)),
        nftMs: r.baseline.samples.map((x) => +x.toFixed(1)),
        ...r.extra,
      }),
    );
  }
}
