/**
 * hagate-agent benchmarks (root: network namespaces). Transition latency, keepalived event -> state applied:
 * the agent in notify mode (one process per event) and in fifo mode (one long-lived process), against the
 * how-to's scripts (tooling/baseline/keep.sh) doing the same change in the same namespace and run, plus the
 * `node -e 0` floor and the agent's cold start (process start -> first transition step).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, type Netns, run, runOk } from '@hagate/testkit';

import type { BenchEntry, BenchResult } from '../../../tooling/bench/src/types.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const baselineDir = fileURLToPath(new URL('../../../tooling/baseline', import.meta.url));
const bundle = join(appDir, 'dist/hagate-agent');
const IP = '/usr/sbin/ip';
const STATES = ['MASTER', 'BACKUP'] as const;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}
const r2 = (x: number) => Math.round(x * 100) / 100;

interface Lab {
  router: Netns;
  provider: Netns;
  dir: string;
  config: string;
  cleanup(): void;
}

/** A router namespace (eth1 LAN 10.10.1.2/24, eth2 external) and a provider namespace answering as the
 * gateway 198.51.100.1 on the other end of eth2. The agent and the baseline load the same rulesets. */
function makeLab(label: string): Lab {
  const b = spawnSync(process.execPath, [join(appDir, 'build.mjs')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`agent build failed: ${b.stderr}`);
  const router = createNetns(`${label}-r`);
  const provider = createNetns(`${label}-p`);
  const dir = mkdtempSync(join(tmpdir(), 'hagate-agent-bench-'));
  try {
    runOk([IP, '-n', router.name, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    for (const l of ['eth1', 'eth1p']) runOk([IP, '-n', router.name, 'link', 'set', l, 'up']);
    runOk([IP, '-n', router.name, 'address', 'add', '10.10.1.2/24', 'dev', 'eth1']);
    runOk([
      IP,
      '-n',
      router.name,
      'link',
      'add',
      'eth2',
      'type',
      'veth',
      'peer',
      'name',
      'eth2p',
      'netns',
      provider.name,
    ]);
    runOk([IP, '-n', provider.name, 'link', 'set', 'eth2p', 'up']);
    runOk([IP, '-n', provider.name, 'address', 'add', '198.51.100.1/24', 'dev', 'eth2p']);
    runOk([IP, '-n', provider.name, 'route', 'add', '203.0.113.10/32', 'dev', 'eth2p']);
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        version: 2,
        router: 'extrout2',
        instance: 'ROUTEUR_1',
        externalNic: 'eth2',
        stateDir: join(dir, 'state'),
        lockName: `hagate-agent-bench/${label}`,
        syslog: { ident: 'hagate-agent' },
        owned: { links: ['eth2'], addressesOn: ['eth2'], routes: ['default', '198.51.100.1/32'] },
        roles: {
          master: {
            links: [{ name: 'eth2', up: true }],
            addresses: [{ dev: 'eth2', cidr: '203.0.113.10/32' }],
            routes: [
              { dst: '198.51.100.1/32', dev: 'eth2', scope: 'link' },
              { dst: 'default', via: '198.51.100.1', dev: 'eth2' },
            ],
            sysctls: [
              { key: 'net/ipv4/conf/eth2/arp_notify', value: '1' },
              { key: 'net/ipv4/ip_forward', value: '1', stage: 'post' },
            ],
            announce: { probe: { address: '198.51.100.1', method: 'udp' } },
          },
          backup: {
            links: [{ name: 'eth2', up: false }],
            addresses: [],
            routes: [{ dst: 'default', via: '10.10.1.1', dev: 'eth1', src: '10.10.1.2' }],
            sysctls: [{ key: 'net/ipv4/conf/eth2/arp_notify', value: '1' }],
            announce: {},
          },
        },
        // The how-to's master ruleset stands in for the router's one firewall, loaded at "boot" below.
        firewall: { ruleset: join(baselineDir, 'firewallup.sh'), table: { family: 'ip', name: 'nat' } },
      }),
      { mode: 0o644 },
    );
    runOk([IP, 'netns', 'exec', router.name, 'nft', '-f', join(baselineDir, 'firewallup.sh')]);
    return {
      router,
      provider,
      dir,
      config,
      cleanup() {
        router.remove();
        provider.remove();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    router.remove();
    provider.remove();
    throw e;
  }
}

/** Wall time of argv run to completion, ms. */
function timed(argv: string[], env?: NodeJS.ProcessEnv): { ms: number; status: number; startEpoch: number } {
  const startEpoch = performance.timeOrigin + performance.now();
  const t = performance.now();
  const r = run(argv, { timeoutMs: 30_000, env: env ?? process.env });
  return { ms: performance.now() - t, status: r.status, startEpoch };
}

function agentNotify(lab: Lab, state: string, i: number) {
  return timed([
    IP,
    'netns',
    'exec',
    lab.router.name,
    process.execPath,
    bundle,
    '--config',
    lab.config,
    'INSTANCE',
    'ROUTEUR_1',
    state,
    String(i),
  ]);
}

const baselineEnv = {
  ...process.env,
  BASELINE_DIR: baselineDir,
  OWN_LAN_IP: '10.10.1.2',
  PEER_LAN_IP: '10.10.1.1',
};
function baselineNotify(lab: Lab, state: string, i: number) {
  return timed(
    [
      IP,
      'netns',
      'exec',
      lab.router.name,
      join(baselineDir, 'keep.sh'),
      'INSTANCE',
      'ROUTEUR_1',
      state,
      String(i),
    ],
    baselineEnv,
  );
}

function lastTransition(lab: Lab): { startedAt?: number; steps: Record<string, number> } | undefined {
  const state = JSON.parse(readFileSync(join(lab.dir, 'state', 'state.json'), 'utf8'));
  return state.transitions.at(-1);
}
function lastStartedAt(lab: Lab): number | undefined {
  return lastTransition(lab)?.startedAt;
}
/** Epoch ms the last transition's state was in place: its first step + its total. */
function lastAppliedAt(lab: Lab): number | undefined {
  const t = lastTransition(lab);
  return t?.startedAt === undefined || t.steps.total === undefined ? undefined : t.startedAt + t.steps.total;
}

function check(ok: boolean, what: string) {
  if (!ok) throw new Error(`bench: ${what}`);
}

function summary(prefix: string, xs: number[]): Record<string, number> {
  return { [`${prefix}MedianMs`]: r2(quantile(xs, 0.5)), [`${prefix}P95Ms`]: r2(quantile(xs, 0.95)) };
}

async function notifyBench(quick: boolean): Promise<BenchResult> {
  const n = quick ? 6 : 30;
  const lab = makeLab('bn');
  try {
    check(agentNotify(lab, 'BACKUP', 0).status === 0, 'agent warm-up failed');
    // The transition latency is keepalived's event (the process spawn) -> the state applied (the agent's
    // last change done); the process then still hashes the new ruleset and exits (`agentExit`).
    const agent: number[] = [];
    const exit: number[] = [];
    const base: number[] = [];
    const floor: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < n; i++) {
      // Every sample is a real change from the other role: agent MASTER, agent BACKUP, script MASTER, ...
      const state = STATES[i % 2] as string;
      const a = agentNotify(lab, state, i);
      check(a.status === 0, `agent ${state} failed`);
      const applied = lastAppliedAt(lab);
      check(applied !== undefined, 'agent recorded no applied transition');
      agent.push((applied as number) - a.startEpoch);
      exit.push(a.ms);
      const started = lastStartedAt(lab);
      if (started !== undefined) cold.push(started - a.startEpoch);
      floor.push(timed([IP, 'netns', 'exec', lab.router.name, process.execPath, '-e', '0']).ms);
    }
    for (let i = 0; i < n; i++) {
      const state = STATES[i % 2] as string;
      const b = baselineNotify(lab, state, i);
      check(b.status === 0, `baseline ${state} failed`);
      base.push(b.ms);
    }
    const am = quantile(agent, 0.5);
    return {
      unit: 'ms',
      samples: agent,
      baseline: { name: 'how-to keep.sh (tooling/baseline)', samples: base },
      extra: {
        transitions: n,
        ...summary('agent', agent),
        ...summary(
          'agentToMaster',
          agent.filter((_, i) => i % 2 === 0),
        ),
        ...summary(
          'agentToBackup',
          agent.filter((_, i) => i % 2 === 1),
        ),
        ...summary('agentExit', exit),
        ...summary('baseline', base),
        ...summary(
          'baselineToMaster',
          base.filter((_, i) => i % 2 === 0),
        ),
        ...summary(
          'baselineToBackup',
          base.filter((_, i) => i % 2 === 1),
        ),
        ...summary('nodeFloor', floor),
        ...summary('coldStart', cold),
        baselineOverAgent: r2(quantile(base, 0.5) / am),
        agentOverNodeFloor: r2(am / quantile(floor, 0.5)),
        bundleBytes: statSync(bundle).size,
      },
    };
  } finally {
    lab.cleanup();
  }
}

/** Writes events to the FIFO one at a time; each sample is write -> "state applied" line on stderr. */
async function fifoBench(quick: boolean): Promise<BenchResult> {
  const n = quick ? 6 : 30;
  const lab = makeLab('bf');
  let child: ChildProcess | undefined;
  try {
    const fifo = join(lab.dir, 'notify.fifo');
    check(spawnSync('mkfifo', [fifo]).status === 0, 'mkfifo failed');
    child = spawn(
      IP,
      ['netns', 'exec', lab.router.name, process.execPath, bundle, '--config', lab.config, fifo],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    let waiter: { marker: string; resolve: () => void } | undefined;
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (waiter && stderr.includes(waiter.marker)) waiter.resolve();
    });
    const send = (state: string, i: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const marker = `${state} ${i}: ${state.toLowerCase()} state applied`;
        const t = performance.now();
        const timer = setTimeout(
          () => reject(new Error(`fifo event ${i} not applied: ${stderr.slice(-500)}`)),
          20_000,
        );
        waiter = {
          marker,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve(performance.now() - t);
          },
        };
        writeFileSync(fifo, `INSTANCE "ROUTEUR_1" ${state} ${i}\n`);
      });
    await send('BACKUP', 10_000); // warm-up
    const agent: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < n; i++) agent.push(await send(STATES[i % 2] as string, i));
    for (let i = 0; i < n; i++) {
      const b = baselineNotify(lab, STATES[i % 2] as string, i);
      check(b.status === 0, 'baseline failed');
      base.push(b.ms);
    }
    return {
      unit: 'ms',
      samples: agent,
      baseline: { name: 'how-to keep.sh (tooling/baseline)', samples: base },
      extra: {
        transitions: n,
        ...summary('agentFifo', agent),
        ...summary(
          'agentFifoToMaster',
          agent.filter((_, i) => i % 2 === 0),
        ),
        ...summary(
          'agentFifoToBackup',
          agent.filter((_, i) => i % 2 === 1),
        ),
        ...summary('baseline', base),
        baselineOverAgent: r2(quantile(base, 0.5) / quantile(agent, 0.5)),
      },
    };
  } finally {
    child?.kill('SIGTERM');
    if (child) await new Promise((r) => child?.once('close', r));
    lab.cleanup();
  }
}

/** Process start -> first transition step (the agent's own start-up), against `node -e 0`. */
async function coldStartBench(quick: boolean): Promise<BenchResult> {
  const n = quick ? 6 : 30;
  const lab = makeLab('bc');
  try {
    const cold: number[] = [];
    const floor: number[] = [];
    check(agentNotify(lab, 'BACKUP', 0).status === 0, 'agent warm-up failed');
    for (let i = 0; i < n; i++) {
      const a = agentNotify(lab, 'BACKUP', i); // 0 changes: start-up dominates
      const started = lastStartedAt(lab);
      check(a.status === 0 && started !== undefined, 'agent failed');
      cold.push((started as number) - a.startEpoch);
      floor.push(timed([IP, 'netns', 'exec', lab.router.name, process.execPath, '-e', '0']).ms);
    }
    return {
      unit: 'ms',
      samples: cold,
      baseline: { name: 'node -e 0 (whole process)', samples: floor },
      extra: {
        ...summary('coldStart', cold),
        ...summary('nodeFloor', floor),
        bundleBytes: statSync(bundle).size,
      },
    };
  } finally {
    lab.cleanup();
  }
}

export const entries: BenchEntry[] = [
  {
    name: 'agent: notify transition',
    description:
      'keepalived notify event -> state applied (process spawn to its last change, real changes, alternating roles), hagate-agent vs the how-to scripts; extra: per direction, to process exit, node -e 0 floor, cold start, bundle size',
    run: ({ quick }) => notifyBench(quick),
  },
  {
    name: 'agent: fifo transition',
    description:
      'event line written to the notify FIFO -> "state applied" logged by the long-lived agent, vs the how-to scripts',
    run: ({ quick }) => fifoBench(quick),
  },
  {
    name: 'agent: cold start',
    description:
      'agent process start -> first transition step (state file startedAt), vs the whole `node -e 0` process',
    run: ({ quick }) => coldStartBench(quick),
  },
];
