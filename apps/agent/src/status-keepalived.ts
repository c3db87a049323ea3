/**
 * keepalived's own view, for `status` and `metrics`: is it running (its pid file, and /proc saying that pid
 * is keepalived), and what does its VRRP process say about each instance (its JSON dump: SIGJSON, whose
 * number `keepalived --signum=JSON` prints, makes it write `$TMPDIR/keepalived.json`). Never the agent's
 * own record: that one is the agent's view, compared with this one by status-view.ts.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { exec } from './exec.js';

export const KEEPALIVED_DEFAULTS = { pidFile: '/run/keepalived.pid', tmpDir: '/tmp', dumpTimeoutMs: 1000 };

/** keepalived's state numbers (vrrp.h). */
const STATES: Record<number, string> = {
  0: 'INIT',
  1: 'BACKUP',
  2: 'MASTER',
  3: 'FAULT',
  97: 'DELETED',
  98: 'STOP',
};

export interface KeepalivedInstance {
  name: string;
  state: string;
  wantState?: string;
  basePriority?: number;
  effectivePriority?: number;
  /** The priority in the master's last advert (0 when this router is master and none was heard). */
  masterPriority?: number;
  becameMaster?: number;
  releasedMaster?: number;
  advertsReceived?: number;
  advertsSent?: number;
}

export interface KeepalivedView {
  /** true: the pid file names a live keepalived process. */
  running: boolean;
  pid?: number;
  pidFile: string;
  /** Why keepalived is considered not running, or why its instances could not be read. */
  problem?: string;
  /** Its instances, from a dump taken now; absent when it could not be asked. */
  instances?: KeepalivedInstance[];
  dumpFile?: string;
  /** ms the dump took. */
  dumpMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mtimeOf(file: string): number | undefined {
  try {
    const st = statSync(file);
    return st.mtimeMs + st.ino;
  } catch {
    return undefined;
  }
}

/** The pid in `pidFile` when /proc says it is a live keepalived, else why not. */
export function keepalivedPid(pidFile: string): { pid: number } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch (e) {
    return { problem: `no pid file ${pidFile} (${(e as NodeJS.ErrnoException).code ?? e})` };
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 1)
    return { problem: `pid file ${pidFile} holds "${text.trim()}"` };
  let comm: string;
  try {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return { problem: `pid ${pid} from ${pidFile} is not running (a stale pid file)` };
  }
  try {
    // A zombie (killed, not yet reaped) is not running either.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (st === 'Z' || st === 'X') return { problem: `pid ${pid} from ${pidFile} has exited (state ${st})` };
  } catch {
    return { problem: `pid ${pid} from ${pidFile} is not running (a stale pid file)` };
  }
  if (comm !== 'keepalived') return { problem: `pid ${pid} from ${pidFile} is "${comm}", not keepalived` };
  return { pid };
}

/** One instance of keepalived's JSON dump, or undefined when the entry is not one. */
function instanceOf(x: unknown): KeepalivedInstance | undefined {
  const d = (x as { data?: Record<string, unknown> })?.data;
  const s = (x as { stats?: Record<string, unknown> })?.stats ?? {};
  if (!d || typeof d.iname !== 'string' || typeof d.state !== 'number') return undefined;
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const i: KeepalivedInstance = { name: d.iname, state: STATES[d.state] ?? `state ${d.state}` };
  const fields: [keyof KeepalivedInstance, unknown][] = [
    ['basePriority', d.base_priority],
    ['effectivePriority', d.effective_priority],
    ['masterPriority', d.master_priority],
    ['becameMaster', s.become_master],
    ['releasedMaster', s.release_master],
    ['advertsReceived', s.advert_rcvd],
    ['advertsSent', s.advert_sent],
  ];
  for (const [k, v] of fields)
    if (n(v) !== undefined) (i as unknown as Record<string, number>)[k] = n(v) as number;
  if (typeof d.wantstate === 'number') i.wantState = STATES[d.wantstate] ?? `state ${d.wantstate}`;
  return i;
}

/** Parses keepalived's JSON dump (an array of { data, stats } per instance). */
export function parseKeepalivedDump(text: string): KeepalivedInstance[] {
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw new Error('not a JSON array');
  return raw.map(instanceOf).filter((i): i is KeepalivedInstance => i !== undefined);
}

/** Asks the running keepalived for its view; never throws. */
export async function keepalivedView(config: AgentConfig): Promise<KeepalivedView> {
  const where = { ...KEEPALIVED_DEFAULTS, ...config.keepalived };
  const found = keepalivedPid(where.pidFile);
  if ('problem' in found) return { running: false, pidFile: where.pidFile, problem: found.problem };
  const view: KeepalivedView = { running: true, pid: found.pid, pidFile: where.pidFile };
  const file = `${where.tmpDir}/keepalived.json`;
  view.dumpFile = file;
  const started = performance.now();
  let signum: number;
  try {
    const r = await exec(['keepalived', '--signum=JSON'], { timeoutMs: config.commandTimeoutMs });
    signum = Number(r.stdout.trim());
    if (r.code !== 0 || !Number.isInteger(signum) || signum <= 0)
      throw new Error(`keepalived --signum=JSON printed "${r.stdout.trim()}" (built without JSON?)`);
  } catch (e) {
    view.problem = `cannot ask keepalived for its state: ${(e as Error).message}`;
    return view;
  }
  const before = mtimeOf(file);
  try {
    process.kill(found.pid, signum);
  } catch (e) {
    view.problem = `cannot signal keepalived (pid ${found.pid}): ${(e as NodeJS.ErrnoException).code ?? e}`;
    return view;
  }
  const deadline = started + where.dumpTimeoutMs;
  let lastError = 'it wrote nothing';
  while (performance.now() < deadline) {
    await sleep(10);
    const now = mtimeOf(file);
    if (now === undefined || now === before) continue;
    try {
      view.instances = parseKeepalivedDump(readFileSync(file, 'utf8'));
      view.dumpMs = Math.round((performance.now() - started) * 10) / 10;
      return view;
    } catch (e) {
      lastError = `its dump ${file} is not readable yet: ${(e as Error).message}`;
    }
  }
  // Running but silent: its VRRP process may have died, or it is stuck.
  const still = keepalivedPid(where.pidFile);
  if ('problem' in still) return { running: false, pidFile: where.pidFile, problem: still.problem };
  view.problem = `keepalived (pid ${found.pid}) did not answer within ${where.dumpTimeoutMs} ms: ${lastError}`;
  return view;
}
