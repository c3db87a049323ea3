import { parse, print } from '@hagate/nftables-parser';
import { needs } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { ConntrackdPair, type ConntrackdRouter, tcpEntry } from '../test/conntrackd-pair.js';
import { input } from '../test/dedibox.js';
import { agentConfigFor } from './agent.js';
import { CONNTRACKD_SOCKET, synthConntrackd } from './conntrackd.js';
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
    // The failover IP too: conntrackd tests a connection's original and reply *sources*, so a SNATed one
    // (reply destination = the failover IP) is still synced, while the router's own (its upstream pings,
    // SSH to the failover IP) are not. The real conntrackd shows it in conntrackd-ipv6.test.ts.
    expect(text).toContain('IPv4_address 203.0.113.10\n');
    // The kernel has ::1 and link-local addresses even when the spec has no IPv6.
    expect(text).toContain('IPv6_address ::1\n\t\t\tIPv6_address fe80::/10\n');
    expect(text).not.toContain('IPv6-ICMP');
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
  const pair = new ConntrackdPair();
  afterAll(() => pair.stop());

  it('starts, answers on its socket, and syncs a connection from one router to the other, which commits it', async (ctx) => {
    needs(ctx, 'root', 'ip', 'conntrackd', 'conntrack');
    await pair.start(stateful(), ['extrout1', 'extrout2'], 'ctd-');
    const [a, b] = pair.routers as [ConntrackdRouter, ConntrackdRouter];
    for (const r of [a, b]) {
      const stats = r.ctl('-s');
      expect(stats.status, stats.stderr).toBe(0);
      expect(stats.stdout).toMatch(/cache internal/);
    }
    // A connection appears in extrout1's kernel table (as if forwarded for a LAN host).
    const ins = a.ns.exec(tcpEntry('10.10.1.50', '192.0.2.10', 40000, 443));
    expect(ins.status, ins.stderr).toBe(0);
    const external = await pair.externalCache(1, (t) => t.includes('192.0.2.10'));
    expect(external).toContain('dport=443');
    expect(b.ns.exec(['conntrack', '-L']).stdout).not.toContain('192.0.2.10');
    // The new master commits: the connection is in its kernel table.
    expect(b.ctl('-c').status).toBe(0);
    expect(b.ns.exec(['conntrack', '-L']).stdout).toMatch(
      /src=10\.10\.1\.50 dst=192\.0\.2\.10 sport=40000 dport=443/,
    );
  }, 30_000);
});
