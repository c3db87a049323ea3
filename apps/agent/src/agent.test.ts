/**
 * The real bundled agent, run as root with `ip netns exec` in network namespaces made by each test (veth
 * devices named like the routers' NICs: eth1 = LAN, eth2 = external).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { createNetns, missing, type Netns, run, which } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../test/ns-agent.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(appDir, 'dist/hagate-agent');
const IP = '/usr/sbin/ip';
const env = { ...process.env, HAGATE_AGENT_NO_SYSLOG: '1' };

let dir = '';
const namespaces: Netns[] = [];

/** The router's firewall, loaded when a test router "boots": right in both roles, never loaded by the agent. */
const FIREWALL = `add table inet hagate
delete table inet hagate
table inet hagate {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    iifname "eth1" oifname "eth2" snat ip to 203.0.113.10
  }
}
`;
/** Role rules (a spec with extra rules for one role): the agent loads them on a role change. */
const ROLE_MASTER = `add chain inet hagate role_input
flush chain inet hagate role_input
add rule inet hagate role_input tcp dport 8080 accept
`;
const ROLE_BACKUP = `add chain inet hagate role_input
flush chain inet hagate role_input
`;

function config(name: string, edit: (c: AgentConfig) => void = () => {}): AgentConfig {
  const c = testConfig(dir, name, 'hagate-agent-test');
  edit(c);
  return c;
}

function writeConfig(name: string, edit?: (c: AgentConfig) => void): string {
  mkdirSync(join(dir, name), { recursive: true });
  const file = join(dir, name, 'agent.json');
  writeFileSync(file, JSON.stringify(config(name, edit), null, 2));
  chmodSync(file, 0o644);
  return file;
}

/** A router namespace: eth1 (LAN, 10.10.1.2/24) and eth2 (external), each a veth with its peer up. */
function router(label: string): Netns {
  const ns = createNetns(label);
  namespaces.push(ns);
  for (const nic of ['eth1', 'eth2']) {
    run([IP, '-n', ns.name, 'link', 'add', nic, 'type', 'veth', 'peer', 'name', `${nic}p`]);
    run([IP, '-n', ns.name, 'link', 'set', `${nic}p`, 'up']);
  }
  run([IP, '-n', ns.name, 'link', 'set', 'eth1', 'up']);
  run([IP, '-n', ns.name, 'address', 'add', '10.10.1.2/24', 'dev', 'eth1']);
  // Boot: nftables.service loads the firewall before keepalived starts.
  const r = ns.exec(['nft', '-f', join(dir, 'hagate.nft')]);
  if (r.status !== 0) throw new Error(`nft -f hagate.nft: ${r.stderr}`);
  return ns;
}

function agentArgv(ns: Netns, cfg: string, args: string[]): string[] {
  return [IP, 'netns', 'exec', ns.name, process.execPath, bundle, '--config', cfg, ...args];
}

function agent(ns: Netns, cfg: string, args: string[], runEnv: NodeJS.ProcessEnv = env) {
  return run(agentArgv(ns, cfg, args), { env: runEnv, timeoutMs: 30_000 });
}

/** What the tests compare: the owned objects and what they depend on. */
function snapshot(ns: Netns) {
  const x = (argv: string[]) => ns.exec(argv).stdout.trim();
  const link = JSON.parse(x([IP, '-json', 'address', 'show', 'dev', 'eth2']))[0];
  return {
    eth2Up: (link.flags as string[]).includes('UP'),
    eth2Addresses: (link.addr_info as { family: string; local: string; prefixlen: number }[])
      .filter((a) => a.family === 'inet')
      .map((a) => `${a.local}/${a.prefixlen}`),
    routes: x([IP, 'route', 'show', 'table', 'main'])
      .split('\n')
      .map((l) => l.trim())
      .sort(),
    ipForward: x(['cat', '/proc/sys/net/ipv4/ip_forward']),
    arpNotify: x(['cat', '/proc/sys/net/ipv4/conf/eth2/arp_notify']),
    ruleset: x(['nft', 'list', 'ruleset']),
  };
}

function expectMaster(ns: Netns) {
  const s = snapshot(ns);
  expect(s.eth2Up).toBe(true);
  expect(s.eth2Addresses).toEqual(['203.0.113.10/32']);
  expect(s.routes).toEqual(
    [
      'default via 198.51.100.1 dev eth2',
      '10.10.1.0/24 dev eth1 proto kernel scope link src 10.10.1.2',
      '198.51.100.1 dev eth2 scope link',
    ].sort(),
  );
  expect(s.ipForward).toBe('1');
  expect(s.arpNotify).toBe('1');
  expectBootFirewall(s.ruleset);
}

/** A role change runs no nft: the ruleset is the one loaded at boot, byte for byte. */
function expectBootFirewall(ruleset: string) {
  expect(ruleset).toMatch(
    /^table inet hagate \{\n\tchain postrouting \{\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\tiifname "eth1" oifname "eth2" snat ip to 203.0.113.10\n\t\}\n\}$/,
  );
}

function expectBackup(ns: Netns) {
  const s = snapshot(ns);
  expect(s.eth2Up).toBe(false);
  expect(s.eth2Addresses).toEqual([]);
  expect(s.routes).toEqual(
    [
      'default via 10.10.1.1 dev eth1 src 10.10.1.2',
      '10.10.1.0/24 dev eth1 proto kernel scope link src 10.10.1.2',
    ].sort(),
  );
  expect(s.ipForward).toBe('0');
  expectBootFirewall(s.ruleset);
}

function lastTransition(cfgName: string) {
  const state = JSON.parse(readFileSync(join(dir, cfgName, 'state', 'state.json'), 'utf8'));
  return state.transitions.at(-1);
}

const why = missing('root', 'ip', 'nft');

beforeAll(() => {
  if (why) return;
  const b = spawnSync(process.execPath, [join(appDir, 'build.mjs')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`agent build failed: ${b.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'hagate-agent-test-'));
  writeFileSync(join(dir, 'hagate.nft'), FIREWALL);
  writeFileSync(join(dir, 'role-master.nft'), ROLE_MASTER);
  writeFileSync(join(dir, 'role-backup.nft'), ROLE_BACKUP);
  writeFileSync(join(dir, 'bad.nft'), 'add rule inet hagate role_input bogus statement\n');
});

afterAll(() => {
  for (const ns of namespaces) ns.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hagate-agent transitions (root, network namespaces)', () => {
  it('MASTER gives exactly the master state; the same event again changes nothing', (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('master');
    const cfg = writeConfig('master');
    const first = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(first.stderr).toMatch(/master state applied, [1-9]\d* changes/);
    expect(first.status).toBe(0);
    expectMaster(ns);
    const again = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('master state applied, 0 changes');
    expect(lastTransition('master')).toMatchObject({ result: 'applied', changes: 0, role: 'master' });
    expectMaster(ns);
    const status = agent(ns, cfg, ['status']);
    expect(status.stdout).toContain('role: master');
    expect(status.stdout).toContain('drift: none');
  });

  it.for([
    ['BACKUP', ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']],
    ['FAULT', ['INSTANCE', 'ROUTEUR_1', 'FAULT', '0']],
    ['STOP', ['INSTANCE', 'ROUTEUR_1', 'STOP', '0']],
    ['shutdown', ['shutdown']],
  ] as [string, string[]][])(
    '%s after MASTER gives the backup state, twice gives 0 changes',
    ([name, argv], ctx) => {
      if (why) ctx.skip(why);
      const ns = router(name.toLowerCase());
      const cfg = writeConfig(`to-${name}`);
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
      expectMaster(ns);
      const r = agent(ns, cfg, argv);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/backup state applied, [1-9]\d* changes/);
      expectBackup(ns);
      expect(agent(ns, cfg, argv).stderr).toContain('backup state applied, 0 changes');
    },
  );

  it('--dry-run and check change nothing; events for another instance are ignored', (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('dry');
    const cfg = writeConfig('dry');
    const before = snapshot(ns);
    const r = agent(ns, cfg, ['--dry-run', 'INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ip address add 203.0.113.10/32 dev eth2');
    expect(r.stdout).toContain('ip link set dev eth2 up');
    expect(r.stdout).not.toContain('nft');
    const other = agent(ns, cfg, ['INSTANCE', 'OTHER', 'MASTER', '200']);
    expect(other.status).toBe(0);
    expect(other.stderr).toContain('ignored');
    const check = agent(ns, cfg, ['check']);
    expect(check.stdout).toContain('ok   interface eth2: present');
    expect(check.stdout).toContain('accepted by nft -c');
    expect(check.stdout).not.toContain('FAIL');
    expect(check.status).toBe(0);
    expect(snapshot(ns)).toEqual(before);
  });

  it('a run killed mid-transition is repaired by the next one', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('kill');
    const cfg = writeConfig('kill');
    // Half-applied states made by hand, as a killed run leaves them.
    run([IP, '-n', ns.name, 'address', 'add', '203.0.113.10/32', 'dev', 'eth2']);
    run([IP, '-n', ns.name, 'link', 'set', 'eth2', 'up']);
    expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    expectMaster(ns);
    run([IP, '-n', ns.name, 'route', 'replace', 'default', 'via', '10.10.1.1', 'dev', 'eth1']);
    run([IP, '-n', ns.name, 'link', 'set', 'eth2', 'down']);
    expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    expectMaster(ns);
    // Real kills at several points of real transitions (alternating roles); rerunning the event converges.
    for (const [i, delay] of [40, 90, 140, 190, 240, 290].entries()) {
      const state = i % 2 === 0 ? 'BACKUP' : 'MASTER';
      const argv = agentArgv(ns, cfg, ['INSTANCE', 'ROUTEUR_1', state, '1']);
      const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: 'ignore' });
      const closed = new Promise((r) => child.once('close', r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await closed;
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', state, '1']).status).toBe(0);
      if (state === 'MASTER') expectMaster(ns);
      else expectBackup(ns);
    }
  });

  it('50 interleaved concurrent notify invocations end in the state of the newest event', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('conc');
    const cfg = writeConfig('conc');
    const children: ChildProcess[] = [];
    const closed: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      // Mostly BACKUP, MASTER last: the newest event wins whatever order they get the lock in.
      const state = i === 49 ? 'MASTER' : i % 3 === 0 ? 'MASTER' : 'BACKUP';
      const argv = agentArgv(ns, cfg, ['INSTANCE', 'ROUTEUR_1', state, String(i)]);
      const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: 'ignore' });
      children.push(child);
      closed.push(new Promise((r) => child.once('close', r)));
    }
    const codes = await Promise.all(closed);
    expect(codes.every((c) => c === 0)).toBe(true);
    expectMaster(ns);
    const state = JSON.parse(readFileSync(join(dir, 'conc', 'state', 'state.json'), 'utf8'));
    // `ip netns exec` execs node in place: the newest event's process is the last one spawned.
    expect(state.lastSeq.pid).toBe(children[49]?.pid);
    expect(state.role).toBe('master');
    expect(state.transitions.map((t: { result: string }) => t.result)).not.toContain('failed');
  });

  it('fifo mode applies 1,000 queued events in order and stops cleanly on SIGTERM', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('fifo');
    const cfg = writeConfig('fifo');
    const fifo = join(dir, 'notify.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Queue 1,000 events before the agent starts (the FIFO buffers them): the role changes every 10.
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `INSTANCE "ROUTEUR_1" ${Math.floor(i / 10) % 2 === 0 ? 'MASTER' : 'BACKUP'} ${i}\n`,
    ).join('');
    const argv = agentArgv(ns, cfg, [fifo]);
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    writeFileSync(fifo, lines);
    const deadline = Date.now() + 45_000;
    while (!stderr.includes('BACKUP 999:') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(0);
    const applied = [
      ...stderr.matchAll(/INSTANCE ROUTEUR_1 (MASTER|BACKUP) (\d+): (master|backup) state applied/g),
    ];
    expect(applied.map((m) => Number(m[2]))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(applied.every((m) => (m[1] === 'MASTER') === (m[3] === 'master'))).toBe(true);
    expectBackup(ns);
  }, 60_000);
});

describe('hagate-agent graceful handover (STOP, shutdown): the peer takes the VIP first', () => {
  const VIP = '10.10.1.254';
  const whyNot = missing('root', 'ip', 'nft', 'arping');

  /** A router whose LAN veth ends in a peer router namespace (10.10.1.1), in the master state, holding
   * the VIP as keepalived does; then keepalived "stops": the VIP goes. */
  function stoppingMaster(label: string, timeoutMs: number) {
    const ns = router(label);
    const peer = createNetns(`${label}-p`);
    namespaces.push(peer);
    run([IP, '-n', ns.name, 'link', 'set', 'eth1p', 'netns', peer.name]);
    run([IP, '-n', peer.name, 'link', 'set', 'eth1p', 'up']);
    run([IP, '-n', peer.name, 'address', 'add', '10.10.1.1/24', 'dev', 'eth1p']);
    const cfg = writeConfig(label, (c) => {
      c.handover = { vip: VIP, dev: 'eth1', timeoutMs };
    });
    expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    run([IP, '-n', ns.name, 'address', 'add', `${VIP}/24`, 'dev', 'eth1']);
    run([IP, '-n', ns.name, 'address', 'del', `${VIP}/24`, 'dev', 'eth1']);
    expectMaster(ns);
    return { ns, peer, cfg };
  }

  function start(ns: Netns, cfg: string, args: string[]) {
    const argv = agentArgv(ns, cfg, args);
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<{ code: number | null; stderr: string }>((r) =>
      child.once('close', (code) => r({ code, stderr })),
    );
    return { child, done };
  }

  /** The peer becomes master as keepalived does: the VIP on its LAN NIC, then a gratuitous ARP. */
  function peerTakesOver(peer: Netns) {
    run([IP, '-n', peer.name, 'address', 'add', `${VIP}/24`, 'dev', 'eth1p']);
    expect(peer.exec(['arping', '-U', '-c', '1', '-I', 'eth1p', VIP]).status).toBe(0);
  }

  const macOf = (ns: Netns, dev: string) => ns.exec(['cat', `/sys/class/net/${dev}/address`]).stdout.trim();
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('STOP keeps the master state until the peer announces the VIP, then gives it up', async (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, peer, cfg } = stoppingMaster('ho-garp', 20_000);
    const { done } = start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'STOP', '200']);
    // Nobody holds the VIP yet: the stopping master still forwards (external NIC up, NAT loaded).
    await settle(700);
    expectMaster(ns);
    peerTakesOver(peer);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /STOP 200: backup state applied after handover \(the peer took the VIP, [\d.]+ ms\)/,
    );
    expectBackup(ns);
    const t = lastTransition('ho-garp');
    expect(t).toMatchObject({ result: 'applied', role: 'backup', handover: { outcome: 'peer' } });
    expect(t.handover.peerMac).toBe(macOf(peer, 'eth1p'));
    expect(agent(ns, cfg, ['status']).stdout).toMatch(/handover: peer after [\d.]+ ms/);
  });

  it('shutdown when the peer already holds the VIP: its ARP reply ends the wait at once', async (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, peer, cfg } = stoppingMaster('ho-reply', 20_000);
    run([IP, '-n', peer.name, 'address', 'add', `${VIP}/24`, 'dev', 'eth1p']);
    const r = agent(ns, cfg, ['shutdown']);
    expect(r.status).toBe(0);
    expectBackup(ns);
    expect(lastTransition('ho-reply')).toMatchObject({ handover: { outcome: 'peer' } });
    expect(lastTransition('ho-reply').handover.peerMac).toBe(macOf(peer, 'eth1p'));
  });

  it('no takeover (the peer is down): gives up when the wait times out, and plants nothing', (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, cfg } = stoppingMaster('ho-timeout', 400);
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'STOP', '200']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('after handover (no takeover by the peer in time');
    expectBackup(ns);
    const t = lastTransition('ho-timeout');
    expect(t.handover.outcome).toBe('timeout');
    expect(t.handover.ms).toBeGreaterThanOrEqual(400);
    // The neighbour entry the wait made is the kernel's own (incomplete or failed), never a made-up MAC.
    expect(ns.exec([IP, 'neigh', 'show', VIP]).stdout).not.toMatch(/lladdr/);
  });

  it('the VIP comes back here (keepalived restarted as master): the master state is kept', async (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, cfg } = stoppingMaster('ho-back', 20_000);
    const { done } = start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'STOP', '200']);
    // The agent is waiting once it has asked the kernel to resolve the VIP (a neighbour entry appears):
    // only then does the VIP come back (a busy machine may take longer than any fixed delay to get there).
    for (let i = 0; i < 200 && !run([IP, '-n', ns.name, 'neigh', 'show', VIP]).stdout.trim(); i++)
      await settle(50);
    run([IP, '-n', ns.name, 'address', 'add', `${VIP}/24`, 'dev', 'eth1']);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toContain('the VIP came back here');
    expectMaster(ns);
    expect(lastTransition('ho-back')).toMatchObject({
      result: 'superseded',
      handover: { outcome: 'reclaimed' },
    });
  });

  it('SIGTERM during the wait gives up at once and exits 0', async (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, cfg } = stoppingMaster('ho-term', 20_000);
    const { child, done } = start(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'STOP', '200']);
    await settle(500);
    child.kill('SIGTERM');
    const { code } = await done;
    expect(code).toBe(0);
    expectBackup(ns);
    expect(lastTransition('ho-term')).toMatchObject({
      result: 'applied',
      handover: { outcome: 'interrupted' },
    });
  });

  it("fifo: SIGTERM right after a STOP line leaves the master state to keepalived's shutdown hook", async (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, peer, cfg } = stoppingMaster('ho-fifo', 20_000);
    const fifo = join(dir, 'ho-fifo', 'notify.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const { child, done } = start(ns, cfg, [fifo]);
    await settle(300);
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" STOP 200\n');
    await settle(300);
    child.kill('SIGTERM');
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toContain('handover interrupted');
    expectMaster(ns);
    expect(lastTransition('ho-fifo')).toMatchObject({
      result: 'superseded',
      handover: { outcome: 'interrupted' },
    });
    // notify_stop / shutdown_script: hands over for real.
    const shutdown = start(ns, cfg, ['shutdown']);
    await settle(300);
    peerTakesOver(peer);
    expect((await shutdown.done).code).toBe(0);
    expectBackup(ns);
    expect(lastTransition('ho-fifo')).toMatchObject({ result: 'applied', handover: { outcome: 'peer' } });
  });

  it('BACKUP and FAULT never wait: the peer is already master, or this router cannot serve', (ctx) => {
    if (whyNot) ctx.skip(whyNot);
    const { ns, cfg } = stoppingMaster('ho-backup', 20_000);
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'FAULT', '0']);
    expect(r.status).toBe(0);
    expectBackup(ns);
    expect(lastTransition('ho-backup').handover).toBeUndefined();
  });
});

describe('hagate-agent syslog', () => {
  it('writes one syslog line per transition and per failure, next to keepalived (a private /dev/log)', async (ctx) => {
    const whyLog = why ?? missing('unshare', 'logger', 'python3');
    if (whyLog) ctx.skip(whyLog);
    const ns = router('syslog');
    const cfg = writeConfig('syslog');
    const bad = writeConfig('syslog-bad', (c) => {
      c.roles.master.nftRoleRules = join(dir, 'bad.nft');
    });
    const sock = join(dir, 'syslog.sock');
    const received = join(dir, 'syslog.txt');
    // A syslog daemon stand-in: a unix datagram socket that appends each message to a file.
    const sink = spawn(which('python3') ?? 'python3', [
      '-c',
      [
        'import socket, sys',
        's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
        's.bind(sys.argv[1])',
        'f = open(sys.argv[2], "a", buffering=1)',
        'print("ready", flush=True)',
        'while True:',
        '    f.write(s.recv(65536).decode("utf-8", "replace").rstrip("\\n") + "\\n")',
      ].join('\n'),
      sock,
      received,
    ]);
    await new Promise<void>((resolve, reject) => {
      sink.stdout?.once('data', () => resolve());
      sink.once('error', reject);
      sink.once('exit', (code) => reject(new Error(`the syslog stand-in exited (${code})`)));
    });
    try {
      // In a private mount namespace, /dev is a tmpfs holding the few devices node needs plus our /dev/log.
      const script = [
        'set -e',
        // The real /dev stays reachable from a folder of the test's own scratch dir (removed with it).
        'old="$(dirname "$1")/dev-old"; mkdir -p "$old"',
        'mount --bind /dev "$old"',
        'mount -t tmpfs -o mode=0755 hagate-test-dev /dev',
        'for d in null zero random urandom; do touch /dev/$d; mount --bind "$old/$d" /dev/$d; done',
        'touch /dev/log',
        'mount --bind "$1" /dev/log',
        'shift',
        'exec "$@"',
      ].join('\n');
      const withLog = (cfgFile: string, args: string[]) =>
        run(
          [
            IP,
            'netns',
            'exec',
            ns.name,
            'unshare',
            '-m',
            '--propagation',
            'private',
            'sh',
            '-c',
            script,
            'sh',
            sock,
            process.execPath,
            bundle,
            '--config',
            cfgFile,
            ...args,
          ],
          { env: process.env, timeoutMs: 30_000 },
        );
      expect(withLog(cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
      expect(withLog(cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '200']).status).toBe(0);
      expect(withLog(bad, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).not.toBe(0);
      // logger is spawned detached and not waited for: give the three lines a moment to arrive.
      let lines: string[] = [];
      for (let i = 0; i < 50 && lines.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        lines = readFileSync(received, 'utf8').split('\n').filter(Boolean);
      }
      // RFC 3164 as logger writes it: <PRI>timestamp ident[pid]: message; daemon.info = 30, daemon.err = 27.
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^<30>.* hagate-agent\[\d+\]: .*master state applied, [1-9]\d* changes/);
      expect(lines[1]).toMatch(/^<30>.* hagate-agent\[\d+\]: .*backup state applied/);
      expect(lines[2]).toMatch(/^<27>.* hagate-agent\[\d+\]: .*nft/);
    } finally {
      sink.kill();
    }
  });
});

describe('hagate-agent bad input: clear message, non-zero exit, nothing changed', () => {
  it.for<[string, (name: string) => string, number, RegExp]>([
    ['missing config', (_: string) => join(dir, 'nope.json'), 2, /config .*nope\.json: not found/],
    [
      'invalid value',
      (name: string) =>
        writeConfig(name, (c) => {
          (c.roles.master.routes[1] as { via?: string }).via = '300.1.1.1';
        }),
      2,
      /roles\.master\.routes\[1\]\.via: expected an IPv4 or IPv6 address like 10\.10\.1\.1 or fe80::1, found string "300\.1\.1\.1"/,
    ],
    [
      'JSON syntax',
      (name: string) => {
        const f = writeConfig(name);
        writeFileSync(f, '{\n  "version": 1,\n  "router": }\n');
        return f;
      },
      2,
      /agent\.json:3:13: expected valid JSON/,
    ],
    [
      'world-writable config',
      (name: string) => {
        const f = writeConfig(name);
        chmodSync(f, 0o666);
        return f;
      },
      2,
      /world-writable \(mode 0666\)/,
    ],
    [
      'unknown interface',
      (name: string) =>
        writeConfig(name, (c) => {
          c.owned.links = ['eth2', 'eth9'];
          c.roles.master.links.push({ name: 'eth9', up: true });
        }),
      1,
      /unknown interface eth9: no such link in this network namespace; demoted; nothing changed/,
    ],
    [
      'role rules nft rejects',
      (name: string) =>
        writeConfig(name, (c) => {
          c.roles.master.nftRoleRules = join(dir, 'bad.nft');
        }),
      1,
      /nft rejected .*bad\.nft: .*; nothing changed/,
    ],
    [
      'role rules writable by others (root would load them)',
      (name: string) => {
        const file = join(dir, `${name}-open.nft`);
        writeFileSync(file, ROLE_MASTER);
        chmodSync(file, 0o666);
        return writeConfig(name, (c) => {
          c.roles.master.nftRoleRules = file;
        });
      },
      1,
      /the master role rules .*open\.nft is world-writable \(mode 0666\).*; nothing changed/,
    ],
  ])('%s', ([name, makeConfig, status, message], ctx) => {
    if (why) ctx.skip(why);
    const ns = router('bad');
    const cfgName = `bad-${name.replace(/\W+/g, '-')}`;
    // Start from the backup state, loaded by a good config.
    expect(agent(ns, writeConfig(`${cfgName}-good`), ['shutdown']).status).toBe(0);
    const before = snapshot(ns);
    const cfg = makeConfig(cfgName);
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.status).toBe(status);
    expect(snapshot(ns)).toEqual(before);
  });

  it('backup role rules nft rejects: checked before anything changes, the master state stays', (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('badb');
    const cfg = writeConfig('bad-backup', (c) => {
      c.roles.master.nftRoleRules = join(dir, 'role-master.nft');
      c.roles.backup.nftRoleRules = join(dir, 'bad.nft');
    });
    expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    const before = snapshot(ns);
    expect(before.eth2Up).toBe(true);
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nft rejected .*bad\.nft: .*; nothing changed/);
    expect(snapshot(ns)).toEqual(before);
  });

  it('ip missing from PATH', (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('noip');
    const cfg = writeConfig('noip');
    expect(agent(ns, cfg, ['shutdown']).status).toBe(0);
    const before = snapshot(ns);
    const bin = join(dir, 'bin-without-ip');
    mkdirSync(bin, { recursive: true });
    symlinkSync('/usr/sbin/nft', join(bin, 'nft'));
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200'], { ...env, PATH: bin });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ip: not found in PATH; demoted; nothing changed');
    expect(snapshot(ns)).toEqual(before);
  });

  it('--version, --help and usage errors need no config', (ctx) => {
    if (why) ctx.skip(why);
    const v = run([process.execPath, bundle, '--version']);
    expect(v.stdout).toMatch(/^hagate-agent \d+\.\d+\.\d+/);
    expect(run([process.execPath, bundle, '--help']).stdout).toContain('TYPE NAME STATE PRIORITY');
    const bad = run([process.execPath, bundle, '--frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option --frobnicate');
  });
});

describe('hagate-agent failures never leave a router half-configured (fault injection)', () => {
  /** A PATH whose `ip` runs the real one but turns the first batch line starting with `prefix` into an
   * unknown command: one failing step of the transition. */
  function failingIp(label: string, prefix: string): string {
    const bin = join(dir, `bin-${label}`);
    mkdirSync(bin, { recursive: true });
    const sedExpr = `0,/^${prefix.replace(/[/.]/g, '\\$&')}/s//frobnicate/`;
    writeFileSync(
      join(bin, 'ip'),
      `#!/bin/sh\nif [ "$3" = "-batch" ]; then sed -u '${sedExpr}' | ${IP} "$@"; else exec ${IP} "$@"; fi\n`,
      { mode: 0o755 },
    );
    for (const t of ['nft', 'sed', 'logger']) {
      const p = which(t);
      if (p) symlinkSync(p, join(bin, t));
    }
    return `${bin}:/usr/bin:/bin`;
  }

  const demoteFile = (name: string) => join(dir, name, 'demote');

  it.for([
    ['the shared-MAC NIC lowered', 'link set dev eth2 down'],
    ['the failover IP removed', 'address del 203.0.113.10/32 dev eth2'],
    ['the default via the peer', 'route replace default'],
  ] as [string, string][])(
    'to BACKUP, a failing step (%s): the external NIC ends down without the failover IP',
    ([label, prefix], ctx) => {
      if (why) ctx.skip(why);
      const name = `fail-b-${label.replace(/\W+/g, '-')}`;
      const ns = router('failb');
      const cfg = writeConfig(name);
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
      const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'FAULT', '0'], {
        ...env,
        PATH: failingIp(name, prefix),
      });
      const s = snapshot(ns);
      expect(s.eth2Up, r.stderr).toBe(false);
      expect(s.eth2Addresses).toEqual([]);
      expect(s.ipForward).toBe('0');
      expect(s.routes.some((l) => l.includes('dev eth2'))).toBe(false);
      if (prefix.startsWith('route')) {
        // The one step that has no second try here: reported, and the next event repairs it.
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/backup state FAILED.*not done: ip route replace default/);
        expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'FAULT', '0']).status).toBe(0);
        expectBackup(ns);
      }
    },
  );

  it('to BACKUP with the LAN NIC down (the route via the peer is refused): the external side is given up anyway', (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('failb-lan');
    const cfg = writeConfig('fail-b-lan');
    expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']).status).toBe(0);
    ns.exec([IP, 'link', 'set', 'eth1', 'down']);
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'FAULT', '0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Nexthop has invalid gateway|Network is unreachable|invalid gateway/i);
    const s = snapshot(ns);
    expect(s.eth2Up).toBe(false);
    expect(s.eth2Addresses).toEqual([]);
    expect(s.ipForward).toBe('0');
  });

  it.for([
    ['the failover IP added', 'address add'],
    ['the NIC raised', 'link set dev eth2 up'],
    ['the gateway route', 'route replace 198.51.100.1/32'],
    ['the default via the gateway', 'route replace default'],
  ] as [string, string][])(
    'to MASTER, a failing step (%s): the router gives the external side up and demotes itself',
    ([label, prefix], ctx) => {
      if (why) ctx.skip(why);
      const name = `fail-m-${label.replace(/\W+/g, '-')}`;
      const ns = router('failm');
      const cfg = writeConfig(name);
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']).status).toBe(0);
      expect(readFileSync(demoteFile(name), 'utf8')).toBe('0\n');
      const failing = { ...env, PATH: failingIp(name, prefix) };
      const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200'], failing);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/master state FAILED/);
      // Never half master: the backup state, and keepalived is told (its track file) to let the peer take
      // over: the first demotion puts it in FAULT (254), so the peer hears a priority-0 advert at once.
      expectBackup(ns);
      expect(readFileSync(demoteFile(name), 'utf8')).toBe('254\n');
      expect(JSON.parse(readFileSync(join(dir, name, 'state', 'demoted.json'), 'utf8')).reason).toMatch(
        /MASTER failed: .*frobnicate|MASTER failed: not done/,
      );
      // keepalived's FAULT event: the router leaves FAULT demoted (1); a demotion is lifted by repair only.
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'FAULT', '50']).status).toBe(0);
      expect(readFileSync(demoteFile(name), 'utf8')).toBe('1\n');
      // Failing again while demoted (the peer died, this router is all there is): no FAULT pulse this time,
      // so two broken routers never keep handing the role to each other.
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200'], failing).status).toBe(1);
      expectBackup(ns);
      expect(readFileSync(demoteFile(name), 'utf8')).toBe('1\n');
      expect(agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']).status).toBe(0);
      expect(readFileSync(demoteFile(name), 'utf8')).toBe('1\n');
    },
  );

  it('a host-scope copy of the failover IP on the external NIC does not stop MASTER', (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('hostscope');
    const cfg = writeConfig('hostscope');
    expect(agent(ns, cfg, ['shutdown']).status).toBe(0);
    ns.exec([IP, 'address', 'add', '203.0.113.10/32', 'dev', 'eth2', 'scope', 'host']);
    const r = agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    expect(r.status, r.stderr).toBe(0);
    expectMaster(ns);
    const scope = JSON.parse(
      ns.exec([IP, '-json', 'address', 'show', 'dev', 'eth2']).stdout,
    )[0].addr_info.find((a: { family: string }) => a.family === 'inet').scope;
    expect(scope).toBe('global');
  });
});

describe('hagate-agent fifo process keeps the boot firewall in place', () => {
  async function fifoAgent(ns: Netns, cfg: string, name: string) {
    const fifo = join(dir, `${name}.fifo`);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const argv = agentArgv(ns, cfg, [fifo]);
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const waitFor = async (what: RegExp | (() => boolean), ms = 10_000) => {
      const deadline = Date.now() + ms;
      const ok = () => (typeof what === 'function' ? what() : what.test(stderr));
      while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      return ok();
    };
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER 200\n');
    expect(await waitFor(/MASTER 200: master state applied/)).toBe(true);
    const stop = async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    };
    return { waitFor, stop, stderr: () => stderr };
  }

  it('a flushed ruleset: the hagate table is loaded again', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('fwwatch');
    const cfg = writeConfig('fwwatch');
    const a = await fifoAgent(ns, cfg, 'fwwatch');
    try {
      const boot = snapshot(ns).ruleset;
      expect(ns.exec(['nft', 'flush', 'ruleset']).status).toBe(0);
      expect(await a.waitFor(() => snapshot(ns).ruleset === boot)).toBe(true);
      expect(await a.waitFor(/firewall: table inet hagate was removed; .*hagate\.nft loaded again/)).toBe(
        true,
      );
      expectMaster(ns);
    } finally {
      await a.stop();
    }
  }, 30_000);

  it('a flushed ruleset that nft now refuses: the router demotes itself', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = router('fwwatch-bad');
    const ruleset = join(dir, 'fwwatch-bad.nft');
    writeFileSync(ruleset, FIREWALL);
    const cfg = writeConfig('fwwatch-bad', (c) => {
      c.firewall.ruleset = ruleset;
    });
    const a = await fifoAgent(ns, cfg, 'fwwatch-bad');
    try {
      writeFileSync(ruleset, 'table inet hagate {\n\tbogus\n}\n');
      expect(ns.exec(['nft', 'flush', 'ruleset']).status).toBe(0);
      const demote = join(dir, 'fwwatch-bad', 'demote');
      // The first demotion: keepalived's FAULT at once (254), the peer takes over within its skew time.
      expect(await a.waitFor(() => readFileSync(demote, 'utf8') === '254\n')).toBe(true);
      expect(await a.waitFor(/firewall: table inet hagate was removed and nft refuses .*; demoted/)).toBe(
        true,
      );
    } finally {
      await a.stop();
    }
  }, 30_000);
});
