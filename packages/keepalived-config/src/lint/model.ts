import { isIPv4, isIPv6 } from 'node:net';
import type { NodePosition } from '../ast.js';
import type { Resolved } from '../resolve.js';

/** One vrrp_instance as the rules see it (first occurrence of each keyword wins, as in keepalived). */
export interface Instance {
  name: string;
  node: Resolved;
  kv: Map<string, Resolved>;
  state?: string;
  iface?: string;
  vrid?: number;
  priority?: number;
  advertInt?: number;
  version: number;
  /** Virtual addresses as written; `valid` when keepalived can read them, `family` of the address part. */
  vips: Array<{ addr: string; pos: NodePosition; valid: boolean; family: 4 | 6 | 0 }>;
  authType?: string;
  authPass?: string;
  unicastSrc?: string;
  peers: string[];
  trackScripts: Array<{ name: string; pos: NodePosition }>;
}

export interface SyncGroup {
  name: string;
  node: Resolved;
  members: Array<{ name: string; pos: NodePosition }>;
}

/** The parts of a config the rules look at. */
export interface Model {
  globals: Map<string, Resolved>;
  instances: Instance[];
  scripts: Map<string, Resolved>;
  syncGroups: SyncGroup[];
}

export function child(b: Resolved | undefined, key: string): Resolved | undefined {
  return b?.block?.find((c) => c.keyword === key);
}

export function family(addr: string): 4 | 6 | 0 {
  const a = addr.split('/')[0] ?? '';
  return isIPv4(a) ? 4 : isIPv6(a) ? 6 : 0;
}

export function validCidr(text: string): boolean {
  const [a, p, ...rest] = text.split('/');
  if (rest.length > 0 || a === undefined) return false;
  const f = isIPv4(a) ? 32 : isIPv6(a) ? 128 : 0;
  if (f === 0) return false;
  if (p === undefined) return true;
  return /^\d+$/.test(p) && Number(p) <= f;
}

function ipv4Int(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function inSubnet4(addr: string, cidr: string): boolean {
  const [a] = addr.split('/');
  const [net, p] = cidr.split('/');
  if (!a || !net || !isIPv4(a) || !isIPv4(net)) return false;
  const bits = p === undefined ? 32 : Number(p);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4Int(a) & mask) >>> 0 === (ipv4Int(net) & mask) >>> 0;
}

/** Blocks whose lines are values (addresses, names, routes), not keywords. */
export const LIST_BLOCKS: ReadonlySet<string> = new Set([
  'virtual_ipaddress',
  'virtual_ipaddress_excluded',
  'virtual_routes',
  'virtual_rules',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'unicast_peer',
  'track_interface',
  'track_script',
  'track_file',
  'track_process',
  'track_bfd',
  'group',
  'notification_email',
  'linkbeat_interfaces',
  'interfaces',
  'virtual_server_group',
  'track_group',
]);

/** Calls `visit` for every statement, with the keyword of the block it is in; list blocks are not entered. */
export function walk(list: Resolved[], visit: (r: Resolved, parent: string | undefined) => void): void {
  const go = (rs: Resolved[], parent: string | undefined) => {
    for (const r of rs) {
      visit(r, parent);
      if (r.block && !LIST_BLOCKS.has(r.keyword)) go(r.block, r.keyword);
    }
  };
  go(list, undefined);
}

export function model(resolved: Resolved[]): Model {
  const m: Model = { globals: new Map(), instances: [], scripts: new Map(), syncGroups: [] };
  const strictGlobalVersion = resolved
    .find((r) => r.keyword === 'global_defs')
    ?.block?.find((c) => c.keyword === 'vrrp_version')?.args[0];
  for (const r of resolved) {
    if (r.keyword === 'global_defs') for (const c of r.block ?? []) m.globals.set(c.keyword, c);
    else if (r.keyword === 'vrrp_script' && r.args[0]) m.scripts.set(r.args[0], r);
    else if (r.keyword === 'vrrp_sync_group') {
      const group = child(r, 'group');
      m.syncGroups.push({
        name: r.args[0] ?? '',
        node: r,
        members: (group?.block ?? []).flatMap((g) =>
          [g.keyword, ...g.args].map((name) => ({ name, pos: g.pos })),
        ),
      });
    } else if (r.keyword === 'vrrp_instance') {
      m.instances.push(instance(r, strictGlobalVersion));
    }
  }
  return m;
}

function instance(r: Resolved, globalVersion: string | undefined): Instance {
  const kv = new Map<string, Resolved>();
  for (const c of r.block ?? []) if (!kv.has(c.keyword)) kv.set(c.keyword, c);
  const num = (k: string) => {
    const v = kv.get(k)?.args[0];
    return v === undefined ? undefined : Number(v);
  };
  const auth = kv.get('authentication');
  const inst: Instance = {
    name: r.args[0] ?? '',
    node: r,
    kv,
    version: Number(kv.get('version')?.args[0] ?? globalVersion ?? 2),
    vips: (kv.get('virtual_ipaddress')?.block ?? []).map((v) => ({
      addr: v.keyword,
      pos: v.pos,
      valid: validCidr(v.keyword),
      family: family(v.keyword),
    })),
    peers: (kv.get('unicast_peer')?.block ?? []).map((p) => p.keyword),
    trackScripts: (kv.get('track_script')?.block ?? []).map((t) => ({ name: t.keyword, pos: t.pos })),
  };
  const opt = <K extends keyof Instance>(k: K, v: Instance[K] | undefined) => {
    if (v !== undefined) inst[k] = v;
  };
  opt('state', kv.get('state')?.args[0]);
  opt('iface', kv.get('interface')?.args[0]);
  opt('vrid', num('virtual_router_id'));
  opt('priority', num('priority'));
  opt('advertInt', num('advert_int'));
  opt('authType', child(auth, 'auth_type')?.args[0]);
  opt('authPass', child(auth, 'auth_pass')?.args[0]);
  opt('unicastSrc', kv.get('unicast_src_ip')?.args[0]);
  return inst;
}
