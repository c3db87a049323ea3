/**
 * `hagate check`, nftables part: every ruleset of a router (each file under its `etc/nftables*`) is loaded
 * for real with `nft -f` in a scratch network namespace that has the router's interface names, so what
 * only the kernel refuses (a NAT statement in a filter chain, which `nft -c` accepts) is caught before
 * deployment. An `include` of an absolute path into the router's own `/etc/nftables*` reads the generated
 * copy, not the machine's.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { CheckResult } from './check.js';
import { firstLines, run, type ScratchNetns, scratchNetns } from './tools.js';

export const RULESET_TOOL = 'nft -f (scratch netns)';

/** Is `rel` (relative to a router folder) a ruleset of that router? */
export function isRuleset(rel: string): boolean {
  return /^etc\/nftables[^/]*(\/|$)/.test(rel);
}

/** `include "/etc/nftables..."` lines; a new expression each time, as a global one keeps state. */
const includes = () => /^(\s*include\s+")(\/etc\/nftables[^"]*)"/gm;

/** Loads the rulesets of one router, each into an empty ruleset of one namespace made for the router. */
export class RulesetLoader {
  private ns: ScratchNetns | undefined;
  private copy: string | undefined;

  constructor(
    private readonly routerDir: string,
    private readonly rulesets: string[],
    private readonly ifnames: () => Promise<string[]>,
  ) {}

  async load(file: string): Promise<CheckResult> {
    this.ns ??= scratchNetns(await this.ifnames());
    if (this.ns.error)
      return {
        artifact: file,
        tool: RULESET_TOOL,
        ok: false,
        detail: `not loaded for real: ${this.ns.error}`,
      };
    const text = await readFile(file, 'utf8');
    const target = includes().test(text) ? join(await this.copied(), relative(this.routerDir, file)) : file;
    run(['ip', 'netns', 'exec', this.ns.name, 'nft', 'flush', 'ruleset']);
    const r = run(['ip', 'netns', 'exec', this.ns.name, 'nft', '-f', target]);
    const out = this.copy ? r.out.split(this.copy).join(this.routerDir) : r.out;
    return {
      artifact: file,
      tool: RULESET_TOOL,
      ok: r.status === 0,
      detail: r.status === 0 ? 'loaded' : firstLines(out) || `exit ${r.status}`,
    };
  }

  /** The router's rulesets in a scratch folder, their includes of `/etc/nftables*` pointing into it. */
  private async copied(): Promise<string> {
    if (this.copy) return this.copy;
    const dir = await mkdtemp(join(tmpdir(), 'hagate-check-nft-'));
    this.copy = dir;
    for (const f of this.rulesets) {
      const to = join(dir, relative(this.routerDir, f));
      await mkdir(dirname(to), { recursive: true });
      const text = await readFile(f, 'utf8');
      await writeFile(
        to,
        text.replace(includes(), (_, head: string, path: string) => `${head}${dir}${path}"`),
      );
    }
    return dir;
  }

  async close(): Promise<void> {
    this.ns?.done();
    if (this.copy) await rm(this.copy, { recursive: true, force: true });
  }
}
