/**
 * The state file under stress (issue 16.4, 16.8, 16.9, 16.11), the real agent in router namespaces, the
 * kernel read with `ip -json`: seqs of another boot or malformed, `status` after a failed run or on a
 * malformed file, a read-only or full state dir, extra arguments.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missing, run } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, kernel, kernelRole, type Lab, makeLab, quietEnv, readJson } from '../test/ns-agent.js';

const why = missing('root', 'ip', 'nft', 'unshare');
let lab: Lab;

beforeAll(() => {
  if (!why) lab = makeLab('state');
});
afterAll(() => lab?.cleanup());

const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

interface State {
  role?: string;
  lastSeq?: { t: number; pid: number; boot?: string };
  transitions: { event: string; result: string; changes?: number; planned?: number }[];
}

/** Runs the agent with its state dir made read-only, or a full tmpfs, in a private mount namespace;
 * prints the state dir's listing (seen from inside) on stdout after the agent's own output. */
function withStateDir(nsName: string, how: 'ro' | 'full', stateDir: string, cfg: string, args: string[]) {
  const setup =
    how === 'ro'
      ? 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"'
      : 'mount -t tmpfs -o size=16k hagate-full "$1" && (dd if=/dev/zero of="$1/fill" bs=1k 2>/dev/null || true)';
  const script = `set -e; ${setup}; d="$1"; shift; set +e; "$@"; rc=$?; echo "listing: $(ls -A "$d" | tr '\\n' ' ')"; exit $rc`;
  return run(
    [
      IP,
      'netns',
      'exec',
      nsName,
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      stateDir,
      process.execPath,
      lab.bundle,
      '--config',
      cfg,
      ...args,
    ],
    { env: quietEnv, timeoutMs: 120_000 },
  );
}

describe('the state file under stress (root, network namespaces)', () => {
  it('a lastSeq of another boot is ignored; a malformed one is replaced; stale-dropping goes on', (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('boot');
    const cfg = lab.config('boot');
    const file = lab.stateFile('boot');
    expect(lab.agent(ns, cfg, ['shutdown']).status).toBe(0);
    // A state dir that survived a reboot: its clock was far ahead of this boot's.
    const s = readJson(file) as State;
    s.lastSeq = { t: 9_999_999_999, pid: 1, boot: '00000000-0000-0000-0000-000000000000' };
    writeFileSync(file, JSON.stringify(s));
    const m = lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(m.stderr).toMatch(/master state applied, [1-9]\d* changes/);
    expect(kernelRole(ns)).toBe('master');
    // A malformed lastSeq: treated as absent, and the next event stores a valid one of this boot.
    const s2 = readJson(file) as Record<string, unknown>;
    s2.lastSeq = { t: 'x', pid: 1 };
    writeFileSync(file, JSON.stringify(s2));
    expect(lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const after = readJson(file) as State;
    expect(Number.isSafeInteger(after.lastSeq?.t)).toBe(true);
    expect(after.lastSeq?.boot).toBe(bootId());
    // Stale-dropping still works: a lastSeq of this boot newer than the next event drops it.
    after.lastSeq = { t: 9_999_999_999, pid: 1, boot: bootId() };
    writeFileSync(file, JSON.stringify(after));
    const b = lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']);
    expect(b.status).toBe(0);
    expect(b.stderr).toContain('stale event dropped');
    expect(kernelRole(ns)).toBe('master');
  }, 240_000);

  it('status after a failed run: says so, shows the owned NIC as the kernel has it, exits 1', (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('failed');
    const cfg = lab.config('failed');
    expect(lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const ok = lab.agent(ns, cfg, ['status']);
    expect(ok.stdout).toContain('kernel: eth2 UP, holds 203.0.113.10/32');
    // No keepalived runs here: status says so and exits 1 for that alone (ops.test.ts runs a real one).
    expect(ok.stdout).toContain('keepalived: NOT RUNNING');
    expect(ok.stdout).not.toContain('FAILED');
    expect(ok.stdout).toContain('drift: none');
    expect(ok.status).toBe(1);
    // The backup's route goes via the LAN, which is down: the transition to BACKUP fails.
    run([IP, '-n', ns.name, 'link', 'set', 'eth1', 'down']);
    const f = lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'FAULT', '0']);
    expect(f.status).toBe(1);
    const st = lab.agent(ns, cfg, ['status']);
    expect(st.status).toBe(1);
    expect(st.stdout).toMatch(/last transition FAILED: \S+ INSTANCE ROUTEUR_1 FAULT 0 -> backup: /);
    // What the kernel shows, whatever the failed run left.
    const k = kernel(ns);
    const all = (
      JSON.parse(ns.exec([IP, '-json', 'address', 'show', 'dev', 'eth2']).stdout)[0].addr_info as {
        local: string;
        prefixlen: number;
      }[]
    ).map((a) => `${a.local}/${a.prefixlen}`);
    const addrs = all.length ? `holds ${all.join(', ')}` : 'holds no address';
    expect(st.stdout).toContain(`kernel: eth2 ${k.eth2Up ? 'UP' : 'DOWN'}, ${addrs}\n`);
    expect(st.stdout).toMatch(/drift: [1-9]\d* changes needed for the backup state/);
    const t = (readJson(lab.stateFile('failed')) as State).transitions.at(-1);
    expect(t?.result).toBe('failed');
    // The planned count is kept apart; `changes` is what was made, when known.
    expect(t?.planned).toBeGreaterThan(0);
    expect(t?.changes === undefined || t.changes !== t.planned || t.changes === 0).toBe(true);
    const json = JSON.parse(lab.agent(ns, cfg, ['status', '--json']).stdout);
    expect(json.lastFailed).toBe(true);
    expect(json.kernel[0]).toMatchObject({ name: 'eth2', up: k.eth2Up, addresses: all });
  }, 240_000);

  it('status on a malformed state file does not crash', (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('junk');
    const cfg = lab.config('junk');
    expect(lab.agent(ns, cfg, ['shutdown']).status).toBe(0);
    const good = readJson(lab.stateFile('junk')) as Record<string, unknown>;
    writeFileSync(
      lab.stateFile('junk'),
      JSON.stringify({ ...good, lastSeq: 'x', transitions: [null, { seq: '1' }, 7] }),
    );
    const st = lab.agent(ns, cfg, ['status']);
    expect(st.stderr).not.toContain('internal error');
    expect(st.stdout).toContain('role: backup');
    expect(st.stdout).toContain('kernel: eth2 DOWN, holds no address');
    expect(st.stdout).toContain('drift: none');
    // No keepalived runs here: status says so and exits 1 for that alone (ops.test.ts runs a real one).
    expect(st.stdout).toContain('keepalived: NOT RUNNING');
    expect(st.stdout).not.toContain('FAILED');
    expect(st.status).toBe(1);
  }, 240_000);

  it.for(['ro', 'full'] as const)(
    'a %s state dir: the change is applied, one clear line, exit 1, no temporary file; check says so',
    { timeout: 240_000 },
    (how, ctx) => {
      if (why) ctx.skip(why);
      const ns = lab.router(`sd-${how}`);
      const cfg = lab.config(`sd-${how}`);
      const stateDir = join(lab.dir, `sd-${how}`, 'state');
      expect(lab.agent(ns, cfg, ['shutdown']).status).toBe(0);
      const r = withStateDir(ns.name, how, stateDir, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
      expect(kernelRole(ns)).toBe('master');
      expect(r.status).toBe(1);
      const code = how === 'ro' ? 'EROFS' : 'ENOSPC';
      expect(r.stderr).toContain(
        `MASTER 200: master state applied, but the state file was not written: cannot write the state file ${stateDir}/state.json: ${code}`,
      );
      expect(r.stderr).not.toContain('internal error');
      expect(r.stdout).not.toMatch(/\.tmp/);
      const c = withStateDir(ns.name, how, stateDir, cfg, ['check']);
      expect(c.stdout).toContain(`FAIL state dir ${stateDir}: not writable (${code})`);
      expect(c.status).toBe(1);
      expect(lab.agent(ns, cfg, ['check']).stdout).toContain(`ok   state dir ${stateDir}: writable`);
    },
  );

  it.for([
    ['shutdown', 'now'],
    ['status', 'x'],
    ['check', '-'],
    ['master', 'x'],
    ['backup', 'y'],
  ])('extra arguments after %s are a usage error', { timeout: 120_000 }, (argv, ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('args');
    const cfg = lab.config('args');
    const before = kernel(ns);
    const r = lab.agent(ns, cfg, argv);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${argv[0]} takes no argument`);
    expect(kernel(ns)).toEqual(before);
  });
});
