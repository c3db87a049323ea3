import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, missing } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { fileFor, nearMisses } from '../scripts/near-miss.js';
import {
  analyzeRule,
  checkRules,
  formatDiagnostic,
  isFullyTyped,
  NftSyntaxError,
  parse,
  parseRules,
  tryParse,
} from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

function strict(text: string, family = 'inet') {
  const [st] = parseRules(text, { file: 'r.nft' });
  if (!st) throw new Error(`no rule in ${text}`);
  return analyzeRule(st, { file: 'r.nft', strict: true, family });
}

/** A rule nft rejects: [rule, column, what the grammar allows there, what was found]. */
const RULES: Array<[string, number, string, string]> = [
  // the audit's cases: a missing value, a misspelled keyword
  [
    'tcp dport',
    10,
    'a value, an operator (==, !=, <, >, <=, >=), a bitwise operator, . or vmap',
    'end of rule',
  ],
  ['tcp dport 22 acept', 14, 'a match or a statement', "'acept'; did you mean 'accept'?"],
  ['ip saddr 10.0.0.1 countr', 19, 'a match or a statement', "'countr'; did you mean 'counter'?"],
  [
    'ct stat established accept',
    4,
    'a ct key (state, status, mark, expiration, helper, label, ...)',
    "'stat'; did you mean 'state'?",
  ],
  [
    'log prefix "x" levle info',
    16,
    'a log option (prefix, level, group, snaplen, queue-threshold, flags) or a match or a statement',
    "'levle'; did you mean 'level'?",
  ],
  ['l4proto tcp accept', 1, "'meta l4proto' or a match or a statement", "'l4proto'"],
  ['iifname table', 9, 'a value (number, address, name, "string", { set }, @set or $variable)', "'table'"],
  ['counter packets', 16, "a number after 'packets'", 'end of rule'],
  ['limit rate 10/second burst 5', 29, "'packets'", 'end of rule'],
  ['meta mark set numgen inc', 25, "'mod' and a modulus", 'end of rule'],
  ['jump "x"', 6, "a chain name (an unquoted name that is not a keyword) after 'jump'", '\'"x"\''],
  ['jump tcp', 6, "a chain name (an unquoted name that is not a keyword) after 'jump'", "'tcp'"],
  ['meta mark 0x1-', 11, 'a value (number, address, name, "string", { set }, @set or $variable)', "'0x1-'"],
  [
    'ip saddr 10.0.0.1/',
    10,
    'a value (number, address, name, "string", { set }, @set or $variable)',
    "'10.0.0.1/'",
  ],
  ['ipsec in saddr 10.0.0.1', 10, 'an ipsec key (spi, reqid, ip, ip6)', "'saddr'"],
  ['arp saddr 10.0.0.1', 11, "'ip' or 'ether' (arp saddr ip, arp daddr ether)", "'10.0.0.1'"],
  [
    'ct original mark 1',
    13,
    'a ct key (saddr, daddr, l3proto, protocol, proto-src, proto-dst, ...)',
    "'mark'",
  ],
  ['ct timeout 5', 12, "'set' (a ct timeout or expectation object is only assigned)", "'5'"],
  ['meta nftrace 1', 14, "'set' (nftrace can only be set)", "'1'"],
  [
    'oif set 1',
    1,
    'a meta key the kernel can set (mark, priority, pkttype, nftrace, secmark), not oif',
    "'oif'",
  ],
  ['tcp option maxseg set 1', 19, "a field of the maxseg option before 'set'", "'set'"],
  [
    'add @s { ip saddr accept }',
    19,
    "a stateful statement (counter, limit, quota, ct count), ':' or '}'",
    "'accept'",
  ],
  ['queue flags bypass', 19, "',', 'to' or 'num'", 'end of rule'],
  ['ct count', 9, "a number or 'over'", 'end of rule'],
  ['quota 10', 9, 'a data unit (bytes, kbytes, mbytes)', 'end of rule'],
  [
    'log flags sequence',
    11,
    'a log flag (tcp sequence,options, ip options, skuid, ether, all)',
    "'sequence'",
  ],
  ['tcp dport { }', 13, 'a set element', "'}'"],
  [
    'ip saddr . dport @s',
    12,
    'an expression (ip saddr, tcp dport, meta mark, ...) or a number, address or "string"',
    "'dport'",
  ],
  ['synproxy mss', 13, "a number after 'mss'", 'end of rule'],
  [
    'masquerade random,persistent random',
    30,
    "',' and a nat flag (masquerade and redirect take one flag list) or a match or a statement",
    "'random'",
  ],
  // what nft checks on a whole rule (evaluate.c)
  ['tcp dport 22 accept accept', 21, "end of rule after the terminal statement 'accept'", "'accept'"],
  ['comment "x" accept', 13, 'end of rule after the rule comment (the comment comes last)', "'accept'"],
  ['ip saddr 10.0.0.1 ip6 daddr ::1', 19, 'ip (the network protocol this rule selects at 1:1)', "'ip6'"],
  ['meta l4proto tcp udp dport 53', 18, 'tcp (the transport protocol this rule selects at 1:14)', "'udp'"],
  [
    'ip6 saddr ::1 reject with icmp port-unreachable',
    15,
    'ip6 (the network protocol this rule selects at 1:1)',
    "'reject with icmp'",
  ],
  [
    'meta l4proto udp reject with tcp reset',
    18,
    "a tcp match before 'reject with tcp reset' (this rule selects udp)",
    "'tcp reset'",
  ],
  [
    'dnat ip to :80',
    1,
    'a transport protocol match (tcp dport, meta l4proto, ...) before a NAT port',
    "'dnat'",
  ],
  [
    'tproxy to 10.0.0.1',
    1,
    "a transport protocol match (tcp dport, meta l4proto, ...) before 'tproxy'",
    "'tproxy'",
  ],
  [
    'tcp dport 1 dnat to 10.0.0.1:80',
    13,
    "'ip' or 'ip6' before 'to' (a dnat address in an inet table)",
    "'dnat'",
  ],
  ['dup to 10.0.0.1', 1, "'dup' in an ip, ip6 or netdev table (this table is inet)", "'dup'"],
  [
    'ct original saddr 10.0.0.1',
    1,
    "'ip saddr' or 'ip6 saddr' after 'ct' (the address family is not known here)",
    "'ct original saddr'",
  ],
  // values nft resolves against fixed tables, in strict mode also IP protocol names and keywords
  ['meta l4proto ctp', 14, 'an IP protocol (tcp, udp, icmp, ... or a number)', "'ctp'; did you mean 'tcp'?"],
  ['tcp dport ip6 accept', 11, 'a port number 0-65535 or a service name', "'ip6' (a keyword)"],
  ['ip saddr set daddr', 14, 'an IPv4 address or a host name', "'daddr' (a keyword or header field)"],
  [
    'iifname "averyveryverylongname"',
    9,
    'an interface name of at most 15 bytes',
    'string "averyveryverylongname"',
  ],
  ['tcp option maxseg size set mtu', 28, 'a number', "'mtu'"],
];

describe('strict check: rules', () => {
  it.each(RULES)('%s', (text, col, expected, found) => {
    const a = strict(text);
    expect(a.diagnostics.map((d) => ({ col: d.col, expected: d.expected, found: d.found }))).toEqual([
      { col, expected, found },
    ]);
    expect(formatDiagnostic(a.diagnostics[0] as NonNullable<(typeof a.diagnostics)[0]>)).toBe(
      `r.nft:1:${col}: expected ${expected}, found ${found}`,
    );
  });

  it('is an option: without it the same rules read as before (unknown, no diagnostic)', () => {
    const [st] = parseRules('tcp dport 22 acept');
    const a = analyzeRule(st as NonNullable<typeof st>);
    expect(a.statements.map((s) => s.kind)).toEqual(['match', 'unknown']);
    expect(a.diagnostics).toEqual([]);
  });

  /** Rules nft accepts (each checked by nft -c in the near misses or the rule-model tests). */
  const CLEAN = [
    'tcp dport { 22, 80, 443 } counter accept',
    'ct state established,related accept',
    'meta l4proto tcp th dport 22 accept',
    'ip protocol vrrp ip saddr 10.10.1.2 accept',
    'ct count over 5 reject',
    'quota until 5 mbytes used 1 kbytes accept',
    'counter bytes 2 packets 1 accept',
    'log snaplen 10 queue-threshold 2 group 1',
    'reset tcp option sack-perm',
    'update @s4 { ip saddr timeout 1m counter } accept',
    'ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 } accept',
    'iifname vmap { "lo" : accept, "eth0" : jump x }',
    'tcp flags & (fin | syn | rst | ack) == syn drop',
    'ct mark and 0xff == 0x10 accept',
    'ip daddr set 10.0.0.1 ip saddr set ip daddr',
    'tcp dport 80 dnat ip6 to [2001:db8::1]:8080',
    'meta l4proto tcp masquerade to :1024-2048 random,persistent',
    'accept comment "last"',
  ];
  it.each(CLEAN)('accepts %s', (text) => {
    const a = strict(text);
    expect(a.diagnostics).toEqual([]);
    expect(isFullyTyped(a)).toBe(true);
  });

  it('gives each unknown run one diagnostic, at the furthest point the reader got to', () => {
    const a = strict('exthdr hbh nexthdr 1');
    expect(a.diagnostics.map((d) => [d.col, d.expected, d.found])).toEqual([
      [12, "'exists' or 'missing'", "'nexthdr'"],
      [20, 'a match or a statement', "'1'"],
    ]);
  });

  it('checks the rules of anonymous chains too', () => {
    expect(strict('jump { tcp dport 22 acept }').diagnostics.map((d) => d.col)).toEqual([21]);
  });
});

/** A command or block nft rejects: [source, line:col, expected, found]. */
const COMMANDS: Array<[string, string, string, string]> = [
  ['add table inet\n', '1:15', 'a table name', 'end of the command'],
  ['add table "t"\n', '1:11', 'a table name (unquoted: nft takes no quoted names here)', '\'"t"\''],
  ['add table inet t extra\n', '1:18', "end of the command or '{'", "'extra'"],
  ['add chain inet t\n', '1:17', 'a chain name', 'end of the command'],
  ['add chain inet t tcp\n', '1:18', "a chain name ('tcp' is a keyword)", "'tcp'"],
  ['add set inet t s\n', '1:17', "'{' and the set definition", 'end of the command'],
  ['add quota inet t q\n', '1:19', "the quota configuration or '{'", 'end of the command'],
  [
    'add tabel inet t\n',
    '1:5',
    'what to add: table, chain, rule, set, map, element, flowtable or an object',
    "'tabel'; did you mean 'table'?",
  ],
  ['replace rule inet t c accept\n', '1:23', "'handle'", "'accept'"],
  ['delete rule inet t c\n', '1:21', "'handle'", 'end of the command'],
  [
    'add element inet t s { 10.0.0.1 10.0.0.2 }\n',
    '1:33',
    "',', ':', an element option (timeout, expires, comment, counter) or '}'",
    "'10.0.0.2'",
  ],
  [
    'flush rulset\n',
    '1:7',
    'what to flush: ruleset, table, chain, set, map or meter',
    "'rulset'; did you mean 'ruleset'?",
  ],
  [
    'table inet t {\n\tchain c {\n\t\ttype filter hook input priority\n\t}\n}\n',
    '3:34',
    'a priority (a number or filter, raw, mangle, dstnat, srcnat, security, out)',
    'end of line',
  ],
  [
    'table inet t {\n\tchain c {\n\t\ttype filtr hook input priority 0\n\t}\n}\n',
    '3:8',
    'a chain type (filter, nat, route)',
    "'filtr'; did you mean 'filter'?",
  ],
  [
    'table inet t {\n\tchain c {\n\t\tpolicy acept\n\t}\n}\n',
    '3:10',
    "a chain policy ('accept' or 'drop')",
    "'acept'; did you mean 'accept'?",
  ],
  [
    'table inet t {\n\tchain c {\n\t\tcomment "x" accept\n\t}\n}\n',
    '3:15',
    'end of line (a chain comment stands alone; a rule cannot start with comment)',
    "'accept'",
  ],
  [
    'table inet t {\n\tset s {\n\t\tflags intervall\n\t}\n}\n',
    '3:9',
    'a set flag (constant, interval, timeout, dynamic)',
    "'intervall'; did you mean 'interval'?",
  ],
  [
    'table inet t {\n\tset s {\n\t\ttype type ipv6_addr\n\t}\n}\n',
    '3:8',
    'a data type (ipv4_addr, inet_service, ifname, mark, ...)',
    "'type'",
  ],
  [
    'table inet t {\n\tmap m {\n\t\ttype ipv4_addr\n\t}\n}\n',
    '3:17',
    "':' and the data type (a map's type is KEY : DATA)",
    'end of line',
  ],
  [
    'table inet t {\n\tflags dorment\n}\n',
    '2:8',
    "a table flag ('dormant' or 'owner')",
    "'dorment'; did you mean 'dormant'?",
  ],
  [
    'table inet t {\n\tchain counter {\n\t}\n}\n',
    '2:8',
    "a chain name ('counter' is a keyword)",
    "'counter'",
  ],
];

describe('strict check: commands, block heads and properties', () => {
  it.each(COMMANDS)('%j', (src, at, expected, found) => {
    const diags = checkRules(parse(src, { file: 'c.nft' }), { file: 'c.nft', strict: true });
    expect(diags.map((d) => ({ at: `${d.line}:${d.col}`, expected: d.expected, found: d.found }))).toEqual([
      { at, expected, found },
    ]);
  });

  it.each([
    'add table inet t\nadd chain inet t c { type filter hook input priority 0; policy drop; }\n',
    'table inet t\nchain inet t c\nrule inet t c accept\nadd inet t c drop\ncounter inet t c2\n',
    'add rule inet t c position 3 tcp dport 22 accept\ninsert rule inet t c index 0 drop\n',
    'delete table inet handle 5\ndelete rule inet t c handle 4\nflush ruleset inet\nlist ruleset\n',
    'add set inet t s { type ipv4_addr . inet_service; flags interval,timeout; timeout 1h; size 100; }\n',
    'add map inet t m { type ipv4_addr : interval ipv4_addr; }\nadd map inet t n { type mark : counter; }\n',
    'add element inet t s { 10.0.0.1 timeout 1m comment "x", 10.0.0.2 }\nrename chain inet t c d\n',
  ])('accepts %j', (src) => {
    expect(checkRules(parse(src, { file: 'c.nft' }), { file: 'c.nft', strict: true })).toEqual([]);
  });

  it('reports a command with a bad head once, not its rule as well', () => {
    const diags = checkRules(parse('add rule inet t c position x tcp dport 22 acept\n'), { strict: true });
    expect(diags.map((d) => d.expected)).toEqual(["a number after 'position'"]);
  });

  it('is clean on the project fixtures (listings of nft 1.0.6)', () => {
    for (const f of ['rich.nft', 'input-style.nft', 'json-subset.nft']) {
      const rs = parse(readFileSync(join(here, 'fixtures', f), 'utf8'), { file: f });
      expect(checkRules(rs, { file: f, strict: true })).toEqual([]);
    }
  });
});

describe('parse / tryParse / parseRules with strict', () => {
  it('throws the first strict diagnostic as an NftSyntaxError, located', () => {
    const r = tryParse('add table inet t\nadd table inet\n', { file: 'f.nft', strict: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(NftSyntaxError);
    expect(r.error).toMatchObject({ file: 'f.nft', line: 2, col: 15, found: 'end of the command' });
    expect(r.error.message).toBe('f.nft:2:15: expected a table name, found end of the command');
    expect(() => parseRules('tcp dport 22 acept', { file: 'r.nft', strict: true })).toThrow(
      "r.nft:1:14: expected a match or a statement, found 'acept'; did you mean 'accept'?",
    );
    expect(tryParse('add table inet\n').ok).toBe(true);
  });
});

describe('against the real nft -c (scratch network namespace)', () => {
  it('nft accepts exactly the near-miss rules and commands the strict check accepts', (ctx) => {
    const why = missing('root', 'nft', 'ip');
    if (why) ctx.skip(why);
    const cases = nearMisses();
    expect(cases.length).toBeGreaterThan(1000);
    const ns = createNetns('nftst');
    const disagreements: string[] = [];
    let accepted = 0;
    try {
      for (const c of cases) {
        const file = fileFor(c);
        const nft = ns.exec(['nft', '-c', '-f', '-'], { input: file });
        if (c.how === 'base') expect(nft.stderr, c.text).toBe('');
        const parsed = tryParse(file, { file: 'near-miss.nft' });
        const ours =
          parsed.ok && checkRules(parsed.ruleset, { file: 'near-miss.nft', strict: true }).length === 0;
        if (nft.status === 0) accepted++;
        if (ours !== (nft.status === 0))
          disagreements.push(`${nft.status === 0 ? 'nft accepts' : 'nft rejects'}: ${c.text}`);
      }
    } finally {
      ns.remove();
    }
    expect(disagreements).toEqual([]);
    // both directions are exercised: many accepted variants, many more rejected ones
    expect(accepted).toBeGreaterThan(150);
    expect(cases.length - accepted).toBeGreaterThan(1000);
  }, 180_000);
});
