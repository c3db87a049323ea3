/**
 * The mechanism of radvd.ts with the real radvd and kernel, in two scratch namespaces (a router with the
 * generated radvd.conf and firewall, a host that takes advertisements):
 * - radvd stopped after the link-local VIP is gone (radvd.service ordered before keepalived) sends the host
 *   no farewell: its default route stays; stopped while it holds the VIP, its farewell removes the route;
 * - radvd announcing from its own link-local address (a config without AdvRASrcAddress) reaches no host
 *   through the generated firewall's output rule, and does once that firewall is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '@hagate/spec';
import { createNetns, type Netns, needs, runOk } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from './index.js';

const spec = loadSpec(
  readFileSync(new URL('../../../examples/multi/hagate.yaml', import.meta.url), 'utf8'),
  'multi.yaml',
);
if (!spec.ok) throw new Error('examples/multi must load');
const files = synth({ spec: spec.spec, source: 'multi.yaml' });
const fileText = (p: string) => String(files.find((f) => f.path === p)?.contents ?? '');
const dir = mkdtempSync(join(tmpdir(), 'hgt-radvd-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A router namespace (eth1 to the host, eth3 a stub) and a host namespace taking advertisements. */
function pair(): { router: Netns; host: Netns; done: () => Promise<void> } {
  const router = createNetns('rar');
  const host = createNetns('rah');
  runOk([
    'ip',
    '-n',
    router.name,
    'link',
    'add',
    'eth1',
    'type',
    'veth',
    'peer',
    'name',
    'h0',
    'netns',
    host.name,
  ]);
  runOk(['ip', '-n', router.name, 'link', 'add', 'eth3', 'type', 'veth', 'peer', 'name', 'eth3p']);
  for (const [ns, key, value] of [
    [router, 'net.ipv6.conf.all.forwarding', '1'],
    [router, 'net.ipv6.conf.eth1.accept_dad', '0'],
    [host, 'net.ipv6.conf.h0.accept_dad', '0'],
    [host, 'net.ipv6.conf.h0.accept_ra', '1'],
  ] as const)
    runOk(['ip', 'netns', 'exec', ns.name, 'sysctl', '-q', '-w', `${key}=${value}`]);
  for (const l of ['eth1', 'eth3', 'eth3p']) runOk(['ip', '-n', router.name, 'link', 'set', l, 'up']);
  runOk(['ip', '-n', host.name, 'link', 'set', 'h0', 'up']);
  return {
    router,
    host,
    done: async () => {
      for (const c of started.splice(0)) await stop(c);
      router.remove();
      host.remove();
    },
  };
}

/** Every radvd a test started: stopped in its `finally`, whatever failed. */
const started: ChildProcess[] = [];

function startRadvd(router: Netns, conf: string, label: string): ChildProcess {
  const path = join(dir, `${label}.conf`);
  writeFileSync(path, conf, { mode: 0o644 });
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      router.name,
      'radvd',
      '--nodaemon',
      '-C',
      path,
      '-p',
      join(dir, `${label}.pid`),
      '-m',
      'stderr',
    ],
    { stdio: 'ignore' },
  );
  started.push(child);
  return child;
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await gone;
}

const defaults = (host: Netns) => host.exec(['ip', '-6', 'route', 'show', 'default']).stdout.trim();

/** Polls the host's default routes until `ok` holds or `ms` passed; returns the last listing. */
async function until(host: Netns, ok: (routes: string) => boolean, ms: number): Promise<string> {
  const end = Date.now() + ms;
  let routes = defaults(host);
  while (!ok(routes) && Date.now() < end) {
    await sleep(100);
    routes = defaults(host);
  }
  return routes;
}

describe('radvd and the kernel: one router, the VIP, no farewell', { timeout: 60_000 }, () => {
  it('radvd stopped after the VIP is gone sends no farewell; stopped while holding it, it does', async (ctx) => {
    needs(ctx, 'root', 'ip', 'radvd');
    const { router, host, done } = pair();
    const conf = fileText('gw1/etc/radvd.conf');
    try {
      runOk(['ip', '-n', router.name, 'addr', 'add', 'fe80::1/64', 'dev', 'eth1', 'nodad']);
      const first = startRadvd(router, conf, 'first');
      expect(await until(host, (r) => r.includes('via fe80::1 dev h0'), 10_000)).toMatch(
        /^default via fe80::1 dev h0 proto ra /,
      );
      // keepalived stops first (radvd.service is ordered before it): the VIP goes, then radvd.
      runOk(['ip', '-n', router.name, 'addr', 'del', 'fe80::1/64', 'dev', 'eth1']);
      await sleep(300);
      await stop(first);
      await sleep(1000);
      expect(defaults(host)).toMatch(/^default via fe80::1 dev h0 proto ra /);

      // The control: radvd stopped while it holds the VIP tells the host to drop its router at once.
      runOk(['ip', '-n', router.name, 'addr', 'add', 'fe80::1/64', 'dev', 'eth1', 'nodad']);
      const second = startRadvd(router, conf, 'second');
      await sleep(1000);
      await stop(second);
      expect(await until(host, (r) => r === '', 3000)).toBe('');
    } finally {
      await done();
    }
  });

  it("the firewall's output rule stops advertisements from a router's own link-local address", async (ctx) => {
    needs(ctx, 'root', 'ip', 'nft', 'radvd');
    const { router, host, done } = pair();
    // A radvd that announces from its own link-local address (no AdvRASrcAddress: radvd's default).
    const conf = fileText('gw1/etc/radvd.conf').replace(/\tAdvRASrcAddress \{\n\t\tfe80::1;\n\t\};\n/g, '');
    expect(conf).not.toContain('AdvRASrcAddress');
    const fw = join(dir, 'hagate.nft');
    writeFileSync(fw, fileText('gw1/etc/nftables/hagate.nft'));
    try {
      const load = router.exec(['nft', '-f', fw]);
      expect(load.status, load.stderr).toBe(0);
      const radvd = startRadvd(router, conf, 'own');
      try {
        // radvd sends its first advertisement at once: none may arrive through the firewall.
        await sleep(3000);
        expect(defaults(host)).toBe('');
        // The control: without the firewall, a reload's advertisement makes the router's own address a
        // default router of the host.
        router.exec(['nft', 'flush', 'ruleset']);
        radvd.kill('SIGHUP');
        expect(await until(host, (r) => r !== '', 10_000)).toMatch(
          /^default via fe80::[0-9a-f:]+ dev h0 proto ra /,
        );
        expect(defaults(host)).not.toContain('via fe80::1 ');
      } finally {
        await stop(radvd);
      }
    } finally {
      await done();
    }
  });
});
