import { readAgentBundle } from './agent-bundle.js';
import { readSpec, synthOrExplain } from './spec-file.js';
import { planChanges, writeTree } from './write.js';

export interface GenOptions {
  spec: string;
  out: string;
  check: boolean;
  log: (line: string) => void;
}

/** `hagate gen`: returns the exit code. */
export async function gen(opts: GenOptions): Promise<number> {
  const loaded = await readSpec(opts.spec);
  const files = synthOrExplain(loaded, opts.spec, await readAgentBundle());
  if (opts.check) {
    const changes = await planChanges(opts.out, files);
    for (const c of changes) opts.log(`${c.kind.padEnd(7)} ${opts.out}/${c.path}`);
    opts.log(
      changes.length === 0
        ? `${opts.out}: up to date (${files.length} files)`
        : `${opts.out}: ${changes.length} file${changes.length === 1 ? '' : 's'} would change; run hagate gen`,
    );
    return changes.length === 0 ? 0 : 1;
  }
  const changes = await writeTree(opts.out, files);
  for (const c of changes) opts.log(`${c.kind.padEnd(7)} ${opts.out}/${c.path}`);
  opts.log(`${opts.out}: ${files.length} files, ${changes.length} changed`);
  return 0;
}
