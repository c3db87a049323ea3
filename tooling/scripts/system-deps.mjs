#!/usr/bin/env node
// Installs the Debian packages whose programs check hagate's generated files (keepalived -t, nft -c,
// virt-xml-validate, virsh, ifquery, ip, ping, radvd --configtest). Runs before the test suite: as root it installs what is
// missing; otherwise it only reports. Under CI=true a missing tool is an error, never a silent skip.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';

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
  // The deploy lab: the generated playbook runs with Debian's Ansible over SSH into the router namespaces
  // (each with its own sshd, own config and host keys; the machine's ssh service is never started).
  ['ansible-core', '/usr/bin/ansible-playbook'],
  ['ansible-lint', '/usr/bin/ansible-lint'],
  ['openssh-server', '/usr/sbin/sshd'],
  ['openssh-client', '/usr/bin/ssh-keygen'],
  // udevadm test-builtin net_setup_link reads the generated .link files with udev's own parser.
  ['udev', '/usr/bin/udevadm'],
  // radvd --configtest checks the generated radvd.conf; the lab runs radvd in the router namespaces.
  ['radvd', '/usr/sbin/radvd'],
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
// No service of an installed package may start (openssh-server would start the machine's sshd, udev its
// daemon): a policy-rc.d that answers 101 ("action forbidden") for the time of apt-get, then the one that
// was there before, if any, is put back.
const POLICY = '/usr/sbin/policy-rc.d';
const saved = existsSync(POLICY) ? `${POLICY}.hagate-saved` : undefined;
if (saved) renameSync(POLICY, saved);
writeFileSync(
  POLICY,
  '#!/bin/sh\n# hagate system-deps: no service starts while packages are installed\nexit 101\n',
  {
    mode: 0o755,
  },
);
let ok = false;
try {
  ok = run(['update', '-q']) && run(['install', '-y', '-q', '--no-install-recommends', ...missing]);
} finally {
  rmSync(POLICY, { force: true });
  if (saved) renameSync(saved, POLICY);
}
if (!ok) {
  console.error('system-deps: apt-get failed');
  process.exit(1);
}
// Nothing is stopped or killed here: the tests start their own keepalived processes (their own pid files,
// in their own network namespaces) and never depend on the machine's. Debian's keepalived unit does not
// start without /etc/keepalived/keepalived.conf (ConditionFileNotEmpty), which installing the package
// does not create.
