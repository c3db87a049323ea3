/** The difference between a role's desired state and the kernel's: pure, so it is tested without root. */
import { type AgentConfig, normalizeCidr, normalizeDst, type RouteState } from '@hagate/spec/agent-config';
import type { KernelRoute, KernelState } from './kernel.js';

export type Role = 'master' | 'backup';

export interface SysctlChange {
  key: string;
  from: string;
  to: string;
}

export interface Plan {
  role: Role;
  /** Problems that forbid any change (unknown interface, unknown sysctl...). */
  errors: string[];
  /** The role's rules file (only when the spec has role-specific firewall rules), and whether it must be
   * loaded (a role change). The router's firewall itself is never loaded by a transition. */
  roleRules?: { file: string; load: boolean };
  sysctlsPre: SysctlChange[];
  /** Lines of one `ip -batch -` run, in order. */
  ip: string[];
  sysctlsPost: SysctlChange[];
  /** Probe sent once the state is applied (master), not counted as a change. */
  probe?: { address: string; method: 'udp' | 'ping' };
}

export function changeCount(p: Plan): number {
  return (p.roleRules?.load ? 1 : 0) + p.sysctlsPre.length + p.ip.length + p.sysctlsPost.length;
}

function routeArgs(r: RouteState): string {
  const parts = [r.dst === 'default' ? 'default' : normalizeDst(r.dst)];
  if (r.via) parts.push('via', r.via);
  parts.push('dev', r.dev);
  if (r.src) parts.push('src', r.src);
  if (r.scope) parts.push('scope', r.scope);
  if (r.onlink) parts.push('onlink');
  if (r.metric) parts.push('metric', String(r.metric));
  return parts.join(' ');
}

const isV6 = (r: RouteState) => r.dst.includes(':');

function sameRoute(want: RouteState, have: KernelRoute): boolean {
  // IPv6 routes have no scope; the kernel's JSON shows none.
  const scope = isV6(want) ? 'global' : (want.scope ?? (want.via ? 'global' : 'link'));
  const same = (a: string | undefined, b: string | undefined) =>
    (a ?? '') === (b ?? '') || (!!a && !!b && a.includes(':') && normalizeDst(a) === normalizeDst(b));
  return (
    (have.type === undefined || have.type === 'unicast') &&
    same(have.gateway, want.via) &&
    have.dev === want.dev &&
    same(have.prefsrc, want.src) &&
    (have.scope ?? 'global') === scope &&
    // The kernel's default IPv6 metric (1024) reads as none in the kernel state: the same here.
    (have.metric ?? 0) === (isV6(want) && want.metric === 1024 ? 0 : (want.metric ?? 0)) &&
    (have.flags ?? []).includes('onlink') === (want.onlink ?? false)
  );
}

/**
 * Computes what to change so the kernel holds `role`'s desired state, touching only owned objects. Order of
 * the ip batch (every line runs, even after a failing one): links lowered first (giving up the shared-MAC NIC
 * never waits for anything else), addresses in the way removed (those of a lowered link, and any copy of a
 * wanted address with another scope), addresses added, links raised, routes replaced (in the config's
 * order: gateway host route before the default via it), stale routes deleted, other stale addresses deleted.
 */
export function computePlan(
  config: AgentConfig,
  role: Role,
  kernel: KernelState,
  sysctl: (key: string) => string | undefined,
  roleRulesLoaded: boolean,
): Plan {
  const want = config.roles[role];
  const errors: string[] = [];
  const ifaceRefs = new Map<string, string>();
  const ref = (name: string, where: string) => {
    if (!ifaceRefs.has(name)) ifaceRefs.set(name, where);
  };
  for (const [i, n] of config.owned.links.entries()) ref(n, `owned.links[${i}]`);
  for (const [i, n] of config.owned.addressesOn.entries()) ref(n, `owned.addressesOn[${i}]`);
  for (const [i, l] of want.links.entries()) ref(l.name, `roles.${role}.links[${i}]`);
  for (const [i, a] of want.addresses.entries()) ref(a.dev, `roles.${role}.addresses[${i}]`);
  for (const [i, r] of want.routes.entries()) ref(r.dev, `roles.${role}.routes[${i}]`);
  for (const [name, where] of ifaceRefs) {
    if (!kernel.links.has(name))
      errors.push(`unknown interface ${name} (${where}): no such link in this network namespace`);
  }
  const sysctlChanges = (stage: 'pre' | 'post'): SysctlChange[] =>
    want.sysctls.flatMap((s, i) => {
      if (s.stage !== stage) return [];
      const from = sysctl(s.key);
      if (from === undefined) {
        errors.push(`unknown sysctl /proc/sys/${s.key} (roles.${role}.sysctls[${i}])`);
        return [];
      }
      return from === s.value ? [] : [{ key: s.key, from, to: s.value }];
    });
  const sysctlsPre = sysctlChanges('pre');
  const sysctlsPost = sysctlChanges('post');

  const linkUp: string[] = [];
  const linkDown: string[] = [];
  const goingDown = new Set<string>();
  for (const l of want.links) {
    const have = kernel.links.get(l.name);
    if (!have || have.up === l.up) continue;
    (l.up ? linkUp : linkDown).push(`link set dev ${l.name} ${l.up ? 'up' : 'down'}`);
    if (!l.up) goingDown.add(l.name);
  }
  const addrFirst: string[] = [];
  const addrAdd: string[] = [];
  const addrDel: string[] = [];
  for (const dev of config.owned.addressesOn) {
    const have = kernel.links.get(dev)?.addresses ?? [];
    const wanted = want.addresses.filter((a) => a.dev === dev).map((a) => normalizeCidr(a.cidr));
    for (const c of wanted) {
      // IPv6 without duplicate address detection: the address is only ever on the one router that is up
      // there, and a tentative address would not answer for a second or so after a takeover.
      if (!have.some((h) => h.cidr === c && h.scope === 'global'))
        addrAdd.push(`address add ${c} dev ${dev}${c.includes(':') ? ' nodad' : ''}`);
    }
    for (const h of have) {
      if (wanted.includes(h.cidr) && h.scope === 'global') continue;
      // A link going down drops its IPv6 addresses itself (unless keep_addr_on_down: the check sees them).
      if (goingDown.has(dev) && h.cidr.includes(':')) continue;
      // A copy of a wanted address with another scope makes `address add` fail: it goes first.
      const first = goingDown.has(dev) || wanted.includes(h.cidr);
      (first ? addrFirst : addrDel).push(`address del ${h.cidr} dev ${dev}`);
    }
  }
  const routeSet: string[] = [];
  const routeDel: string[] = [];
  const unicast = (r: KernelRoute) => (r.type ?? 'unicast') === 'unicast';
  const replaced = new Set<string>();
  // Replacements in the config's order: the gateway host route before the default via it.
  for (const w of want.routes) {
    const dst = normalizeDst(w.dst);
    if (!kernel.routes.some((h) => unicast(h) && normalizeDst(h.dst) === dst && sameRoute(w, h))) {
      routeSet.push(`route replace ${routeArgs(w)}`);
      replaced.add(`${dst} ${w.metric ?? 0}`);
    }
  }
  for (const owned of config.owned.routes) {
    const dst = normalizeDst(owned);
    const wanted = want.routes.filter((r) => normalizeDst(r.dst) === dst);
    for (const h of kernel.routes) {
      if (!unicast(h) || normalizeDst(h.dst) !== dst) continue;
      if (wanted.some((w) => sameRoute(w, h)) || replaced.has(`${dst} ${h.metric ?? 0}`)) continue;
      // Lowering a link removes its routes: nothing to delete there.
      if (h.dev && goingDown.has(h.dev)) continue;
      const parts = [`route del ${owned === 'default' ? 'default' : dst}`];
      if (h.gateway) parts.push(`via ${h.gateway}`);
      if (h.dev) parts.push(`dev ${h.dev}`);
      if (h.metric) parts.push(`metric ${h.metric}`);
      routeDel.push(parts.join(' '));
    }
  }
  const ip = [...linkDown, ...addrFirst, ...addrAdd, ...linkUp, ...routeSet, ...routeDel, ...addrDel];
  const plan: Plan = { role, errors, sysctlsPre, ip, sysctlsPost };
  if (want.nftRoleRules) plan.roleRules = { file: want.nftRoleRules, load: !roleRulesLoaded };
  if (want.announce.probe) plan.probe = want.announce.probe;
  return plan;
}

/** The plan as the lines `--dry-run` and `status` print. */
export function describePlan(p: Plan): string[] {
  const lines: string[] = [];
  // The order reconcile applies them in: the master's role rules first, the backup's last.
  const nft = p.roleRules?.load ? [`nft -f ${p.roleRules.file}`] : [];
  if (p.role === 'master') lines.push(...nft);
  for (const s of p.sysctlsPre) lines.push(`sysctl ${s.key}: ${s.from} -> ${s.to}`);
  for (const l of p.ip) lines.push(`ip ${l}`);
  for (const s of p.sysctlsPost) lines.push(`sysctl ${s.key}: ${s.from} -> ${s.to}`);
  if (p.role === 'backup') lines.push(...nft);
  return lines;
}
