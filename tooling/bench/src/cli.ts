/**
 * `pnpm bench [--quick] [name...]`: runs every benchmark entry of the packages and apps, each against a
 * baseline or floor measured in the same run, and writes bench-report.json and bench-report.md.
 */
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkEntries } from './check.js';
import { fleetEntries } from './fleet.js';
import { summarize } from './stats.js';
import type { BenchEntry } from './types.js';

const repo = new URL('../../../', import.meta.url).pathname;

async function discover(): Promise<{ source: string; entry: BenchEntry }[]> {
  const found: { source: string; entry: BenchEntry }[] = [...fleetEntries, ...checkEntries].map((entry) => ({
    source: 'tooling/bench',
    entry,
  }));
  for (const group of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(repo, group)).sort()) {
      const file = join(repo, group, pkg, 'bench/index.ts');
      if (!existsSync(file)) continue;
      const mod = (await import(pathToFileURL(file).href)) as { entries?: BenchEntry[] };
      for (const entry of mod.entries ?? []) found.push({ source: `${group}/${pkg}`, entry });
    }
  }
  return found;
}

const fmt = (n: number) =>
  Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) : '-';

async function main() {
  const { values, positionals } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, out: { type: 'string', default: 'bench-report' } },
    allowPositionals: true,
  });
  const quick = values.quick as boolean;
  const all = await discover();
  const chosen = all.filter(({ entry }) =>
    positionals.length > 0 ? positionals.includes(entry.name) : !quick || entry.quick !== false,
  );
  const unknown = positionals.filter((p) => !all.some((a) => a.entry.name === p));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown entr${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ')}; known: ${all.map((a) => a.entry.name).join(', ')}`,
    );
    process.exit(2);
  }
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    kernel: release(),
    date: new Date().toISOString(),
    command: `pnpm bench${quick ? ' --quick' : ''}${positionals.length ? ` ${positionals.join(' ')}` : ''}`,
  };
  const results: Record<string, unknown>[] = [];
  for (const { source, entry } of chosen) {
    process.stdout.write(`bench ${entry.name} (${source}) ... `);
    const t0 = performance.now();
    try {
      const r = await entry.run({ quick });
      const s = summarize(r.samples);
      const b = summarize(r.baseline.samples);
      results.push({
        name: entry.name,
        source,
        description: entry.description,
        unit: r.unit,
        ...s,
        peakRssBytes: r.peakRssBytes ?? null,
        baseline: { name: r.baseline.name, ...b },
        ratio: s.median / b.median,
        extra: r.extra ?? {},
      });
      console.log(
        `median ${fmt(s.median)} ms vs ${fmt(b.median)} ms (${r.baseline.name}): x${fmt(s.median / b.median)} [${((performance.now() - t0) / 1000).toFixed(1)} s]`,
      );
    } catch (e) {
      results.push({
        name: entry.name,
        source,
        description: entry.description,
        error: String((e as Error).message ?? e),
      });
      console.log(`FAILED: ${(e as Error).message}`);
    }
  }
  await writeFile(`${values.out}.json`, `${JSON.stringify({ machine, results }, null, 2)}\n`);
  const rows = results.map((r) =>
    'error' in r
      ? `| ${r.name} | failed: ${String(r.error).split('\n')[0]} | | | | |`
      : `| ${r.name} | ${fmt(r.median as number)} / ${fmt(r.p95 as number)} | ${(r.baseline as { name: string }).name}: ${fmt((r.baseline as { median: number }).median)} | x${fmt(r.ratio as number)} | ${r.peakRssBytes ? `${Math.round((r.peakRssBytes as number) / 2 ** 20)} MiB` : '-'} | ${Object.entries(
          r.extra as Record<string, unknown>,
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')} |`,
  );
  const md = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Linux ${machine.kernel}. Command: \`${machine.command}\`.`,
    '',
    '| entry | median / p95 (ms) | baseline median (ms) | ratio | peak RSS | details |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  await writeFile(`${values.out}.md`, md);
  console.log(`\n${md}\nwrote ${values.out}.json and ${values.out}.md`);
  if (results.some((r) => 'error' in r)) process.exitCode = 1;
}

await main();
