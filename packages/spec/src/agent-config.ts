/**
 * The hagate-agent configuration (`/etc/hagate/agent.json`): what the agent must make true on one
 * router in each VRRP role. Written as a plain validator with no dependency so the agent bundle can
 * import it without paying for a schema library at start-up.
 */

/** An interface and whether it is administratively up. */
export interface LinkState {
  name: string;
  up: boolean;
}

/** An IPv4 address on an interface, `a.b.c.d/len`. */
export interface AddressState {
  dev: string;
  cidr: string;
}

/** An IPv4 route of the main table. `dst` is `default` or `a.b.c.d[/len]`. */
export interface RouteState {
  dst: string;
  via?: string;
  dev: string;
  src?: string;
  scope?: 'link' | 'global';
  onlink?: boolean;
  metric?: number;
}

/** One /proc/sys value. `key` is relative to /proc/sys (`net/ipv4/ip_forward`); `pre` values are written
 * before the links change (e.g. arp_notify before the NIC goes up), `post` ones after the routes. */
export interface SysctlState {
  key: string;
  value: string;
  stage: 'pre' | 'post';
}

/** How a new master makes the switch and the gateway learn it, without sleeping. */
export interface AnnounceState {
  /** One probe to this address once the routes are in place (`udp`: one datagram to port 9, which makes the
   * kernel ARP for the gateway; `ping`: one `ping -c1 -W1` in the background). */
  probe?: { address: string; method: 'udp' | 'ping' };
}

/** The desired state of one role. */
export interface RoleState {
  links: LinkState[];
  addresses: AddressState[];
  routes: RouteState[];
  sysctls: SysctlState[];
  /** Only when the spec has role-specific firewall rules: an nft file (absolute path) that replaces the
   * role chains of hagate's table with this role's rules, loaded (`nft -f`) on a change to this role. The
   * router's one ruleset (`firewall.ruleset`) is loaded at boot and never by a role change. */
  nftRoleRules?: string;
  announce: AnnounceState;
}

/** The router's one firewall: loaded at boot (nftables.service), right in both roles (its NAT is keyed on
 * the external NIC, which only the master has up). The agent never loads it on a role change; `check` and
 * `status` verify it is there, and the fifo process reloads it when something removes the table. */
export interface FirewallState {
  /** Absolute path of the ruleset file (one `nft -f` transaction replacing hagate's table). */
  ruleset: string;
  /** hagate's table in it. */
  table: { family: 'inet' | 'ip' | 'ip6'; name: string };
}

/** How keepalived learns that this router cannot hold the master state: a keepalived track_file the agent
 * writes (`0` healthy, `1` demoted). keepalived lowers the instance's priority (or puts it in FAULT, weight
 * 0) so the healthy peer takes over. keepalived writes `1` when it starts (init_file ... overwrite), so a
 * router whose agent cannot run at all stays demoted; the agent writes `0` once it has checked it can work. */
export interface DemoteState {
  /** The track file, absolute path (keepalived's `track_file { file ... }`). */
  file: string;
}

/**
 * How a master that is stopping (keepalived's STOP, its shutdown) hands over to the peer without a gap:
 * it keeps forwarding until the peer has taken the VIP, then gives up its own master state. The sign is
 * the peer's gratuitous ARP for the VIP, which the kernel applies to a neighbour entry the agent plants
 * (unsolicited ARP creates no entry, but updates one). The shared-MAC NIC is never up on both routers.
 */
export interface HandoverState {
  /** The address keepalived moves (the VRRP VIP), without prefix. */
  vip: string;
  /** The interface the VIP lives on (keepalived's `interface`). */
  dev: string;
  /** The longest wait for the peer, ms: its master-down interval (3 x advert + skew) and a margin. */
  timeoutMs: number;
}

/** The objects hagate owns: nothing else is ever changed or removed. */
export interface OwnedObjects {
  /** Interfaces whose up/down state the agent sets. */
  links: string[];
  /** Interfaces whose IPv4 global addresses belong to hagate (extra ones are removed). */
  addressesOn: string[];
  /** Route destinations of the main table that belong to hagate (`default`, `a.b.c.d/len`). */
  routes: string[];
}

export interface AgentConfig {
  $comment?: string;
  version: 2;
  router: string;
  /** keepalived vrrp_instance name; events for other instances are ignored. */
  instance: string;
  externalNic: string;
  /** Directory of the state file (`state.json`), e.g. /run/hagate. */
  stateDir: string;
  /** Name of the lock: an abstract unix socket (per network namespace, released by the kernel when the
   * holder dies, so a killed agent never leaves a stale lock). */
  lockName: string;
  syslog: { ident: string; facility: SyslogFacility };
  /** Timeout of every spawned command, in ms. */
  commandTimeoutMs: number;
  owned: OwnedObjects;
  roles: { master: RoleState; backup: RoleState };
  firewall: FirewallState;
  /** Demotion through a keepalived track_file; without it a failed MASTER is only logged. */
  demote?: DemoteState;
  /** Graceful handover on STOP / shutdown; without it the stopping master gives up at once. */
  handover?: HandoverState;
}

export type SyslogFacility =
  | 'daemon'
  | 'user'
  | 'local0'
  | 'local1'
  | 'local2'
  | 'local3'
  | 'local4'
  | 'local5'
  | 'local6'
  | 'local7';

const FACILITIES: readonly SyslogFacility[] = [
  'daemon',
  'user',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];

/** A bad agent.json: where (file and JSON path, or file:line:col), what was expected, what was found. */
export class AgentConfigError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      `${file}${path.startsWith(':') ? path : `: ${path || '(root)'}`}: expected ${expected}, found ${found}`,
    );
    this.name = 'AgentConfigError';
  }

  /** One error carrying several problems (each on its own line). */
  static all(errors: AgentConfigError[]): AgentConfigError {
    const [first] = errors;
    if (!first || errors.length === 1) return first as AgentConfigError;
    const e = new AgentConfigError(first.file, first.path, first.expected, first.found);
    e.message = errors.map((x) => x.message).join('\n');
    e.problems = errors;
    return e;
  }

  /** Every problem when several were found at once (unknown keys), else just this one. */
  problems: AgentConfigError[] = [this];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IFNAME = /^[^\s/:]{1,15}$/;
const ABS_PATH = /^\/[^\s\0]*$/;
const SYSCTL_KEY = /^[a-z0-9_]+(\/[A-Za-z0-9_.-]+)+$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** True for a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** `default` -> `0.0.0.0/0`, `a.b.c.d` -> `a.b.c.d/32`, else unchanged: the form routes are compared in. */
export function normalizeDst(dst: string): string {
  if (dst === 'default') return '0.0.0.0/0';
  return dst.includes('/') ? dst : `${dst}/32`;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

class Ctx {
  /** Unknown keys, all reported at once (with the first other problem, if any). */
  readonly unknown: AgentConfigError[] = [];
  constructor(readonly file: string) {}
  fail(path: string, expected: string, found: unknown): never {
    throw new AgentConfigError(this.file, path, expected, describe(found));
  }
  obj(
    v: unknown,
    path: string,
    keys: readonly string[],
    optional: readonly string[] = [],
  ): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!keys.includes(k) && !optional.includes(k)) {
        this.unknown.push(
          new AgentConfigError(
            this.file,
            join(path, k),
            `one of the keys ${[...keys, ...optional].join(', ')}`,
            `unknown key "${k}"`,
          ),
        );
      }
    }
    for (const k of keys) if (!(k in o)) this.fail(join(path, k), 'a value', undefined);
    return o;
  }
  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array', v);
    return v;
  }
  str(v: unknown, path: string, re?: RegExp, expected = 'a string'): string {
    if (typeof v !== 'string' || (re && !re.test(v))) this.fail(path, expected, v);
    return v;
  }
  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }
  int(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `an integer from ${min} to ${max}`, v);
    }
    return v;
  }
  ipv4(v: unknown, path: string): string {
    return this.str(v, path, IPV4, 'an IPv4 address like 10.10.1.1');
  }
  cidr(v: unknown, path: string): string {
    const s = this.str(v, path, /^[^/]+\/\d{1,2}$/, 'an IPv4 address with prefix like 203.0.113.10/32');
    const [ip, len] = s.split('/') as [string, string];
    if (!IPV4.test(ip) || Number(len) > 32)
      this.fail(path, 'an IPv4 address with prefix like 203.0.113.10/32', s);
    return s;
  }
  dst(v: unknown, path: string): string {
    const s = this.str(v, path);
    if (s === 'default') return s;
    const [ip, len, extra] = s.split('/');
    if (
      extra !== undefined ||
      !ip ||
      !IPV4.test(ip) ||
      (len !== undefined && !/^\d{1,2}$/.test(len)) ||
      Number(len) > 32
    ) {
      this.fail(path, '"default" or an IPv4 destination like 198.51.100.1/32', s);
    }
    return s;
  }
  ifname(v: unknown, path: string): string {
    return this.str(v, path, IFNAME, 'an interface name (1-15 characters, no space, "/" or ":")');
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function parseRole(c: Ctx, v: unknown, path: string): RoleState {
  const o = c.obj(v, path, ['links', 'addresses', 'routes', 'sysctls', 'announce'], ['nftRoleRules']);
  const links = c.arr(o.links, join(path, 'links')).map((l, i) => {
    const p = join(join(path, 'links'), i);
    const lo = c.obj(l, p, ['name', 'up']);
    return { name: c.ifname(lo.name, join(p, 'name')), up: c.bool(lo.up, join(p, 'up')) };
  });
  const addresses = c.arr(o.addresses, join(path, 'addresses')).map((a, i) => {
    const p = join(join(path, 'addresses'), i);
    const ao = c.obj(a, p, ['dev', 'cidr']);
    return { dev: c.ifname(ao.dev, join(p, 'dev')), cidr: c.cidr(ao.cidr, join(p, 'cidr')) };
  });
  const routes = c.arr(o.routes, join(path, 'routes')).map((r, i) => {
    const p = join(join(path, 'routes'), i);
    const ro = c.obj(r, p, ['dst', 'dev'], ['via', 'src', 'scope', 'onlink', 'metric']);
    const route: RouteState = { dst: c.dst(ro.dst, join(p, 'dst')), dev: c.ifname(ro.dev, join(p, 'dev')) };
    if (ro.via !== undefined) route.via = c.ipv4(ro.via, join(p, 'via'));
    if (ro.src !== undefined) route.src = c.ipv4(ro.src, join(p, 'src'));
    if (ro.scope !== undefined) {
      route.scope = c.str(ro.scope, join(p, 'scope'), /^(link|global)$/, '"link" or "global"') as
        | 'link'
        | 'global';
    }
    if (ro.onlink !== undefined) route.onlink = c.bool(ro.onlink, join(p, 'onlink'));
    if (ro.metric !== undefined) route.metric = c.int(ro.metric, join(p, 'metric'), 0, 0xffffffff);
    return route;
  });
  const sysctls = c.arr(o.sysctls, join(path, 'sysctls')).map((s, i) => {
    const p = join(join(path, 'sysctls'), i);
    const so = c.obj(s, p, ['key', 'value'], ['stage']);
    const key = c.str(so.key, join(p, 'key'), SYSCTL_KEY, 'a /proc/sys path like net/ipv4/ip_forward');
    if (key.split('/').some((part) => part === '.' || part === '..')) {
      c.fail(join(p, 'key'), 'a /proc/sys path without "." or ".."', key);
    }
    const value = c.str(so.value, join(p, 'value'), /^[^\n]{0,256}$/, 'a one-line string value');
    const stage =
      so.stage === undefined
        ? 'pre'
        : (c.str(so.stage, join(p, 'stage'), /^(pre|post)$/, '"pre" or "post"') as 'pre' | 'post');
    return { key, value, stage };
  });
  const ao = c.obj(o.announce, join(path, 'announce'), [], ['probe']);
  const announce: AnnounceState = {};
  if (ao.probe !== undefined) {
    const p = join(join(path, 'announce'), 'probe');
    const po = c.obj(ao.probe, p, ['address'], ['method']);
    announce.probe = {
      address: c.ipv4(po.address, join(p, 'address')),
      method:
        po.method === undefined
          ? 'udp'
          : (c.str(po.method, join(p, 'method'), /^(udp|ping)$/, '"udp" or "ping"') as 'udp' | 'ping'),
    };
  }
  const role: RoleState = { links, addresses, routes, sysctls, announce };
  if (o.nftRoleRules !== undefined) {
    role.nftRoleRules = c.str(o.nftRoleRules, join(path, 'nftRoleRules'), ABS_PATH, 'an absolute path');
  }
  return role;
}

/** Offset of the first JSON syntax error in `text` (V8 messages do not always carry one). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (ch === '{') {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (ch === '"') str();
    else if (ch === 't') lit('true');
    else if (ch === 'f') lit('false');
    else if (ch === 'n') lit('null');
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail();
      i += (m as RegExpExecArray)[0].length;
    }
  };
  try {
    value();
    ws();
    return i;
  } catch (pos) {
    return typeof pos === 'number' ? pos : text.length;
  }
}

/** Where in `text` the character at `pos` is, 1-based. */
function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, col: pos - before.lastIndexOf('\n') };
}

/**
 * Parses and validates agent.json. Throws an {@link AgentConfigError} naming the JSON path (or file:line:col
 * for a syntax error), what was expected and what was found.
 */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const pos = m ? Number(m[1]) : jsonErrorOffset(text);
    const { line, col } = lineCol(text, pos);
    const found = pos >= text.length ? 'end of file' : JSON.stringify(text.slice(pos, pos + 12));
    throw new AgentConfigError(file, `:${line}:${col}`, 'valid JSON', found);
  }
  const c = new Ctx(file);
  let config: AgentConfig;
  try {
    config = validate(c, raw);
  } catch (e) {
    if (!(e instanceof AgentConfigError) || c.unknown.length === 0) throw e;
    throw AgentConfigError.all([...c.unknown, e]);
  }
  if (c.unknown.length > 0) throw AgentConfigError.all(c.unknown);
  return config;
}

function validate(c: Ctx, raw: unknown): AgentConfig {
  const o = c.obj(
    raw,
    '',
    [
      'version',
      'router',
      'instance',
      'externalNic',
      'stateDir',
      'lockName',
      'syslog',
      'owned',
      'roles',
      'firewall',
    ],
    ['$comment', 'commandTimeoutMs', 'handover', 'demote'],
  );
  if (o.version !== 2) {
    c.fail('version', '2 (an agent.json of an older hagate: regenerate it with hagate gen)', o.version);
  }
  const so = c.obj(o.syslog, 'syslog', ['ident'], ['facility']);
  const oo = c.obj(o.owned, 'owned', ['links', 'addressesOn', 'routes']);
  const ro = c.obj(o.roles, 'roles', ['master', 'backup']);
  const fo = c.obj(o.firewall, 'firewall', ['ruleset', 'table']);
  const to = c.obj(fo.table, 'firewall.table', ['family', 'name']);
  const config: AgentConfig = {
    version: 2,
    router: c.str(o.router, 'router', NAME, 'a router name'),
    instance: c.str(o.instance, 'instance', NAME, 'a keepalived instance name'),
    externalNic: c.ifname(o.externalNic, 'externalNic'),
    stateDir: c.str(o.stateDir, 'stateDir', ABS_PATH, 'an absolute path'),
    lockName: c.str(o.lockName, 'lockName', /^[^\0\n]{1,100}$/, 'a lock name of 1-100 characters'),
    syslog: {
      ident: c.str(so.ident, 'syslog.ident', /^[A-Za-z0-9_.-]{1,32}$/, 'a syslog tag'),
      facility:
        so.facility === undefined
          ? 'daemon'
          : (c.str(
              so.facility,
              'syslog.facility',
              new RegExp(`^(${FACILITIES.join('|')})$`),
              `one of ${FACILITIES.join(', ')}`,
            ) as SyslogFacility),
    },
    commandTimeoutMs:
      o.commandTimeoutMs === undefined ? 5000 : c.int(o.commandTimeoutMs, 'commandTimeoutMs', 100, 600_000),
    owned: {
      links: c.arr(oo.links, 'owned.links').map((l, i) => c.ifname(l, `owned.links[${i}]`)),
      addressesOn: c
        .arr(oo.addressesOn, 'owned.addressesOn')
        .map((l, i) => c.ifname(l, `owned.addressesOn[${i}]`)),
      routes: c.arr(oo.routes, 'owned.routes').map((d, i) => c.dst(d, `owned.routes[${i}]`)),
    },
    roles: {
      master: parseRole(c, ro.master, 'roles.master'),
      backup: parseRole(c, ro.backup, 'roles.backup'),
    },
    firewall: {
      ruleset: c.str(fo.ruleset, 'firewall.ruleset', ABS_PATH, 'an absolute path'),
      table: {
        family: c.str(to.family, 'firewall.table.family', /^(inet|ip|ip6)$/, '"inet", "ip" or "ip6"') as
          | 'inet'
          | 'ip'
          | 'ip6',
        name: c.str(to.name, 'firewall.table.name', /^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'an nft table name'),
      },
    },
  };
  if (o.demote !== undefined) {
    const dm = c.obj(o.demote, 'demote', ['file']);
    config.demote = { file: c.str(dm.file, 'demote.file', ABS_PATH, 'an absolute path') };
  }
  if (typeof o.$comment === 'string') config.$comment = o.$comment;
  if (o.handover !== undefined) {
    const ho = c.obj(o.handover, 'handover', ['vip', 'dev', 'timeoutMs']);
    config.handover = {
      vip: c.ipv4(ho.vip, 'handover.vip'),
      dev: c.ifname(ho.dev, 'handover.dev'),
      timeoutMs: c.int(ho.timeoutMs, 'handover.timeoutMs', 0, 600_000),
    };
  }
  // Every object a role sets must be owned: the agent never touches anything else.
  const ownedRoutes = new Set(config.owned.routes.map(normalizeDst));
  for (const role of ['master', 'backup'] as const) {
    const r = config.roles[role];
    r.links.forEach((l, i) => {
      if (!config.owned.links.includes(l.name)) {
        c.fail(
          `roles.${role}.links[${i}].name`,
          `a link listed in owned.links (${config.owned.links.join(', ')})`,
          l.name,
        );
      }
    });
    r.addresses.forEach((a, i) => {
      if (!config.owned.addressesOn.includes(a.dev)) {
        c.fail(
          `roles.${role}.addresses[${i}].dev`,
          `an interface listed in owned.addressesOn (${config.owned.addressesOn.join(', ')})`,
          a.dev,
        );
      }
    });
    const seen = new Set<string>();
    r.routes.forEach((rt, i) => {
      const key = normalizeDst(rt.dst) + (rt.metric ?? 0);
      if (!ownedRoutes.has(normalizeDst(rt.dst))) {
        c.fail(
          `roles.${role}.routes[${i}].dst`,
          `a destination listed in owned.routes (${config.owned.routes.join(', ')})`,
          rt.dst,
        );
      }
      if (seen.has(key))
        c.fail(`roles.${role}.routes[${i}].dst`, 'one route per destination and metric', rt.dst);
      seen.add(key);
    });
  }
  return config;
}

const str = { type: 'string' } as const;
const ifnameSchema = { type: 'string', pattern: IFNAME.source } as const;
const roleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['links', 'addresses', 'routes', 'sysctls', 'announce'],
  properties: {
    links: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'up'],
        properties: { name: ifnameSchema, up: { type: 'boolean' } },
      },
    },
    addresses: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['dev', 'cidr'],
        properties: { dev: ifnameSchema, cidr: str },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['dst', 'dev'],
        properties: {
          dst: str,
          via: str,
          dev: ifnameSchema,
          src: str,
          scope: { enum: ['link', 'global'] },
          onlink: { type: 'boolean' },
          metric: { type: 'integer', minimum: 0 },
        },
      },
    },
    sysctls: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'value'],
        properties: {
          key: { type: 'string', pattern: SYSCTL_KEY.source },
          value: str,
          stage: { enum: ['pre', 'post'] },
        },
      },
    },
    nftRoleRules: { type: 'string', pattern: ABS_PATH.source },
    announce: {
      type: 'object',
      additionalProperties: false,
      properties: {
        probe: {
          type: 'object',
          additionalProperties: false,
          required: ['address'],
          properties: { address: str, method: { enum: ['udp', 'ping'] } },
        },
      },
    },
  },
} as const;

/** JSON Schema (draft 2020-12) of agent.json, for editors and documentation. */
export const agentConfigJsonSchema: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'hagate-agent configuration',
  type: 'object',
  additionalProperties: false,
  required: [
    'version',
    'router',
    'instance',
    'externalNic',
    'stateDir',
    'lockName',
    'syslog',
    'owned',
    'roles',
    'firewall',
  ],
  properties: {
    $comment: str,
    version: { const: 2 },
    router: str,
    instance: str,
    externalNic: ifnameSchema,
    stateDir: { type: 'string', pattern: ABS_PATH.source },
    lockName: str,
    syslog: {
      type: 'object',
      additionalProperties: false,
      required: ['ident'],
      properties: { ident: str, facility: { enum: FACILITIES } },
    },
    commandTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000 },
    handover: {
      type: 'object',
      additionalProperties: false,
      required: ['vip', 'dev', 'timeoutMs'],
      properties: {
        vip: str,
        dev: ifnameSchema,
        timeoutMs: { type: 'integer', minimum: 0, maximum: 600000 },
      },
    },
    owned: {
      type: 'object',
      additionalProperties: false,
      required: ['links', 'addressesOn', 'routes'],
      properties: {
        links: { type: 'array', items: ifnameSchema },
        addressesOn: { type: 'array', items: ifnameSchema },
        routes: { type: 'array', items: str },
      },
    },
    roles: {
      type: 'object',
      additionalProperties: false,
      required: ['master', 'backup'],
      properties: { master: roleSchema, backup: roleSchema },
    },
    firewall: {
      type: 'object',
      additionalProperties: false,
      required: ['ruleset', 'table'],
      properties: {
        ruleset: { type: 'string', pattern: ABS_PATH.source },
        table: {
          type: 'object',
          additionalProperties: false,
          required: ['family', 'name'],
          properties: { family: { enum: ['inet', 'ip', 'ip6'] }, name: str },
        },
      },
    },
    demote: {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: { file: { type: 'string', pattern: ABS_PATH.source } },
    },
  },
};
