/**
 * Stateful failover with the real conntrackd: a peer router's connection reaches this router's external
 * cache over the sync link, and the agent, talking to conntrackd's control socket itself, commits it into
 * the kernel when it becomes master. conntrackd gone: the transition completes, and says why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, missing, type Netns, needs } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, kernelRole, type Lab, makeLab, readJson } from '../test/ns-agent.js';
import { peerTableSize } from './conntrack.js';

const why = missing('root', 'ip', 'nft', 'conntrackd', 'conntrack');
let lab: Lab | undefined;
const daemons: ChildProcess[] = [];
const extra: Netns[] = [];
beforeAll(() => {
  if (!why) lab = makeLab('ct');
});
afterAll(async () => {
  for (const d of daemons) {
    d.kill('SIGTERM');
    if (d.exitCode === null) await new Promise((r) => d.once('exit', r));
  }
  for (const ns of extra) ns.remove();
  lab?.cleanup();
});

/** A conntrackd config like the generated one: FTFW over UDP unicast on eth0.250, socket and lock in dir. */
function conntrackdConf(dir: string, name: string, self: string, peer: string): string {
  const file = join(dir, `${name}.conf`);
  writeFileSync(
    file,
    `Sync {\n\tMode FTFW {\n\t\tDisableExternalCache Off\n\t\tPurgeTimeout 5\n\t}\n\tUDP {\n\t\tIPv4_address ${self}\n\t\tIPv4_Destination_Address ${peer}\n\t\tPort 3780\n\t\tInterface eth0.250\n\t\tChecksum on\n\t}\n}\nGeneral {\n\tHashSize 8192\n\tHashLimit 65536\n\tLogFile off\n\tLockFile ${join(dir, `${name}.lock`)}\n\tUNIX {\n\t\tPath ${join(dir, `${name}.ctl`)}\n\t}\n\tFilter From Userspace {\n\t\tProtocol Accept {\n\t\t\tTCP\n\t\t\tUDP\n\t\t}\n\t}\n}\n`,
  );
  return file;
}

async function startConntrackd(ns: Netns, conf: string, socket: string): Promise<void> {
  const d = spawn(IP, ['netns', 'exec', ns.name, 'conntrackd', '-C', conf], { stdio: 'ignore' });
  daemons.push(d);
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) throw new Error(`conntrackd did not start in ${ns.name}`);
}

const CONN = ['-p', 'tcp', '-s', '10.10.1.50', '-d', '192.0.2.10', '--sport', '40000', '--dport', '443'];

describe('hagate-agent and conntrackd (root, network namespaces)', () => {
  it("MASTER commits the peer's connections into the kernel before its NIC comes up; BACKUP asks for the purge and a resync", async (ctx) => {
    needs(ctx, 'root', 'ip', 'nft', 'conntrackd', 'conntrack');
    const l = lab as Lab;
    const router = l.router('ct');
    const peer = createNetns('ctpeer');
    extra.push(peer);
    // The sync link: eth0.250 in both, 10.250.1.2 here, 10.250.1.1 on the peer (the current master).
    expect(router.exec([IP, 'link', 'add', 'eth0.250', 'type', 'veth', 'peer', 'name', 'p250']).status).toBe(
      0,
    );
    expect(router.exec([IP, 'link', 'set', 'p250', 'netns', peer.name]).status).toBe(0);
    expect(peer.exec([IP, 'link', 'set', 'p250', 'name', 'eth0.250']).status).toBe(0);
    for (const [ns, addr] of [
      [router, '10.250.1.2'],
      [peer, '10.250.1.1'],
    ] as const) {
      expect(ns.exec([IP, 'address', 'add', `${addr}/24`, 'dev', 'eth0.250']).status).toBe(0);
      expect(ns.exec([IP, 'link', 'set', 'eth0.250', 'up']).status).toBe(0);
    }
    const socket = join(l.dir, 'router.ctl');
    await startConntrackd(router, conntrackdConf(l.dir, 'router', '10.250.1.2', '10.250.1.1'), socket);
    await startConntrackd(
      peer,
      conntrackdConf(l.dir, 'peer', '10.250.1.1', '10.250.1.2'),
      join(l.dir, 'peer.ctl'),
    );
    const cfg = l.config('ct', (c) => {
      c.conntrack = { socket, timeoutMs: 2000 };
    });
    expect(l.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']).status).toBe(0);
    // A connection the master forwards: it reaches this router's external cache, not its kernel.
    const ins = peer.exec([
      'conntrack',
      '-I',
      ...CONN,
      '--state',
      'ESTABLISHED',
      '-t',
      '300',
      '-u',
      'ASSURED',
    ]);
    expect(ins.status, ins.stderr).toBe(0);
    const conf = join(l.dir, 'router.conf');
    let external = '';
    for (let i = 0; i < 100 && !external.includes('dport=443'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      external = router.exec(['conntrackd', '-C', conf, '-e']).stdout;
    }
    expect(external).toContain('dport=443');
    expect(peerTableSize(router.exec(['conntrackd', '-C', conf, '-s']).stdout)).toBe(1);
    expect(router.exec(['conntrack', '-L']).stdout).not.toContain('dport=443');
    // Takeover: the agent commits before the external NIC comes up.
    const m = l.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(m.status, m.stderr).toBe(0);
    expect(kernelRole(router)).toBe('master');
    expect(router.exec(['conntrack', '-L']).stdout).toMatch(/dst=192\.0\.2\.10 sport=40000 dport=443/);
    const steps = (
      readJson(l.stateFile('ct')) as { transitions: { steps: Record<string, number> }[] }
    ).transitions.at(-1)?.steps;
    expect(steps).toHaveProperty('conntrack');
    expect(m.stderr).not.toMatch(/conntrackd/);
    // Back to backup: conntrackd takes both requests (the kernel table flushed after its PurgeTimeout, the
    // peer asked for its table); they come after the state is applied and never fail the transition.
    const b = l.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).not.toMatch(/conntrackd/);
    const last = (
      readJson(l.stateFile('ct')) as { transitions: { steps: Record<string, number>; warnings?: string[] }[] }
    ).transitions.at(-1);
    expect(last?.steps).toHaveProperty('conntrackSync');
    expect(last?.warnings).toBeUndefined();
  }, 60_000);

  it("nothing synced from the peer (sync link cut): the transition completes, status says the peer's table was empty", async (ctx) => {
    needs(ctx, 'root', 'ip', 'nft', 'conntrackd', 'conntrack');
    const l = lab as Lab;
    const router = l.router('ctlone');
    // The sync link leads nowhere: no conntrackd answers on the other end.
    expect(router.exec([IP, 'link', 'add', 'eth0.250', 'type', 'veth', 'peer', 'name', 'p250']).status).toBe(
      0,
    );
    expect(router.exec([IP, 'address', 'add', '10.250.1.2/24', 'dev', 'eth0.250']).status).toBe(0);
    expect(router.exec([IP, 'link', 'set', 'eth0.250', 'up']).status).toBe(0);
    const socket = join(l.dir, 'lone.ctl');
    await startConntrackd(router, conntrackdConf(l.dir, 'lone', '10.250.1.2', '10.250.1.1'), socket);
    const cfg = l.config('ctlone', (c) => {
      c.conntrack = { socket, timeoutMs: 2000 };
    });
    const r = l.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(r.status, r.stderr).toBe(0);
    expect(kernelRole(router)).toBe('master');
    expect(r.stderr).toMatch(/conntrackd: the peer's table was empty at takeover/);
    const status = l.agent(router, cfg, ['status']);
    expect(status.stdout).toMatch(/last transition's warnings: conntrackd: the peer's table was empty/);
  }, 60_000);

  it('conntrackd not running: the transition completes, the log and status say why', (ctx) => {
    needs(ctx, 'root', 'ip', 'nft');
    const l = lab as Lab;
    const router = l.router('ctdown');
    const cfg = l.config('ctdown', (c) => {
      c.conntrack = { socket: join(l.dir, 'nobody-listens.ctl'), timeoutMs: 500 };
    });
    const r = l.agent(router, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(r.status).toBe(0);
    expect(kernelRole(router)).toBe('master');
    expect(r.stderr).toMatch(/master state applied/);
    expect(r.stderr).toMatch(/conntrackd commit: not running \(.*nobody-listens\.ctl: ENOENT\)/);
    const status = l.agent(router, cfg, ['status']);
    expect(status.stdout).toMatch(/last transition's warnings: conntrackd commit: not running/);
  });
});
