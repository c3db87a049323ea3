/** What the kernel of a lab router says right now: the pair's invariants are made of these. */
import { run, runSync } from './exec.js';
import type { Lab } from './lab.js';
import { heldBy } from './multi.js';

export interface RouterSnapshot {
  router: string;
  up: boolean;
  keepalived: boolean;
  hasVip: boolean;
  hasFailoverIp: boolean;
  extUp: boolean;
  hasNat: boolean;
  /** Every VIP of the plan it holds (`iface address`); external6: it holds the provider-side IPv6. */
  vips: string[];
  external6: boolean;
  defaultVia?: string;
  defaultDev?: string;
  /** keepalived's last state line. */
  vrrpState?: string;
}

/** One router's snapshot: its addresses, default route and NAT rules, read from its namespace. */
export async function routerSnapshot(lab: Lab, name: string): Promise<RouterSnapshot> {
  const r = lab.router(name);
  const p = lab.plan;
  const up = runSync(['ip', 'netns', 'list'])
    .stdout.split('\n')
    .some((l) => l.split(' ')[0] === r.ns);
  const base: RouterSnapshot = {
    router: name,
    up,
    keepalived: lab.keepalivedRunning(name),
    hasVip: false,
    hasFailoverIp: false,
    extUp: false,
    hasNat: false,
    vips: [],
    external6: false,
    ...(lab.vrrpState(name) ? { vrrpState: lab.vrrpState(name) } : {}),
  };
  if (!up) return base;
  const [addrs, routes, nft] = await Promise.all([
    run(['ip', '-n', r.ns, '-j', 'addr', 'show']),
    run(['ip', '-n', r.ns, '-j', 'route', 'show', 'default']),
    run(['ip', 'netns', 'exec', r.ns, 'nft', 'list', 'ruleset']),
  ]);
  type Addr = { ifname: string; flags: string[]; addr_info: { family: string; local: string }[] };
  const links = JSON.parse(addrs.stdout || '[]') as Addr[];
  const has = (ifname: string, ip: string) =>
    links.some((l) => l.ifname === ifname && l.addr_info.some((a) => a.family === 'inet' && a.local === ip));
  const ext = links.find((l) => l.ifname === r.ext.ifname);
  const def = (JSON.parse(routes.stdout || '[]') as { gateway?: string; dev?: string }[])[0];
  return {
    ...base,
    hasVip: has(p.vrrpIface, p.vip),
    hasFailoverIp: has(r.ext.ifname, p.failoverIp),
    ...heldBy(p, r.ext.ifname, links),
    extUp: !!ext?.flags.includes('UP'),
    // NAT that can act: hagate's rule matches the external NIC, which only the master has up (the rule is
    // loaded on both routers); the how-to's scripts load theirs on the master only.
    hasNat: natLines(nft.stdout).some(
      (l) =>
        !/\boifname\b/.test(l) || (!!ext?.flags.includes('UP') && l.includes(`oifname "${r.ext.ifname}"`)),
    ),
    ...(def?.gateway ? { defaultVia: def.gateway } : {}),
    ...(def?.dev ? { defaultDev: def.dev } : {}),
  };
}

/** The NAT rules of an `nft list ruleset` listing. */
function natLines(listing: string): string[] {
  return listing.split('\n').filter((l) => /\b(snat|masquerade)\b/.test(l));
}
