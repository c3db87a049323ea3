/**
 * The generated tree the lab runs: the spec (default examples/dedibox) adjusted for the variant being run
 * (hook mode, tuned VRRPv3 timers), then `hagate gen` (the real CLI) into the run directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSpecError, loadSpec, type Spec } from '@hagate/spec';
import { runSync } from './exec.js';

/** The monorepo root (this file is tooling/netlab/{src,dist}/tree.*). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_SPEC = join(REPO_ROOT, 'examples/dedibox/hagate.yaml');
export const CLI_BIN = join(REPO_ROOT, 'apps/cli/dist/bin.js');

/** How keepalived runs the hook: hagate's agent in notify or fifo mode, or the how-to's bash scripts. */
export type HookMode = 'notify' | 'fifo' | 'baseline';

export interface VariantOptions {
  hooks: HookMode;
  /** The fast detection profile: VRRPv3 with 50 ms adverts, `vrrp.fastDetection` (the `tuned` variant). */
  tuned: boolean;
}

/** Advert interval of the tuned profile (the spec's fastDetection profile), in seconds. */
export const TUNED_ADVERT_S = 0.05;

/** Reads and validates a spec file; throws the loader's located errors. */
export function readSpec(path: string): Spec {
  const text = readFileSync(path, 'utf8');
  const r = loadSpec(text, path);
  if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
  return r.spec;
}

/** The spec of a variant (a copy; the input is not changed). */
export function variantSpec(spec: Spec, v: VariantOptions): Spec {
  const s = structuredClone(spec);
  s.vrrp.hooks = v.hooks === 'fifo' ? 'fifo' : 'notify';
  if (v.tuned) {
    s.vrrp.version = 3;
    s.vrrp.advertInt = TUNED_ADVERT_S;
    s.vrrp.fastDetection = true;
    // VRRPv3 has no authentication.
    delete s.vrrp.auth;
  }
  return s;
}

/**
 * Writes the variant's spec (as JSON, which is YAML) into dir and runs `hagate gen` on it. Returns the
 * output directory (one folder per host).
 */
export function generate(spec: Spec, dir: string): string {
  if (!existsSync(CLI_BIN)) {
    throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first (the lab runs the real \`hagate gen\`)`);
  }
  mkdirSync(dir, { recursive: true });
  const specPath = join(dir, 'hagate.yaml');
  writeFileSync(specPath, `${JSON.stringify(spec, null, 2)}\n`);
  const out = join(dir, 'out');
  const r = runSync(['node', CLI_BIN, 'gen', '--spec', specPath, '--out', out], { timeoutMs: 60_000 });
  if (r.status !== 0)
    throw new Error(`hagate gen failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
  return out;
}
