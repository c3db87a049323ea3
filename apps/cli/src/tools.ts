/** Running the real consumers of generated files: argv only (no shell), and scratch network namespaces. */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Ran {
  status: number;
  out: string;
}

export function run(argv: string[], input?: string): Ran {
  const [cmd, ...args] = argv;
  const r: SpawnSyncReturns<string> = spawnSync(cmd!, args, { encoding: 'utf8', input, timeout: 30_000 });
  if (r.error)
    return { status: -1, out: `${cmd}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` };
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

export function firstLines(text: string, n = 3): string {
  return text.split('\n').filter(Boolean).slice(0, n).join(' | ');
}

/** A scratch network namespace; `done` removes it (always call it). */
export interface ScratchNetns {
  name: string;
  done: () => void;
  /** Why it could not be made, worded for the user; the namespace does not exist then. */
  error?: string;
}

/**
 * A scratch network namespace holding one veth per name (this kernel has no dummy links; a VLAN
 * subinterface such as eth0.99 is just a veth of that name), each up, and lo up.
 */
export function scratchNetns(ifnames: Iterable<string>): ScratchNetns {
  const name = `hgt-check-${randomBytes(3).toString('hex')}`;
  const add = run(['ip', 'netns', 'add', name]);
  if (add.status !== 0) {
    const why = process.getuid?.() === 0 ? firstLines(add.out) : 'needs root';
    return { name, done: () => {}, error: `cannot create a scratch network namespace (${why})` };
  }
  const done = () => void run(['ip', 'netns', 'del', name]);
  run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  const names = [...new Set(ifnames)].filter((n) => n !== 'lo');
  for (const [i, ifname] of names.entries()) {
    const r = run(['ip', '-n', name, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `hgtpeer${i}`]);
    if (r.status !== 0) {
      done();
      return { name, done: () => {}, error: `cannot create interface ${ifname}: ${firstLines(r.out)}` };
    }
    run(['ip', '-n', name, 'link', 'set', ifname, 'up']);
  }
  return { name, done };
}
