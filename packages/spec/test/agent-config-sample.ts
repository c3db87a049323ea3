/** A valid agent.json (extrout1 of the dedibox example), shared by the tests of its schema and of the agent. */
import type { AgentConfig } from '../src/agent-config.js';

export function sampleAgentConfig(): AgentConfig {
  return {
    version: 2,
    router: 'extrout1',
    instance: 'ROUTEUR_1',
    externalNic: 'eth2',
    stateDir: '/run/hagate',
    lockName: 'hagate-agent/ROUTEUR_1',
    syslog: { ident: 'hagate-agent', facility: 'daemon' },
    commandTimeoutMs: 5000,
    owned: { links: ['eth2'], addressesOn: ['eth2'], routes: ['default', '198.51.100.1/32'] },
    roles: {
      master: {
        links: [{ name: 'eth2', up: true }],
        addresses: [{ dev: 'eth2', cidr: '203.0.113.10/32' }],
        routes: [
          { dst: '198.51.100.1/32', dev: 'eth2', scope: 'link' },
          { dst: 'default', via: '198.51.100.1', dev: 'eth2' },
        ],
        sysctls: [
          { key: 'net/ipv4/conf/eth2/arp_notify', value: '1', stage: 'pre' },
          { key: 'net/ipv4/ip_forward', value: '1', stage: 'post' },
        ],
        announce: { probe: { address: '198.51.100.1', method: 'udp' } },
      },
      backup: {
        links: [{ name: 'eth2', up: false }],
        addresses: [],
        routes: [{ dst: 'default', via: '10.10.1.2', dev: 'eth1', src: '10.10.1.1' }],
        sysctls: [{ key: 'net/ipv4/ip_forward', value: '0', stage: 'pre' }],
        announce: {},
      },
    },
    firewall: { ruleset: '/etc/nftables/hagate.nft', table: { family: 'inet', name: 'hagate' } },
    demote: { file: '/run/hagate-agent.demote' },
  };
}
