/**
 * Everything the lab creates is named `hgl-<run id>-<role>` and recorded under a run directory holding the
 * pid of the lab that owns it, so a later run can find and remove the leftovers of a crashed or killed one
 * (namespaces, the processes inside them, the run directory) without touching a lab that is still running.
 * The owner is also registered at a fixed path (OWNERS), so a lab started with another $TMPDIR (which
 * sees other run directories) still knows this run is alive.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labCgroupDirs, recordedCgroups, removeCgroupDirs } from './cgroup.js';
import { alive, runSync } from './exec.js';

/** Prefix of every network namespace the lab creates. */
export const LAB_PREFIX = 'hgl-';

/** Where run directories live: one per lab run, named by run id. */
export const LAB_ROOT = join(tmpdir(), 'hagate-netlab');

/** Owner registry independent of $TMPDIR: `<id>.pid` per running lab. */
export const OWNERS = '/run/hagate-netlab';

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function runDirOf(id: string): string {
  return join(LAB_ROOT, id);
}

/** Creates the run directory and records this process as its owner. */
export function claimRun(id: string): string {
  const dir = runDirOf(id);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'owner.pid'), `${process.pid}\n`);
  try {
    mkdirSync(OWNERS, { recursive: true, mode: 0o755 });
    writeFileSync(join(OWNERS, `${id}.pid`), `${process.pid}\n`);
  } catch {
    // Not root: no namespaces either; the run directory is enough.
  }
  return dir;
}

/** Namespace names of the lab (all runs). */
export function labNamespaces(): string[] {
  const r = runSync(['ip', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(LAB_PREFIX));
}

function runIdOf(ns: string): string {
  return ns.slice(LAB_PREFIX.length).split('-')[0] ?? '';
}

/** A run is alive when any record of its owner (run directory or registry) names a live process. */
function ownerAlive(id: string): boolean {
  return [join(runDirOf(id), 'owner.pid'), join(OWNERS, `${id}.pid`)].some((f) => {
    try {
      const pid = Number.parseInt(readFileSync(f, 'utf8'), 10);
      return Number.isFinite(pid) && (pid === process.pid || alive(pid));
    } catch {
      return false;
    }
  });
}

/** Kills every process inside a namespace (SIGKILL) and deletes it. */
export function removeNamespace(ns: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    const pids = runSync(['ip', 'netns', 'pids', ns])
      .stdout.split('\n')
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => Number.isFinite(n) && n > 1 && n !== process.pid);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  runSync(['ip', 'netns', 'del', ns]);
}

export interface CleanupReport {
  namespaces: string[];
  /** cgroup directories of the constrained lab removed (and any that could not be). */
  cgroups: string[];
  cgroupsLeft: string[];
  runDirs: string[];
}

/**
 * Removes the lab's leftovers: with `runId`, everything of that run; without, everything whose owning
 * lab process is gone (crashed, killed). Never touches names without the lab prefix.
 */
export function cleanup(opts: { runId?: string; keepRunDir?: boolean } = {}): CleanupReport {
  const doomed = (id: string) => (opts.runId ? id === opts.runId : !ownerAlive(id));
  const namespaces = labNamespaces().filter((ns) => doomed(runIdOf(ns)));
  // Routers first (they hold the keepalived processes), then the rest.
  for (const ns of namespaces) removeNamespace(ns);
  // Then the cgroups of those runs (the constrained lab): whatever is left inside is killed first.
  const ids = new Set(namespaces.map(runIdOf));
  if (opts.runId) ids.add(opts.runId);
  if (existsSync(LAB_ROOT)) for (const id of readdirSync(LAB_ROOT)) if (doomed(id)) ids.add(id);
  if (existsSync(OWNERS))
    for (const f of readdirSync(OWNERS))
      if (/^[0-9a-f]+\.pid$/.test(f) && doomed(f.slice(0, -4))) ids.add(f.slice(0, -4));
  const cgroups = labCgroupDirs([...ids], (id) => recordedCgroups(runDirOf(id)));
  const cgroupsLeft = removeCgroupDirs(cgroups);
  // The run goes on (between variants): its owner stays registered.
  if (!(opts.runId && opts.keepRunDir))
    for (const id of ids) rmSync(join(OWNERS, `${id}.pid`), { force: true });
  const runDirs: string[] = [];
  if (existsSync(LAB_ROOT)) {
    for (const id of readdirSync(LAB_ROOT)) {
      if (!doomed(id)) continue;
      if (opts.runId && opts.keepRunDir) continue;
      rmSync(runDirOf(id), { recursive: true, force: true });
      runDirs.push(runDirOf(id));
    }
    // The lab's root goes too once no run is left in it (a lab starting meanwhile recreates it).
    try {
      rmdirSync(LAB_ROOT);
    } catch {
      // Not empty: another lab's run is there.
    }
  }
  return { namespaces, cgroups, cgroupsLeft, runDirs };
}
