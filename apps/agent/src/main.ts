/**
 * hagate-agent: the keepalived hook that reconciles this router to its VRRP role.
 * See ../README.md for the modes; the contract is in the repository's DESIGN.md.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, loadConfig, UsageError } from './config.js';
import { IpSession } from './ip-session.js';
import { log, setLogTarget } from './log.js';
import type { Role } from './plan.js';
import { processSeq } from './seq.js';

declare const AGENT_VERSION: string | undefined;
export const VERSION = typeof AGENT_VERSION === 'string' ? AGENT_VERSION : '0.0.0-dev';

// Taken first thing: the order of notify events (see seq.ts).
const startSeq = processSeq();

const HELP = `hagate-agent ${VERSION}: make this router's network state match its VRRP role

Usage (keepalived calls the first three):
  hagate-agent [options] TYPE NAME STATE PRIORITY   notify: MASTER -> master state; BACKUP, FAULT, STOP -> backup
  hagate-agent [options] shutdown                   shutdown_script: converge to the backup state
  hagate-agent [options] [fifo] FIFO                vrrp_notify_fifo_script: apply the FIFO's events in order
  hagate-agent [options] master|backup              apply a role by hand
  hagate-agent [options] status [--json]            keepalived, kernel and agent views (1: failed, drifted, disagreeing)
  hagate-agent [options] check                      config, interfaces, tools, permissions, firewall, demotion
  hagate-agent [options] repair                     lift a demotion once the master role can run again
  hagate-agent [options] reannounce                 a master re-announces itself (notify_master_rx_lower_pri)
  hagate-agent [options] maintenance on|off         hand the master role to the peer and stay backup (persists)
  hagate-agent [options] metrics                    write the Prometheus text file (agent.json metrics.file)
  hagate-agent [options] health                     vrrp_script: the upstream gateway answers (exit 0) or not (1)

Options:
  --config FILE   agent config (default ${DEFAULT_CONFIG})
  --dry-run       print the plan for the event or role, change nothing
  --version       print the version
  --help          this help

Exit status: 0 done (also: nothing to change, stale or foreign event), 1 the change failed or the state
file could not be written, 2 bad usage (extra arguments too) or config.
`;

function roleOfState(state: string): Role {
  if (state === 'MASTER') return 'master';
  if (state === 'BACKUP' || state === 'FAULT' || state === 'STOP' || state === 'DELETED') return 'backup';
  throw new UsageError(`unknown VRRP state "${state}": expected MASTER, BACKUP, FAULT or STOP`);
}

function isFifo(path: string | undefined): boolean {
  if (!path) return false;
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'dry-run': { type: 'boolean', short: 'n' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** parseArgs' own errors, in the agent's words. */
function usageFromParseArgs(e: NodeJS.ErrnoException): UsageError {
  const opt = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${opt} (see --help)`);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /config/.test(opt))
    return new UsageError('--config needs a file');
  return new UsageError(`${e.message} (see --help)`);
}

/** Commands that take no argument after them. */
const BARE = new Set([
  'shutdown',
  'status',
  'check',
  'master',
  'backup',
  'repair',
  'reannounce',
  'metrics',
  'health',
]);

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageFromParseArgs(e as NodeJS.ErrnoException);
  }
  const { values, positionals: pos } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`hagate-agent ${VERSION}\n`);
    return 0;
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  const dryRun = values['dry-run'] === true;
  const json = values.json === true;
  if (pos.length === 0) throw new UsageError('no event given (see --help)');
  if (BARE.has(pos[0] as string) && pos.length > 1)
    throw new UsageError(`${pos[0]} takes no argument, found "${pos.slice(1).join(' ')}" (see --help)`);
  if (pos[0] === 'maintenance' && (pos.length !== 2 || (pos[1] !== 'on' && pos[1] !== 'off')))
    throw new UsageError(`maintenance takes on or off, found "${pos.slice(1).join(' ')}" (see --help)`);
  if (pos[0] === 'fifo' && pos.length > 2)
    throw new UsageError(`fifo takes one FIFO path, found "${pos.slice(1).join(' ')}" (see --help)`);
  const config = loadConfig(configPath);
  setLogTarget(config.syslog);
  const cmd = pos[0] as string;

  if (cmd === 'status' || cmd === 'check' || cmd === 'repair') {
    const { status, check, repair } = await import('./commands.js');
    if (cmd === 'repair') return repair(config);
    return cmd === 'status' ? status(config, { json }) : check(config, configPath);
  }
  if (cmd === 'maintenance' || cmd === 'metrics' || cmd === 'health') {
    const ops = await import('./ops-commands.js');
    return ops.run(config, cmd, pos[1]);
  }
  if (cmd === 'reannounce') {
    const { onReannounce } = await import('./reannounce.js');
    const r = await onReannounce(config);
    log('info', `(${config.instance}) reannounce: ${r.detail}`);
    return 0;
  }

  const last = pos[pos.length - 1];
  if (cmd === 'fifo' || (pos.length === 1 && isFifo(last))) {
    const path = cmd === 'fifo' ? pos[1] : last;
    if (!path || !isFifo(path))
      throw new UsageError(`fifo mode needs a FIFO path, found ${path ?? 'nothing'}`);
    if (dryRun) throw new UsageError('--dry-run applies to one event, not to fifo mode');
    const { runFifo } = await import('./fifo.js');
    return runFifo(config, path);
  }

  let role: Role;
  let event: string;
  // A stopping master hands over to the peer first (see handover.ts); BACKUP and FAULT give up at once.
  let handover = false;
  if (cmd === 'shutdown') {
    role = 'backup';
    event = 'shutdown';
    handover = true;
  } else if (cmd === 'master' || cmd === 'backup') {
    role = cmd;
    event = cmd;
  } else {
    // keepalived notify: TYPE NAME STATE PRIORITY, after any arguments of the notify line itself.
    const tail = pos.length >= 4 ? pos.slice(-4) : pos.slice(-3);
    if (tail.length < 3)
      throw new UsageError(`expected TYPE NAME STATE [PRIORITY], found "${pos.join(' ')}"`);
    const [type, name, state] = tail as [string, string, string];
    if (type !== 'INSTANCE' || name !== config.instance) {
      log('info', `(${name}) ${type} ${state}: not instance ${config.instance}, ignored`);
      return 0;
    }
    event = tail.join(' ');
    if (state === 'MASTER_RX_LOWER_PRI') {
      // Not a role change: this router stays master and re-announces itself (see reannounce.ts).
      const { onReannounce } = await import('./reannounce.js');
      const r = await onReannounce(config);
      log('info', `(${config.instance}) ${event}: a lower-priority advert was received: ${r.detail}`);
      return 0;
    }
    role = roleOfState(state);
    handover = state === 'STOP';
  }
  if (dryRun) {
    const { dryRunPlan } = await import('./commands.js');
    return dryRunPlan(config, role, event);
  }
  // ip starts now, while the rest of the agent loads and the lock is taken (its first read waits for both).
  const ip = new IpSession(config.commandTimeoutMs);
  ip.warm();
  const { handleEvent } = await import('./run.js');
  // SIGTERM (keepalived's script timeout, systemd stopping the unit) ends a handover wait and lets the
  // change finish: a router is never left half-configured by a signal.
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
  const out = await handleEvent(config, role, event, startSeq, {
    dropStale: true,
    handover,
    signal: stop.signal,
    ip,
  });
  ip.close();
  return out.status;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const usage = e instanceof UsageError;
    log('err', usage ? (e as Error).message : `internal error: ${(e as Error)?.message ?? e}`);
    process.exit(usage ? 2 : 1);
  },
);
