/**
 * `hagate gen`, in three passes over the specs:
 * 1. read and validate every spec: when one has an error, nothing is written (not even `out`);
 * 2. for each spec in turn, synthesize its tree and hand it to the writer thread (tree-writer.ts), which
 *    compares it with the one on disk and stages what changed while the next tree is synthesized; a
 *    synth error removes everything staged;
 * 3. commit every staged tree, in spec order (write.ts).
 */
import { mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type AnsiblePair, ansibleCommonFiles, ansibleHostVars, type GeneratedFile } from '@hagate/synth';
import { readAgentBundle } from './agent-bundle.js';
import { CliError } from './errors.js';
import { readSpec, synthOrExplain } from './spec-file.js';
import type { Mode, TreeReply, TreeRequest, TreeResult } from './tree-writer.js';
import { commitTree } from './write.js';

export interface GenOptions {
  /** One spec writes to `out`; several (a fleet) write each pair to `out/<spec name>`. */
  specs: string[];
  out: string;
  /** Only report: `list` prints the paths that would change, `diff` a unified diff of each. */
  check: boolean;
  diff?: boolean;
  log: (line: string) => void;
}

/** A fleet's own folder next to its pairs: one Ansible inventory for every pair, the playbook, the role. */
const FLEET_ANSIBLE = 'ansible';

/** Trees handed to the writer and not staged yet, at most: bounds the memory they hold. */
const IN_FLIGHT = 32;

/** The writer thread; it answers requests in order. */
class Writer {
  private readonly worker = new Worker(new URL('./tree-writer.js', import.meta.url));
  private readonly pending: { resolve: (r: TreeReply) => void }[] = [];
  private failure: Error | undefined;

  constructor() {
    this.worker.on('message', (r: TreeReply) => this.pending.shift()?.resolve(r));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`the hagate gen writer thread exited (code ${code})`)),
    );
  }

  get inFlight(): number {
    return this.pending.length;
  }

  /** Never rejects: a dead writer thread is an error reply. */
  write(req: TreeRequest): Promise<TreeReply> {
    return new Promise((resolve) => {
      if (this.failure) return resolve(this.failed(this.failure));
      this.pending.push({ resolve });
      this.worker.postMessage(req);
    });
  }

  private failed(e: Error): TreeReply {
    return { ok: false, message: e.stack ?? e.message, io: false };
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) p.resolve(this.failed(e));
  }

  async close(): Promise<void> {
    this.failure ??= new Error('closed');
    await this.worker.terminate();
  }
}

/** Creates the output folder (and its parents); returns the first folder it made, as mkdirSync does. */
function makeOutput(out: string): string | undefined {
  let isDir: boolean | undefined;
  try {
    isDir = statSync(out).isDirectory();
  } catch {
    // Missing (or under a file): mkdirSync below says which.
  }
  if (isDir === false)
    throw new CliError(`${out}: expected a folder for the output tree, found a file; nothing written`);
  if (isDir) return undefined;
  try {
    return mkdirSync(out, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOTDIR' ? 'ENOTDIR: a file is in the way' : (err.code ?? err.message);
    throw new CliError(`${out}: cannot create the output folder (${why}); nothing written`);
  }
}

/** `hagate gen`: returns the exit code. */
export async function gen(opts: GenOptions): Promise<number> {
  // In shared memory: the writer thread gets every router's copy without one being made.
  const bundle = await readAgentBundle();
  const agentBundle = new Uint8Array(new SharedArrayBuffer(bundle.length));
  agentBundle.set(bundle);
  const fleet = opts.specs.length > 1;

  // Pass 1: read and validate everything.
  const failures: string[] = new Array(opts.specs.length);
  const loaded: (ReturnType<typeof readSpec> | undefined)[] = [];
  const outs: string[] = [];
  const names = new Map<string, string>();
  for (const [i, file] of opts.specs.entries()) {
    try {
      const spec = readSpec(file);
      loaded[i] = spec;
      if (!fleet) {
        outs[i] = opts.out;
        continue;
      }
      const other = names.get(spec.spec.name);
      if (other)
        throw new CliError(
          `${file}: name "${spec.spec.name}" is also the name of ${other}; each spec of a fleet needs its own`,
        );
      if (spec.spec.name === FLEET_ANSIBLE)
        throw new CliError(
          `${file}: name "${FLEET_ANSIBLE}" is the fleet's Ansible folder (${join(opts.out, FLEET_ANSIBLE)}); give the pair another name`,
        );
      names.set(spec.spec.name, file);
      outs[i] = join(opts.out, spec.spec.name);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      failures[i] = e.message;
    }
  }
  const explain = () => new CliError(failures.filter((f) => f !== undefined).join('\n'));
  if (failures.some((f) => f !== undefined)) {
    // The synth errors of the other specs too, so that every error is listed at once.
    for (const [i, spec] of loaded.entries()) {
      if (!spec || failures[i] !== undefined) continue;
      try {
        synthOrExplain(spec, opts.specs[i] as string, agentBundle);
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        failures[i] = e.message;
      }
    }
    throw explain();
  }

  // Pass 2: synthesize each tree; the writer thread plans and stages it meanwhile.
  const mode: Mode = opts.diff ? 'diff' : opts.check ? 'check' : 'write';
  const staging = join(opts.out, `.hagate-staging-${process.pid}`);
  let created: string | undefined;
  if (mode === 'write') {
    created = makeOutput(opts.out);
    rmSync(staging, { recursive: true, force: true });
  }
  let committing = false;
  const writer = new Writer();
  try {
    const replies: Promise<TreeReply>[] = [];
    let failed = false;
    // A fleet's inventory: each pair's host_vars are made as its tree goes by (the tree is not kept).
    const fleetPairs: Pick<AnsiblePair, 'input' | 'hostPrefix'>[] = [];
    const fleetHostVars: GeneratedFile[] = [];
    const fleetMarker = `Generated by hagate from ${opts.specs.length} specs (one folder each). Do not edit: change the specs and run hagate gen.`;
    for (const [i, spec] of loaded.entries()) {
      let files: GeneratedFile[];
      try {
        const file = opts.specs[i] as string;
        // Headers name the spec relative to the tree, so the bytes do not depend on the working directory.
        const source = relative(resolve(outs[i] as string), resolve(file));
        files = synthOrExplain(spec as NonNullable<typeof spec>, file, agentBundle, source);
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        failures[i] = e.message;
        failed = true;
        continue;
      }
      // After an error, only look for more errors.
      if (failed) continue;
      if (fleet) {
        const s = (spec as NonNullable<typeof spec>).spec;
        const pair: AnsiblePair = {
          input: { spec: s, source: opts.specs[i] as string },
          files,
          tree: `../${s.name}`,
          hostPrefix: `${s.name}-`,
        };
        fleetPairs.push({ input: pair.input, hostPrefix: pair.hostPrefix });
        fleetHostVars.push(...ansibleHostVars(pair, fleetMarker));
      }
      replies.push(writer.write({ out: outs[i] as string, files, mode, staging, id: String(i) }));
      // Wait for the writer when it lags; stop at its first error.
      if (writer.inFlight > IN_FLIGHT && !(await replies[replies.length - 1 - IN_FLIGHT])?.ok) break;
    }
    if (failed) throw explain();
    if (fleet) {
      const files = [...ansibleCommonFiles(fleetPairs, fleetMarker), ...fleetHostVars].map((f) => ({
        ...f,
        path: f.path.slice(`${FLEET_ANSIBLE}/`.length),
      }));
      replies.push(writer.write({ out: join(opts.out, FLEET_ANSIBLE), files, mode, staging, id: 'fleet' }));
    }
    const results: TreeResult[] = [];
    for (const r of await Promise.all(replies)) {
      if (r.ok) results.push(r.result);
      else if (r.io)
        throw new CliError(`hagate gen: cannot stage the output (${r.message}); nothing was changed`);
      else throw new Error(r.message);
    }

    // Pass 3: commit, in spec order.
    committing = true;
    let changed = 0;
    let total = 0;
    for (const t of results) {
      if (t.staged) {
        try {
          commitTree(t.staged);
        } catch (e) {
          if (!(e as NodeJS.ErrnoException).syscall) throw e;
          throw new CliError(
            `hagate gen: cannot move the staged files of ${t.staged.outDir} into place (${(e as Error).message}); the trees before it are written, it may be partly written, the ones after it are unchanged: run hagate gen again`,
          );
        }
      }
      for (const line of t.lines) opts.log(line);
      changed += t.changes.length;
      total += t.files;
    }
    if (mode !== 'write') {
      opts.log(
        changed === 0
          ? `${opts.out}: up to date (${total} files)`
          : `${opts.out}: ${changed} file${changed === 1 ? '' : 's'} would change; run hagate gen`,
      );
      return changed === 0 ? 0 : 1;
    }
    opts.log(`${opts.out}: ${total} files, ${changed} changed`);
    return 0;
  } finally {
    await writer.close();
    if (mode === 'write') {
      rmSync(staging, { recursive: true, force: true });
      // Nothing committed: the directories made for the output go too (each only if empty).
      if (!committing && created !== undefined) {
        for (let d = resolve(opts.out); ; d = dirname(d)) {
          try {
            rmdirSync(d);
          } catch {
            break;
          }
          if (d === resolve(created)) break;
        }
      }
    }
  }
}
