/**
 * `hagate check` over one generated pair (22 checks by the real consumers). Floor: the same consumer
 * programs run once per artifact directly, without hagate's scratch namespaces, mount namespaces and
 * copies; the ratio is what the isolation costs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEntry } from './types.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'apps/cli/dist/bin.js');

function timed(argv: string[]): number {
  const t0 = performance.now();
  spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return performance.now() - t0;
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

export const checkEntries: BenchEntry[] = [
  {
    name: 'check-pair',
    description:
      'hagate check of the dedibox tree (22 real-consumer checks); floor: the consumers run directly',
    async run({ quick }) {
      if (process.getuid?.() !== 0) throw new Error('needs root (scratch network namespaces)');
      const dir = await mkdtemp(join(tmpdir(), 'hagate-bench-check-'));
      try {
        const out = join(dir, 'out');
        const g = spawnSync(
          process.execPath,
          [cli, 'gen', '--spec', 'examples/dedibox/hagate.yaml', '--out', out],
          {
            cwd: repo,
            encoding: 'utf8',
          },
        );
        if (g.status !== 0) throw new Error(g.stderr);
        const all = await files(out);
        const floorArgv: string[][] = [];
        const aDomain = all.find((f) => f.includes('/domains/'))!;
        for (const f of all) {
          const r = relative(out, f);
          if (r.endsWith('keepalived.conf')) floorArgv.push(['keepalived', '-t', '-f', f]);
          else if (r.endsWith('.nft')) floorArgv.push(['nft', '-c', '-f', f]);
          else if (r.includes('/domains/'))
            floorArgv.push(
              ['virt-xml-validate', f, 'domain'],
              ['virsh', '-q', '-c', 'test:///default', `define ${f}`],
            );
          else if (r.includes('/networks/')) floorArgv.push(['virt-xml-validate', f, 'network']);
          // hagate checks a NIC inside a copy of its domain: one validation and one define of a domain.
          else if (r.includes('/interfaces/'))
            floorArgv.push(
              ['virt-xml-validate', aDomain, 'domain'],
              ['virsh', '-q', '-c', 'test:///default', `define ${aDomain}`],
            );
          else if (r.endsWith('etc/network/interfaces'))
            floorArgv.push(['ifquery', '-i', f, '--list', '--all']);
          else if (r.endsWith('agent.json')) floorArgv.push([process.execPath, '-e', '0']);
        }
        const reps = quick ? 3 : 10;
        timed([process.execPath, cli, 'check', '--out', out]); // warm-up
        const samples: number[] = [];
        const floor: number[] = [];
        for (let i = 0; i < reps; i++) {
          samples.push(timed([process.execPath, cli, 'check', '--out', out]));
          floor.push(floorArgv.reduce((sum, argv) => sum + timed(argv), 0));
        }
        return {
          unit: 'ms',
          samples,
          baseline: { name: `the ${floorArgv.length} consumer runs, directly`, samples: floor },
          extra: { checks: 22, consumerRuns: floorArgv.length },
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
];
