/**
 * hagate-up.nft (MASTER) and hagate-down.nft (BACKUP) of each router, built through
 * @hagate/nftables-parser's typed builders. Each file is one atomic `nft -f` transaction that replaces
 * hagate's own table (`table inet hagate`: IPv4 and IPv6) and leaves every other table (Docker,
 * libvirt...) alone.
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
  meta,
  NftSyntaxError,
  type Node,
  parseRules,
  payload,
  print,
  type Ruleset,
  rule,
  ruleset,
  type Statement,
  snat,
  table,
} from '@hagate/nftables-parser';
import { peerOf, routerNames, segmentInterface, vrrpSegment } from '@hagate/spec';
import { SynthError } from './errors.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

export type Role = 'master' | 'backup';
type ChainName = 'input' | 'forward' | 'output' | 'prerouting' | 'postrouting';

/** The family and name of the one table hagate owns on each router. */
export const NFT_TABLE = { family: 'inet', name: 'hagate' } as const;

/** Output path of a router's ruleset for a role. */
export function nftablesPath(router: string, role: Role): string {
  return `${router}/etc/nftables/${role === 'master' ? 'hagate-up.nft' : 'hagate-down.nft'}`;
}

const BASE: Record<ChainName, BaseChain> = {
  input: { type: 'filter', hook: 'input', priority: 'filter' },
  forward: { type: 'filter', hook: 'forward', priority: 'filter' },
  output: { type: 'filter', hook: 'output', priority: 'filter' },
  prerouting: { type: 'nat', hook: 'prerouting', priority: 'dstnat' },
  postrouting: { type: 'nat', hook: 'postrouting', priority: 'srcnat' },
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
const ICMPV6_ESSENTIALS = [
  'destination-unreachable',
  'packet-too-big',
  'time-exceeded',
  'parameter-problem',
  'echo-request',
  'echo-reply',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
];

/** The user's extra rules for a chain and role, parsed; syntax errors point into the spec value. */
function extraRules(input: SynthInput, chainName: ChainName, role: Role): Statement[] {
  return input.spec.firewall.extraRules.flatMap((x, i) => {
    if (x.chain !== chainName || !x.roles.includes(role)) return [];
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
    return parsed;
  });
}

function lineColToOffset(text: string, line: number, col: number): number {
  const lines = text.split('\n');
  let off = 0;
  for (let l = 1; l < line && l <= lines.length; l++) off += (lines[l - 1]?.length ?? 0) + 1;
  return Math.min(text.length, off + col - 1);
}

/** The typed model of one router's ruleset for one role (exported for tests and `hagate lint`). */
export function nftablesModel(input: SynthInput, router: string, role: Role): Ruleset {
  const { spec } = input;
  if (!spec.routers[router]) throw new Error(`router ${router} is not in the spec`);
  const lan = vrrpSegment(spec);
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
    const peer = peerOf(spec, router);
    const peerIp = peer.router.addresses[lan.name];
    if (peerIp === undefined) {
      throw new SynthError(
        ['routers', peer.name, 'addresses', lan.name],
        `required by vrrp.segment ${lan.name}`,
      );
    }
    const established = () => rule(ct('state', flags('established', 'related')), accept());
    const invalid = () => rule(ct('state', 'invalid'), drop());
    rules.input.push(
      established(),
      invalid(),
      rule(meta('iif', 'lo'), accept()),
      rule(payload('icmp', 'type', anonSet(...ICMP_ESSENTIALS)), accept()),
      rule(payload('icmpv6', 'type', anonSet(...ICMPV6_ESSENTIALS)), accept()),
      // VRRP (IP protocol 112) from the peer only: without it both routers become MASTER.
      rule(
        meta('iifname', lan.iface),
        payload('ip', 'saddr', peerIp),
        payload('ip', 'protocol', 'vrrp'),
        accept(),
      ),
    );
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
      rule(meta('iifname', lan.iface), meta('oifname', ext), accept()),
    );
    if (role === 'master') {
      rules.postrouting.push(
        rule(meta('iifname', lan.iface), meta('oifname', ext), snat(spec.external.failoverIp, 'ip')),
      );
    }
  } else if (role === 'master') {
    // The how-to: SNAT of everything coming in on the LAN to the failover IP.
    rules.postrouting.push(rule(meta('iifname', lan.iface), snat(spec.external.failoverIp, 'ip')));
  }

  for (const name of Object.keys(rules) as ChainName[]) rules[name].push(...extraRules(input, name, role));

  const policy = (name: ChainName) =>
    hardened && (name === 'input' || name === 'forward') ? 'drop' : 'accept';
  const chains: Node[] = (Object.keys(rules) as ChainName[])
    .filter((name) => BASE[name].type === 'filter' || role === 'master' || rules[name].length > 0)
    .map((name) => chain(name, rules[name], { ...BASE[name], policy: policy(name) }));

  const { family, name } = NFT_TABLE;
  return ruleset(
    comment(generatedMarker(input)),
    comment(
      `${role === 'master' ? 'MASTER' : 'BACKUP'} ruleset of ${router} (${spec.firewall.profile} profile), loaded by hagate-agent with nft -f.`,
    ),
    comment(
      `One transaction: replaces table ${NFT_TABLE.family} ${NFT_TABLE.name} only; other tables are left alone.`,
    ),
    addTable(family, name),
    deleteTable(family, name),
    table(family, name, chains),
  );
}

/** hagate-up.nft and hagate-down.nft for every router. */
export function synthNftables(input: SynthInput): GeneratedFile[] {
  return routerNames(input.spec).flatMap((router) =>
    (['master', 'backup'] as const).map((role) => ({
      path: nftablesPath(router, role),
      contents: print(nftablesModel(input, router, role)),
    })),
  );
}
