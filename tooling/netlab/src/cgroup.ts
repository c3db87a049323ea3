/**
 * The constrained lab: each router's processes (keepalived, the agent and its children) in a cgroup with
 * the how-to's VM size: one vCPU of CPU time per period and 256 MiB of memory.
 *
 * cgroup v2 first: a parent `hgl-<run id>` under the unified hierarchy's root, `+cpu +memory` written to
 * its `cgroup.subtree_control`, one child per router with `cpu.max` and `memory.max`. When the unified
 * hierarchy does not offer cpu and memory (a hybrid host where they are bound to cgroup v1 hierarchies),
 * the same limits through cgroup v1 (`cpu.cfs_quota_us`, `memory.limit_in_bytes`), under the lab's own
 * cgroup of each hierarchy; the report says which one ran and why. Every directory made is recorded in
 * the run directory so a later run removes the leftovers of a crashed one.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The how-to's router VM: 1 vCPU, 256 MiB. */
export const ROUTER_CPU_QUOTA_US = 100_000;
export const ROUTER_CPU_PERIOD_US = 100_000;
export const ROUTER_MEMORY_BYTES = 256 * 1024 * 1024;

/** File in a run directory listing the cgroup directories that run made (one per line). */
export const CGROUP_RECORD = 'cgroups';

interface Mount {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Parses /proc/self/mountinfo (only what the cgroup lookup needs). */
export function parseMountinfo(text: string): Mount[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const [pre, post] = line.split(' - ');
      if (!pre || !post) return [];
      const f = pre.split(' ');
      const [fsType, , superOpts] = post.split(' ');
      const mountPoint = f[4]?.replace(/\\040/g, ' ');
      if (!mountPoint || !fsType) return [];
      return [{ mountPoint, fsType, superOptions: (superOpts ?? '').split(',') }];
    });
}

/** Parses /proc/self/cgroup: hierarchy controllers ('' for v2) -> path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Where the lab's cgroups go: one directory per hierarchy, each gets the limits of its controllers. */
export type CgroupPlan =
  | { backend: 'v2'; root: string }
  | {
      backend: 'v1';
      /** Parent directory (the lab's own cgroup) per controller. */
      cpu: string;
      memory: string;
      /** Why v2 could not be used. */
      v2Unavailable: string;
    };

export type CgroupDetection = { ok: true; plan: CgroupPlan } | { ok: false; reason: string };

/** The files a detection reads, injectable for tests. */
export interface CgroupHostView {
  mountinfo: string;
  procCgroup: string;
  read(path: string): string | undefined;
  writable(path: string): boolean;
}

export function realHostView(): CgroupHostView {
  return {
    mountinfo: readOr('/proc/self/mountinfo') ?? '',
    procCgroup: readOr('/proc/self/cgroup') ?? '',
    read: readOr,
    writable: (p) => {
      try {
        accessSync(p, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Which cgroup hierarchy can hold the routers with CPU and memory limits here; or precisely why none can.
 * v2 needs the unified root to enable cpu and memory for its children (its cgroup.subtree_control).
 */
export function detectCgroups(view: CgroupHostView = realHostView()): CgroupDetection {
  const mounts = parseMountinfo(view.mountinfo);
  const v2 = mounts.find((m) => m.fsType === 'cgroup2');
  let v2Why: string;
  if (!v2) v2Why = 'no cgroup2 file system is mounted';
  else if (!view.writable(v2.mountPoint)) v2Why = `${v2.mountPoint} (cgroup2) is not writable`;
  else {
    const offered = (view.read(join(v2.mountPoint, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
    const available = (view.read(join(v2.mountPoint, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
    const lacking = ['cpu', 'memory'].filter((c) => !offered.includes(c));
    if (lacking.length === 0) return { ok: true, plan: { backend: 'v2', root: v2.mountPoint } };
    const bound = lacking.filter((c) => !available.includes(c));
    v2Why =
      `${v2.mountPoint} (cgroup2): its cgroup.subtree_control enables ${offered.filter(Boolean).join(' ') || 'nothing'}, ` +
      `not ${lacking.join(', ')}` +
      (bound.length
        ? ` (${bound.join(', ')} not in its cgroup.controllers: bound to cgroup v1 hierarchies)`
        : ' (the lab does not change the root cgroup)');
  }
  const own = parseProcCgroup(view.procCgroup);
  const v1 = (ctl: string): string => {
    const m = mounts.find((x) => x.fsType === 'cgroup' && x.superOptions.includes(ctl));
    if (!m) return `no cgroup v1 hierarchy has the ${ctl} controller`;
    const key = [...own.keys()].find((k) => k.split(',').includes(ctl));
    const rel = key !== undefined ? (own.get(key) ?? '/') : '/';
    const dir = rel === '/' ? m.mountPoint : join(m.mountPoint, rel);
    if (!view.writable(dir)) return `${dir} (cgroup v1 ${ctl}) is not writable`;
    return `dir:${dir}`;
  };
  const cpu = v1('cpu');
  const memory = v1('memory');
  if (cpu.startsWith('dir:') && memory.startsWith('dir:'))
    return {
      ok: true,
      plan: { backend: 'v1', cpu: cpu.slice(4), memory: memory.slice(4), v2Unavailable: v2Why },
    };
  const v1Why = [cpu, memory].filter((s) => !s.startsWith('dir:')).join('; ');
  return { ok: false, reason: `cgroup v2: ${v2Why}; cgroup v1: ${v1Why}` };
}

/** What one router's cgroup measured (read before it is removed). */
export interface CgroupStats {
  /** CPU time used (ms), when the hierarchy reports it. */
  cpuMs?: number;
  /** Periods in which the quota throttled the group, and the time throttled (ms). */
  nrThrottled?: number;
  throttledMs?: number;
  /** Highest memory use (bytes). */
  memoryPeakBytes?: number;
}

/** One lab run's cgroups: a child per router (limited) and one for the background load (not limited). */
export class LabCgroups {
  private readonly made: string[] = [];
  private readonly groups = new Map<string, string[]>();

  /**
   * @param plan where they go (detectCgroups)
   * @param runId the lab run (the parent is named `hgl-<run id>`)
   * @param recordDir the run directory, where the made directories are recorded for crash cleanup
   */
  constructor(
    readonly plan: CgroupPlan,
    readonly runId: string,
    private readonly recordDir: string,
  ) {}

  get backend(): 'v2' | 'v1' {
    return this.plan.backend;
  }

  private parents(): string[] {
    const name = `hgl-${this.runId}`;
    return this.plan.backend === 'v2'
      ? [join(this.plan.root, name)]
      : [join(this.plan.cpu, name), join(this.plan.memory, name)];
  }

  private mkdir(dir: string): void {
    if (!existsSync(dir)) {
      mkdirSync(dir);
      this.made.push(dir);
      writeFileSync(join(this.recordDir, CGROUP_RECORD), `${this.made.join('\n')}\n`);
    }
  }

  /** Creates the parent and a group; `limited` groups get the router VM's CPU quota and memory. */
  add(name: string, limited: boolean): void {
    const dirs: string[] = [];
    for (const parent of this.parents()) {
      this.mkdir(parent);
      if (this.plan.backend === 'v2') {
        writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu +memory');
      }
      const dir = join(parent, name);
      this.mkdir(dir);
      dirs.push(dir);
      if (!limited) continue;
      if (this.plan.backend === 'v2') {
        writeFileSync(join(dir, 'cpu.max'), `${ROUTER_CPU_QUOTA_US} ${ROUTER_CPU_PERIOD_US}`);
        writeFileSync(join(dir, 'memory.max'), String(ROUTER_MEMORY_BYTES));
        if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
      } else if (parent.startsWith(this.plan.cpu)) {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(ROUTER_CPU_PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(ROUTER_CPU_QUOTA_US));
      } else {
        writeFileSync(join(dir, 'memory.limit_in_bytes'), String(ROUTER_MEMORY_BYTES));
        const sw = join(dir, 'memory.memsw.limit_in_bytes');
        if (existsSync(sw)) writeFileSync(sw, String(ROUTER_MEMORY_BYTES));
      }
    }
    this.groups.set(name, dirs);
  }

  /** The group's directories (one for v2, cpu and memory for v1). */
  dirs(name: string): string[] {
    const d = this.groups.get(name);
    if (!d) throw new Error(`no cgroup ${name}`);
    return d;
  }

  /** argv that first moves itself into the group, then execs `argv` (so every child starts inside). */
  wrap(name: string, argv: readonly string[]): string[] {
    const procs = this.dirs(name).map((d) => join(d, 'cgroup.procs'));
    return [
      'sh',
      '-c',
      'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
      'hgl-cgroup',
      ...procs,
      '--',
      ...argv,
    ];
  }

  /** Pids currently in the group. */
  pids(name: string): number[] {
    return pidsOf(this.dirs(name)[0]!);
  }

  /** The limits as the kernel reports them (for the report: proof they are in place). */
  limits(name: string): { cpu: string; memoryBytes: number } {
    const [a, b] = this.dirs(name);
    if (this.plan.backend === 'v2') {
      return {
        cpu: (readOr(join(a!, 'cpu.max')) ?? '').trim(),
        memoryBytes: Number((readOr(join(a!, 'memory.max')) ?? '').trim()),
      };
    }
    const quota = (readOr(join(a!, 'cpu.cfs_quota_us')) ?? '').trim();
    const period = (readOr(join(a!, 'cpu.cfs_period_us')) ?? '').trim();
    return {
      cpu: `${quota} ${period}`,
      memoryBytes: Number((readOr(join(b!, 'memory.limit_in_bytes')) ?? '').trim()),
    };
  }

  stats(name: string): CgroupStats {
    const [a, b] = this.dirs(name);
    const kv = (text: string | undefined) =>
      new Map(
        (text ?? '')
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((p) => p.length === 2)
          .map(([k, v]) => [k!, Number(v)] as const),
      );
    const out: CgroupStats = {};
    const cpu = kv(readOr(join(a!, 'cpu.stat')));
    if (this.plan.backend === 'v2') {
      if (cpu.has('usage_usec')) out.cpuMs = Math.round(cpu.get('usage_usec')! / 1000);
      if (cpu.has('nr_throttled')) out.nrThrottled = cpu.get('nr_throttled')!;
      if (cpu.has('throttled_usec')) out.throttledMs = Math.round(cpu.get('throttled_usec')! / 1000);
      const peak = readOr(join(a!, 'memory.peak'));
      if (peak) out.memoryPeakBytes = Number(peak.trim());
    } else {
      if (cpu.has('nr_throttled')) out.nrThrottled = cpu.get('nr_throttled')!;
      if (cpu.has('throttled_time')) out.throttledMs = Math.round(cpu.get('throttled_time')! / 1e6);
      const peak = readOr(join(b!, 'memory.max_usage_in_bytes'));
      if (peak) out.memoryPeakBytes = Number(peak.trim());
    }
    return out;
  }

  /** Kills whatever is left in the groups and removes every directory this object made. */
  remove(): string[] {
    const left = removeCgroupDirs([...this.made].reverse());
    this.made.length = 0;
    this.groups.clear();
    return left;
  }
}

function pidsOf(dir: string): number[] {
  return (readOr(join(dir, 'cgroup.procs')) ?? '')
    .split('\n')
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isFinite(n) && n > 0 && n !== process.pid);
}

/**
 * Removes cgroup directories (deepest first): SIGKILL to what is inside, wait until empty, rmdir.
 * Returns the ones that could not be removed.
 */
export function removeCgroupDirs(dirs: readonly string[]): string[] {
  const sorted = [...new Set(dirs)].sort((a, b) => b.split('/').length - a.split('/').length);
  const left: string[] = [];
  for (const dir of sorted) {
    if (!existsSync(dir)) continue;
    for (const sub of readdirSync(dir, { withFileTypes: true }))
      if (sub.isDirectory()) left.push(...removeCgroupDirs([join(dir, sub.name)]));
    for (let i = 0; i < 100; i++) {
      const pids = pidsOf(dir);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  }
  return left;
}

/**
 * The lab's cgroups of the runs `doomed` selects: the recorded ones (run directory) and any `hgl-<id>`
 * directory at the top of the hierarchies or under this process's own cgroups. Never another name.
 */
export function labCgroupDirs(
  runIds: readonly string[],
  recorded: (id: string) => string[],
  view: CgroupHostView = realHostView(),
): string[] {
  const mounts = parseMountinfo(view.mountinfo).filter(
    (m) => m.fsType === 'cgroup2' || m.fsType === 'cgroup',
  );
  const own = parseProcCgroup(view.procCgroup);
  const bases = new Set<string>();
  for (const m of mounts) {
    bases.add(m.mountPoint);
    const key =
      m.fsType === 'cgroup2'
        ? ''
        : [...own.keys()].find((k) => k.split(',').some((c) => m.superOptions.includes(c)));
    if (key !== undefined && own.has(key)) bases.add(join(m.mountPoint, own.get(key)!));
  }
  const out: string[] = [];
  for (const id of runIds) {
    out.push(...recorded(id).filter((d) => /\/hgl-[0-9a-f]+(\/|$)/.test(d)));
    for (const b of bases) if (existsSync(join(b, `hgl-${id}`))) out.push(join(b, `hgl-${id}`));
  }
  return [...new Set(out)].filter((d) => existsSync(d));
}

/** Recorded cgroup directories of a run directory. */
export function recordedCgroups(runDir: string): string[] {
  return (readOr(join(runDir, CGROUP_RECORD)) ?? '').split('\n').filter(Boolean);
}
