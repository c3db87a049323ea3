#!/usr/bin/env node
/**
 * `pnpm lab`: node tooling/netlab/dist/cli.js [--scenarios a,b] [--hooks notify|fifo|both] [--baseline|--no-baseline]
 * [--quick] [--spec FILE] [--tree DIR] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderHtml } from './report.js';
import { ALL_SCENARIOS, type LabOptions, runLab, type Selectable } from './run.js';

const USAGE = `usage: node tooling/netlab/dist/cli.js [options]
  --scenarios a,b   any of ${ALL_SCENARIOS.join(', ')} (default: all)
  --hooks MODE      notify | fifo | both (default: both)
  --baseline        also run the how-to's bash scripts (default); --no-baseline to skip
  --quick           5 flap cycles instead of 20
  --spec FILE       hagate.yaml (default: examples/dedibox/hagate.yaml)
  --baseline-dir D  the how-to's scripts (default: tooling/baseline)
  --tree DIR        run on an already generated tree instead of running hagate gen
  --out DIR         where lab-report.json and lab-report.html go (default: .)
Needs root, keepalived, nft, ip, ifup, ping.`;

function fail(msg: string): never {
  process.stderr.write(`netlab: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<number> {
  const opts: LabOptions = { progress: (l) => process.stderr.write(`${l}\n`) };
  let out = '.';
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
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        fail(`unknown argument ${a}`);
    }
  }
  if (process.getuid?.() !== 0) fail('the lab creates network namespaces: run it as root');
  const report = await runLab(opts);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'lab-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'lab-report.html'), renderHtml(report));
  process.stderr.write(
    `\n${report.note.join('\n')}\n\nwrote ${join(out, 'lab-report.json')} and ${join(out, 'lab-report.html')}: ${report.ok ? 'PASS' : 'FAIL'}\n`,
  );
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`netlab: ${e.message}\n`);
    process.exit(1);
  },
);
