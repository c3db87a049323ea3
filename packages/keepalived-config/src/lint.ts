import { accessSync, closeSync, constants, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname } from 'node:path';
import type { ConfigFile, Diagnostic, Node, Position } from './ast.js';
import {
  GARP_KEYWORDS,
  GLOBAL_KEYWORDS,
  INSTANCE_KEYWORDS,
  LEGACY_KEYWORDS,
  LVS_KEYWORDS,
  SCRIPT_KEYWORDS,
  SYNC_KEYWORDS,
  TRACK_KEYWORDS,
} from './keywords.js';
import { type Resolved, type ResolveOptions, resolve } from './resolve.js';

/** Every rule the linter knows, by stable code. */
export const RULES = {
  KA000: 'syntax error',
  KA001: 'unknown keyword',
  KA002: 'auth_pass longer than 8 characters (keepalived truncates it)',
  KA003: 'nopreempt with state MASTER (keepalived clears it)',
  KA004: 'preempt_delay with state MASTER (keepalived clears it)',
  KA005: 'priority outside 1-255',
  KA006: 'priority 255 is reserved for the address owner (state MASTER, VIP owned)',
  KA007: 'non-integer advert_int needs VRRPv3',
  KA008: 'unicast keyword without unicast_peer',
  KA009: 'vrrp_strict conflict',
  KA010: 'IPv6 virtual address with VRRPv2',
  KA011: 'virtual addresses of mixed families',
  KA012: 'authentication with VRRPv3 (ignored)',
  KA013: 'virtual_router_id missing or outside 1-255',
  KA014: 'instance without interface',
  KA015: 'instance without virtual address',
  KA016: 'authentication needs both auth_type and auth_pass',
  KA017: 'VRID used twice on one interface and family',
  KA018: 'sync group member does not exist',
  KA019: 'sync group with fewer than 2 members',
  KA020: 'track_script on a sync group member (track it on the group)',
  KA021: 'tracked script is not defined',
  KA022: 'vrrp_script without script',
  KA023: 'scripts configured without enable_script_security',
  KA024: 'script path is not absolute',
  KA025: 'enable_script_security without script_user',
  KA026: 'deprecated keyword',
  KA027: 'route cannot be tracked without an interface',
  KA028: 'rule without preference',
  KA029: 'invalid IP address',
  KA030: 'protocol on a fwmark virtual server (ignored)',
  KA031: 'unknown state',
  KA032: 'advert_int outside 0.01-255',
  KA033: 'instance name used twice',
  KA034: 'script is not a root-owned, non-writable executable',
  KA035: 'virtual address outside the interface subnet',
  KA036: 'preempt_delay with nopreempt (keepalived resets it)',
  KA037: 'track_interface on the instance own interface (ignored)',
  KA038: 'tracking weight on a sync group member (ignored)',
  KA039: 'script line uses shell syntax (keepalived runs no shell)',
  KA040: 'include matches no file, or loops',
  KA041: 'notify FIFO directory does not exist (keepalived does not create it)',
  KA101: 'instance missing on the peer',
  KA102: 'VRID differs between the pair',
  KA103: 'virtual addresses differ between the pair',
  KA104: 'advert_int differs between the pair',
  KA105: 'authentication differs between the pair',
  KA106: 'VRRP version differs between the pair',
  KA107: 'unicast_src_ip not in the peer unicast_peer',
  KA108: 'priorities are equal',
  KA109: 'not exactly one preferred master (state MASTER)',
} as const;

export type RuleCode = keyof typeof RULES;

export interface LintOptions extends ResolveOptions {
  /** Addresses of interfaces (`eth1` -> [`10.10.1.1/24`]) when known, e.g. from /etc/network/interfaces: enables KA035. */
  interfaces?: Record<string, string[]>;
  /** Check script files on this machine's disk (KA034): owner root, not writable by others, executable. */
  checkScripts?: boolean;
}

const LIST_BLOCKS = new Set([
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

const TOP_BLOCKS = new Set([
  'global_defs',
  'vrrp_instance',
  'vrrp_script',
  'vrrp_sync_group',
  'vrrp_track_file',
  'track_file',
  'vrrp_track_process',
  'track_process',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'static_track_group',
  'linkbeat_interfaces',
  'garp_group',
  'bfd_instance',
  'virtual_server',
  'virtual_server_group',
  'include',
  'includer',
  'includem',
  'includew',
  'includeb',
  'includea',
  'include_check',
]);

const SCRIPT_KEYWORDS_ANYWHERE = new Set([
  'notify',
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'notify_deleted',
  'notify_master_rx_lower_pri',
  'shutdown_script',
  'startup_script',
  'vrrp_notify_fifo_script',
  'notify_fifo_script',
  'lvs_notify_fifo_script',
  'script',
  'misc_path',
  'quorum_up',
  'quorum_down',
  'notify_up',
  'notify_down',
]);

function contextKeywords(parent: string | undefined): ReadonlySet<string> | undefined {
  switch (parent) {
    case undefined:
      return undefined;
    case 'global_defs':
      return GLOBAL_KEYWORDS;
    case 'vrrp_instance':
      return INSTANCE_KEYWORDS;
    case 'vrrp_script':
      return SCRIPT_KEYWORDS;
    case 'vrrp_sync_group':
      return SYNC_KEYWORDS;
    case 'garp_group':
      return GARP_KEYWORDS;
    case 'authentication':
      return new Set(['auth_type', 'auth_pass']);
    case 'vrrp_track_file':
    case 'track_file':
    case 'vrrp_track_process':
    case 'track_process':
    case 'bfd_instance':
    case 'static_track_group':
      return TRACK_KEYWORDS;
    case 'virtual_server':
    case 'real_server':
    case 'HTTP_GET':
    case 'SSL_GET':
    case 'TCP_CHECK':
    case 'SMTP_CHECK':
    case 'DNS_CHECK':
    case 'MISC_CHECK':
    case 'BFD_CHECK':
    case 'PING_CHECK':
    case 'UDP_CHECK':
    case 'FILE_CHECK':
    case 'url':
    case 'host':
    case 'sorry_server':
      return LVS_KEYWORDS;
    default:
      return undefined;
  }
}

interface Instance {
  name: string;
  node: Resolved;
  kv: Map<string, Resolved>;
  state?: string;
  iface?: string;
  vrid?: number;
  priority?: number;
  advertInt?: number;
  version: number;
  vips: Array<{ addr: string; pos: Position }>;
  authType?: string;
  authPass?: string;
  unicastSrc?: string;
  peers: string[];
  trackScripts: Array<{ name: string; pos: Position }>;
}

/** The parts of a config the pair rules compare. */
export interface Model {
  globals: Map<string, Resolved>;
  instances: Instance[];
  scripts: Map<string, Resolved>;
  syncGroups: Array<{ name: string; node: Resolved; members: Array<{ name: string; pos: Position }> }>;
}

function child(b: Resolved | undefined, key: string): Resolved | undefined {
  return b?.block?.find((c) => c.keyword === key);
}

function family(addr: string): 4 | 6 | 0 {
  const a = addr.split('/')[0] ?? '';
  return isIPv4(a) ? 4 : isIPv6(a) ? 6 : 0;
}

function validCidr(text: string): boolean {
  const [a, p, ...rest] = text.split('/');
  if (rest.length > 0 || a === undefined) return false;
  const f = isIPv4(a) ? 32 : isIPv6(a) ? 128 : 0;
  if (f === 0) return false;
  if (p === undefined) return true;
  return /^\d+$/.test(p) && Number(p) <= f;
}

function model(resolved: Resolved[]): Model {
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
        version: Number(kv.get('version')?.args[0] ?? strictGlobalVersion ?? 2),
        vips: (kv.get('virtual_ipaddress')?.block ?? []).map((v) => ({ addr: v.keyword, pos: v.pos })),
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
      m.instances.push(inst);
    }
  }
  return m;
}

class Collector {
  readonly out: Diagnostic[] = [];
  add(code: RuleCode, severity: Diagnostic['severity'], pos: Position, message: string, hint?: string): void {
    this.out.push({ code, severity, pos, message, ...(hint ? { hint } : {}) });
  }
}

/** Lints one parsed file (includes must already be inlined, see `loadConfig`). */
export function lint(file: ConfigFile | Node[], options: LintOptions = {}): Diagnostic[] {
  const body = Array.isArray(file) ? file : file.body;
  const resolved = resolve(body, options);
  const c = new Collector();
  keywords(resolved, undefined, c);
  const m = model(resolved);
  instanceRules(m, c, options);
  groupRules(m, c);
  scriptRules(resolved, m, c, options);
  routeRules(resolved, c);
  return sortDiagnostics(c.out);
}

export function sortDiagnostics(d: Diagnostic[]): Diagnostic[] {
  return d.sort(
    (a, b) =>
      a.pos.file.localeCompare(b.pos.file) ||
      a.pos.line - b.pos.line ||
      a.pos.col - b.pos.col ||
      a.code.localeCompare(b.code),
  );
}

function keywords(list: Resolved[], parent: string | undefined, c: Collector): void {
  for (const r of list) {
    if (parent === undefined) {
      if (!TOP_BLOCKS.has(r.keyword) && !GLOBAL_KEYWORDS.has(r.keyword) && !r.keyword.startsWith('$')) {
        c.add(
          'KA001',
          'warning',
          r.pos,
          `unknown keyword '${r.keyword}' at top level`,
          'check the spelling or move it into its block',
        );
      }
    } else {
      const known = contextKeywords(parent);
      const ok = known === undefined || known.has(r.keyword) || LEGACY_KEYWORDS.has(r.keyword);
      if (!ok && !r.keyword.startsWith('$')) {
        c.add(
          'KA001',
          'warning',
          r.pos,
          `unknown keyword '${r.keyword}' in ${parent}`,
          hintFor(parent, r.keyword),
        );
      }
    }
    if (parent === 'vrrp_instance' && r.keyword === 'lvs_sync_daemon_interface') {
      c.add(
        'KA026',
        'warning',
        r.pos,
        'lvs_sync_daemon_interface in a vrrp_instance is deprecated',
        'use lvs_sync_daemon in global_defs',
      );
    }
    if (r.block && !LIST_BLOCKS.has(r.keyword)) keywords(r.block, r.keyword, c);
  }
}

function hintFor(parent: string, keyword: string): string {
  if (parent === 'vrrp_sync_group') return `list members inside 'group { ... }', not as '${keyword}'`;
  return 'check the spelling, or whether it belongs in another block';
}

function instanceRules(m: Model, c: Collector, options: LintOptions): void {
  const strict = m.globals.has('vrrp_strict');
  const seenNames = new Map<string, Instance>();
  const seenVrid = new Map<string, Instance>();
  for (const i of m.instances) {
    const at = i.node.pos;
    const kvPos = (k: string) => i.kv.get(k)?.pos ?? at;
    if (seenNames.has(i.name))
      c.add('KA033', 'error', at, `vrrp_instance ${i.name} is defined twice`, 'rename one of them');
    seenNames.set(i.name, i);
    if (i.state !== undefined && i.state !== 'MASTER' && i.state !== 'BACKUP') {
      c.add(
        'KA031',
        'warning',
        kvPos('state'),
        `(${i.name}) unknown state '${i.state}', keepalived uses BACKUP`,
        'write state MASTER or state BACKUP',
      );
    }
    if (i.authPass !== undefined && i.authPass.length > 8) {
      c.add(
        'KA002',
        'warning',
        child(i.kv.get('authentication'), 'auth_pass')?.pos ?? at,
        `(${i.name}) auth_pass is ${i.authPass.length} characters; keepalived truncates it to 8`,
        `use at most 8 characters (keepalived sends '${i.authPass.slice(0, 8)}')`,
      );
    }
    if (i.state === 'MASTER' && i.kv.has('nopreempt')) {
      c.add(
        'KA003',
        'warning',
        kvPos('nopreempt'),
        `(${i.name}) nopreempt does not work with state MASTER; keepalived clears it`,
        'use state BACKUP on both nodes with nopreempt',
      );
    }
    if (i.state === 'MASTER' && i.kv.has('preempt_delay')) {
      c.add(
        'KA004',
        'warning',
        kvPos('preempt_delay'),
        `(${i.name}) preempt_delay does not work with state MASTER; keepalived clears it`,
        'use state BACKUP with preempt_delay',
      );
    }
    if (i.kv.has('priority')) {
      const p = i.priority;
      if (p === undefined || !Number.isInteger(p) || p < 1 || p > 255) {
        c.add(
          'KA005',
          'error',
          kvPos('priority'),
          `(${i.name}) priority '${i.kv.get('priority')?.args[0] ?? ''}' is not an integer in 1-255; keepalived uses 100`,
          'use 1-254 (255 only for the address owner)',
        );
      } else if (p === 255 && i.state !== 'MASTER') {
        c.add(
          'KA006',
          'warning',
          kvPos('priority'),
          `(${i.name}) priority 255 means the address owner but state is ${i.state ?? 'BACKUP'}`,
          'use 1-254, or state MASTER on the owner of the VIP',
        );
      }
    }
    if (i.kv.has('advert_int')) {
      const a = i.advertInt;
      if (a === undefined || !Number.isFinite(a) || a < 0.01 || a > 255) {
        c.add(
          'KA032',
          'error',
          kvPos('advert_int'),
          `(${i.name}) advert_int '${i.kv.get('advert_int')?.args[0] ?? ''}' is outside 0.01-255`,
          'use a number of seconds, e.g. 1',
        );
      } else if (i.version !== 3 && !Number.isInteger(a)) {
        c.add(
          'KA007',
          'warning',
          kvPos('advert_int'),
          `(${i.name}) VRRPv2 advert_int ${a} must be an integer; keepalived rounds it`,
          'use a whole number of seconds, or version 3',
        );
      }
    }
    if (i.kv.has('nopreempt') && i.kv.has('preempt_delay')) {
      c.add(
        'KA036',
        'warning',
        kvPos('preempt_delay'),
        `(${i.name}) preempt_delay is incompatible with nopreempt; keepalived resets it`,
        'remove preempt_delay or nopreempt',
      );
    }
    for (const t of i.kv.get('track_interface')?.block ?? []) {
      if (t.keyword === i.iface)
        c.add(
          'KA037',
          'warning',
          t.pos,
          `(${i.name}) track_interface ${t.keyword} is the instance's own interface; keepalived ignores it`,
          'remove it: the own interface is always tracked',
        );
    }
    const unicastKw = ['unicast_src_ip', 'unicast_ttl', 'unicast_fault_no_peer', 'check_unicast_src'].find(
      (k) => i.kv.has(k),
    );
    if (unicastKw && i.peers.length === 0) {
      c.add(
        'KA008',
        'warning',
        kvPos(unicastKw),
        `(${i.name}) ${unicastKw} without any unicast_peer; keepalived falls back to multicast`,
        'add unicast_peer { PEER_IP } or remove the unicast keywords',
      );
    }
    const authPos = i.kv.get('authentication')?.pos;
    if (strict) {
      if (authPos)
        c.add(
          'KA009',
          'warning',
          authPos,
          `(${i.name}) vrrp_strict does not support authentication; keepalived ignores it`,
          'remove authentication or vrrp_strict',
        );
      if (i.peers.length > 0)
        c.add(
          'KA009',
          'warning',
          kvPos('unicast_peer'),
          `(${i.name}) vrrp_strict forbids unicast peers`,
          'remove unicast_peer or vrrp_strict',
        );
      if (i.vips.length === 0)
        c.add(
          'KA009',
          'warning',
          at,
          `(${i.name}) vrrp_strict requires at least one virtual address`,
          'add virtual_ipaddress',
        );
    }
    if (authPos && i.version === 3) {
      c.add(
        'KA012',
        'warning',
        authPos,
        `(${i.name}) VRRP version 3 does not support authentication; keepalived ignores it`,
        'remove the authentication block',
      );
    }
    if (authPos && (i.authType === undefined || i.authPass === undefined)) {
      c.add(
        'KA016',
        'warning',
        authPos,
        `(${i.name}) authentication needs both auth_type and auth_pass (found ${i.authType === undefined ? 'no auth_type' : 'no auth_pass'})`,
        'set auth_type PASS and auth_pass (8 characters at most)',
      );
    }
    const fams = new Set<number>();
    for (const v of i.vips) {
      if (!validCidr(v.addr)) {
        c.add(
          'KA029',
          'error',
          v.pos,
          `(${i.name}) '${v.addr}' is not a valid IP address`,
          'write ADDRESS[/PREFIX]',
        );
        continue;
      }
      const f = family(v.addr);
      if (f === 6 && i.version !== 3)
        c.add(
          'KA010',
          'warning',
          v.pos,
          `(${i.name}) IPv6 address ${v.addr} with VRRPv2`,
          'use version 3 for IPv6 instances',
        );
      if (fams.size > 0 && !fams.has(f))
        c.add(
          'KA011',
          'warning',
          v.pos,
          `(${i.name}) address family of ${v.addr} does not match the instance; keepalived ignores it`,
          'put IPv4 and IPv6 addresses in separate instances, or in virtual_ipaddress_excluded',
        );
      fams.add(f);
    }
    if (
      i.kv.has('virtual_router_id') &&
      (i.vrid === undefined || !Number.isInteger(i.vrid) || i.vrid < 1 || i.vrid > 255)
    ) {
      c.add(
        'KA013',
        'error',
        kvPos('virtual_router_id'),
        `(${i.name}) virtual_router_id '${i.kv.get('virtual_router_id')?.args[0] ?? ''}' is not in 1-255`,
        'use an integer 1-255, the same on both nodes',
      );
    } else if (!i.kv.has('virtual_router_id')) {
      c.add('KA013', 'error', at, `(${i.name}) virtual_router_id is missing`, 'add virtual_router_id 1-255');
    }
    if (!i.kv.has('interface'))
      c.add('KA014', 'error', at, `(${i.name}) interface is missing`, 'add interface IFNAME');
    if (i.vips.length === 0)
      c.add(
        'KA015',
        'warning',
        at,
        `(${i.name}) no virtual_ipaddress`,
        'add virtual_ipaddress { ADDRESS/PREFIX }',
      );
    if (i.iface !== undefined && i.vrid !== undefined) {
      const key = `${i.iface}/${i.vrid}/${family(i.vips[0]?.addr ?? '0.0.0.0') || 4}`;
      const other = seenVrid.get(key);
      if (other)
        c.add(
          'KA017',
          'error',
          kvPos('virtual_router_id'),
          `${other.name} and ${i.name} both use VRID ${i.vrid} on interface ${i.iface}`,
          'give each instance of an interface its own VRID',
        );
      else seenVrid.set(key, i);
    }
    const ifAddrs = i.iface !== undefined ? options.interfaces?.[i.iface] : undefined;
    if (ifAddrs) {
      for (const v of i.vips) {
        const dev = i.node.block
          ?.find((b) => b.keyword === 'virtual_ipaddress')
          ?.block?.find((b) => b.keyword === v.addr)?.args;
        const devName = dev && dev.indexOf('dev') >= 0 ? dev[dev.indexOf('dev') + 1] : i.iface;
        const addrs = devName !== undefined ? options.interfaces?.[devName] : undefined;
        if (addrs && family(v.addr) === 4 && !addrs.some((a) => inSubnet4(v.addr, a))) {
          c.add(
            'KA035',
            'warning',
            v.pos,
            `(${i.name}) ${v.addr} is outside the subnets of ${devName} (${addrs.join(', ')})`,
            'use an address of the interface subnet, or fix the interface',
          );
        }
      }
    }
  }
}

function ipv4Int(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inSubnet4(addr: string, cidr: string): boolean {
  const [a] = addr.split('/');
  const [net, p] = cidr.split('/');
  if (!a || !net || !isIPv4(a) || !isIPv4(net)) return false;
  const bits = p === undefined ? 32 : Number(p);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4Int(a) & mask) >>> 0 === (ipv4Int(net) & mask) >>> 0;
}

function groupRules(m: Model, c: Collector): void {
  const names = new Set(m.instances.map((i) => i.name));
  const members = new Set<string>();
  for (const g of m.syncGroups) {
    for (const mem of g.members) {
      if (!names.has(mem.name))
        c.add(
          'KA018',
          'warning',
          mem.pos,
          `virtual router ${mem.name} in sync group ${g.name} does not exist`,
          'define the vrrp_instance or remove it from the group',
        );
      else members.add(mem.name);
    }
    const existing = g.members.filter((x) => names.has(x.name));
    if (existing.length < 2)
      c.add(
        'KA019',
        'warning',
        g.node.pos,
        `sync group ${g.name} has ${existing.length} virtual router(s)`,
        'a sync group needs at least 2 instances',
      );
  }
  for (const i of m.instances) {
    for (const t of i.trackScripts) {
      const script = m.scripts.get(t.name);
      if (script && !child(script, 'script'))
        c.add(
          'KA021',
          'warning',
          t.pos,
          `(${i.name}) track script ${t.name} has no script line; keepalived drops it`,
          `add script "/absolute/path" to vrrp_script ${t.name}`,
        );
      if (!script)
        c.add(
          'KA021',
          'warning',
          t.pos,
          `(${i.name}) track script ${t.name} is not defined`,
          `define vrrp_script ${t.name} { script ... }`,
        );
    }
    const group = m.syncGroups.find((g) => g.members.some((x) => x.name === i.name));
    if (group && !child(group.node, 'sync_group_tracking_weight')) {
      for (const t of i.kv.get('track_interface')?.block ?? []) {
        if (t.args.includes('weight'))
          c.add(
            'KA038',
            'warning',
            t.pos,
            `(${i.name}) weight of tracked interface ${t.keyword} is ignored in sync group ${group.name}`,
            'remove the weight, or add sync_group_tracking_weight to the group',
          );
      }
    }
    if (members.has(i.name) && i.trackScripts.length > 0) {
      c.add(
        'KA020',
        'warning',
        i.kv.get('track_script')?.pos ?? i.node.pos,
        `(${i.name}) is in a sync group: track scripts belong on the group`,
        'move track_script to the vrrp_sync_group',
      );
    }
  }
  for (const [name, s] of m.scripts) {
    if (!child(s, 'script'))
      c.add(
        'KA022',
        'warning',
        s.end ?? s.pos,
        `vrrp_script ${name} (line ${s.pos.line}) has no script; keepalived removes it`,
        'add script "/absolute/path args"',
      );
  }
}

function scriptRules(resolved: Resolved[], m: Model, c: Collector, options: LintOptions): void {
  if (options.checkScripts) {
    for (const k of ['vrrp_notify_fifo', 'notify_fifo', 'lvs_notify_fifo']) {
      const fifo = m.globals.get(k);
      const path = fifo?.args[0];
      if (fifo && path?.startsWith('/') && !isDirectory(dirname(path))) {
        c.add(
          'KA041',
          'warning',
          fifo.pos,
          `${k} ${path}: directory ${dirname(path)} does not exist; keepalived cannot create the FIFO`,
          `create ${dirname(path)} before keepalived starts (e.g. tmpfiles.d), or use a FIFO path in /run`,
        );
      }
    }
  }
  const uses: Resolved[] = [];
  const visit = (list: Resolved[], parent: string | undefined) => {
    for (const r of list) {
      if (
        SCRIPT_KEYWORDS_ANYWHERE.has(r.keyword) &&
        parent !== undefined &&
        !(r.keyword === 'script' && parent !== 'vrrp_script')
      ) {
        uses.push(r);
      }
      if (r.block && !LIST_BLOCKS.has(r.keyword)) visit(r.block, r.keyword);
    }
  };
  visit(resolved, undefined);
  if (uses.length === 0) return;
  const secure = m.globals.has('enable_script_security');
  if (!secure) {
    c.add(
      'KA023',
      'warning',
      uses[0]!.pos,
      'scripts are configured but enable_script_security is not set',
      'add enable_script_security and script_user root to global_defs',
    );
  } else if (!m.globals.has('script_user')) {
    c.add(
      'KA025',
      'warning',
      m.globals.get('enable_script_security')!.pos,
      'enable_script_security without script_user: keepalived looks for user keepalived_script',
      'add script_user root to global_defs',
    );
  }
  for (const u of uses) {
    const cmd = u.args[0];
    if (cmd === undefined) continue;
    const path = cmd.trim().split(/\s+/)[0] ?? '';
    if (/[|;&<>`]|\$\(/.test(cmd)) {
      c.add(
        'KA039',
        'warning',
        u.pos,
        `${u.keyword} '${cmd}' uses shell syntax, but keepalived runs the command without a shell`,
        'put the logic in one executable script and call it by absolute path',
      );
    }
    if (!path.startsWith('/')) {
      c.add(
        'KA024',
        'warning',
        u.pos,
        `${u.keyword} '${path}' is not an absolute path`,
        'use the absolute path of one executable file',
      );
      continue;
    }
    if (options.checkScripts) {
      const problem = scriptProblem(path);
      if (problem)
        c.add(
          'KA034',
          'warning',
          u.pos,
          `${u.keyword} ${path}: ${problem}`,
          'install it root-owned, mode 0755, with a #! line, in root-owned directories',
        );
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Why keepalived's script security would refuse a path, or undefined. */
export function scriptProblem(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) return 'not a regular file';
    if (st.uid !== 0) return 'not owned by root';
    if (st.mode & 0o022) return 'writable by group or others';
    accessSync(path, constants.X_OK);
    if (!(st.mode & 0o111)) return 'not executable';
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    if (head.subarray(0, 2).toString() !== '#!' && head.toString('latin1') !== '\x7fELF')
      return 'neither a #! script nor an ELF binary';
    for (let d = dirname(path); ; d = dirname(d)) {
      const ds = lstatSync(d);
      if (ds.uid !== 0 || ds.mode & 0o022) return `directory ${d} is writable by a non-root user`;
      if (d === '/') break;
    }
    return undefined;
  } catch {
    return 'does not exist or is not executable';
  }
}

function routeRules(resolved: Resolved[], c: Collector): void {
  const visit = (list: Resolved[]) => {
    for (const r of list) {
      if (r.keyword === 'virtual_routes' || r.keyword === 'static_routes') {
        for (const route of r.block ?? []) {
          const words = [route.keyword, ...route.args];
          if (words.includes('or'))
            c.add('KA026', 'warning', route.pos, '"or" for routes is deprecated', 'use "nexthop"');
          if (words.includes('gw'))
            c.add('KA026', 'warning', route.pos, '"gw" for routes is deprecated', 'use "via"');
          if (r.keyword === 'virtual_routes' && !words.includes('dev') && !words.includes('no_track')) {
            c.add(
              'KA027',
              'warning',
              route.pos,
              'route has no interface: keepalived cannot track it',
              'add dev IFNAME, or no_track',
            );
          }
        }
      }
      if (r.keyword === 'virtual_rules' || r.keyword === 'static_rules') {
        for (const rule of r.block ?? []) {
          const words = [rule.keyword, ...rule.args];
          let valid = true;
          for (const k of ['from', 'to']) {
            const at = words.indexOf(k);
            const v = at >= 0 ? words[at + 1] : undefined;
            if (v !== undefined && v !== 'all' && !validCidr(v)) {
              valid = false;
              c.add(
                'KA029',
                'error',
                rule.pos,
                `invalid rule ${k} address ${v}; keepalived skips the rule`,
                'write ADDRESS[/PREFIX]',
              );
            }
          }
          if (valid && !words.some((w) => w === 'preference' || w === 'prio' || w === 'priority')) {
            c.add(
              'KA028',
              'warning',
              rule.pos,
              'rule has no preference; keepalived picks one',
              'add preference N',
            );
          }
        }
      }
      if (r.keyword === 'virtual_server' && r.args[0] === 'fwmark') {
        const proto = r.block?.find((b) => b.keyword === 'protocol');
        if (proto)
          c.add(
            'KA030',
            'warning',
            proto.pos,
            `virtual server fwmark ${r.args[1] ?? ''}: protocol is ignored for fwmark`,
            'remove protocol',
          );
      }
      if (r.block && r.keyword !== 'virtual_routes' && r.keyword !== 'static_routes') visit(r.block);
    }
  };
  visit(resolved);
}

/** Cross-node rules over the two routers' configs (KA1xx). Positions point into the file named in each. */
export function lintPair(a: ConfigFile, b: ConfigFile, options: LintOptions = {}): Diagnostic[] {
  const c = new Collector();
  const ma = model(resolve(a.body, options));
  const mb = model(resolve(b.body, options));
  const byName = new Map(mb.instances.map((i) => [i.name, i]));
  const seen = new Set<string>();
  let masters = 0;
  for (const i of ma.instances) {
    const j = byName.get(i.name);
    if (!j) {
      c.add(
        'KA101',
        'error',
        i.node.pos,
        `vrrp_instance ${i.name} has no counterpart in ${b.file}`,
        'define the same instance on both nodes',
      );
      continue;
    }
    seen.add(i.name);
    const jp = (k: string) => j.kv.get(k)?.pos ?? j.node.pos;
    if (i.vrid !== j.vrid)
      c.add(
        'KA102',
        'error',
        jp('virtual_router_id'),
        `(${i.name}) VRID ${j.vrid ?? 'unset'} differs from ${i.vrid ?? 'unset'} in ${a.file}`,
        'use the same virtual_router_id on both nodes',
      );
    const va = i.vips
      .map((v) => v.addr)
      .sort()
      .join(' ');
    const vb = j.vips
      .map((v) => v.addr)
      .sort()
      .join(' ');
    if (va !== vb)
      c.add(
        'KA103',
        'error',
        jp('virtual_ipaddress'),
        `(${i.name}) virtual addresses [${vb}] differ from [${va}] in ${a.file}`,
        'use the same virtual_ipaddress on both nodes',
      );
    if ((i.advertInt ?? 1) !== (j.advertInt ?? 1))
      c.add(
        'KA104',
        'error',
        jp('advert_int'),
        `(${i.name}) advert_int ${j.advertInt ?? 1} differs from ${i.advertInt ?? 1} in ${a.file}`,
        'use the same advert_int on both nodes',
      );
    if (i.authType !== j.authType || (i.authPass ?? '').slice(0, 8) !== (j.authPass ?? '').slice(0, 8)) {
      c.add(
        'KA105',
        'error',
        jp('authentication'),
        `(${i.name}) authentication differs from ${a.file}`,
        'use the same auth_type and auth_pass on both nodes',
      );
    }
    if (i.version !== j.version)
      c.add(
        'KA106',
        'error',
        jp('version'),
        `(${i.name}) VRRP version ${j.version} differs from ${i.version} in ${a.file}`,
        'use the same version on both nodes',
      );
    if (i.unicastSrc !== undefined && j.peers.length > 0 && !j.peers.includes(i.unicastSrc)) {
      c.add(
        'KA107',
        'error',
        jp('unicast_peer'),
        `(${i.name}) unicast_src_ip ${i.unicastSrc} of ${a.file} is not in this unicast_peer`,
        `add ${i.unicastSrc} to unicast_peer`,
      );
    }
    if (j.unicastSrc !== undefined && i.peers.length > 0 && !i.peers.includes(j.unicastSrc)) {
      c.add(
        'KA107',
        'error',
        i.kv.get('unicast_peer')?.pos ?? i.node.pos,
        `(${i.name}) unicast_src_ip ${j.unicastSrc} of ${b.file} is not in this unicast_peer`,
        `add ${j.unicastSrc} to unicast_peer`,
      );
    }
    if ((i.priority ?? 100) === (j.priority ?? 100))
      c.add(
        'KA108',
        'warning',
        jp('priority'),
        `(${i.name}) both nodes have priority ${j.priority ?? 100}`,
        'give the preferred master a higher priority',
      );
    masters = (i.state === 'MASTER' ? 1 : 0) + (j.state === 'MASTER' ? 1 : 0);
    const noPreempt = i.kv.has('nopreempt') && j.kv.has('nopreempt');
    if (masters !== 1 && !noPreempt) {
      c.add(
        'KA109',
        'warning',
        jp('state'),
        `(${i.name}) ${masters} nodes have state MASTER`,
        'set state MASTER on exactly one node (or BACKUP on both with nopreempt)',
      );
    }
  }
  for (const j of mb.instances) {
    if (!seen.has(j.name))
      c.add(
        'KA101',
        'error',
        j.node.pos,
        `vrrp_instance ${j.name} has no counterpart in ${a.file}`,
        'define the same instance on both nodes',
      );
  }
  return sortDiagnostics(c.out);
}
