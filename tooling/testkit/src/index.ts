/**
 * Helpers for tests that run the real consumers of hagate's files (keepalived, nft, ip, virsh, ifquery).
 *
 * Policy: a test that needs a tool or root calls `needs(...)`. When the tool is missing it throws under
 * CI=true (the suite must fail loudly) and otherwise marks the test as skipped with the reason.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export const inCI = process.env.CI === 'true';
export const isRoot = process.getuid?.() === 0;

const toolPaths: Record<string, string[]> = {
  keepalived: ['/usr/sbin/keepalived'],
  nft: ['/usr/sbin/nft'],
  ip: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'],
  ifquery: ['/usr/sbin/ifquery', '/sbin/ifquery'],
  ifup: ['/usr/sbin/ifup', '/sbin/ifup'],
  virsh: ['/usr/bin/virsh'],
  'virt-xml-validate': ['/usr/bin/virt-xml-validate'],
  xmllint: ['/usr/bin/xmllint'],
  ping: ['/usr/bin/ping', '/bin/ping'],
  unshare: ['/usr/bin/unshare'],
};

/** Absolute path of a tool, or undefined. */
export function which(tool: string): string | undefined {
  return (toolPaths[tool] ?? [`/usr/sbin/${tool}`, `/usr/bin/${tool}`]).find((p) => existsSync(p));
}

/**
 * What a test needs: tool names, plus 'root' for namespaces. Returns a reason string when something is
 * missing outside CI (use with `it.skipIf` / `ctx.skip(reason)`); throws under CI.
 */
export function missing(...needs: string[]): string | undefined {
  const absent = needs.filter((n) => (n === 'root' ? !isRoot : !which(n)));
  if (absent.length === 0) return undefined;
  const reason = `needs ${absent.join(', ')} (install: node tooling/scripts/system-deps.mjs as root)`;
  if (inCI) throw new Error(`CI=true and this test ${reason}`);
  return reason;
}

/** Skips the test (outside CI) or fails it (under CI) unless it has what it needs: `needs(ctx, 'root', 'nft')`. */
export function needs(ctx: { skip(note?: string): void }, ...what: string[]): void {
  const why = missing(...what);
  if (why) ctx.skip(why);
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs argv (no shell) and returns its status and output; never throws for a non-zero exit. */
export function run(
  argv: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('run: empty argv');
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 20_000,
    env: opts.env ?? process.env,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs argv and throws with its stderr when it fails. */
export function runOk(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = run(argv, opts);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A scratch network namespace with its own name; `exec` runs argv inside it. */
export interface Netns {
  name: string;
  exec(argv: string[], opts?: { input?: string; timeoutMs?: number }): RunResult;
  /** Creates a veth pair inside the namespace, both ends named as given and up (stands in for NICs). */
  addVeth(a: string, b: string): void;
  remove(): void;
}

/** Prefix of every namespace a test creates, so leftovers can be found and removed. */
export const NETNS_PREFIX = 'hgt-t-';

export function createNetns(label = 'x'): Netns {
  const name = `${NETNS_PREFIX}${label}-${randomBytes(3).toString('hex')}`.slice(0, 40);
  runOk(['ip', 'netns', 'add', name]);
  const ns: Netns = {
    name,
    exec: (argv, opts) => run(['ip', 'netns', 'exec', name, ...argv], opts),
    addVeth(a, b) {
      runOk(['ip', '-n', name, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      runOk(['ip', '-n', name, 'link', 'set', a, 'up']);
      runOk(['ip', '-n', name, 'link', 'set', b, 'up']);
    },
    remove() {
      run(['ip', 'netns', 'del', name]);
    },
  };
  runOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  return ns;
}

/** Runs fn with a fresh namespace and always removes it. */
export async function withNetns<T>(label: string, fn: (ns: Netns) => T | Promise<T>): Promise<T> {
  const ns = createNetns(label);
  try {
    return await fn(ns);
  } finally {
    ns.remove();
  }
}

export { containers, mutableBindings, tsFiles, writesTo } from './structure.js';
