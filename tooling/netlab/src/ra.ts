/**
 * Router advertisements in the lab, when the generated tree has a radvd.conf (a spec with
 * `routerAdvertisements`): radvd runs in each router from boot, before keepalived (as radvd.service is
 * ordered there), with its own config, pid file and logging; one host per announcing LAN takes the
 * advertisements (accept_ra, SLAAC, no static route); and the invariant that host's IPv6 default routes must
 * meet: exactly one, through the segment's link-local VIP, never through a router's own link-local address.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeNamespace } from './cleanup.js';
import { exited, nowMs, run, runSync, runSyncOk, sleep, spawnLines } from './exec.js';
import type { Lab } from './lab.js';
import type { RouterPlan } from './plan.js';
import { Probe } from './probe.js';
import type { InvariantResult } from './scenarios.js';
import { ipBatch, plugIntoBridge } from './veth.js';

const CONF = 'etc/radvd.conf';

/** An announcing interface of radvd.conf and the one source its hosts may learn: the plan's link-local VIP
 * there (taken from the plan, not from radvd.conf, so a config that announces from elsewhere is caught). */
export interface RaInterface {
  iface: string;
  source: string;
}

/** The interfaces a radvd.conf announces on (its `interface NAME {` blocks). */
export function raInterfaceNames(conf: string): string[] {
  return [...conf.matchAll(/^interface (\S+) \{$/gm)].map((m) => m[1] as string);
}

/** A LAN host that takes the advertisements of one announcing interface. */
interface RaHost {
  ns: string;
  /** The host's NIC. */
  iface: string;
  /** The routers' interface on the host's LAN, and the bridge of that LAN. */
  lan: string;
  bridge: string;
  source: string;
  hvPort: string;
}

type Route6 = { dst: string; gateway?: string; dev?: string; protocol?: string };

export class LabRadvd {
  private readonly children = new Map<string, ChildProcess>();
  private hosts: RaHost[] = [];

  constructor(private readonly lab: Lab) {}

  /** The tree's radvd.conf of a router (the same text on both). */
  private confOf(router: string): string | undefined {
    const path = join(this.lab.tree, router, CONF);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }

  /** The announcing interfaces (none without router advertisements). */
  interfaces(): RaInterface[] {
    const p = this.lab.plan;
    const conf = this.confOf(p.routers[0].name);
    return (conf ? raInterfaceNames(conf) : []).map((iface) => {
      const vip = p.vips.find((v) => v.iface === iface && v.family === 6 && /^fe[89ab]/i.test(v.address));
      if (!vip) throw new Error(`radvd.conf announces on ${iface}, which has no link-local VIP in the plan`);
      return { iface, source: vip.address };
    });
  }

  /** One host per announcing LAN, on that LAN's bridge: accept_ra and SLAAC on, no address or route of its own. */
  buildHosts(): void {
    const p = this.lab.plan;
    this.hosts = this.interfaces().map(({ iface, source }, i) => {
      const bridge = p.routers[0].links.find((l) => l.ifname === iface)?.bridge;
      if (!bridge) throw new Error(`radvd.conf announces on ${iface}, which no bridge of the lab carries`);
      const ns = p.hv.replace(/-hv$/, `-ra${i}`);
      return { ns, iface: 'eth0', lan: iface, bridge, source, hvPort: `ra-${iface}`.slice(0, 15) };
    });
    for (const h of this.hosts) {
      runSyncOk(['ip', 'netns', 'add', h.ns]);
      plugIntoBridge(p.hv, { ns: h.ns, ifname: h.iface, hvPort: h.hvPort, bridge: h.bridge });
      // A host: no forwarding, so accept_ra=1 takes advertisements; no DAD, so its addresses work at once.
      for (const [key, value] of [
        [`net.ipv6.conf.${h.iface}.accept_dad`, '0'],
        [`net.ipv6.conf.${h.iface}.accept_ra`, '1'],
        [`net.ipv6.conf.${h.iface}.autoconf`, '1'],
      ] as const)
        runSyncOk(['ip', 'netns', 'exec', h.ns, 'sysctl', '-q', '-w', `${key}=${value}`]);
      ipBatch(h.ns, ['link set lo up', `link set ${h.iface} up`]);
    }
  }

  /** The namespaces buildHosts made. */
  namespaces(): string[] {
    return this.hosts.map((h) => h.ns);
  }

  /** Boot: radvd in the foreground in the router's namespaces, its own pid file in the router's /run. */
  start(r: RouterPlan): void {
    if (this.confOf(r.name) === undefined) return;
    const inner = this.lab.inRouter(r, [
      'radvd',
      '--nodaemon',
      '--config',
      `/${CONF}`,
      '--pidfile',
      '/run/radvd.pid',
      '--logmethod',
      'stderr',
    ]);
    const argv = this.lab.enter ? this.lab.enter(r.name, inner) : inner;
    const log = this.lab.logs.get(r.name) ?? [];
    this.lab.logs.set(r.name, log);
    this.children.set(
      r.name,
      spawnLines(argv, (line, t) => log.push(`${new Date(t).toISOString()} radvd: ${line}`)),
    );
    this.lab.log('action:boot', `${r.name}: radvd started`, r.name);
  }

  /** The lab's end (after keepalived, as radvd.service is ordered): every radvd stopped, the hosts removed. */
  async stopAll(): Promise<void> {
    for (const c of this.children.values()) {
      c.kill('SIGTERM');
      await exited(c, 5000);
    }
    for (const ns of this.namespaces()) removeNamespace(ns);
  }

  /**
   * One probe per announcing LAN's host to the internet host over IPv6 (its SLAAC address, its RA route),
   * for the hosts already served: before the first advertisement (a boot) a host has no route, and its
   * ping would exit at once; the boot is judged by the invariants instead.
   */
  probes(intervalMs: number): Probe[] {
    const inet6 = this.lab.plan.ipv6?.inetAddr;
    if (!inet6) return [];
    const served = (h: RaHost) =>
      runSync(['ip', '-n', h.ns, '-6', 'route', 'show', 'default']).stdout.trim() !== '';
    return this.hosts
      .filter(served)
      .map((h) => new Probe(`ra ${h.lan}->internet v6`, h.ns, inet6, intervalMs));
  }

  /** The IPv6 default routes of a host, as `via GATEWAY dev DEV`. */
  private async defaults(h: RaHost): Promise<string[]> {
    const r = await run(['ip', '-n', h.ns, '-6', '-j', 'route', 'show', 'default']);
    return (JSON.parse(r.stdout || '[]') as Route6[]).map(
      (x) => `via ${x.gateway ?? '-'} dev ${x.dev ?? '-'}`,
    );
  }

  /** The routers' own link-local addresses on an interface. */
  private async routerLinkLocals(iface: string, vip: string): Promise<string[]> {
    const all = await Promise.all(
      this.lab.plan.routers.map((r) =>
        run(['ip', '-n', r.ns, '-6', '-j', 'addr', 'show', 'dev', iface, 'scope', 'link']),
      ),
    );
    type Addr = { addr_info: { local?: string }[] };
    return all
      .flatMap((r) =>
        (JSON.parse(r.stdout || '[]') as Addr[]).flatMap((l) => l.addr_info.map((a) => a.local)),
      )
      .filter((a): a is string => !!a && a !== vip);
  }

  /**
   * Each announcing LAN's host: exactly one IPv6 default route, through the link-local VIP on its LAN NIC, and
   * none through a router's own link-local address. Waits up to `waitMs` for an advertisement to arrive.
   */
  async invariants(waitMs = 5000): Promise<InvariantResult[]> {
    const out: InvariantResult[] = [];
    for (const h of this.hosts) {
      const ra = { iface: h.lan, source: h.source };
      const want = `via ${ra.source} dev ${h.iface}`;
      const until = nowMs() + waitMs;
      let routes = await this.defaults(h);
      while (!(routes.length === 1 && routes[0] === want) && nowMs() < until) {
        await sleep(100);
        routes = await this.defaults(h);
      }
      const own = await this.routerLinkLocals(ra.iface, ra.source);
      const viaOwn = routes.filter((x) => own.some((a) => x.startsWith(`via ${a} `)));
      out.push({
        name: `the ${ra.iface} LAN host's one IPv6 default route is the link-local VIP (router advertisements)`,
        ok: routes.length === 1 && routes[0] === want,
        detail: `${routes.join('; ') || 'none'} (want ${want})`,
      });
      out.push({
        name: `the ${ra.iface} LAN host has no default route through a router's own link-local address`,
        ok: viaOwn.length === 0,
        detail: viaOwn.join('; ') || `none of ${own.join(', ')}`,
      });
      // And the route carries traffic: the host's SLAAC address reaches the internet host and back.
      const inet6 = this.lab.plan.ipv6?.inetAddr;
      if (inet6) {
        const ping = await run(
          ['ip', 'netns', 'exec', h.ns, 'ping', '-6', '-n', '-c', '5', '-i', '0.05', '-W', '1', inet6],
          { timeoutMs: 10_000 },
        );
        const answered = Number(/(\d+) received/.exec(ping.stdout)?.[1] ?? 0);
        out.push({
          name: `the ${h.lan} LAN host reaches the internet host through the advertised router (IPv6, SLAAC)`,
          ok: answered > 0,
          detail: `${answered}/5 answered`,
        });
      }
    }
    return out;
  }
}
