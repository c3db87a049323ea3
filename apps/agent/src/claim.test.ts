/**
 * The external NIC up on one router at a time (claim.ts): the message format, then the real agent in a
 * router namespace against a scripted peer in another namespace on the LAN (10.10.1.1): a peer that holds its
 * NIC then releases it, a silent peer, a peer that never releases; and the fifo process answering for its
 * router. The kernel is read with `ip -json`; the peer's side is what its socket received.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, missing, type Netns } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, kernel, kernelRole, type Lab, makeLab, quietEnv, readJson, until } from '../test/ns-agent.js';
import { decodeClaim, encodeClaim } from './claim.js';

describe('claim messages', () => {
  it('are one line naming the instance, and nothing else decodes', () => {
    expect(encodeClaim('ROUTEUR_1', 'QUERY').toString()).toBe('hagate-claim/1 ROUTEUR_1 QUERY');
    for (const k of ['QUERY', 'HOLDING', 'FREE', 'RELEASED'] as const)
      expect(decodeClaim(encodeClaim('ROUTEUR_1', k), 'ROUTEUR_1')).toBe(k);
    expect(decodeClaim(encodeClaim('OTHER', 'FREE'), 'ROUTEUR_1')).toBeUndefined();
    expect(decodeClaim(Buffer.from('hagate-claim/1 ROUTEUR_1 FREE extra'), 'ROUTEUR_1')).toBeUndefined();
    expect(decodeClaim(Buffer.from('hagate-claim/2 ROUTEUR_1 FREE'), 'ROUTEUR_1')).toBeUndefined();
    expect(decodeClaim(Buffer.from('hagate-claim/1 ROUTEUR_1 TAKE'), 'ROUTEUR_1')).toBeUndefined();
    expect(decodeClaim(Buffer.alloc(500, 65), 'ROUTEUR_1')).toBeUndefined();
  });
});

const why = missing('root', 'ip', 'nft');
let lab: Lab;
beforeAll(() => {
  if (!why) lab = makeLab('claim');
});
afterAll(() => lab?.cleanup());

/** A router namespace whose LAN NIC reaches a peer namespace holding 10.10.1.1. */
function pair(label: string): { router: Netns; peer: Netns } {
  const router = lab.router(label);
  const peer = createNetns(`${label}-p`);
  onCleanup.push(() => peer.remove());
  const ok = (argv: string[]) => expect(router.exec(argv).status, argv.join(' ')).toBe(0);
  ok([IP, 'link', 'set', 'eth1p', 'netns', peer.name]);
  expect(peer.exec([IP, 'address', 'add', '10.10.1.1/24', 'dev', 'eth1p']).status).toBe(0);
  expect(peer.exec([IP, 'link', 'set', 'eth1p', 'up']).status).toBe(0);
  expect(peer.exec([IP, 'link', 'set', 'lo', 'up']).status).toBe(0);
  return { router, peer };
}
const onCleanup: (() => void)[] = [];
afterAll(() => {
  for (const f of onCleanup) f();
});

/**
 * The scripted peer: listens on 7411 and writes one JSON line per datagram received ({t, msg, port}).
 * `mode`: `release MS` answers HOLDING, then RELEASED MS after the first question; `hold` answers HOLDING
 * forever; `keep` answers KEEPING forever; `ask` sends one QUERY to the router (10.10.1.2) now and on each line of its stdin.
 */
function scriptedPeer(
  peer: Netns,
  mode: string,
): Promise<{ child: ChildProcess; lines: () => { msg: string; port: number }[] }> {
  const code = `
const d = require('node:dgram'); const s = d.createSocket('udp4');
const [mode, arg] = process.argv.slice(1);
let first;
s.on('message', (m, r) => {
  process.stdout.write(JSON.stringify({ t: Date.now(), msg: m.toString(), port: r.port }) + '\\n');
  if (!m.toString().endsWith(' QUERY')) return;
  const reply = (k) => s.send('hagate-claim/1 ROUTEUR_1 ' + k, r.port, r.address);
  if (mode === 'release') {
    if (first === undefined) { first = Date.now(); setTimeout(() => reply('RELEASED'), Number(arg)); }
    if (Date.now() - first < Number(arg)) reply('HOLDING');
  } else if (mode === 'hold') reply('HOLDING');
  else if (mode === 'keep') reply('KEEPING');
});
s.bind(7411, () => {
  process.stdout.write('{"ready":true}\\n');
  if (mode === 'ask') {
    const ask = () => s.send('hagate-claim/1 ROUTEUR_1 QUERY', 7411, '10.10.1.2');
    process.stdin.on('data', ask);
  }
});`;
  const child = spawn(IP, ['netns', 'exec', peer.name, process.execPath, '-e', code, ...mode.split(' ')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  onCleanup.push(() => child.kill());
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{"t"'))
      .map((l) => JSON.parse(l) as { msg: string; port: number });
  return until(() => out.includes('{"ready":true}'), 'the scripted peer listening').then(() => ({
    child,
    lines,
  }));
}

/**
 * A fifo process for `label` that applied MASTER, and a scripted peer (`ask` mode) that asked once and heard
 * KEEPING (master, no backup event under way).
 */
async function askedMaster(label: string, cfg: string, { router, peer }: { router: Netns; peer: Netns }) {
  expect(lab.agent(router, cfg, ['shutdown']).status).toBe(0);
  const fifo = join(lab.dir, `${label}.fifo`);
  expect(router.exec(['mkfifo', fifo]).status).toBe(0);
  const a = lab.start(router, cfg, [fifo]);
  await until(() => a.stderr().includes('waiting for events'), 'fifo reader up');
  writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER 200\n');
  await until(() => a.stderr().includes('master state applied'), 'MASTER');
  const p = await scriptedPeer(peer, 'ask');
  p.child.stdin?.write('\n');
  // Master with no backup event under way: it keeps the NIC (the asker waits 60 ms, then overrides).
  await until(() => p.lines().some((l) => l.msg.endsWith('KEEPING')), 'KEEPING');
  return { a, p, fifo };
}

const claimCfg = (name: string, releaseMs = 1000) =>
  lab.config(name, (c) => {
    c.claim = { peer: '10.10.1.1', port: 7411, answerMs: 30, releaseMs, lingerMs: 250 };
  });

interface Transition {
  event: string;
  result: string;
  steps: Record<string, number>;
  warnings?: string[];
}
const lastTransition = (name: string) =>
  (readJson(lab.stateFile(name)) as { transitions: Transition[] }).transitions.at(-1) as Transition;

describe('taking the external NIC (root, network namespaces)', () => {
  it('waits for a peer that holds its NIC to release it', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('hold-release');
    const p = await scriptedPeer(peer, 'release 300');
    const cfg = claimCfg('hold-release');
    expect(lab.agent(router, cfg, ['backup']).status).toBe(0);
    const r = lab.start(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    // While the peer holds its NIC, the failover IP is already on this router's NIC, still down: once the
    // peer is free, only the NIC and its routes are left to do.
    await until(() => kernel(router).eth2Addresses.includes('203.0.113.10/32'), 'the failover IP staged');
    const staged = kernel(router);
    expect((await r.done).code, r.stderr()).toBe(0);
    expect(staged.eth2Up).toBe(false);
    expect(kernelRole(router)).toBe('master');
    const t = lastTransition('hold-release');
    expect(t.result).toBe('applied');
    // It asked again while the peer held its NIC, and came up only after the release (300 ms).
    await until(() => p.lines().filter((l) => l.msg.endsWith('QUERY')).length > 1, 'repeated questions');
    expect(t.steps.claim).toBeGreaterThanOrEqual(290);
    expect(t.warnings ?? []).toEqual([]);
  }, 120_000);

  it('goes on at once when the peer answers nothing (down), and overrides one that never releases', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('silent');
    const cfg = claimCfg('silent', 400);
    expect(lab.agent(router, cfg, ['backup']).status).toBe(0);
    expect(lab.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    expect(kernelRole(router)).toBe('master');
    const silent = lastTransition('silent');
    expect(silent.steps.claim).toBeLessThan(400);
    expect(silent.warnings ?? []).toEqual([]);

    await scriptedPeer(peer, 'hold');
    expect(lab.agent(router, cfg, ['backup']).status).toBe(0);
    expect(lab.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '201']).status).toBe(0);
    expect(kernelRole(router)).toBe('master');
    const held = lastTransition('silent');
    expect(held.steps.claim).toBeGreaterThanOrEqual(390);
    expect(held.warnings?.join()).toMatch(/the peer still held its external NIC after \d+/);
  }, 120_000);

  it('overrides a peer that keeps the master state (split brain) after 60 ms, not releaseMs', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('keep');
    const cfg = claimCfg('keep', 5000);
    await scriptedPeer(peer, 'keep');
    expect(lab.agent(router, cfg, ['backup']).status).toBe(0);
    expect(lab.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    expect(kernelRole(router)).toBe('master');
    const t = lastTransition('keep');
    expect(t.steps.claim).toBeGreaterThanOrEqual(55);
    expect(t.steps.claim).toBeLessThan(5000);
    expect(t.warnings?.join()).toMatch(/the peer still held its external NIC/);
  }, 120_000);

  it('the fifo process answers for its router: KEEPING while master, RELEASED once given up, then FREE', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('answer');
    const { a, p, fifo } = await askedMaster('answer', claimCfg('answer'), { router, peer });
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" BACKUP 50\n');
    await until(() => p.lines().some((l) => l.msg.endsWith('RELEASED')), 'RELEASED');
    expect(kernelRole(router)).toBe('backup');
    p.child.stdin?.write('\n');
    await until(() => p.lines().some((l) => l.msg.endsWith('FREE')), 'FREE');
    expect(p.lines().map((l) => l.msg.split(' ')[2])).toEqual(['KEEPING', 'RELEASED', 'FREE']);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
  }, 120_000);

  it('tells the peer as soon as its NIC is down, before the rest of the backup transition', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('early');
    // A conntrackd stand-in (its own process: the test's spawnSync calls must not block it) that holds its
    // answers after a `hold` line on its stdin, until a `release` line: the backup transition's conntrackd
    // requests come after the NIC is down, so the transition cannot end while one is held.
    const socket = join(lab.dir, 'early-conntrackd.sock');
    const stand = spawn(
      process.execPath,
      [
        '-e',
        `const held = []; let hold = false;
require('node:net').createServer((c) => c.once('data', () => {
  if (hold) { held.push(c); process.stdout.write('held\\n'); } else c.end('ok\\n');
})).listen(process.argv[1], () => process.stdout.write('ready\\n'));
process.stdin.setEncoding('utf8').on('data', (d) => {
  if (d.includes('hold')) hold = true;
  if (d.includes('release')) { hold = false; for (const c of held.splice(0)) c.end('ok\\n'); }
});`,
        socket,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    onCleanup.push(() => stand.kill());
    let standOut = '';
    stand.stdout?.setEncoding('utf8').on('data', (d: string) => {
      standOut += d;
    });
    await until(() => standOut.includes('ready'), 'the conntrackd stand-in listening');
    const cfg = lab.config('early', (c) => {
      c.claim = { peer: '10.10.1.1', port: 7411, answerMs: 30, releaseMs: 1000, lingerMs: 250 };
      c.conntrack = { socket, timeoutMs: 60_000 };
    });
    const { a, p, fifo } = await askedMaster('early', cfg, { router, peer });
    stand.stdin?.write('hold\n');
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" BACKUP 50\n');
    await until(() => p.lines().some((l) => l.msg.endsWith('RELEASED')), 'RELEASED');
    expect(kernelRole(router)).toBe('backup');
    // The transition is still under way: its conntrackd request is held here.
    await until(() => standOut.includes('held'), 'the backup transition asking conntrackd');
    expect(a.stderr()).not.toContain('backup state applied');
    stand.stdin?.write('release\n');
    await until(() => a.stderr().includes('backup state applied'), 'BACKUP applied');
    expect(p.lines().filter((l) => l.msg.endsWith('RELEASED'))).toHaveLength(1);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
  }, 120_000);

  it('with the notify hook, a run taking a master to BACKUP answers HOLDING while it runs, then RELEASED', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('notify');
    const cfg = claimCfg('notify');
    expect(lab.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    // An `ip` that starts 300 ms late: the run's NIC is still up while the peer asks.
    const bin = join(lab.dir, 'slow-ip');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ip'), `#!/bin/sh\nsleep 0.3\nexec ${IP} "$@"\n`, { mode: 0o755 });
    const p = await scriptedPeer(peer, 'ask');
    const asking = setInterval(() => p.child.stdin?.write('\n'), 20);
    try {
      const r = lab.start(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50'], {
        ...quietEnv,
        PATH: `${bin}:${process.env.PATH}`,
      });
      expect((await r.done).code).toBe(0);
      await until(() => p.lines().some((l) => l.msg.endsWith('RELEASED')), 'RELEASED');
    } finally {
      clearInterval(asking);
    }
    expect(kernelRole(router)).toBe('backup');
    const kinds = p.lines().map((l) => l.msg.split(' ')[2]);
    // While the run held the NIC: HOLDING (never KEEPING: it is giving the NIC up); a question that comes
    // once the NIC is down but before the run has read it back is answered FREE; then one RELEASED.
    const before = kinds.slice(0, kinds.indexOf('RELEASED'));
    expect(before).toContain('HOLDING');
    expect(before.filter((k) => k !== 'HOLDING' && k !== 'FREE')).toEqual([]);
    expect(before.slice(0, before.indexOf('HOLDING'))).toEqual([]);
    expect(kinds).not.toContain('KEEPING');
  }, 120_000);

  it('a run that gave its NIC up before the peer asked stays a moment to answer FREE, then exits', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('linger');
    const cfg = lab.config('linger', (c) => {
      c.claim = { peer: '10.10.1.1', port: 7411, answerMs: 30, releaseMs: 1000, lingerMs: 10_000 };
    });
    expect(lab.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const p = await scriptedPeer(peer, 'ask');
    const r = lab.start(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']);
    await until(() => r.stderr().includes('backup state applied'), 'BACKUP applied');
    expect(kernelRole(router)).toBe('backup');
    // The peer's own run starts late (a notify Node start): its question still gets an answer.
    p.child.stdin?.write('\n');
    await until(() => p.lines().some((l) => l.msg.endsWith('FREE')), 'FREE');
    // Asked and answered: it exits then, not at the end of its linger (10 s here).
    const t0 = Date.now();
    expect((await r.done).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(p.lines().map((l) => l.msg.split(' ')[2])).toEqual(['FREE']);
  }, 120_000);

  it('a stopping master answers while it waits for the takeover, gives up on the question and releases', async (ctx) => {
    if (why) ctx.skip(why);
    const { router, peer } = pair('stopping');
    const cfg = lab.config('stopping', (c) => {
      c.claim = { peer: '10.10.1.1', port: 7411, answerMs: 30, releaseMs: 1000, lingerMs: 250 };
      // Nobody ever takes the VIP here: only the peer's question can end the wait before a minute.
      c.handover = { vip: '10.10.1.254', dev: 'eth1', timeoutMs: 60_000 };
    });
    expect(lab.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const stopping = lab.start(router, cfg, ['shutdown']);
    const p = await scriptedPeer(peer, 'ask');
    const answered = () => p.lines().some((l) => /HOLDING|KEEPING|RELEASED|FREE/.test(l.msg));
    for (let i = 0; i < 600 && !answered(); i++) {
      p.child.stdin?.write('\n');
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => p.lines().some((l) => l.msg.endsWith('RELEASED')), 'RELEASED');
    const { code } = await stopping.done;
    expect(code).toBe(0);
    expect(kernelRole(router)).toBe('backup');
    // Holding while it waited, then released once its NIC was down: never FREE before, never KEEPING.
    const kinds = p.lines().map((l) => l.msg.split(' ')[2]);
    expect(kinds.slice(0, kinds.indexOf('RELEASED'))).toEqual(
      kinds.slice(0, kinds.indexOf('RELEASED')).map(() => 'HOLDING'),
    );
    const t = lastTransition('stopping') as Transition & { handover?: { outcome: string; ms: number } };
    expect(t.handover?.outcome).toBe('peer');
    expect(t.handover?.ms).toBeLessThan(60_000);
  }, 180_000);
});
