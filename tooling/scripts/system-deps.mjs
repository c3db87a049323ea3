#!/usr/bin/env node
// Installs the Debian packages whose programs check hagate's generated files (keepalived -t, nft -c,
// virt-xml-validate, virsh, ifquery, ip, ping). Runs before the test suite: as root it installs what is
// missing; otherwise it only reports. Under CI=true a missing tool is an error, never a silent skip.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  ['keepalived', '/usr/sbin/keepalived'],
  ['nftables', '/usr/sbin/nft'],
  ['iproute2', '/usr/sbin/ip'],
  ['ifupdown', '/usr/sbin/ifquery'],
  ['libvirt-clients', '/usr/bin/virsh'],
  ['libxml2-utils', '/usr/bin/xmllint'],
  ['iputils-ping', '/usr/bin/ping'],
  // arping sends the gratuitous ARP of a peer taking over, in the agent's handover tests.
  ['iputils-arping', '/usr/bin/arping'],
  // conntrackd and conntrack check the generated conntrackd.conf and the agent's stateful failover.
  ['conntrackd', '/usr/sbin/conntrackd'],
  ['conntrack', '/usr/sbin/conntrack'],
];
const missing = needs.filter(([, bin]) => !existsSync(bin)).map(([pkg]) => pkg);
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  const msg = `system-deps: missing Debian packages: ${missing.join(' ')} (run as root to install them)`;
  if (process.env.CI === 'true') {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}
console.log(`system-deps: installing ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
if (!run(['update', '-q']) || !run(['install', '-y', '-q', '--no-install-recommends', ...missing])) {
  console.error('system-deps: apt-get failed');
  process.exit(1);
}
// keepalived's package starts a service we do not want running on the test machine.
spawnSync('systemctl', ['stop', 'keepalived'], { stdio: 'ignore' });
spawnSync('pkill', ['-x', 'keepalived'], { stdio: 'ignore' });
