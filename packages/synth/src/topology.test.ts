/** Several instances in a sync group and IPv6 (examples/multi), across keepalived, agent.json and nftables. */
import { readFileSync } from 'node:fs';
import { print } from '@hagate/nftables-parser';
import { loadSpec } from '@hagate/spec';
import { describe, expect, it } from 'vitest';
import { input as dedibox } from '../test/dedibox.js';
import { agentConfigFor } from './agent.js';
import { DEMOTE_TRACK, keepalivedModel } from './keepalived.js';
import { nftablesModel } from './nftables.js';
import type { SynthInput } from './types.js';

function multi(patch: (text: string) => string = (t) => t): SynthInput {
  const text = readFileSync(new URL('../../../examples/multi/hagate.yaml', import.meta.url), 'utf8');
  const r = loadSpec(patch(text), 'multi.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return { spec: r.spec, source: 'multi.yaml' };
}

describe('keepalived: several instances move together', () => {
  it('puts every instance in one sync group that tracks the demotion file and the upstream; only the main one runs the agent', () => {
    for (const router of ['gw1', 'gw2']) {
      const m = keepalivedModel(multi(), router);
      const priority = router === 'gw1' ? 200 : 100;
      expect(m.syncGroups).toEqual([
        {
          name: 'GATEWAYS',
          group: ['LAN_V4', 'LAN2_V4', 'LAN_V6', 'LAN2_V6'],
          trackScript: [{ name: 'hagate_upstream' }],
          trackFile: [{ name: DEMOTE_TRACK, weight: -(priority - 1) }],
        },
      ]);
      // The upstream check's script is declared once, weighted (the group applies it to every member).
      expect(m.scripts?.map((x) => [x.name, x.weight])).toEqual([['hagate_upstream', -101]]);
      // One priority, state and advert interval for every member: a group whose members disagree re-elects forever.
      expect(
        new Set(m.instances.map((i) => `${i.priority} ${i.state} ${i.advertInt} ${i.preempt}`)).size,
      ).toBe(1);
      expect(m.instances[0]?.priority).toBe(priority);
      // keepalived ignores weighted trackers on members of a group: none there.
      expect(m.instances.every((i) => i.trackFile === undefined && i.trackScript === undefined)).toBe(true);
      expect(m.instances.filter((i) => i.notifyStop !== undefined).map((i) => i.name)).toEqual(['LAN_V4']);
    }
  });

  it('gives each IPv6 instance its link-local VIP first and IPv6 unicast peers', () => {
    const v6 = keepalivedModel(multi(), 'gw2').instances.find((i) => i.name === 'LAN2_V6');
    expect(v6).toMatchObject({
      interface: 'eth3',
      virtualRouterId: 20,
      unicastSrcIp: '2001:db8:20::2',
      unicastPeers: ['2001:db8:20::1'],
      virtualIpaddress: [
        { address: 'fe80::1/64', dev: 'eth3' },
        { address: '2001:db8:20::fe/64', dev: 'eth3' },
      ],
    });
  });

  it('keeps one instance without a group, as before (the how-to)', () => {
    const m = keepalivedModel(dedibox(), 'extrout1');
    expect(m.syncGroups).toBeUndefined();
    expect(m.instances.map((i) => i.trackFile)).toEqual([[{ name: DEMOTE_TRACK, weight: -199 }]]);
  });
});

describe('agent.json: IPv6 on the external NIC and forwarding', () => {
  it('the master holds the provider IPv6 address and default route, the backup routes IPv6 through its peer', () => {
    const c = agentConfigFor(multi(), 'gw2');
    expect(c.roles.master.addresses).toEqual([
      { dev: 'eth2', cidr: '203.0.113.20/32' },
      { dev: 'eth2', cidr: '2001:db8:ff::20/64' },
    ]);
    expect(c.roles.master.routes.at(-1)).toEqual({ dst: '::/0', via: 'fe80::1', dev: 'eth2' });
    expect(c.roles.backup.routes.at(-1)).toEqual({
      dst: '::/0',
      via: '2001:db8:10::1',
      dev: 'eth1',
      src: '2001:db8:10::2',
    });
    const sysctl = (role: 'master' | 'backup') =>
      c.roles[role].sysctls.find((s) => s.key === 'net/ipv6/conf/all/forwarding')?.value;
    // The example announces router advertisements: IPv6 forwarding stays on in both roles then (a spec
    // without them still turns it off on the backup: radvd.test.ts).
    expect([sysctl('master'), sysctl('backup')]).toEqual(['1', '1']);
    // The shared-MAC NIC's link-local address is the same on both routers: no DAD there (the lab showed a
    // takeover losing it as a "duplicate" and IPv6 with it).
    for (const role of ['master', 'backup'] as const)
      expect(c.roles[role].sysctls).toContainEqual({
        key: 'net/ipv6/conf/eth2/accept_dad',
        value: '0',
        stage: 'pre',
      });
    expect(c.owned.routes).toEqual(['default', '198.51.100.1/32', '::/0']);
  });

  it('a global provider gateway gets a host route on the external NIC, canonical and owned', () => {
    const c = agentConfigFor(
      multi((t) => t.replace('gateway: fe80::1', 'gateway: 2001:DB8:FF:0::1')),
      'gw1',
    );
    expect(c.roles.master.routes.slice(2)).toEqual([
      { dst: '2001:db8:ff::1/128', dev: 'eth2' },
      { dst: '::/0', via: '2001:db8:ff::1', dev: 'eth2' },
    ]);
    expect(c.owned.routes).toContain('2001:db8:ff::1/128');
  });

  it('the how-to has no IPv6 in its agent.json', () => {
    const text = JSON.stringify(agentConfigFor(dedibox(), 'extrout1'));
    expect(text).not.toMatch(/ipv6|::/);
  });
});

describe('nftables: every VIP segment forwards and is SNATed; IPv6 as RFC 4890 asks', () => {
  it('forwards and SNATs both LANs, accepts VRRP of both families from the peer only', () => {
    const text = print(nftablesModel(multi(), 'gw2'));
    expect(text).toContain('iifname "eth1" oifname "eth2" accept\n\t\tiifname "eth3" oifname "eth2" accept');
    expect(text).toContain('iifname "eth3" oifname "eth2" snat ip to 203.0.113.20');
    expect(text).toContain('iifname "eth3" ip saddr 10.20.1.1 ip protocol vrrp accept');
    expect(text).toContain('iifname "eth1" ip6 saddr 2001:db8:10::1 meta l4proto vrrp accept');
    // Multicast VRRPv3 over IPv6 comes from the peer's link-local address.
    const mc = print(
      nftablesModel(
        multi((t) => t.replace('unicast: true', 'unicast: false')),
        'gw2',
      ),
    );
    expect(mc).toContain('iifname "eth3" ip6 saddr fe80::/10 meta l4proto vrrp accept');
    // No NAT in IPv6: the LAN prefixes are routed.
    expect(text).not.toMatch(/snat ip6/);
    expect(text).toContain(
      'ip6 saddr fe80::/10 icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } accept',
    );
  });
});
