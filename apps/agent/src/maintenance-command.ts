/** `hagate-agent maintenance on|off` (see maintenance.ts for the design). Loaded only when asked for. */
import type { AgentConfig } from '@hagate/spec/agent-config';
import { Demotion } from './demote.js';
import { Maintenance } from './maintenance.js';
import { preflight } from './reconcile.js';
import { readState } from './state.js';

/** How long `maintenance on` waits for the peer to take the master role over, ms. */
const WAIT_CAP_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function who(): string | undefined {
  return process.env.SUDO_USER || process.env.LOGNAME || process.env.USER || undefined;
}

export async function maintenance(
  config: AgentConfig,
  what: 'on' | 'off',
  waitMs = WAIT_CAP_MS,
): Promise<number> {
  const m = new Maintenance(config);
  const d = new Demotion(config);
  if (!config.demote) {
    process.stdout.write(
      'maintenance needs the demotion file (agent.json demote.file): regenerate agent.json with hagate gen\n',
    );
    return 2;
  }
  if (what === 'off') {
    const was = m.read();
    try {
      m.disable();
    } catch (e) {
      process.stdout.write(`${(e as Error).message}\n`);
      return 1;
    }
    const demoted = d.marker();
    if (demoted) {
      process.stdout.write(
        `maintenance off, but the router stays demoted: ${demoted.reason} since ${demoted.at} (hagate-agent repair lifts it)\n`,
      );
      return 1;
    }
    try {
      preflight(config, 'master');
    } catch (e) {
      process.stdout.write(
        `maintenance off, but the router stays demoted: the master role cannot run here: ${(e as Error).message}\n`,
      );
      return 1;
    }
    const problem = d.sync();
    if (problem) {
      process.stdout.write(`maintenance off, but ${problem}\n`);
      return 1;
    }
    process.stdout.write(
      `${was ? `maintenance off (it was on since ${was.since})` : 'not in maintenance'}; the demotion file says ${d.trackValue() ?? 'nothing'}: keepalived restores this router's priority (with preemption it takes the master role back, after preempt_delay)\n`,
    );
    return 0;
  }
  let marker: ReturnType<Maintenance['enable']>;
  try {
    marker = m.enable(who());
  } catch (e) {
    process.stdout.write(`${(e as Error).message}\n`);
    return 1;
  }
  const problem = d.hold();
  if (problem) {
    process.stdout.write(`maintenance on (marker ${m.file}), but ${problem}\n`);
    return 1;
  }
  process.stdout.write(`maintenance on since ${marker.since} (marker ${m.file}); the demotion file says 1\n`);
  // The peer takes over at its master-down timer (it ignores our lower-priority adverts); keepalived then
  // hears its higher priority, goes BACKUP and the agent applies the backup state.
  const started = Date.now();
  if (readState(config.stateDir).role !== 'master') {
    process.stdout.write('this router is not master: nothing to hand over\n');
    return 0;
  }
  process.stdout.write('waiting for the peer to take the master role over...\n');
  while (Date.now() - started < waitMs) {
    await sleep(100);
    const s = readState(config.stateDir);
    if (s.role === 'backup') {
      process.stdout.write(`the peer took over: backup state applied after ${Date.now() - started} ms\n`);
      return 0;
    }
  }
  process.stdout.write(
    `still master after ${waitMs} ms: the peer is not taking over (down, demoted or in maintenance too?); maintenance stays on\n`,
  );
  return 1;
}
