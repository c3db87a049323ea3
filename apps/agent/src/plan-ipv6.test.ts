/** The plan with IPv6 on the external NIC: read from `route show table all`, idempotent, no DAD. */
import type { AgentConfig } from '@hagate/spec/agent-config';
import { describe, expect, it } from 'vitest';
import { sampleAgentConfig } from '../../../packages/spec/test/agent-config-sample.js';
import { parseIpState } from './kernel.js';
import { computePlan } from './plan.js';

/** The sample config (the how-to's) with the multi example's IPv6: address and default route on eth2, the
 * backup's IPv6 default through its peer, IPv6 forwarding. */
function config6(): AgentConfig {
  const c = sampleAgentConfig();
  c.owned.routes.push('::/0');
  c.roles.master.addresses.push({ dev: 'eth2', cidr: '2001:db8:ff::20/64' });
  c.roles.master.routes.push({ dst: '::/0', via: 'fe80::1', dev: 'eth2' });
  c.roles.backup.routes.push({ dst: '::/0', via: '2001:db8:10::1', dev: 'eth1', src: '2001:db8:10::2' });
  c.roles.master.sysctls.push({ key: 'net/ipv6/conf/all/forwarding', value: '1', stage: 'post' });
  c.roles.backup.sysctls.push({ key: 'net/ipv6/conf/all/forwarding', value: '0', stage: 'pre' });
  return c;
}

// What `ip -json -batch -` printed for `address show` + `route show table all` on a master in a namespace
// (trimmed to the fields read): local-table entries, the kernel's link-local address and prefix routes.
const masterIp = `[{"ifname":"eth1","flags":["UP"],"addr_info":[{"family":"inet","local":"10.10.1.1","prefixlen":24,"scope":"global"},{"family":"inet6","local":"2001:db8:10::1","prefixlen":64,"scope":"global"}]},{"ifname":"eth2","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[{"family":"inet","local":"203.0.113.10","prefixlen":32,"scope":"global"},{"family":"inet6","local":"2001:db8:ff::20","prefixlen":64,"scope":"global","nodad":true},{"family":"inet6","local":"fe80::d0b9:5ff:fe91:e1f","prefixlen":64,"scope":"link"}]}]
[{"dst":"default","gateway":"198.51.100.1","dev":"eth2","flags":[]},{"dst":"198.51.100.1","dev":"eth2","scope":"link","flags":[]},{"type":"local","dst":"203.0.113.10","dev":"eth2","table":"local","protocol":"kernel","scope":"host","prefsrc":"203.0.113.10","flags":[]},{"dst":"2001:db8:ff::/64","dev":"eth2","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"fe80::/64","dev":"eth2","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"default","gateway":"fe80::1","dev":"eth2","metric":1024,"flags":[],"pref":"medium"},{"type":"local","dst":"2001:db8:ff::20","dev":"eth2","table":"local","protocol":"kernel","metric":0,"flags":[],"pref":"medium"},{"type":"multicast","dst":"ff00::/8","dev":"eth2","table":"local","protocol":"kernel","metric":256,"flags":[],"pref":"medium"}]`;

const backupIp = `[{"ifname":"eth1","flags":["UP"],"addr_info":[{"family":"inet","local":"10.10.1.1","prefixlen":24,"scope":"global"},{"family":"inet6","local":"2001:db8:10::2","prefixlen":64,"scope":"global"}]},{"ifname":"eth2","flags":["BROADCAST"],"addr_info":[]}]
[{"dst":"default","gateway":"10.10.1.2","dev":"eth1","prefsrc":"10.10.1.1","flags":[]},{"dst":"2001:db8:10::/64","dev":"eth1","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"default","gateway":"2001:db8:10::1","dev":"eth1","prefsrc":"2001:db8:10::2","metric":1024,"flags":[],"pref":"medium"}]`;

const sysctl =
  (values: Record<string, string>) =>
  (key: string): string | undefined =>
    values[key];
const on = sysctl({
  'net/ipv4/conf/eth2/arp_notify': '1',
  'net/ipv4/ip_forward': '1',
  'net/ipv6/conf/all/forwarding': '1',
});
const off = sysctl({
  'net/ipv4/conf/eth2/arp_notify': '1',
  'net/ipv4/ip_forward': '0',
  'net/ipv6/conf/all/forwarding': '0',
});

describe('IPv6 in the kernel state', () => {
  it('keeps the main table of both families, IPv6 default as ::/0, and global IPv6 addresses only', () => {
    const k = parseIpState(masterIp);
    expect(k.routes.map((r) => `${r.family ?? 4} ${r.dst} ${r.gateway ?? '-'} ${r.metric ?? '-'}`)).toEqual([
      '4 default 198.51.100.1 -',
      '4 198.51.100.1 - -',
      '6 2001:db8:ff::/64 - 256',
      '6 fe80::/64 - 256',
      // 1024 is what the kernel gives a route added without a metric: it reads as none.
      '6 ::/0 fe80::1 -',
    ]);
    expect(k.links.get('eth2')?.addresses).toEqual([
      { cidr: '203.0.113.10/32', scope: 'global' },
      { cidr: '2001:db8:ff::20/64', scope: 'global' },
    ]);
  });
});

describe('computePlan with IPv6', () => {
  it('master on a master: nothing to do (the kernel link-local address and prefix routes are not owned)', () => {
    const p = computePlan(config6(), 'master', parseIpState(masterIp), on, true);
    expect(p.errors).toEqual([]);
    expect([...p.sysctlsPre, ...p.ip, ...p.sysctlsPost]).toEqual([]);
  });

  it('backup -> master: the IPv6 address without DAD before the link comes up, its default route after', () => {
    const p = computePlan(config6(), 'master', parseIpState(backupIp), off, true);
    expect(p.ip).toEqual([
      'address add 203.0.113.10/32 dev eth2',
      'address add 2001:db8:ff::20/64 dev eth2 nodad',
      'link set dev eth2 up',
      'route replace 198.51.100.1/32 dev eth2 scope link',
      'route replace default via 198.51.100.1 dev eth2',
      // A replace takes the place of the backup's route of the same destination and metric: no delete.
      'route replace ::/0 via fe80::1 dev eth2',
    ]);
    expect(p.sysctlsPost.map((s) => s.key)).toEqual(['net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding']);
  });

  it('master -> backup: the link goes down first (its IPv6 address goes with it), IPv4 deleted, routes via the peer', () => {
    const p = computePlan(config6(), 'backup', parseIpState(masterIp), on, true);
    expect(p.sysctlsPre.map((s) => `${s.key}=${s.to}`)).toEqual([
      'net/ipv4/ip_forward=0',
      'net/ipv6/conf/all/forwarding=0',
    ]);
    expect(p.ip).toEqual([
      'link set dev eth2 down',
      'address del 203.0.113.10/32 dev eth2',
      'route replace default via 10.10.1.2 dev eth1 src 10.10.1.1',
      'route replace ::/0 via 2001:db8:10::1 dev eth1 src 2001:db8:10::2',
    ]);
  });

  it("a route written with the kernel's default IPv6 metric is the route the kernel shows without one", () => {
    const c = config6();
    c.roles.master.routes = c.roles.master.routes.map((r) => (r.dst === '::/0' ? { ...r, metric: 1024 } : r));
    const p = computePlan(c, 'master', parseIpState(masterIp), on, true);
    expect(p.ip).toEqual([]);
  });

  it('backup on a backup: nothing to do', () => {
    const p = computePlan(config6(), 'backup', parseIpState(backupIp), off, true);
    expect([...p.sysctlsPre, ...p.ip, ...p.sysctlsPost]).toEqual([]);
  });
});
