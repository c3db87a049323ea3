/**
 * Shared by the robustness tests: the real agent bundle (built into the test's own folder, so parallel
 * test files never race on dist/), router namespaces (eth1 = LAN 10.10.1.2/24, eth2 = external) and the
 * kernel state read with `ip -json` and /proc (never the agent's own report).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { createNetns, type Netns, run } from '@hagate/testkit';

export const IP = '/usr/sbin/ip';
export const appDir = fileURLToPath(new URL('..', import.meta.url));
export const quietEnv = { ...process.env, HAGATE_AGENT_NO_SYSLOG: '1' };

/** The router's firewall, loaded when a test router "boots": right in both roles, never loaded by the agent. */
export const FIREWALL = `add table inet hagate
delete table inet hagate
table inet hagate {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    iifname "eth1" oifname "eth2" snat ip to 203.0.113.10
  }
}
`;

/**
 * The dedibox extrout2 agent config the namespace tests use: paths in the test's folder `dir` (state in
 * `dir/NAME/state`, the firewall `dir/hagate.nft`), the lock `LOCKPREFIX/NAME`.
 */
export function testConfig(dir: string, name: string, lockPrefix: string): AgentConfig {
  return {
    version: 2,
    router: 'extrout2',
    instance: 'ROUTEUR_1',
    externalNic: 'eth2',
    stateDir: join(dir, name, 'state'),
    lockName: `${lockPrefix}/${name}`,
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
        routes: [{ dst: 'default', via: '10.10.1.1', dev: 'eth1', src: '10.10.1.2' }],
        sysctls: [
          { key: 'net/ipv4/conf/eth2/arp_notify', value: '1', stage: 'pre' },
          { key: 'net/ipv4/ip_forward', value: '0', stage: 'pre' },
        ],
        announce: {},
      },
    },
    firewall: { ruleset: join(dir, 'hagate.nft'), table: { family: 'inet', name: 'hagate' } },
    demote: { file: join(dir, name, 'demote') },
  };
}

export interface Lab {
  dir: string;
  bundle: string;
  config(name: string, edit?: (c: AgentConfig) => void): string;
  router(label: string): Netns;
  argv(ns: Netns, cfg: string, args: string[]): string[];
  agent(ns: Netns, cfg: string, args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof run>;
  start(ns: Netns, cfg: string, args: string[], env?: NodeJS.ProcessEnv): Started;
  stateFile(name: string): string;
  cleanup(): void;
}

export interface Started {
  child: ChildProcess;
  stderr(): string;
  done: Promise<{ code: number | null; stderr: string }>;
}

/** Builds the bundle into a scratch folder and returns the helpers bound to it. */
export function makeLab(label: string): Lab {
  const dir = mkdtempSync(join(tmpdir(), `hagate-agent-${label}-`));
  const b = spawnSync(process.execPath, [join(appDir, 'build.mjs'), join(dir, 'bin')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`agent build failed: ${b.stderr}`);
  const bundle = join(dir, 'bin', 'hagate-agent');
  writeFileSync(join(dir, 'hagate.nft'), FIREWALL);
  const namespaces: Netns[] = [];
  const argv = (ns: Netns, cfg: string, args: string[]) => [
    IP,
    'netns',
    'exec',
    ns.name,
    process.execPath,
    bundle,
    '--config',
    cfg,
    ...args,
  ];
  return {
    dir,
    bundle,
    config(name, edit = () => {}) {
      const c = testConfig(dir, name, `hagate-agent-${label}`);
      edit(c);
      mkdirSync(join(dir, name), { recursive: true });
      const file = join(dir, name, 'agent.json');
      writeFileSync(file, JSON.stringify(c, null, 2));
      chmodSync(file, 0o644);
      return file;
    },
    router(l) {
      const ns = createNetns(l);
      namespaces.push(ns);
      for (const nic of ['eth1', 'eth2']) {
        run([IP, '-n', ns.name, 'link', 'add', nic, 'type', 'veth', 'peer', 'name', `${nic}p`]);
        run([IP, '-n', ns.name, 'link', 'set', `${nic}p`, 'up']);
      }
      run([IP, '-n', ns.name, 'link', 'set', 'eth1', 'up']);
      run([IP, '-n', ns.name, 'address', 'add', '10.10.1.2/24', 'dev', 'eth1']);
      // Boot: nftables.service loads the firewall before keepalived starts.
      const fw = ns.exec(['nft', '-f', join(dir, 'hagate.nft')]);
      if (fw.status !== 0) throw new Error(`nft -f hagate.nft: ${fw.stderr}`);
      return ns;
    },
    argv,
    agent: (ns, cfg, args, env = quietEnv) => run(argv(ns, cfg, args), { env, timeoutMs: 120_000 }),
    start(ns, cfg, args, env = quietEnv) {
      const a = argv(ns, cfg, args);
      const child = spawn(a[0] as string, a.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const done = new Promise<{ code: number | null; stderr: string }>((r) =>
        child.once('close', (code) => r({ code, stderr })),
      );
      return { child, stderr: () => stderr, done };
    },
    stateFile: (name) => join(dir, name, 'state', 'state.json'),
    cleanup() {
      for (const ns of namespaces) ns.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The owned objects as the kernel shows them (`ip -json`, /proc). */
export function kernel(ns: Netns) {
  const json = (argv: string[]) => JSON.parse(ns.exec([IP, '-json', ...argv]).stdout);
  const link = json(['address', 'show', 'dev', 'eth2'])[0] as {
    flags: string[];
    addr_info: { family: string; local: string; prefixlen: number }[];
  };
  const routes = json(['route', 'show', 'table', 'main']) as { dst: string; gateway?: string; dev: string }[];
  return {
    eth2Up: link.flags.includes('UP'),
    eth2Addresses: link.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
    defaultRoute: routes
      .filter((r) => r.dst === 'default')
      .map((r) => `via ${r.gateway} dev ${r.dev}`)
      .join(', '),
    ipForward: ns.exec(['cat', '/proc/sys/net/ipv4/ip_forward']).stdout.trim(),
  };
}

/** The role the kernel is in: master, backup, or mixed (anything else). */
export function kernelRole(ns: Netns): 'master' | 'backup' | 'mixed' {
  const k = kernel(ns);
  if (
    k.eth2Up &&
    k.eth2Addresses.join() === '203.0.113.10/32' &&
    k.defaultRoute === 'via 198.51.100.1 dev eth2' &&
    k.ipForward === '1'
  )
    return 'master';
  if (
    !k.eth2Up &&
    k.eth2Addresses.length === 0 &&
    k.defaultRoute === 'via 10.10.1.1 dev eth1' &&
    k.ipForward === '0'
  )
    return 'backup';
  return 'mixed';
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Waits for `p` (a bound for a hung run, not a timing assertion: generous for a loaded machine). */
export async function until(p: () => boolean, what: string, ms = 90_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (p()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}
