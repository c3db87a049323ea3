/** The current state of the kernel as the agent sees it: `ip -json` documents (links, addresses, routes), /proc/sys. */
import { readFileSync } from 'node:fs';

export interface KernelAddress {
  /** `a.b.c.d/len`, or an IPv6 address in the kernel's (canonical) text with its length. */
  cidr: string;
  /** `global`, `link`, `host`... */
  scope: string;
}

export interface KernelLink {
  name: string;
  up: boolean;
  /**
   * Every IPv4 address, whatever its scope (a host-scope copy of an owned address is still in the way), and
   * the global IPv6 ones (the link-local address is the kernel's own, made when the link comes up).
   */
  addresses: KernelAddress[];
}

export interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
  scope?: string;
  metric?: number;
  type?: string;
  flags?: string[];
  /** 6 for an IPv6 route (its `default` reads `::/0`, its default metric 1024 reads as none); else IPv4. */
  family?: 6;
}

export interface KernelState {
  links: Map<string, KernelLink>;
  routes: KernelRoute[];
}

/** Splits concatenated JSON documents (what `ip -json -batch` prints) into their texts. */
export function splitJsonDocs(text: string): string[] {
  const docs: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) docs.push(text.slice(start, i + 1));
    }
  }
  return docs;
}

interface IpAddrJson {
  ifname: string;
  flags?: string[];
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

interface IpRouteJson extends KernelRoute {
  table?: string;
  pref?: string;
}

/** IPv6 routes the kernel adds without a metric get 1024 (IP6_RT_PRIO_USER). */
const IPV6_DEFAULT_METRIC = 1024;

/**
 * The main table's routes of `ip -json route show table all` (IPv4 and IPv6 in one document; other tables'
 * routes carry a `table` key). An IPv6 route is told by its `pref` (the kernel sends it with every one) or
 * an address with a colon.
 */
function mainRoutes(all: IpRouteJson[]): KernelRoute[] {
  const out: KernelRoute[] = [];
  for (const r of all) {
    if (r.table !== undefined) continue;
    const { pref, table: _table, ...route } = r;
    const v6 = pref !== undefined || route.dst.includes(':') || (route.gateway ?? '').includes(':');
    if (!v6) {
      out.push(route);
      continue;
    }
    const dst = route.dst === 'default' ? '::/0' : route.dst;
    const v6route: KernelRoute = { ...route, dst, family: 6 };
    if (route.metric === IPV6_DEFAULT_METRIC) delete v6route.metric;
    out.push(v6route);
  }
  return out;
}

/** Parses `ip -json addr show` + `ip -json route show table all` output. */
export function parseIpState(text: string): KernelState {
  const [addrText, routeText] = splitJsonDocs(text);
  if (addrText === undefined || routeText === undefined)
    throw new Error(`unexpected ip -json output: ${text.slice(0, 200)}`);
  const links = new Map<string, KernelLink>();
  for (const l of JSON.parse(addrText) as IpAddrJson[]) {
    links.set(l.ifname, {
      name: l.ifname,
      up: (l.flags ?? []).includes('UP'),
      addresses: (l.addr_info ?? [])
        .filter((a) => a.local && (a.family === 'inet' || (a.family === 'inet6' && a.scope === 'global')))
        .map((a) => ({ cidr: `${a.local}/${a.prefixlen}`, scope: a.scope ?? 'global' })),
    });
  }
  return { links, routes: mainRoutes(JSON.parse(routeText) as IpRouteJson[]) };
}

/** The current value of /proc/sys/<key>, or undefined when it does not exist. */
export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
