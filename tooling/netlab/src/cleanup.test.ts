import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needs } from '@hagate/testkit';
import { testTempDir } from '@hagate/testkit/temp-dir';
import { describe, expect, it } from 'vitest';
import { claimRun, cleanup, LAB_PREFIX, labNamespaces, newRunId, OWNERS, runDirOf } from './cleanup.js';
import { exited } from './exec.js';
import { Lab } from './lab.js';
import { planLab } from './plan.js';
import { DEFAULT_SPEC, readSpec } from './tree.js';

const ours = (id: string) => labNamespaces().filter((n) => n.startsWith(`${LAB_PREFIX}${id}-`));

describe('cleanup', () => {
  it('removes every namespace of a run once the lab is torn down', (ctx) => {
    needs(ctx, 'root', 'ip');
    const id = newRunId();
    const dir = claimRun(id);
    try {
      const spec = readSpec(DEFAULT_SPEC);
      const tree = testTempDir('lab-tree');
      for (const r of Object.keys(spec.routers)) mkdirSync(join(tree, r));
      const lab = new Lab(planLab(spec, id), dir, tree);
      lab.build();
      expect(ours(id).sort()).toEqual(
        ['extrout1', 'extrout2', 'hv', 'inet', 'lan', 'provider']
          .map((r) => `${LAB_PREFIX}${id}-${r}`)
          .sort(),
      );
    } finally {
      const r = cleanup({ runId: id });
      expect(r.namespaces.length).toBe(6);
    }
    expect(ours(id)).toEqual([]);
  });

  it("removes a dead lab's leftovers (namespace, processes inside, run dir) but not a live lab's", async (ctx) => {
    needs(ctx, 'root', 'ip');
    const dead = newRunId();
    const live = newRunId();
    // A lab killed with -9: its owner pid is gone, a process still runs inside its namespace.
    mkdirSync(runDirOf(dead), { recursive: true });
    const gone = spawnSync('true').pid!;
    writeFileSync(join(runDirOf(dead), 'owner.pid'), `${gone}\n`);
    spawnSync('ip', ['netns', 'add', `${LAB_PREFIX}${dead}-r1`]);
    const sleeper = spawn('ip', ['netns', 'exec', `${LAB_PREFIX}${dead}-r1`, 'sleep', '60'], {
      stdio: 'ignore',
    });
    // A lab still running (its owner is alive).
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    mkdirSync(runDirOf(live), { recursive: true });
    writeFileSync(join(runDirOf(live), 'owner.pid'), `${owner.pid}\n`);
    spawnSync('ip', ['netns', 'add', `${LAB_PREFIX}${live}-r1`]);
    try {
      spawnSync('sleep', ['0.2']);
      const r = cleanup();
      expect(r.namespaces).toContain(`${LAB_PREFIX}${dead}-r1`);
      expect(ours(dead)).toEqual([]);
      // Gone (another test file's sweep, running at the same time, may have removed it first).
      expect(existsSync(runDirOf(dead))).toBe(false);
      expect(ours(live)).toEqual([`${LAB_PREFIX}${live}-r1`]);
      // The process that ran inside the dead lab's namespace was killed (its exit is reaped here).
      expect(await exited(sleeper, 5000)).toBe(true);
      expect(sleeper.signalCode).toBe('SIGKILL');
    } finally {
      owner.kill('SIGKILL');
      sleeper.kill('SIGKILL');
      cleanup({ runId: live });
      cleanup({ runId: dead });
    }
    expect(ours(live)).toEqual([]);
  });

  it('keeps a live lab whose run directory it cannot see (another $TMPDIR): the owner registry says alive', (ctx) => {
    needs(ctx, 'root', 'ip');
    const live = newRunId();
    claimRun(live);
    // Seen from a lab with another $TMPDIR: no run directory, only the registry.
    rmSync(runDirOf(live), { recursive: true, force: true });
    spawnSync('ip', ['netns', 'add', `${LAB_PREFIX}${live}-r1`]);
    try {
      expect(existsSync(join(OWNERS, `${live}.pid`))).toBe(true);
      cleanup();
      expect(ours(live)).toEqual([`${LAB_PREFIX}${live}-r1`]);
    } finally {
      cleanup({ runId: live });
    }
    expect(ours(live)).toEqual([]);
    expect(existsSync(join(OWNERS, `${live}.pid`))).toBe(false);
  });
});
