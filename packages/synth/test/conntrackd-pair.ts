/**
 * The real conntrackd on the generated configs of both routers, each in its own scratch network namespace
 * joined by one veth named as the sync segment's interface. Only the lock and socket paths move into a
 * temporary folder; the rest of each config is what the router gets. The daemons are the test's own
 * children, stopped by `stop()`; nothing else on the machine is touched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, type Netns } from '@hagate/testkit';
import { CONNTRACKD_SOCKET, conntrackdConf, syncLink } from '../src/conntrackd.js';
import type { SynthInput } from '../src/types.js';

export interface ConntrackdRouter {
  name: string;
  ns: Netns;
  conf: string;
  /** What the daemon wrote on stderr (conntrackd's config warnings go there). */
  stderr: () => string;
  /** `conntrackd -C conf ARGS` in the router's namespace. */
  ctl: (...args: string[]) => { status: number; stdout: string; stderr: string };
}

export class ConntrackdPair {
  readonly routers: ConntrackdRouter[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'hgt-ctd-'));
  private readonly namespaces: Netns[] = [];
  private readonly daemons: ChildProcess[] = [];

  /** Creates the namespaces and the sync link, and starts both daemons; resolves once both answer. */
  async start(input: SynthInput, routers: [string, string], tag: string): Promise<void> {
    const ns = routers.map((_r, k) => {
      const n = createNetns(`${tag}${k + 1}`);
      this.namespaces.push(n);
      return n;
    }) as [Netns, Netns];
    const link = syncLink(input.spec, routers[0]);
    if (!link) throw new Error('the spec has no usable conntrackSync');
    must(ns[0].exec(['ip', 'link', 'add', link.iface, 'type', 'veth', 'peer', 'name', 'ctdpeer']));
    must(ns[0].exec(['ip', 'link', 'set', 'ctdpeer', 'netns', ns[1].name]));
    must(ns[1].exec(['ip', 'link', 'set', 'ctdpeer', 'name', link.iface]));
    for (const [k, name] of routers.entries()) {
      const n = ns[k] as Netns;
      const self = syncLink(input.spec, name)?.self as string;
      must(n.exec(['ip', 'address', 'add', `${self}/24`, 'dev', link.iface]));
      must(n.exec(['ip', 'link', 'set', link.iface, 'up']));
      must(n.exec(['ip', 'link', 'set', 'lo', 'up']));
      const conf = join(this.dir, `${name}.conf`);
      writeFileSync(
        conf,
        conntrackdConf(input, name)
          .replace(CONNTRACKD_SOCKET, join(this.dir, `${name}.ctl`))
          .replace('/var/lock/conntrack.lock', join(this.dir, `${name}.lock`)),
      );
      // In the foreground, as the test's own child.
      const d = spawn('ip', ['netns', 'exec', n.name, 'conntrackd', '-C', conf], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      d.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      this.daemons.push(d);
      const sock = join(this.dir, `${name}.ctl`);
      for (let t = 0; t < 100 && !existsSync(sock); t++) await new Promise((r) => setTimeout(r, 50));
      this.routers.push({
        name,
        ns: n,
        conf,
        stderr: () => stderr,
        ctl: (...args) => n.exec(['conntrackd', '-C', conf, ...args]),
      });
    }
  }

  /** Polls `conntrackd -e` (the external cache: what the peer sent) on router k until `done` holds. */
  async externalCache(k: number, done: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const r = this.routers[k] as ConntrackdRouter;
    const deadline = Date.now() + timeoutMs;
    let text = r.ctl('-e').stdout;
    while (Date.now() < deadline && !done(text)) {
      await new Promise((res) => setTimeout(res, 200));
      text = r.ctl('-e').stdout;
    }
    return text;
  }

  async stop(): Promise<void> {
    for (const d of this.daemons) {
      d.kill('SIGTERM');
      if (d.exitCode === null) await new Promise((r) => d.once('exit', r));
    }
    for (const n of this.namespaces) n.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `conntrack -I` arguments of an established TCP connection; the family follows the addresses. `snat`: the
 * kernel source-NATs it to that address (its reply then goes to it), as the master's SNAT rule does.
 */
export function tcpEntry(src: string, dst: string, sport: number, dport: number, snat?: string): string[] {
  const nat = snat ? ['--src-nat', snat] : [];
  return [
    'conntrack',
    '-I',
    '-p',
    'tcp',
    '-s',
    src,
    '-d',
    dst,
    ...nat,
    '--sport',
    String(sport),
    '--dport',
    String(dport),
    '--state',
    'ESTABLISHED',
    '-t',
    '300',
    '-u',
    'ASSURED',
  ];
}

function must(r: { status: number; stderr: string }): void {
  if (r.status !== 0) throw new Error(r.stderr);
}
