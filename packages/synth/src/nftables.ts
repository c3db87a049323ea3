/**
 * Each router's one firewall, `etc/nftables/hagate.nft`, built through @hagate/nftables-parser's typed
 * builders: one atomic `nft -f` transaction that replaces hagate's own table (`table inet hagate`: IPv4 and
 * IPv6) and leaves every other table (Docker, libvirt...) alone. It is loaded at boot (nftables.service,
 * whose `etc/nftables.conf` includes it, so `systemctl reload nftables` brings it back) and it is right in
 * both roles: the SNAT rule matches the external NIC, which only the master ever has up. A role change
 * loads nothing, unless the spec has extra rules for one role only: those live in role chains
 * (`role_input`...) that `hagate-role-master.nft` / `hagate-role-backup.nft` refill on a role change.
 */
import {
  accept,
  addTable,
  analyzeRule,
  anonSet,
  type BaseChain,
  chain,
  comment,
  ct,
  deleteTable,
  drop,
  flags,
  flushRuleset,
  jump,
  meta,
  NftSyntaxError,
  type Node,
  parseRules,
  payload,
  print,
  q,
  type Ruleset,
  rule,
  ruleset,
  type Statement,
  snat,
  table,
  w,
} from '@hagate/nftables-parser';
import { hasIpv6, peerOf, routerNames, segmentInterface, vrrpSegment } from '@hagate/spec';
import { CLAIM_PORT } from './agent.js';
import { syncLink } from './conntrackd.js';
import { SynthError } from './errors.js';
import {
  ICMPV6_ERRORS_AND_ECHO,
  icmpv6ForwardRules,
  icmpv6InputRules,
  vipInterfaces,
  vipInterfaces4,
  vrrpInputRules,
} from './nftables-topology.js';
import { raSources } from './radvd.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

export type Role = 'master' | 'backup';
type ChainName = 'input' | 'forward' | 'output' | 'prerouting' | 'postrouting';

/** The family and name of the one table hagate owns on each router. */
export const NFT_TABLE = { family: 'inet', name: 'hagate' } as const;

/** Where a router's firewall lives on the router. */
export const RULESET_PATH = '/etc/nftables/hagate.nft';
/** Where the role chains' rules of a role live on the router (only when the spec has role-specific rules). */
export function roleRulesPath(role: Role): string {
  return `/etc/nftables/hagate-role-${role}.nft`;
}
/** Output path of a router's firewall. */
export function nftablesPath(router: string): string {
  return `${router}${RULESET_PATH}`;
}

const BASE: Record<ChainName, BaseChain> = {
  input: { type: 'filter', hook: 'input', priority: 'filter' },
  forward: { type: 'filter', hook: 'forward', priority: 'filter' },
  output: { type: 'filter', hook: 'output', priority: 'filter' },
  prerouting: { type: 'nat', hook: 'prerouting', priority: 'dstnat' },
  postrouting: { type: 'nat', hook: 'postrouting', priority: 'srcnat' },
};

/** The chains of hagate's table where the kernel accepts each NAT statement. */
const NAT_CHAINS: Record<string, ChainName[]> = {
  snat: ['postrouting'],
  masquerade: ['postrouting'],
  dnat: ['prerouting'],
  redirect: ['prerouting'],
};

/** ICMP types a router must accept, in the order nft lists them (ascending type number). */
const ICMP_ESSENTIALS = [
  'echo-reply',
  'destination-unreachable',
  'echo-request',
  'time-exceeded',
  'parameter-problem',
];
/** ICMPv6 errors, echo and neighbor discovery (so IPv6 on the links keeps working; all else is dropped). */
const ICMPV6_ESSENTIALS = [...ICMPV6_ERRORS_AND_ECHO, 'nd-neighbor-solicit', 'nd-neighbor-advert'];

/** The user's extra rule number `i`, parsed and checked; errors point into the spec value. */
function parseExtraRule(input: SynthInput, i: number): Statement {
  const x = input.spec.firewall.extraRules[i];
  if (!x) throw new Error(`no extra rule ${i}`);
  {
    const path = ['firewall', 'extraRules', i, 'rule'];
    let parsed: Statement[];
    try {
      parsed = parseRules(x.rule, { file: `${input.source}#firewall.extraRules.${i}.rule` });
    } catch (e) {
      if (!(e instanceof NftSyntaxError)) throw e;
      const offset = lineColToOffset(x.rule, e.line, e.col);
      throw new SynthError(
        path,
        `nft rule: unexpected ${e.found}, expecting ${e.expected} (line ${e.line}, column ${e.col})`,
        offset,
      );
    }
    if (parsed.length !== 1) {
      throw new SynthError(path, `expected exactly one nft rule, found ${parsed.length}`);
    }
    const first = parsed[0]?.items[0];
    if (
      first &&
      first.kind === 'word' &&
      ['type', 'policy', 'devices', 'flags', 'comment'].includes(first.text)
    ) {
      throw new SynthError(
        path,
        `expected a rule, found the chain property '${first.text}'`,
        first.pos?.offset ?? 0,
      );
    }
    // The rule model types every statement and checks values (ports, prefixes, ICMP types, ct states...):
    // a rule nft would refuse is refused here, where it can be located, not at failover time.
    const analyzed = analyzeRule(parsed[0] as Statement, { strict: true });
    const problem = analyzed.diagnostics[0];
    if (problem) {
      throw new SynthError(
        path,
        `nft rule: expected ${problem.expected}, found ${problem.found}`,
        lineColToOffset(x.rule, problem.line, problem.col),
      );
    }
    // The kernel, not nft -c, refuses a NAT statement in a filter chain, and snat/dnat on the wrong hook:
    // found here, before the ruleset is loaded at boot.
    const nat = analyzed.statements.find((st) => st.kind === 'nat');
    if (nat && nat.kind === 'nat') {
      const allowed = NAT_CHAINS[nat.type] ?? [];
      if (!allowed.includes(x.chain)) {
        throw new SynthError(
          path,
          `nft rule: expected a statement the ${x.chain} chain can run (${nat.type} goes in ${allowed.join(' or ') || 'no chain of hagate'}), found '${nat.type}'`,
          nat.pos?.offset ?? 0,
        );
      }
    }
    const unknown = analyzed.statements.find((st) => st.kind === 'unknown');
    if (unknown && unknown.kind === 'unknown') {
      const text = unknown.tokens
        .map((t) => ('text' in t ? t.text : ''))
        .join(' ')
        .trim();
      throw new SynthError(
        path,
        `nft rule: expected a statement (a match, a verdict, nat, log, counter, limit, ...), found '${text}'`,
        unknown.pos?.offset ?? 0,
      );
    }
    return parsed[0] as Statement;
  }
}

function lineColToOffset(text: string, line: number, col: number): number {
  const lines = text.split('\n');
  let off = 0;
  for (let l = 1; l < line && l <= lines.length; l++) off += (lines[l - 1]?.length ?? 0) + 1;
  return Math.min(text.length, off + col - 1);
}

/** The extra rules of one chain, split: those of both roles stay in the base chain; those of one role only
 * go to the role chain, jumped to where the first of them stands. */
interface ChainExtras {
  /** Rules of the base chain, the jump to the role chain included. */
  base: Statement[];
  /** Per role, the rules of the role chain (empty when the chain has no role-specific rule). */
  role: Record<Role, Statement[]>;
}

function splitExtras(input: SynthInput, chainName: ChainName): ChainExtras {
  const out: ChainExtras = { base: [], role: { master: [], backup: [] } };
  let jumped = false;
  for (const x of input.spec.firewall.extraRules) {
    if (x.chain !== chainName) continue;
    const both = x.roles.includes('master') && x.roles.includes('backup');
    const i = input.spec.firewall.extraRules.indexOf(x);
    const parsed = parseExtraRule(input, i);
    if (both) {
      out.base.push(parsed);
      continue;
    }
    if (!jumped) {
      out.base.push(rule(jump(roleChain(chainName))));
      jumped = true;
    }
    for (const r of x.roles) out.role[r].push(parsed);
  }
  return out;
}

const roleChain = (name: ChainName): string => `role_${name}`;

/** True when some extra rule applies to one role only (then role changes load a role file). */
export function hasRoleRules(input: SynthInput): boolean {
  return input.spec.firewall.extraRules.some(
    (x) => !(x.roles.includes('master') && x.roles.includes('backup')),
  );
}

/** The typed model of one router's firewall (exported for tests and `hagate lint`). */
export function nftablesModel(input: SynthInput, router: string): Ruleset {
  const { spec } = input;
  if (!spec.routers[router]) throw new Error(`router ${router} is not in the spec`);
  const ext = spec.external.nic;
  const hardened = spec.firewall.profile === 'hardened';
  const rules: Record<ChainName, Statement[]> = {
    input: [],
    forward: [],
    output: [],
    prerouting: [],
    postrouting: [],
  };

  if (hardened) {
    const established = () => rule(ct('state', flags('established', 'related')), accept());
    const invalid = () => rule(ct('state', 'invalid'), drop());
    rules.input.push(
      established(),
      invalid(),
      rule(meta('iif', 'lo'), accept()),
      rule(payload('icmp', 'type', anonSet(...ICMP_ESSENTIALS)), accept()),
      ...(hasIpv6(spec)
        ? icmpv6InputRules()
        : [rule(payload('icmpv6', 'type', anonSet(...ICMPV6_ESSENTIALS)), accept())]),
      ...vrrpInputRules(spec, router),
    );
    const lan = vrrpSegment(spec);
    const peerIp = peerOf(spec, router).router.addresses[lan.name];
    if (peerIp !== undefined) {
      // The peer's agent asking whether the external NIC is down here (see hagate-agent's claim.ts).
      rules.input.push(
        rule(
          meta('iifname', lan.iface),
          payload('ip', 'saddr', peerIp),
          payload('udp', 'dport', CLAIM_PORT),
          accept(),
        ),
      );
    }
    // conntrackd's sync traffic: from the peer's sync address only, on the sync segment.
    const sync = syncLink(spec, router);
    if (sync) {
      rules.input.push(
        rule(
          meta('iifname', sync.iface),
          payload('ip', 'saddr', sync.peer),
          payload('udp', 'dport', sync.port),
          accept(),
        ),
      );
    }
    const sshFrom = spec.firewall.sshFrom;
    if (sshFrom !== undefined) {
      const seg = spec.segments[sshFrom];
      if (!seg) throw new SynthError(['firewall', 'sshFrom'], `expected a segment name, found "${sshFrom}"`);
      rules.input.push(
        rule(
          meta('iifname', segmentInterface(seg)),
          payload('ip', 'saddr', seg.subnet),
          payload('tcp', 'dport', 22),
          accept(),
        ),
      );
    }
    rules.forward.push(
      established(),
      invalid(),
      ...icmpv6ForwardRules(spec),
      ...vipInterfaces(spec).map((iface) => rule(meta('iifname', iface), meta('oifname', ext), accept())),
    );
  }
  // Router advertisements leave an announcing LAN from its link-local VIP only (radvd.ts): a router without
  // the VIP (the backup) sends none, whatever its radvd does, so the hosts' one default router is the VIP.
  rules.output.push(
    ...raSources(input).map(({ iface, source }) =>
      rule(
        meta('oifname', iface),
        payload('icmpv6', 'type', 'nd-router-advert'),
        payload('ip6', 'saddr', source, '!='),
        drop(),
      ),
    ),
  );
  // SNAT to the failover IP, keyed on the external NIC: only the master ever has it up, so the rule is
  // loaded in both roles and acts on the master only (the how-to's profile matched the LAN NIC alone, which
  // would also rewrite a backup's traffic to its peer).
  rules.postrouting.push(
    ...vipInterfaces4(spec).map((iface) =>
      rule(meta('iifname', iface), meta('oifname', ext), snat(spec.external.failoverIp, 'ip')),
    ),
  );

  const roleChains: Node[] = [];
  for (const name of Object.keys(rules) as ChainName[]) {
    const extras = splitExtras(input, name);
    rules[name].push(...extras.base);
    if (extras.role.master.length + extras.role.backup.length > 0)
      roleChains.push(chain(roleChain(name), []));
  }

  const policy = (name: ChainName) =>
    hardened && (name === 'input' || name === 'forward') ? 'drop' : 'accept';
  const chains: Node[] = (Object.keys(rules) as ChainName[])
    .filter((name) => BASE[name].type === 'filter' || rules[name].length > 0)
    .map((name) => chain(name, rules[name], { ...BASE[name], policy: policy(name) }));

  const { family, name } = NFT_TABLE;
  return ruleset(
    comment(generatedMarker(input)),
    comment(
      `Firewall of ${router} (${spec.firewall.profile} profile), right in both VRRP roles: loaded at boot by nftables.service.`,
    ),
    comment(
      `One transaction: replaces table ${NFT_TABLE.family} ${NFT_TABLE.name} only; other tables are left alone.`,
    ),
    addTable(family, name),
    deleteTable(family, name),
    table(family, name, [...roleChains, ...chains]),
  );
}

/** The role chains' rules of one role: flushes every role chain, then adds the role's rules. */
export function roleRulesModel(input: SynthInput, router: string, role: Role): Ruleset {
  const { family, name } = NFT_TABLE;
  const body: Node[] = [
    comment(generatedMarker(input)),
    comment(
      `${role === 'master' ? 'MASTER' : 'BACKUP'} rules of ${router}'s role chains, loaded by hagate-agent with nft -f on a change to this role.`,
    ),
  ];
  for (const chainName of Object.keys(BASE) as ChainName[]) {
    const extras = splitExtras(input, chainName);
    if (extras.role.master.length + extras.role.backup.length === 0) continue;
    body.push(cmd('flush', 'chain', family, name, roleChain(chainName)));
    for (const r of extras.role[role]) {
      body.push({
        ...r,
        items: [
          ...cmd('add', 'rule', family, name, roleChain(chainName)).items,
          ...r.items.map((it, k) => (k === 0 ? { ...it, space: true } : it)),
        ],
      });
    }
  }
  return ruleset(...body);
}

function cmd(...words: string[]): Statement {
  return { kind: 'statement', items: words.map((x, i) => w(x, i > 0)) };
}

/** Debian's /etc/nftables.conf, loaded by nftables.service at boot and on `systemctl reload nftables`: it
 * flushes everything and includes hagate's firewall, so a reload never leaves the router without it. */
export function nftablesConfModel(input: SynthInput): Ruleset {
  return ruleset(
    comment(generatedMarker(input)),
    comment('Loaded by nftables.service at boot and on reload (nft -f /etc/nftables.conf).'),
    comment('Your own tables: include their files after this one (each file replaces only its own table).'),
    flushRuleset(),
    { kind: 'statement', items: [w('include', false), q(RULESET_PATH)] },
  );
}

/** Every router's firewall, Debian's nftables.conf including it, and the role files where needed. */
export function synthNftables(input: SynthInput): GeneratedFile[] {
  return routerNames(input.spec).flatMap((router) => {
    const files: GeneratedFile[] = [
      { path: nftablesPath(router), contents: print(nftablesModel(input, router)) },
      { path: `${router}/etc/nftables.conf`, contents: print(nftablesConfModel(input)) },
    ];
    if (hasRoleRules(input)) {
      for (const role of ['master', 'backup'] as const) {
        files.push({
          path: `${router}${roleRulesPath(role)}`,
          contents: print(roleRulesModel(input, router, role)),
        });
      }
    }
    return files;
  });
}
