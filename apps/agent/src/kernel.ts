/** Reading the current state from the kernel: one `ip -json -batch` (links, addresses, routes), /proc/sys. */
import { readFileSync } from 'node:fs';
import { execOk } from './exec.js';

export interface KernelLink {
  name: string;
  up: boolean;
  /** IPv4 addresses other than host scope, `a.b.c.d/len`. */
  addresses: string[];
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
        .filter((a) => a.family === 'inet' && a.scope !== 'host' && a.local)
        .map((a) => `${a.local}/${a.prefixlen}`),
    });
  }
  return { links, routes: JSON.parse(routeText) as KernelRoute[] };
}

export async function readIpState(timeoutMs: number): Promise<KernelState> {
  const out = await execOk(['ip', '-json', '-batch', '-'], {
    input: 'address show\nroute show table main\n',
    timeoutMs,
  });
  return parseIpState(out);
}

/** The current value of /proc/sys/<key>, or undefined when it does not exist. */
export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
