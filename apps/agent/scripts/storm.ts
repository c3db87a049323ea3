/**
 * Stress run of notify storms (issue 16.2), not part of `pnpm test` (root; minutes):
 *
 *   sudo pnpm exec tsx apps/agent/scripts/storm.ts [--events 500] [--runs 20]
 *
 * Each run starts from the opposite of the newest event's role, then launches the events at once from
 * one bash (in order, each a random MASTER or BACKUP, all `&`), waits for all, and reports: whether the
 * kernel ends in the newest event's role (read with `ip -json`), lock timeouts, exit codes, how many
 * events were applied or dropped as stale, the wall time, and the storm's CPU time from bash's `times`
 * (user + system of every reaped agent, including the `ip` / `nft` it ran).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelRole, makeLab, quietEnv } from '../test/ns-agent.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '500' }, runs: { type: 'string', default: '20' } },
});
const N = Number(values.events);
const RUNS = Number(values.runs);
if (process.getuid?.() !== 0) {
  process.stderr.write('storm.ts: needs root (network namespaces)\n');
  process.exit(2);
}

/** `times` prints two lines: the shell's own user/system, then its children's, as `0m1.234s 0m0.567s`. */
function childrenCpuSeconds(timesOut: string): number {
  const lines = timesOut.trim().split('\n');
  const kids = lines.at(-1) ?? '';
  return [...kids.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
}

const lab = makeLab('stress');
const rows: {
  newest: boolean;
  timeouts: number;
  failed: number;
  applied: number;
  stale: number;
  wallS: number;
  cpuS: number;
}[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const ns = lab.router(`s${run}`);
    const cfg = lab.config(`s${run}`);
    const states = Array.from({ length: N }, () => (Math.random() < 0.5 ? 'MASTER' : 'BACKUP'));
    const newestRole = states[N - 1] === 'MASTER' ? 'master' : 'backup';
    const start = lab.agent(ns, cfg, [
      'INSTANCE',
      'ROUTEUR_1',
      newestRole === 'master' ? 'BACKUP' : 'MASTER',
      '0',
    ]);
    if (start.status !== 0) throw new Error(`setup run failed: ${start.stderr}`);
    const errFile = join(lab.dir, `s${run}.err`);
    const argv = lab
      .argv(ns, cfg, [])
      .map((a) => `'${a}'`)
      .join(' ');
    const script = [
      'pids=',
      ...states.map((s, i) => `${argv} INSTANCE ROUTEUR_1 ${s} ${i + 1} 2>>'${errFile}' & pids="$pids $!"`),
      'echo "last $!"',
      'codes=',
      'for p in $pids; do wait $p; codes="$codes $?"; done',
      'echo "codes$codes"',
      'times',
    ].join('\n');
    writeFileSync(errFile, '');
    const scriptFile = join(lab.dir, `s${run}.sh`);
    writeFileSync(scriptFile, script);
    const t0 = performance.now();
    const r = spawnSync('bash', [scriptFile], { encoding: 'utf8', env: quietEnv, maxBuffer: 1 << 24 });
    if (r.error || r.status !== 0) throw new Error(`storm run failed: ${r.error?.message ?? r.stderr}`);
    const wallS = (performance.now() - t0) / 1000;
    const lastPid = Number(/^last (\d+)/m.exec(r.stdout)?.[1]);
    const codes = (/^codes (.*)$/m.exec(r.stdout)?.[1] ?? '').trim().split(' ').map(Number);
    const err = readFileSync(errFile, 'utf8');
    const state = JSON.parse(readFileSync(lab.stateFile(`s${run}`), 'utf8'));
    const row = {
      newest: kernelRole(ns) === newestRole && state.lastSeq?.pid === lastPid,
      timeouts: (err.match(/still held by another hagate-agent/g) ?? []).length,
      failed: codes.filter((c) => c !== 0).length,
      applied: (err.match(/state applied/g) ?? []).length,
      stale: (err.match(/stale event dropped/g) ?? []).length,
      wallS: Math.round(wallS * 100) / 100,
      cpuS: Math.round(childrenCpuSeconds(r.stdout) * 100) / 100,
    };
    rows.push(row);
    process.stdout.write(`run ${run + 1}/${RUNS}: ${JSON.stringify(row)}\n`);
  }
} finally {
  lab.cleanup();
}
const sum = (k: keyof (typeof rows)[number]) => rows.reduce((s, r) => s + Number(r[k]), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
process.stdout.write(
  `${N} events x ${RUNS} runs: ${((100 * rows.filter((r) => r.newest).length) / rows.length).toFixed(0)}% ended in the newest event's state, ` +
    `${sum('timeouts')} lock timeouts, ${sum('failed')} non-zero exits, ` +
    `applied ${sum('applied')} / stale ${sum('stale')} events, ` +
    `wall median ${median(rows.map((r) => r.wallS))} s, CPU per storm median ${median(rows.map((r) => r.cpuS))} s ` +
    `(${((median(rows.map((r) => r.cpuS)) / N) * 1000).toFixed(1)} ms per event), total CPU ${sum('cpuS').toFixed(1)} s\n`,
);
