import type { AgentConfig } from '@hagate/spec/agent-config';
import { describe, expect, it } from 'vitest';
import { sampleAgentConfig } from '../../../packages/spec/test/agent-config-sample.js';
import { parseFifoLine } from './fifo.js';
import { type KernelState, parseIpState, splitJsonDocs } from './kernel.js';
import { changeCount, computePlan } from './plan.js';

const config: AgentConfig = sampleAgentConfig();

// What `ip -json -batch -` prints for `address show` + `route show table main` on a backup router.
const backupIp = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},{"ifindex":3,"ifname":"eth1","flags":["BROADCAST","UP"],"addr_info":[{"family":"inet","local":"10.10.1.1","prefixlen":24,"scope":"global","label":"eth1 [x]"}]},{"ifindex":4,"ifname":"eth2","flags":["BROADCAST"],"addr_info":[]}]
[{"dst":"default","gateway":"10.10.1.2","dev":"eth1","prefsrc":"10.10.1.1","flags":[]},{"dst":"10.10.1.0/24","dev":"eth1","protocol":"kernel","scope":"link","prefsrc":"10.10.1.1","flags":[]}]`;

const masterIp = `[{"ifname":"eth1","flags":["UP"],"addr_info":[{"family":"inet","local":"10.10.1.1","prefixlen":24,"scope":"global"}]},{"ifname":"eth2","flags":["UP"],"addr_info":[{"family":"inet","local":"203.0.113.10","prefixlen":32,"scope":"global"},{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]
[{"dst":"default","gateway":"198.51.100.1","dev":"eth2","flags":[]},{"dst":"10.10.1.0/24","dev":"eth1","protocol":"kernel","scope":"link","prefsrc":"10.10.1.1","flags":[]},{"dst":"198.51.100.1","dev":"eth2","scope":"link","flags":[]}]`;

const sysctls =
  (values: Record<string, string>) =>
  (key: string): string | undefined =>
    values[key];

describe('parsing the kernel state', () => {
  it('splits concatenated JSON documents, brackets inside strings included', () => {
    expect(splitJsonDocs('[{"a":"]["}]\n[1,[2]]')).toEqual(['[{"a":"]["}]', '[1,[2]]']);
  });

  it('reads links, their IPv4 addresses with their scope, and the routes', () => {
    const k = parseIpState(masterIp);
    expect(k.links.get('eth2')).toEqual({
      name: 'eth2',
      up: true,
      addresses: [{ cidr: '203.0.113.10/32', scope: 'global' }],
    });
    expect(parseIpState(backupIp).links.get('lo')?.addresses).toEqual([
      { cidr: '127.0.0.1/8', scope: 'host' },
    ]);
    expect(k.routes).toHaveLength(3);
  });
});

describe('computePlan', () => {
  it('backup -> master: address, link up, host route then default, sysctls around; no nft', () => {
    const p = computePlan(
      config,
      'master',
      parseIpState(backupIp),
      sysctls({ 'net/ipv4/conf/eth2/arp_notify': '0', 'net/ipv4/ip_forward': '0' }),
      false,
    );
    expect(p.errors).toEqual([]);
    expect(p.roleRules).toBeUndefined();
    expect(p.sysctlsPre).toEqual([{ key: 'net/ipv4/conf/eth2/arp_notify', from: '0', to: '1' }]);
    expect(p.ip).toEqual([
      'address add 203.0.113.10/32 dev eth2',
      'link set dev eth2 up',
      'route replace 198.51.100.1/32 dev eth2 scope link',
      'route replace default via 198.51.100.1 dev eth2',
    ]);
    expect(p.sysctlsPost).toEqual([{ key: 'net/ipv4/ip_forward', from: '0', to: '1' }]);
    expect(changeCount(p)).toBe(6);
  });

  it('role rules are loaded on a role change only', () => {
    const c = sampleAgentConfig();
    c.roles.master.nftRoleRules = '/etc/nftables/hagate-role-master.nft';
    const k = parseIpState(backupIp);
    expect(computePlan(c, 'master', k, sysctls({}), false).roleRules).toEqual({
      file: '/etc/nftables/hagate-role-master.nft',
      load: true,
    });
    expect(computePlan(c, 'master', k, sysctls({}), true).roleRules?.load).toBe(false);
  });

  it('master -> backup: the shared-MAC NIC goes down first, its address next, then the default via the peer', () => {
    const p = computePlan(
      config,
      'backup',
      parseIpState(masterIp),
      sysctls({ 'net/ipv4/ip_forward': '1' }),
      false,
    );
    // Lowering eth2 removes its routes: no route del for them.
    expect(p.ip).toEqual([
      'link set dev eth2 down',
      'address del 203.0.113.10/32 dev eth2',
      'route replace default via 10.10.1.2 dev eth1 src 10.10.1.1',
    ]);
    expect(p.sysctlsPre).toEqual([{ key: 'net/ipv4/ip_forward', from: '1', to: '0' }]);
  });

  it('the desired state already there: 0 changes', () => {
    const p = computePlan(
      config,
      'master',
      parseIpState(masterIp),
      sysctls({ 'net/ipv4/conf/eth2/arp_notify': '1', 'net/ipv4/ip_forward': '1' }),
      true,
    );
    expect(changeCount(p)).toBe(0);
  });

  it('never touches objects hagate does not own; removes owned extras', () => {
    const k: KernelState = parseIpState(masterIp);
    k.routes.push({ dst: '10.0.0.0/8', gateway: '10.10.1.9', dev: 'eth1' });
    k.routes.push({ dst: 'default', gateway: '192.0.2.1', dev: 'eth1', metric: 100 });
    k.links.get('eth2')?.addresses.push({ cidr: '192.0.2.7/24', scope: 'global' });
    const p = computePlan(
      config,
      'master',
      k,
      sysctls({ 'net/ipv4/conf/eth2/arp_notify': '1', 'net/ipv4/ip_forward': '1' }),
      true,
    );
    expect(p.ip).toEqual([
      'route del default via 192.0.2.1 dev eth1 metric 100',
      'address del 192.0.2.7/24 dev eth2',
    ]);
  });

  it('a copy of the failover IP with another scope is removed before the address is added', () => {
    const k = parseIpState(backupIp);
    k.links.get('eth2')?.addresses.push({ cidr: '203.0.113.10/32', scope: 'host' });
    const p = computePlan(config, 'master', k, sysctls({}), true);
    expect(p.ip.slice(0, 2)).toEqual([
      'address del 203.0.113.10/32 dev eth2',
      'address add 203.0.113.10/32 dev eth2',
    ]);
  });

  it('reports unknown interfaces and sysctls instead of planning changes', () => {
    const k = parseIpState(masterIp);
    k.links.delete('eth2');
    const p = computePlan(config, 'master', k, sysctls({}), true);
    expect(p.errors).toContain(
      'unknown interface eth2 (owned.links[0]): no such link in this network namespace',
    );
    expect(p.errors).toContain('unknown sysctl /proc/sys/net/ipv4/ip_forward (roles.master.sysctls[1])');
  });
});

describe('parseFifoLine', () => {
  it.each([
    [
      'INSTANCE "ROUTEUR_1" MASTER 200',
      { type: 'INSTANCE', name: 'ROUTEUR_1', state: 'MASTER', priority: '200' },
    ],
    ['GROUP "G" BACKUP', { type: 'GROUP', name: 'G', state: 'BACKUP' }],
    ['INSTANCE VI_1 FAULT 0', { type: 'INSTANCE', name: 'VI_1', state: 'FAULT', priority: '0' }],
    ['garbage', undefined],
  ])('%s', (line, expected) => {
    expect(parseFifoLine(line)).toEqual(expected);
  });
});
