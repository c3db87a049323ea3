/**
 * The lab beyond the how-to's one LAN and IPv4: the other segments' hosts, IPv6 on the hosts, the provider
 * and the internet host, the VIPs a router holds, and the invariants and probes over every VIP of every
 * segment in both families. A spec of one IPv4 instance (the how-to) adds nothing here.
 */
import { run, runSyncOk } from './exec.js';
import type { LabPlan } from './plan.js';
import { Probe } from './probe.js';
import type { InvariantResult } from './scenarios.js';
import { ipBatch, plugIntoBridge } from './veth.js';

const sysctl = (ns: string, key: string, value: string) =>
  runSyncOk(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=${value}`]);

/** True when the lab has more than the how-to's pair: several VIPs or IPv6. */
export function isMulti(plan: LabPlan): boolean {
  return plan.vips.length > 1 || plan.ipv6 !== undefined;
}

/** Creates the other segments' hosts and the IPv6 of every host, the provider and the internet host. */
export function buildMulti(plan: LabPlan): void {
  for (const h of plan.segments) {
    const main = h.ns === plan.lan.ns;
    if (!main) {
      runSyncOk(['ip', 'netns', 'add', h.ns]);
      plugIntoBridge(plan.hv, h);
      ipBatch(h.ns, [
        'link set lo up',
        ...(h.addr ? [`addr add ${h.addr}/${h.prefix} dev ${h.ifname}`] : []),
        `link set ${h.ifname} up`,
        ...(h.gateway ? [`route add default via ${h.gateway}`] : []),
      ]);
    }
    if (h.addr6) {
      // The lab's own hosts skip duplicate address detection: usable at once.
      sysctl(h.ns, `net.ipv6.conf.${h.ifname}.accept_dad`, '0');
      ipBatch(h.ns, [
        `addr add ${h.addr6}/${h.prefix6} dev ${h.ifname} nodad`,
        `route add ::/0 via ${h.gateway6} dev ${h.ifname}`,
      ]);
    }
  }
  const v6 = plan.ipv6;
  if (!v6) return;
  const pr = plan.provider;
  const lines = [`addr add ${v6.providerAddr}/${v6.providerPrefix} dev ${pr.ifname} nodad`];
  if (v6.gateway !== v6.providerAddr) lines.push(`addr add ${v6.gateway}/64 dev ${pr.ifname} nodad`);
  lines.push(
    `addr add ${v6.upAddr}/64 dev ${pr.upIfname} nodad`,
    // The provider routes the pair's prefixes to the router's provider-side address (whichever holds it).
    ...v6.routed.map((p) => `route add ${p} via ${v6.external} dev ${pr.ifname}`),
  );
  ipBatch(pr.ns, lines);
  sysctl(pr.ns, 'net.ipv6.conf.all.forwarding', '1');
  ipBatch(plan.inet.ns, [
    `addr add ${v6.inetAddr}/64 dev ${plan.inet.ifname} nodad`,
    `route add ::/0 via ${v6.upAddr}`,
  ]);
}

/** The namespaces buildMulti made (the main LAN host's is plan.lan's). */
export function multiNamespaces(plan: LabPlan): string[] {
  return plan.segments.filter((h) => h.ns !== plan.lan.ns).map((h) => h.ns);
}

type Addr = { ifname: string; addr_info: { family: string; local: string }[] };

/** The VIPs of the plan a router holds, from its `ip -j addr show`, as `iface address`. */
function heldVips(plan: LabPlan, links: Addr[]): string[] {
  return plan.vips
    .filter((v) =>
      links.some(
        (l) =>
          l.ifname === v.iface &&
          l.addr_info.some((a) => a.family === (v.family === 4 ? 'inet' : 'inet6') && a.local === v.address),
      ),
    )
    .map((v) => `${v.iface} ${v.address}`);
}

/** What a router holds of the plan's VIPs and provider-side IPv6, from its `ip -j addr show`. */
export function heldBy(plan: LabPlan, ext: string, links: Addr[]): { vips: string[]; external6: boolean } {
  return { vips: heldVips(plan, links), external6: holdsExternal6(plan, ext, links) };
}

/** True when a router holds the provider-side IPv6 address. */
function holdsExternal6(plan: LabPlan, ext: string, links: Addr[]): boolean {
  const v6 = plan.ipv6;
  return (
    !!v6 &&
    links.some(
      (l) => l.ifname === ext && l.addr_info.some((a) => a.family === 'inet6' && a.local === v6.external),
    )
  );
}

/** The probes through every VIP other than the main IPv4 one's (scenarios.ts runs those two), both ways. */
export function multiProbes(plan: LabPlan, intervalMs: number): Probe[] {
  const out: Probe[] = [];
  for (const h of plan.segments) {
    if (h.ns !== plan.lan.ns && h.addr)
      out.push(new Probe(`${h.segment}->internet`, h.ns, plan.inet.addr, intervalMs));
    if (h.addr6 && plan.ipv6) {
      out.push(new Probe(`${h.segment}->internet v6`, h.ns, plan.ipv6.inetAddr, intervalMs));
      out.push(new Probe(`internet->${h.segment} v6`, plan.inet.ns, h.addr6, intervalMs));
    }
  }
  return out;
}

async function pings(ns: string, target: string): Promise<number> {
  const r = await run(['ip', 'netns', 'exec', ns, 'ping', '-n', '-c', '5', '-i', '0.05', '-W', '1', target], {
    timeoutMs: 10_000,
  });
  return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
}

/**
 * Every VIP of every segment on the master (the router that holds the failover IP), the provider-side IPv6
 * there too, and traffic through each VIP: IPv4 out (SNAT) and IPv6 out and in (routed).
 */
export async function multiInvariants(
  plan: LabPlan,
  snaps: { router: string; vips: string[]; external6: boolean; hasFailoverIp: boolean }[],
): Promise<InvariantResult[]> {
  if (!isMulti(plan)) return [];
  const master = snaps.filter((s) => s.hasFailoverIp).map((s) => s.router);
  const out: InvariantResult[] = [];
  const all = plan.vips.map((v) => `${v.iface} ${v.address}`);
  const holders = (vip: string) => snaps.filter((s) => s.vips.includes(vip)).map((s) => s.router);
  const misplaced = all.filter((v) => {
    const h = holders(v);
    return !(master.length === 1 && h.length === 1 && h[0] === master[0]);
  });
  out.push({
    name: `every VIP of every segment (${all.length}) is on the failover IP's router`,
    ok: misplaced.length === 0,
    detail:
      misplaced.length === 0
        ? `${master[0]}: ${all.join(', ')}`
        : misplaced.map((v) => `${v} on ${holders(v).join('+') || 'none'}`).join('; '),
  });
  if (plan.ipv6) {
    const h6 = snaps.filter((s) => s.external6).map((s) => s.router);
    out.push({
      name: "the provider-side IPv6 address is on the failover IP's router only",
      ok: master.length === 1 && h6.length === 1 && h6[0] === master[0],
      detail: h6.join(', ') || 'none',
    });
  }
  const checks: [string, string, string][] = [];
  for (const h of plan.segments) {
    if (h.ns !== plan.lan.ns && h.addr)
      checks.push([`${h.segment} host -> internet host (IPv4, SNAT)`, h.ns, plan.inet.addr]);
    if (h.addr6 && plan.ipv6) {
      checks.push([`${h.segment} host -> internet host (IPv6)`, h.ns, plan.ipv6.inetAddr]);
      checks.push([`internet host -> ${h.segment} host (IPv6, routed)`, plan.inet.ns, h.addr6]);
    }
  }
  const answered = await Promise.all(checks.map(([, ns, target]) => pings(ns, target)));
  checks.forEach(([name], i) => {
    out.push({ name, ok: (answered[i] ?? 0) > 0, detail: `${answered[i]}/5 answered` });
  });
  return out;
}
