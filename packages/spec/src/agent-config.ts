/**
 * The hagate-agent configuration (`/etc/hagate/agent.json`): what the agent must make true on one
 * router in each VRRP role. Described once with a dependency-free schema (mini-schema.ts), so the agent
 * bundle imports the validator without paying for a schema library at start-up, and the types and the
 * JSON Schema come from the same description.
 */

import { canonicalIpv6, isIpv6 } from './ipv6.js';
import {
  array,
  bool,
  type Issue,
  int,
  literal,
  object,
  oneOf,
  optional,
  type Schema,
  SchemaFailure,
  str,
  Walk,
} from './mini-schema.js';

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

/**
 * `default` -> `0.0.0.0/0`, `a.b.c.d` -> `a.b.c.d/32`, an IPv6 address -> its canonical text with `/128`, an
 * IPv6 prefix -> canonical text: the form routes are compared in (`::/0` is IPv6's default route).
 */
export function normalizeDst(dst: string): string {
  if (dst === 'default') return '0.0.0.0/0';
  if (dst.includes(':')) {
    const [ip, len] = dst.split('/') as [string, string | undefined];
    return `${canonicalIpv6(ip)}/${len ?? '128'}`;
  }
  return dst.includes('/') ? dst : `${dst}/32`;
}

/** An address with prefix in the form the kernel prints it (IPv6 canonical, RFC 5952). */
export function normalizeCidr(cidr: string): string {
  if (!cidr.includes(':')) return cidr;
  const [ip, len] = cidr.split('/') as [string, string];
  return `${canonicalIpv6(ip)}/${len}`;
}

const FACILITIES = [
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
] as const;

const ipv4 = str(IPV4, 'an IPv4 address like 10.10.1.1');
const ipAny = str(undefined, 'an IPv4 or IPv6 address like 10.10.1.1 or fe80::1', (s) =>
  IPV4.test(s) || isIpv6(s) ? undefined : 'an IPv4 or IPv6 address like 10.10.1.1 or fe80::1',
);
const ifname = str(IFNAME, 'an interface name (1-15 characters, no space, "/" or ":")');
const absPath = str(ABS_PATH, 'an absolute path');
const CIDR_EXPECTED = 'an address with prefix like 203.0.113.10/32 or 2001:db8:ff::10/64';
const cidr = str(/^[^/]+\/\d{1,3}$/, CIDR_EXPECTED, (s) => {
  const [ip, len] = s.split('/') as [string, string];
  if (IPV4.test(ip)) return Number(len) <= 32 ? undefined : CIDR_EXPECTED;
  return isIpv6(ip) && Number(len) <= 128 ? undefined : CIDR_EXPECTED;
});
const DST_EXPECTED = '"default", "::/0" or a destination like 198.51.100.1/32 or 2001:db8:ff::1/128';
const dst = str(undefined, DST_EXPECTED, (s) => {
  if (s === 'default') return undefined;
  const [ip, len, extra] = s.split('/');
  if (extra !== undefined || !ip) return DST_EXPECTED;
  const [family, max] = IPV4.test(ip) ? [4, 32] : isIpv6(ip) ? [6, 128] : [0, 0];
  const ok = family > 0 && (len === undefined || (/^\d{1,3}$/.test(len) && Number(len) <= max));
  return ok ? undefined : DST_EXPECTED;
});

// The shape of agent.json, described once: the validator, the TypeScript types and the JSON Schema all
// come from it.
const linkShape = object({ name: ifname, up: bool() }, 'An interface and whether it is administratively up.');
const addressShape = object(
  { dev: ifname, cidr },
  'An address on an interface: a.b.c.d/len, or IPv6 (added without duplicate address detection: it is already held by one router only).',
);
const routeShape = object(
  {
    dst,
    dev: ifname,
    via: optional(ipAny),
    src: optional(ipAny),
    scope: optional(oneOf(['link', 'global'])),
    onlink: optional(bool()),
    metric: optional(int(0, 0xffffffff)),
  },
  "A route of the main table: dst is default or a.b.c.d[/len] (IPv4), ::/0 or an IPv6 prefix (IPv6: its via and src are IPv6 too; no metric means the kernel's default, 1024 for IPv6).",
);
const sysctlShape = object(
  {
    key: str(SYSCTL_KEY, 'a /proc/sys path like net/ipv4/ip_forward', (k) =>
      k.split('/').some((part) => part === '.' || part === '..')
        ? 'a /proc/sys path without "." or ".."'
        : undefined,
    ),
    value: str(/^[^\n]{0,256}$/, 'a one-line string value'),
    stage: optional(oneOf(['pre', 'post']), 'pre'),
  },
  'One /proc/sys value, relative to /proc/sys; pre values are written before the links change (arp_notify before the NIC goes up), post ones after the routes.',
);
const announceShape = object(
  {
    probe: optional(object({ address: ipv4, method: optional(oneOf(['udp', 'ping']), 'udp') })),
  },
  'How a new master makes the switch and the gateway learn it without sleeping: one datagram to port 9 of address (udp), or one ping.',
);
const roleShape = object(
  {
    links: array(linkShape),
    addresses: array(addressShape),
    routes: array(routeShape),
    sysctls: array(sysctlShape),
    nftRoleRules: optional(absPath),
    announce: announceShape,
  },
  "The desired state of one role. nftRoleRules (only when the spec has role-specific firewall rules) refills the role chains of hagate's table on a change to this role; the router's firewall itself is loaded at boot.",
);
const handoverShape = object(
  { vip: ipv4, dev: ifname, timeoutMs: int(0, 600_000) },
  "A stopping master keeps forwarding until the peer holds the VIP (its ARP), at most timeoutMs: the peer's master-down interval and a margin.",
);
const claimShape = object(
  {
    peer: ipv4,
    port: optional(int(1, 65535), 7411),
    answerMs: optional(int(1, 10_000), 60),
    releaseMs: optional(int(0, 60_000), 1000),
    lingerMs: optional(int(0, 10_000), 250),
  },
  "The external NIC (one MAC on both routers) up on one router at a time: a router taking the master role asks the peer (UDP to peer:port over the LAN) and brings its NIC up once the peer's is down. A peer that does not answer within answerMs is taken as down; one that still holds its NIC after releaseMs is overridden (and the transition says so). The fifo process answers for its router; a one-shot run that gave the NIC up before the peer asked stays up to lingerMs to answer FREE (the peer's own run may need a Node start before it asks).",
);
const ownedShape = object(
  { links: array(ifname), addressesOn: array(ifname), routes: array(dst) },
  'The objects hagate owns: nothing else is ever changed or removed.',
);
const firewallShape = object(
  {
    ruleset: absPath,
    table: object({
      family: oneOf(['inet', 'ip', 'ip6'], '"inet", "ip" or "ip6"'),
      name: str(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'an nft table name'),
    }),
  },
  "The router's one firewall, loaded at boot and right in both roles; the agent checks it is there and, in fifo mode, loads it again when it is removed.",
);
const demoteShape = object(
  { file: absPath },
  'The keepalived track_file the agent writes: 1 demotes this router (a MASTER it could not hold), 0 is healthy.',
);
const conntrackShape = object(
  {
    socket: absPath,
    timeoutMs: optional(int(100, 60_000), 2000),
  },
  "conntrackd's control socket (its UNIX Path), which the agent talks to directly: commit the peer's connections before the external NIC comes up, then flush, resync and send them (master); have the kernel table flushed after conntrackd's PurgeTimeout and ask the peer for its table (backup). A failure never stops the transition.",
);
const syncGroupShape = object(
  {
    name: str(NAME, 'a keepalived sync group name'),
    instances: array(str(NAME, 'a keepalived instance name')),
  },
  "The keepalived vrrp_sync_group the agent's instance is in, when the spec has several instances: they move with it, so their lines are expected, not another instance's.",
);
const maintenanceShape = object(
  { file: absPath },
  'Where `hagate-agent maintenance on` keeps its marker, in a folder that survives reboots (the agent defaults to /var/lib/hagate/maintenance.json): while it is there the agent keeps the demotion file at 1, so the peer holds the master role, also after keepalived restarts (its init_file writes 1) and reboots.',
);
const keepalivedShape = object(
  {
    pidFile: optional(absPath, '/run/keepalived.pid'),
    tmpDir: optional(absPath, '/tmp'),
    dumpTimeoutMs: optional(int(100, 10_000), 1000),
  },
  'Where status finds keepalived: its main pid file, and the folder (its TMPDIR) its JSON dump (keepalived --signum=JSON) is written to.',
);
const metricsShape = object(
  { file: absPath },
  "The Prometheus text file `hagate-agent metrics` writes (atomically), for node_exporter's textfile collector, e.g. /var/lib/prometheus/node-exporter/hagate.prom.",
);
const healthShape = object(
  {
    gateway: ipv4,
    dev: ifname,
    timeoutMs: optional(int(100, 10_000), 1000),
    holdMs: optional(int(0, 86_400_000), 300_000),
    fall: optional(int(1, 100), 1),
  },
  "The upstream check keepalived runs (vrrp_script `hagate-agent health`): the master pings the provider gateway on the external NIC; a backup, whose external NIC is down, repeats a failure it had as master for holdMs, then reports healthy again. Only a failure that lasted fall probes (keepalived's fall: the one that lowered the router) is held, not one probe lost while the role moved.",
);
const configShape = object(
  {
    $comment: optional(str()),
    version: literal(2, '2 (an agent.json of an older hagate: regenerate it with hagate gen)'),
    router: str(NAME, 'a router name'),
    instance: str(NAME, 'a keepalived instance name'),
    externalNic: ifname,
    stateDir: absPath,
    lockName: str(/^[^\0\n]{1,100}$/, 'a lock name of 1-100 characters'),
    syslog: object({
      ident: str(/^[A-Za-z0-9_.-]{1,32}$/, 'a syslog tag'),
      facility: optional(oneOf(FACILITIES, `one of ${FACILITIES.join(', ')}`), 'daemon'),
    }),
    commandTimeoutMs: optional(int(100, 600_000), 5000),
    owned: ownedShape,
    roles: object({ master: roleShape, backup: roleShape }),
    firewall: firewallShape,
    demote: optional(demoteShape),
    conntrack: optional(conntrackShape),
    syncGroup: optional(syncGroupShape),
    handover: optional(handoverShape),
    claim: optional(claimShape),
    maintenance: optional(maintenanceShape),
    keepalived: optional(keepalivedShape),
    metrics: optional(metricsShape),
    health: optional(healthShape),
  },
  'hagate-agent configuration: what the agent must make true on one router in each VRRP role.',
);

type Parsed<S> = S extends Schema<infer T> ? T : never;
export type LinkState = Parsed<typeof linkShape>;
export type AddressState = Parsed<typeof addressShape>;
export type RouteState = Parsed<typeof routeShape>;
export type SysctlState = Parsed<typeof sysctlShape>;
export type AnnounceState = Parsed<typeof announceShape>;
export type RoleState = Parsed<typeof roleShape>;
export type HandoverState = Parsed<typeof handoverShape>;
export type OwnedObjects = Parsed<typeof ownedShape>;
export type FirewallState = Parsed<typeof firewallShape>;
export type DemoteState = Parsed<typeof demoteShape>;
export type ConntrackState = Parsed<typeof conntrackShape>;
export type SyncGroupState = Parsed<typeof syncGroupShape>;
export type AgentConfig = Parsed<typeof configShape>;

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
 * for a syntax error), what was expected and what was found; every unknown key at once.
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
  const w = new Walk();
  const toError = (i: Issue) => new AgentConfigError(file, i.path, i.expected, i.found);
  try {
    const config = configShape.parse(raw, '', w);
    checkOwned(config, w);
    if (w.unknown.length > 0) throw AgentConfigError.all(w.unknown.map(toError));
    return config;
  } catch (e) {
    if (!(e instanceof SchemaFailure)) throw e;
    throw AgentConfigError.all([...w.unknown, e.issue].map(toError));
  }
}

/** Every object a role sets must be owned: the agent never touches anything else. */
function checkOwned(config: AgentConfig, w: Walk): void {
  const ownedRoutes = new Set(config.owned.routes.map(normalizeDst));
  for (const role of ['master', 'backup'] as const) {
    const r = config.roles[role];
    r.links.forEach((l, i) => {
      if (!config.owned.links.includes(l.name)) {
        w.fail(
          `roles.${role}.links[${i}].name`,
          `a link listed in owned.links (${config.owned.links.join(', ')})`,
          l.name,
        );
      }
    });
    r.addresses.forEach((a, i) => {
      if (!config.owned.addressesOn.includes(a.dev)) {
        w.fail(
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
        w.fail(
          `roles.${role}.routes[${i}].dst`,
          `a destination listed in owned.routes (${config.owned.routes.join(', ')})`,
          rt.dst,
        );
      }
      const family = (a: string) => (a.includes(':') ? 6 : 4);
      const dstFamily = rt.dst === 'default' ? 4 : family(rt.dst);
      for (const k of ['via', 'src'] as const) {
        const a = rt[k];
        if (a !== undefined && family(a) !== dstFamily)
          w.fail(
            `roles.${role}.routes[${i}].${k}`,
            `an IPv${dstFamily} address like the route's destination`,
            a,
          );
      }
      if (seen.has(key))
        w.fail(`roles.${role}.routes[${i}].dst`, 'one route per destination and metric', rt.dst);
      seen.add(key);
    });
  }
}

/** JSON Schema (draft 2020-12) of agent.json, generated from the same shape as the validator. */
export const agentConfigJsonSchema: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'hagate-agent configuration',
  ...configShape.json(),
};
