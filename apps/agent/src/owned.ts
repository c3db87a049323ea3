/**
 * What the kernel shows for the owned NICs (up or down, every address of any scope), read on its own with
 * `ip -json address show`: `status` reports it as is, also when the agent's last run failed half-way.
 */
import { spawnSync } from 'node:child_process';
import type { AgentConfig } from '@hagate/spec/agent-config';

export interface OwnedLink {
  name: string;
  present: boolean;
  up: boolean;
  /** `a.b.c.d/len` (and IPv6), any scope. */
  addresses: string[];
}

interface AddrJson {
  ifname?: string;
  flags?: string[];
  addr_info?: { local?: string; prefixlen?: number }[];
}

/** The owned links and the NICs whose addresses are owned, as the kernel shows them; throws if `ip` fails. */
export function readOwned(config: AgentConfig): OwnedLink[] {
  const r = spawnSync('ip', ['-json', 'address', 'show'], {
    encoding: 'utf8',
    timeout: config.commandTimeoutMs,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ip -json address show: ${r.stderr.trim() || `exit ${r.status}`}`);
  const parsed = JSON.parse(r.stdout) as AddrJson[];
  const byName = new Map(parsed.filter((l) => l.ifname).map((l) => [l.ifname as string, l]));
  const names = [...new Set([...config.owned.links, ...config.owned.addressesOn])];
  return names.map((name) => {
    const l = byName.get(name);
    return {
      name,
      present: l !== undefined,
      up: l?.flags?.includes('UP') ?? false,
      addresses: (l?.addr_info ?? [])
        .filter((a) => a.local !== undefined)
        .map((a) => `${a.local}/${a.prefixlen}`),
    };
  });
}

/** `eth2 UP, holds 203.0.113.10/32`, `eth2 DOWN, holds no address`, `eth9 missing`. */
export function describeOwned(l: OwnedLink): string {
  if (!l.present) return `${l.name} missing`;
  const addrs = l.addresses.length ? `holds ${l.addresses.join(', ')}` : 'holds no address';
  return `${l.name} ${l.up ? 'UP' : 'DOWN'}, ${addrs}`;
}
