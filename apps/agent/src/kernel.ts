/** The current state of the kernel as the agent sees it: `ip -json` documents (links, addresses, routes), /proc/sys. */
import { readFileSync } from 'node:fs';

export interface KernelAddress {
  /** `a.b.c.d/len`. */
  cidr: string;
  /** `global`, `link`, `host`... */
  scope: string;
}

export interface KernelLink {
  name: string;
  up: boolean;
  /** Every IPv4 address, whatever its scope (a host-scope copy of an owned address is still in the way). */
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

/** Parses `ip -json addr show` + `ip -json route show table main` output. */
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
        .filter((a) => a.family === 'inet' && a.local)
        .map((a) => ({ cidr: `${a.local}/${a.prefixlen}`, scope: a.scope ?? 'global' })),
    });
  }
  return { links, routes: JSON.parse(routeText) as KernelRoute[] };
}

/** The current value of /proc/sys/<key>, or undefined when it does not exist. */
export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
