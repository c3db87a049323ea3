#!/usr/bin/env node
/**
 * `pnpm lab`: node tooling/netlab/dist/cli.js [--scenarios a,b] [--hooks notify|fifo|both] [--baseline|--no-baseline]
 * [--plain] [--constrained] [--load N] [--sessions a,b|--no-sessions] [--flows N] [--quick] [--spec FILE]
 * [--tree DIR] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runDeploy } from './deploy.js';
import { renderHtml } from './report.js';
import { ALL_SCENARIOS, type LabOptions, type RunKind, runLab, type Selectable } from './run.js';
import { summaryTables } from './table.js';

const USAGE = `usage: node tooling/netlab/dist/cli.js [options]
  --scenarios a,b   any of ${ALL_SCENARIOS.join(', ')} (default: all)
  --hooks MODE      notify | fifo | both (default: both)
  --baseline        also run the how-to's bash scripts (default); --no-baseline to skip
  --plain           run the variants without limits
  --constrained     run them with each router in a cgroup (1 vCPU, 256 MiB, the how-to's VM)
                    (neither: both for the full run, plain when --scenarios is given)
  --load N          N busy processes competing for the cores during constrained runs (default 0)
  --sessions a,b    scenarios that measure TCP/UDP sessions next to the pings (default: all)
  --no-sessions     pings only
  --flows N         long-lived TCP connections, UDP flows and UDP push flows per scenario (default 50 each)
  --quick           5 flap cycles instead of 20
  --spec FILE       hagate.yaml (default: examples/dedibox/hagate.yaml)
  --baseline-dir D  the how-to's scripts (default: tooling/baseline)
  --tree DIR        run on an already generated tree instead of running hagate gen
  --out DIR         where lab-report.json and lab-report.html go (default: .)
  --deploy          only the deploy scenario: the generated playbook over SSH into the running pair
                    (rolling update measured, idempotent run, failing validation); writes deploy-report.json
Needs root, keepalived, nft, ip, ifup, ping (--deploy: ansible-playbook, sshd too).`;

function fail(msg: string): never {
  process.stderr.write(`netlab: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<number> {
  const opts: LabOptions = { progress: (l) => process.stderr.write(`${l}\n`) };
  let out = '.';
  const runs: RunKind[] = [];
  let deploy = false;
  const count = (a: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) fail(`${a}: expected an integer >= ${min}, found ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => argv[++i] ?? fail(`${a} needs a value`);
    switch (a) {
      case '--scenarios': {
        const list = val()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = list.filter((s) => !ALL_SCENARIOS.includes(s as Selectable));
        if (bad.length)
          fail(`unknown scenario ${bad.join(', ')}: expected one of ${ALL_SCENARIOS.join(', ')}`);
        opts.scenarios = list as Selectable[];
        break;
      }
      case '--hooks': {
        const h = val();
        if (h !== 'notify' && h !== 'fifo' && h !== 'both')
          fail(`--hooks: expected notify, fifo or both, found ${h}`);
        opts.hooks = h;
        break;
      }
      case '--baseline':
        opts.baseline = true;
        break;
      case '--no-baseline':
        opts.baseline = false;
        break;
      case '--plain':
      case '--constrained':
        runs.push(a.slice(2) as RunKind);
        break;
      case '--load':
        opts.load = count(a, val(), 0);
        break;
      case '--flows':
        opts.flows = count(a, val(), 1);
        break;
      case '--no-sessions':
        opts.sessions = false;
        break;
      case '--sessions': {
        const list = val()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = list.filter((s) => !ALL_SCENARIOS.includes(s as Selectable));
        if (bad.length)
          fail(`--sessions: unknown scenario ${bad.join(', ')}: expected one of ${ALL_SCENARIOS.join(', ')}`);
        opts.sessions = list;
        break;
      }
      case '--quick':
        opts.quick = true;
        break;
      case '--spec':
        opts.spec = resolve(val());
        break;
      case '--baseline-dir':
        opts.baselineDir = resolve(val());
        break;
      case '--tree':
        opts.tree = resolve(val());
        break;
      case '--out':
        out = val();
        break;
      case '--deploy':
        deploy = true;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        fail(`unknown argument ${a}`);
    }
  }
  if (runs.length) opts.runs = runs;
  if (process.getuid?.() !== 0) fail('the lab creates network namespaces: run it as root');
  if (deploy) return deployOnly(out, opts.progress);
  const report = await runLab(opts);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'lab-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'lab-report.html'), renderHtml(report));
  const t = summaryTables(report);
  process.stderr.write(
    `\nping outage, longest (ms; ! not recovered, FAIL: the scenario failed)\n${t.pings.join('\n')}\n`,
  );
  if (t.sessions.length)
    process.stderr.write(
      `\nsessions: survived/reset/stalled, longest stall; new connections opened during the outage\n${t.sessions.join('\n')}\n`,
    );
  if (report.constrainedUnavailable)
    process.stderr.write(`\nconstrained runs impossible here: ${report.constrainedUnavailable}\n`);
  process.stderr.write(
    `\n${report.note.join('\n')}\n\nwrote ${join(out, 'lab-report.json')} and ${join(out, 'lab-report.html')}: ${report.ok ? 'PASS' : 'FAIL'}\n`,
  );
  return report.ok ? 0 : 1;
}

async function deployOnly(out: string, progress: LabOptions['progress']): Promise<number> {
  const r = await runDeploy(progress ? { progress } : {});
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'deploy-report.json'), `${JSON.stringify(r, null, 2)}\n`);
  const d = r.rolling.directions;
  const [rolling, again, failing] = r.runs;
  const ok =
    r.rolling.ok &&
    rolling?.status === 0 &&
    again?.status === 0 &&
    failing?.status !== 0 &&
    Object.values(again?.recap ?? {}).every((h) => h.changed === 0) &&
    Object.values(r.filesMatch).every(Boolean);
  process.stderr.write(
    `rolling update: LAN -> internet ${Math.round(d.lanToInternet.outageMs)} ms, internet -> failover IP ${Math.round(d.internetToFailover.outageMs)} ms, VIP without a holder ${r.vipLessMs} ms (bound ${r.handoverBoundMs} ms)\n` +
      `runs: ${r.runs.map((x) => `${x.name} exit ${x.status} in ${x.durationMs} ms`).join('; ')}\n` +
      `wrote ${join(out, 'deploy-report.json')}: ${ok ? 'PASS' : 'FAIL'}\n`,
  );
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`netlab: ${e.message}\n`);
    process.exit(1);
  },
);
