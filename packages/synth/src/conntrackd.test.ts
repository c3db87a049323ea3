import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, print } from '@hagate/nftables-parser';
import { createNetns, type Netns, needs } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { agentConfigFor } from './agent.js';
import { CONNTRACKD_SOCKET, conntrackdConf, synthConntrackd } from './conntrackd.js';
import { nftablesModel } from './nftables.js';
import { synthSystemd } from './systemd.js';

const stateful = () =>
  input((s) => {
    s.conntrackSync = { segment: 'monitoring', port: 3780, tableSize: 262_144, ignore: [] };
  });

describe('synthConntrackd', () => {
  it('writes nothing without conntrackSync', () => {
    expect(synthConntrackd(input())).toEqual([]);
  });

  it('syncs over UDP unicast between the routers on the sync segment, FTFW, ignoring their own addresses', () => {
    const [a, b] = synthConntrackd(stateful());
    expect(a?.path).toBe('extrout1/etc/conntrackd/conntrackd.conf');
    const text = String(a?.contents);
    expect(text).toMatch(/Mode FTFW \{/);
    expect(text).toMatch(
      /IPv4_address 10\.250\.1\.1\n\t\tIPv4_Destination_Address 10\.250\.1\.2\n\t\tPort 3780\n\t\tInterface eth0\.250/,
    );
    expect(String(b?.contents)).toMatch(
      /IPv4_address 10\.250\.1\.2\n\t\tIPv4_Destination_Address 10\.250\.1\.1/,
    );
    for (const ip of ['127.0.0.1', '10.10.1.1', '10.10.1.2', '10.99.1.1', '10.250.1.2', '10.10.1.254'])
      expect(text).toContain(`IPv4_address ${ip}\n`);
    // The failover IP is the NATed connections' reply address: those are exactly what must be synced.
    expect(text).not.toContain('203.0.113.10');
    expect(text).toContain('HashLimit 524288');
  });

  it('lets the sync traffic in from the peer only, orders keepalived after conntrackd, gives the agent the socket', () => {
    const fw = print(nftablesModel(stateful(), 'extrout1'));
    expect(fw).toContain('iifname "eth0.250" ip saddr 10.250.1.2 udp dport 3780 accept');
    expect(print(nftablesModel(input(), 'extrout1'))).not.toContain('3780');
    expect(String(synthSystemd(stateful())[0]?.contents)).toContain(
      'After=nftables.service conntrackd.service',
    );
    expect(agentConfigFor(stateful(), 'extrout1').conntrack).toEqual({
      socket: CONNTRACKD_SOCKET,
      timeoutMs: 2000,
    });
    expect(agentConfigFor(input(), 'extrout1').conntrack).toBeUndefined();
    parse(fw);
  });

  it('turns TCP window tracking off in both roles (stale entries of a router its peer stood in for)', () => {
    const liberal = { key: 'net/netfilter/nf_conntrack_tcp_be_liberal', value: '1', stage: 'pre' };
    const roles = agentConfigFor(stateful(), 'extrout2').roles;
    expect(roles.master.sysctls).toContainEqual(liberal);
    expect(roles.backup.sysctls).toContainEqual(liberal);
    expect(agentConfigFor(input(), 'extrout2').roles.master.sysctls.map((s) => s.key)).not.toContain(
      liberal.key,
    );
  });
});

describe('the real conntrackd with the generated configs (two router namespaces)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hgt-ctd-'));
  const namespaces: Netns[] = [];
  const daemons: ChildProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) {
      d.kill('SIGTERM');
      if (d.exitCode === null) await new Promise((r) => d.once('exit', r));
    }
    for (const ns of namespaces) ns.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, answers on its socket, and syncs a connection from one router to the other, which commits it', async (ctx) => {
    needs(ctx, 'root', 'ip', 'conntrackd', 'conntrack');
    const i = stateful();
    const routers = ['extrout1', 'extrout2'] as const;
    const ns = routers.map((r) => {
      const n = createNetns(`ctd-${r.slice(-1)}`);
      namespaces.push(n);
      return n;
    });
    // The sync segment: one veth between the two namespaces, named as the routers' VLAN interface.
    const [a, b] = ns as [Netns, Netns];
    expect(a.exec(['ip', 'link', 'add', 'eth0.250', 'type', 'veth', 'peer', 'name', 'peer250']).status).toBe(
      0,
    );
    expect(a.exec(['ip', 'link', 'set', 'peer250', 'netns', b.name]).status).toBe(0);
    expect(b.exec(['ip', 'link', 'set', 'peer250', 'name', 'eth0.250']).status).toBe(0);
    const confs = routers.map((r, k) => {
      const n = ns[k] as Netns;
      const addr = i.spec.routers[r]?.addresses.monitoring as string;
      expect(n.exec(['ip', 'address', 'add', `${addr}/24`, 'dev', 'eth0.250']).status).toBe(0);
      expect(n.exec(['ip', 'link', 'set', 'eth0.250', 'up']).status).toBe(0);
      // Only the lock and socket paths move into the test's folder; the rest is what the router gets.
      const conf = join(dir, `${r}.conf`);
      writeFileSync(
        conf,
        conntrackdConf(i, r)
          .replace(CONNTRACKD_SOCKET, join(dir, `${r}.ctl`))
          .replace('/var/lock/conntrack.lock', join(dir, `${r}.lock`)),
      );
      return conf;
    });
    for (const [k, n] of ns.entries()) {
      // In the foreground, as the test's own child: it is stopped by the test, nothing else is touched.
      const d = spawn('ip', ['netns', 'exec', n.name, 'conntrackd', '-C', confs[k] as string], {
        stdio: 'ignore',
      });
      daemons.push(d);
      const sock = join(dir, `${routers[k]}.ctl`);
      for (let t = 0; t < 100 && !existsSync(sock); t++) await new Promise((r) => setTimeout(r, 50));
      const stats = n.exec(['conntrackd', '-C', confs[k] as string, '-s']);
      expect(stats.status, stats.stderr).toBe(0);
      expect(stats.stdout).toMatch(/cache internal/);
    }
    // A connection appears in extrout1's kernel table (as if forwarded for a LAN host).
    const ins = a.exec([
      'conntrack',
      '-I',
      '-p',
      'tcp',
      '-s',
      '10.10.1.50',
      '-d',
      '192.0.2.10',
      '--sport',
      '40000',
      '--dport',
      '443',
      '--state',
      'ESTABLISHED',
      '-t',
      '300',
      '-u',
      'ASSURED',
    ]);
    expect(ins.status, ins.stderr).toBe(0);
    const deadline = Date.now() + 10_000;
    let external = '';
    while (Date.now() < deadline && !external.includes('192.0.2.10')) {
      await new Promise((r) => setTimeout(r, 200));
      external = b.exec(['conntrackd', '-C', confs[1] as string, '-e']).stdout;
    }
    expect(external).toContain('dport=443');
    expect(b.exec(['conntrack', '-L']).stdout).not.toContain('192.0.2.10');
    // The new master commits: the connection is in its kernel table.
    expect(b.exec(['conntrackd', '-C', confs[1] as string, '-c']).status).toBe(0);
    expect(b.exec(['conntrack', '-L']).stdout).toMatch(
      /src=10\.10\.1\.50 dst=192\.0\.2\.10 sport=40000 dport=443/,
    );
  }, 30_000);
});
