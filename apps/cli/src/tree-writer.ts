/**
 * The writer thread of `hagate gen` (gen.ts): for each tree it receives, compares it with the one on disk,
 * says what changes and, in `write` mode, stages it (write.ts). The file system work of a fleet (48,000
 * files and directories for 1,000 pairs) then runs on a second core while the main thread synthesizes the
 * next pairs. Only what it needs is loaded here (no spec, no generators).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { GeneratedFile } from '@hagate/synth';
import { unifiedDiff } from './diff.js';
import { type Change, planTree, type StagedTree, stageTree } from './write.js';

export type Mode = 'write' | 'check' | 'diff';

export interface TreeRequest {
  out: string;
  files: GeneratedFile[];
  mode: Mode;
  /** Where to stage (mode `write`): one directory inside the output, shared by every tree of the run. */
  staging: string;
  /** Names this tree's entries in the staging directory. */
  id: string;
}

export interface TreeResult {
  files: number;
  changes: Change[];
  /** What gen prints for this tree: one line per change, or the diffs. */
  lines: string[];
  staged?: StagedTree;
}

export type TreeReply =
  | { ok: true; result: TreeResult }
  /** `io` when a file system call failed (the message says which), else a bug. */
  | { ok: false; message: string; io: boolean };

/** Plans one tree, says what changes, and stages it in `write` mode. */
export function writeTreeRequest({ out, files, mode, staging, id }: TreeRequest): TreeResult {
  const plan = planTree(out, files);
  const lines: string[] = [];
  for (const c of plan.changes) {
    if (mode !== 'diff') {
      lines.push(`${c.kind.padEnd(7)} ${out}/${c.path}`);
      continue;
    }
    const now = files.find((f) => f.path === c.path)?.contents;
    let before = '';
    if (c.kind !== 'added') {
      try {
        before = readFileSync(join(out, c.path), 'utf8');
      } catch {
        // unreadable: shown as empty
      }
    }
    if (c.kind === 'mode') lines.push(`mode of ${out}/${c.path} would change`);
    else if (now instanceof Uint8Array || before.includes('\0'))
      lines.push(`Binary files ${out}/${c.path} differ`);
    else {
      const a = c.kind === 'added' ? '/dev/null' : `${out}/${c.path}`;
      const b = c.kind === 'removed' ? '/dev/null' : `${out}/${c.path} (generated)`;
      lines.push(unifiedDiff(before, now ?? '', a, b).trimEnd());
    }
  }
  const result: TreeResult = { files: files.length, changes: plan.changes, lines };
  if (mode === 'write') result.staged = stageTree(plan, staging, id);
  return result;
}

const port = parentPort;
port?.on('message', (req: TreeRequest) => {
  let reply: TreeReply;
  try {
    reply = { ok: true, result: writeTreeRequest(req) };
  } catch (e) {
    const io = typeof (e as NodeJS.ErrnoException).syscall === 'string';
    reply = { ok: false, message: io ? (e as Error).message : ((e as Error)?.stack ?? String(e)), io };
  }
  port.postMessage(reply);
});
