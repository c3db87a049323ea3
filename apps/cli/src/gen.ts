import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedFile } from '@hagate/synth';
import { readAgentBundle } from './agent-bundle.js';
import { unifiedDiff } from './diff.js';
import { CliError } from './errors.js';
import { readSpec, synthOrExplain } from './spec-file.js';
import { planChanges, writeTree } from './write.js';

export interface GenOptions {
  /** One spec writes to `out`; several (a fleet) write each pair to `out/<spec name>`. */
  specs: string[];
  out: string;
  /** Only report: `list` prints the paths that would change, `diff` a unified diff of each. */
  check: boolean;
  diff?: boolean;
  log: (line: string) => void;
}

/** `hagate gen`: returns the exit code. Every spec is validated and synthesized before anything is written. */
export async function gen(opts: GenOptions): Promise<number> {
  const bundle = await readAgentBundle();
  const trees: { out: string; files: GeneratedFile[] }[] = [];
  const failures: string[] = [];
  const names = new Map<string, string>();
  for (const file of opts.specs) {
    try {
      const loaded = await readSpec(file);
      const files = await synthOrExplain(loaded, file, bundle);
      let out = opts.out;
      if (opts.specs.length > 1) {
        const other = names.get(loaded.spec.name);
        if (other)
          throw new CliError(
            `${file}: name "${loaded.spec.name}" is also the name of ${other}; each spec of a fleet needs its own`,
          );
        names.set(loaded.spec.name, file);
        out = join(opts.out, loaded.spec.name);
      }
      trees.push({ out, files });
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      failures.push(e.message);
    }
  }
  if (failures.length > 0) throw new CliError(failures.join('\n'));

  let changed = 0;
  let total = 0;
  for (const { out, files } of trees) {
    const changes = opts.check || opts.diff ? await planChanges(out, files) : await writeTree(out, files);
    for (const c of changes) {
      if (!opts.diff) {
        opts.log(`${c.kind.padEnd(7)} ${out}/${c.path}`);
        continue;
      }
      const now = files.find((f) => f.path === c.path)?.contents;
      const before = c.kind === 'added' ? '' : await readFile(join(out, c.path), 'utf8').catch(() => '');
      if (c.kind === 'mode') opts.log(`mode of ${out}/${c.path} would change`);
      else if (now instanceof Uint8Array || before.includes('\0'))
        opts.log(`Binary files ${out}/${c.path} differ`);
      else {
        const a = c.kind === 'added' ? '/dev/null' : `${out}/${c.path}`;
        const b = c.kind === 'removed' ? '/dev/null' : `${out}/${c.path} (generated)`;
        opts.log(unifiedDiff(before, now ?? '', a, b).trimEnd());
      }
    }
    changed += changes.length;
    total += files.length;
  }
  if (opts.check || opts.diff) {
    opts.log(
      changed === 0
        ? `${opts.out}: up to date (${total} files)`
        : `${opts.out}: ${changed} file${changed === 1 ? '' : 's'} would change; run hagate gen`,
    );
    return changed === 0 ? 0 : 1;
  }
  opts.log(`${opts.out}: ${total} files, ${changed} changed`);
  return 0;
}
