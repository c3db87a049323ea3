/**
 * fifo mode against bad input (issue 16.5), the real agent in a router namespace, the kernel read with
 * `ip -json`: SIGTERM keeps the newest relevant event, torn and over-long lines, logged rejects,
 * MASTER_RX_LOWER_PRI.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missing } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, kernelRole, type Lab, makeLab, readJson, type Started, until } from '../test/ns-agent.js';

const why = missing('root', 'ip', 'nft');
let lab: Lab;

beforeAll(() => {
  if (!why) lab = makeLab('fifo');
});
afterAll(() => lab?.cleanup());

function mkfifo(name: string): string {
  const f = join(lab.dir, `${name}.fifo`);
  expect(spawnSync('mkfifo', [f]).status).toBe(0);
  return f;
}

const waiting = (a: Started) => until(() => a.stderr().includes('waiting for events'), 'fifo reader up');

describe('fifo mode against bad input (root, network namespaces)', () => {
  it('SIGTERM: the newest relevant event is applied even when foreign or garbage lines follow it', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('term');
    // Busy in a STOP handover (nobody takes the VIP) while the next lines queue up.
    const cfg = lab.config('term', (c) => {
      c.handover = { vip: '10.10.1.254', dev: 'eth1', timeoutMs: 120_000 };
    });
    expect(lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const fifo = mkfifo('term');
    const a = lab.start(ns, cfg, [fifo]);
    await waiting(a);
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" STOP 0\n');
    writeFileSync(
      fifo,
      'INSTANCE "ROUTEUR_1" MASTER 200\nINSTANCE "ROUTEUR_1" BACKUP 50\nINSTANCE "OTHER" MASTER 100\ngarbage\n',
    );
    // The lines were read (logged as ignored where they are not ours); on a reader that does not log
    // them, go on after a while all the same.
    await until(() => /line ignored.*garbage/.test(a.stderr()), 'ignored lines logged').catch(() => {});
    expect(kernelRole(ns)).toBe('master');
    a.child.kill('SIGTERM');
    const { code, stderr } = await a.done;
    expect(code).toBe(0);
    expect(stderr).toContain('STOP 0: handover interrupted');
    expect(stderr).toContain('BACKUP 50: backup state applied');
    expect(stderr).not.toContain('MASTER 200: master state applied');
    expect(kernelRole(ns)).toBe('backup');
  }, 240_000);

  it('torn, over-long, malformed, foreign lines and MASTER_RX_LOWER_PRI', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('bad');
    const cfg = lab.config('bad');
    expect(lab.agent(ns, cfg, ['shutdown']).status).toBe(0);
    expect(kernelRole(ns)).toBe('backup');
    const fifo = mkfifo('bad');
    const a = lab.start(ns, cfg, [fifo]);
    await waiting(a);
    writeFileSync(
      fifo,
      [
        'garbage',
        'INSTANCE "OTHER" MASTER 1',
        'INSTANCE "ROUTEUR_1" WEIRD 1',
        `${'x'.repeat(256 * 1024)}`,
        // A writer died after "BACK": its rest and the next event are on one line.
        'INSTANCE "ROUTEUR_1" BACKINSTANCE "ROUTEUR_1" MASTER 200',
        '',
      ].join('\n'),
    );
    await until(() => a.stderr().includes('master state applied'), 'the torn line applied');
    expect(kernelRole(ns)).toBe('master');
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER_RX_LOWER_PRI 200\n');
    await until(() => a.stderr().includes('re-announced'), 're-announce');
    expect(kernelRole(ns)).toBe('master');
    a.child.kill('SIGTERM');
    const { code, stderr } = await a.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/line ignored \(not a keepalived event line\): "garbage"/);
    expect(stderr).toMatch(/line ignored \(instance "OTHER" is not ROUTEUR_1\)/);
    expect(stderr).toMatch(/line ignored \(unknown state WEIRD\)/);
    expect(stderr).toContain('a line over 4096 characters was discarded');
    expect(stderr).toContain('torn line, recovered its last event "INSTANCE ROUTEUR_1 MASTER 200"');
    expect(stderr).toContain(
      'MASTER_RX_LOWER_PRI 200: a lower-priority advert was received: master re-announced (ARP for 198.51.100.1 on eth2, a probe sent, again after 300 and 1000 ms)',
    );
    // Not a role change: one transition only (the torn line's MASTER).
    expect(stderr.match(/state applied/g)).toHaveLength(1);
  }, 240_000);

  it('a change behind its back between events: the next event plans again from the kernel', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('drift');
    const cfg = lab.config('drift');
    expect(lab.agent(ns, cfg, ['shutdown']).status).toBe(0);
    const fifo = mkfifo('drift');
    const a = lab.start(ns, cfg, [fifo]);
    await waiting(a);
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER 200\n');
    await until(() => a.stderr().includes('MASTER 200: master state applied'), 'first MASTER');
    expect(kernelRole(ns)).toBe('master');
    // The process remembers the master state; the kernel no longer has it (eth2 down takes its routes).
    for (const args of [
      ['link', 'set', 'eth2', 'down'],
      ['address', 'add', '192.0.2.77/32', 'dev', 'eth2'],
    ])
      expect(spawnSync(IP, ['-n', ns.name, ...args]).status).toBe(0);
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER 201\n');
    await until(() => /MASTER 201: master state (applied|FAILED)/.test(a.stderr()), 'second MASTER');
    expect(a.stderr()).toMatch(/MASTER 201: master state applied, [1-9]\d* changes/);
    expect(kernelRole(ns)).toBe('master');
    const state = readJson(join(lab.dir, 'drift', 'state', 'state.json')) as {
      transitions: { event: string; steps: Record<string, number> }[];
    };
    const last = state.transitions.at(-1);
    expect(last?.event).toContain('MASTER 201');
    expect(last?.steps.replan).toBeTypeOf('number');
    // The first MASTER planned from the state the shutdown run left (a fresh session reads first).
    expect(state.transitions.find((t) => t.event.includes('MASTER 200'))?.steps.read).toBeGreaterThan(0);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
  }, 240_000);

  it('a new master announces again 300 ms and 1.3 s later; the next role event cancels it', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('again');
    const cfg = lab.config('again');
    expect(lab.agent(ns, cfg, ['shutdown']).status).toBe(0);
    // Counts the announce datagrams (UDP to the gateway's port 9) as the router sends them.
    const nft = (rules: string) =>
      spawnSync(IP, ['netns', 'exec', ns.name, 'nft', '-f', '-'], { input: rules });
    expect(
      nft(
        'table inet count {\n counter announces {\n }\n chain out {\n  type filter hook output priority 0;\n  udp dport 9 counter name "announces"\n }\n}\n',
      ).status,
    ).toBe(0);
    const announces = () => {
      const r = spawnSync(
        IP,
        ['netns', 'exec', ns.name, 'nft', '-j', 'list', 'counter', 'inet', 'count', 'announces'],
        {
          encoding: 'utf8',
        },
      );
      const c = (JSON.parse(r.stdout).nftables as { counter?: { packets: number } }[]).find((x) => x.counter);
      return c?.counter?.packets ?? -1;
    };
    const fifo = mkfifo('again');
    const a = lab.start(ns, cfg, [fifo]);
    await waiting(a);
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER 200\n');
    await until(() => a.stderr().includes('MASTER 200: master state applied'), 'MASTER');
    await until(() => announces() === 3, 'the announce and its two repeats');
    // A MASTER then at once a BACKUP: the repeats are cancelled, none is sent as a backup.
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" BACKUP 50\nINSTANCE "ROUTEUR_1" MASTER 200\n');
    await until(() => (a.stderr().match(/master state applied/g) ?? []).length === 2, 'second MASTER');
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" BACKUP 50\n');
    await until(() => (a.stderr().match(/backup state applied/g) ?? []).length >= 2, 'BACKUP');
    const after = announces();
    await new Promise((r) => setTimeout(r, 1800));
    expect(announces()).toBe(after);
    expect(kernelRole(ns)).toBe('backup');
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
  }, 240_000);
});
