import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, missing } from '@hagate/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeRule,
  analyzeRuleset,
  checkRules,
  formatDiagnostic,
  isFullyTyped,
  parse,
  parseRules,
  type RuleStatement,
} from '../index.js';

const here = dirname(fileURLToPath(import.meta.url));

function analyze(text: string) {
  const [st] = parseRules(text, { file: 'r.nft' });
  if (!st) throw new Error(`no rule in ${text}`);
  return analyzeRule(st, { file: 'r.nft' });
}

const kinds = (s: RuleStatement[]) => s.map((x) => x.kind);

const BAD: Array<[string, number, string]> = [
  ['tcp dport 70000 accept', 11, 'a port number 0-65535'],
  ['udp sport 99999 accept', 11, 'a port number 0-65535'],
  ['th dport 65536 accept', 10, 'a port number 0-65535'],
  ['tcp dport 2000-1000 drop', 11, 'a port range low-high with low <= high'],
  ['tcp dport 1024-99999 accept', 11, 'a port number 0-65535'],
  ['tcp dport { 22, 80, 70000 } accept', 21, 'a port number 0-65535'],
  ['ip saddr 10.0.0.256 drop', 10, 'an IPv4 address'],
  ['ip daddr 300.1.1.1 accept', 10, 'an IPv4 address'],
  ['ip saddr 10.0.0 drop', 10, 'an IPv4 address'],
  ['ip saddr 10.0.0.0/33 drop', 10, 'a prefix length 0-32'],
  ['ip6 saddr ::1/129 drop', 11, 'a prefix length 0-128'],
  ['ip6 daddr 10.0.0.1 drop', 11, 'an IPv6 address'],
  ['ip saddr ::1 drop', 10, 'an IPv4 address'],
  ['ip6 saddr 2001:db8:::1 drop', 11, 'an IPv6 address'],
  ['ct state establishd accept', 10, 'a ct state'],
  ['ct state { new, bogus } accept', 17, 'a ct state'],
  ['ct state established,relatd accept', 22, 'a ct state'],
  ['icmp type echo-foo accept', 11, 'an icmp type'],
  ['icmp type 300 accept', 11, 'an icmp type'],
  ['icmpv6 type nd-foo accept', 13, 'an icmpv6 type'],
  ['jump drop', 6, "a chain name after 'jump'"],
  ['goto accept', 6, "a chain name after 'goto'"],
  ['log level foo', 11, 'a log level'],
  ['reject with icmpx type foo', 24, 'an icmpx reject code'],
  ['reject with icmp type host-unreachble', 23, 'an icmp reject code'],
  ['meta mark set numgen inc mod 0', 30, 'a modulus > 0'],
  ['meta mark set symhash mod 0', 27, 'a modulus > 0'],
  ['meta mark set jhash ip saddr mod 0', 34, 'a modulus > 0'],
  ['@th,16,0 1 accept', 8, 'a bit length (a number > 0)'],
  ['@th,x,8 1 accept', 5, 'a bit offset (a number)'],
  // symbol tables, number types, concatenations, maps
  ['tcp flags ysn accept', 11, 'a tcp flag'],
  ['tcp flags & (fin | ysn) == syn drop', 20, 'a tcp flag'],
  ['fib daddr type loal drop', 16, 'a fib address type'],
  ['exthdr frag exits drop', 13, "'exists' or 'missing'"],
  ['ct direction orignal accept', 14, 'a ct direction'],
  ['ct status dnt accept', 11, 'a ct status'],
  ['meta pkttype hots accept', 14, 'a packet type'],
  ['ip ttl foo accept', 8, 'a number'],
  ['ct mark & foo == 0x10 accept', 11, 'a number'],
  ['ip saddr . tcp dport { 10.0.0.1 . 22 . 80 } accept', 24, 'a concatenation of 2 values'],
  ['ip saddr . tcp dport { 10.0.0.1 . 70000 } accept', 35, 'a port number 0-65535'],
  ['iifname { "lo" : accept } drop', 11, 'a set element'],
  ['iifname vmap { "lo" : x }', 23, 'a verdict'],
];

describe('analyzeRule: value diagnostics', () => {
  it.each(BAD)('%s', (text, col, expected) => {
    const a = analyze(text);
    expect(a.diagnostics).toHaveLength(1);
    const d = a.diagnostics[0];
    expect(d).toMatchObject({ file: 'r.nft', line: 1, col });
    expect(d?.expected.startsWith(expected)).toBe(true);
    expect(d && formatDiagnostic(d)).toMatch(new RegExp(`^r\\.nft:1:${col}: expected .*, found `));
  });

  it('checks values inside bitwise and map forms', () => {
    expect(analyze('ct state != established | relatd').diagnostics.map((d) => d.col)).toEqual([27]);
    expect(analyze('tcp dport vmap { 70000 : accept }').diagnostics.map((d) => d.found)).toEqual(["'70000'"]);
    // a mask changes the value's type: not checked as a port
    expect(analyze('tcp dport & 0xff00 == 0x1000').diagnostics).toEqual([]);
    const [m] = analyze('ct mark & 0xff == 0x10').statements;
    expect(m).toMatchObject({
      mask: [{ op: '&', value: { kind: 'number', value: 255 } }],
      right: { value: 16 },
    });
  });

  it('checks NAT addresses with or without a family', () => {
    expect(analyze('snat to 10.0.0.300').diagnostics.map((d) => d.expected)).toEqual([
      'an IPv4 or IPv6 address',
    ]);
    expect(analyze('snat ip6 to 10.0.0.1').diagnostics.map((d) => d.expected)).toEqual(['an IPv6 address']);
    expect(analyze('dnat to 10.0.0.1-10.0.0.9:80').diagnostics).toEqual([]);
    expect(analyze('dnat to 2001:db8::1').diagnostics).toEqual([]);
  });

  it('suggests the closest known name', () => {
    expect(analyze('ct state establishd').diagnostics[0]?.message).toContain("did you mean 'established'?");
  });

  it('flags an unknown ip/tcp field on a built rule the parser did not check', () => {
    const a = analyzeRule({
      kind: 'statement',
      items: [
        { kind: 'word', text: 'tcp', space: false },
        { kind: 'word', text: 'dprot', space: true, pos: { line: 3, col: 7, offset: 20 } },
        { kind: 'word', text: '22', space: true },
      ],
    });
    expect(a.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^<input>:3:7: expected a header field of tcp \(.*\), found 'dprot'/),
    ]);
    expect(kinds(a.statements)).toEqual(['unknown']);
  });
});

describe('checkRules / analyzeRuleset', () => {
  it('walks chains, anonymous chains and add rule commands, with file positions', () => {
    const rs = parse(
      [
        'table inet t {',
        '\tchain c {',
        '\t\ttype filter hook input priority filter; policy drop;',
        '\t\ttcp dport 22 accept',
        '\t\tudp dport 70000 drop',
        '\t}',
        '}',
        'add rule inet t c ip saddr 10.0.0.0/40 accept',
        '',
      ].join('\n'),
      { file: 'fw.nft' },
    );
    expect(analyzeRuleset(rs)).toHaveLength(3);
    expect(checkRules(rs, { file: 'fw.nft' }).map(formatDiagnostic)).toEqual([
      "fw.nft:5:13: expected a port number 0-65535, found '70000'",
      "fw.nft:8:28: expected a prefix length 0-32, found '/40' in '10.0.0.0/40'",
    ]);
  });
});

describe('robustness', () => {
  const fixtures = ['input-style.nft', 'rich.nft'].map((f) =>
    parse(readFileSync(join(here, '..', 'fixtures', f), 'utf8'), { file: f }),
  );

  it('the valid fixtures analyze without diagnostics', () => {
    for (const rs of fixtures) {
      const rules = analyzeRuleset(rs);
      expect(rules.length).toBeGreaterThan(20);
      expect(rules.flatMap((r) => r.diagnostics)).toEqual([]);
    }
  });

  it('never throws on any token sequence; unknown statements hold input tokens', () => {
    const rules = fixtures.flatMap((rs) => analyzeRuleset(rs).map((r) => r.rule));
    const pool = rules.flatMap((r) => r.items);
    fc.assert(
      fc.property(fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 12 }), (idx) => {
        const items = idx.map((i) => pool[i] as (typeof pool)[number]);
        const a = analyzeRule({ kind: 'statement', items });
        expect(a.statements.length).toBeGreaterThan(0);
        expect(a.diagnostics.every((d) => d.line > 0 && d.col > 0)).toBe(true);
        const unknownTokens = a.statements.flatMap((s) => (s.kind === 'unknown' ? s.tokens : []));
        expect(unknownTokens.every((t) => items.includes(t))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/** Valid rules with edge values: no diagnostic, fully typed, and nft -c accepts each (see below). */
const VALID = [
  'tcp dport 0 accept',
  'tcp dport 65535 accept',
  'tcp dport 0x16 accept',
  'tcp dport ssh accept',
  'udp dport { 53, 123, 1024-65535 } accept',
  'meta l4proto tcp th dport 1-1 accept',
  'ip saddr 0.0.0.0/0 accept',
  'ip daddr 10.0.0.1-10.0.0.5 accept',
  'ip6 saddr ::/0 accept',
  'ip6 daddr fe80::/10 accept',
  'ip6 saddr 2001:db8::1-2001:db8::ff accept',
  'ip6 saddr ::ffff:10.0.0.1 accept',
  'ip6 saddr 2001:DB8::1 accept',
  'ip saddr localhost accept',
  'ct state new,untracked accept',
  'ct state != established | related | new drop',
  'icmp type 8 accept',
  'icmpv6 type { 1, nd-redirect } accept',
  'log level audit',
  'log prefix "x" level debug flags all',
  'limit rate 10/minute burst 3 packets accept',
  'ip saddr 10.0.0.0/8 ip daddr != 192.0.2.1 tcp sport < 1024 drop',
  'ct mark & 0xff == 0x10 meta mark set ct mark >> 8',
  'tcp flags & (fin | syn | rst | ack) == syn counter',
  'iifname "eth*" oifname != "lo" counter packets 0 bytes 0 accept',
  'fib saddr . iif oif missing drop',
  'tcp dport 80 dnat ip to 10.0.0.1:8080',
  'tcp dport 80 dnat ip to 10.0.0.1-10.0.0.3:8000-8010',
  'tcp dport 80 redirect to :8080',
  'reject with icmp type frag-needed',
  'reject with icmpv6 policy-fail',
  'reject with icmpx type 3',
  'oifname "eth2" snat ip to 203.0.113.10',
  'meta l4proto tcp masquerade to :1024-2048 random,persistent',
  // raw payload, numgen, hashes, rt, extension headers, options, ipsec, osf, socket
  '@th,16,16 22 accept',
  '@nh,72,8 6 @ll,0,8 0 accept',
  'meta mark set numgen inc mod 2 offset 100',
  'meta mark set numgen random mod 1',
  'meta mark set jhash ip saddr . tcp dport mod 4 seed 0xdeadbeef offset 10',
  'meta mark set symhash mod 2 offset 1',
  'rt mtu 1500 rt classid 1 accept',
  'tcp flags syn tcp option maxseg size set rt mtu',
  'tcp option maxseg size 1-500 drop',
  'tcp option window exists tcp option sack-perm missing',
  'tcp option timestamp tsval 1 tcp option mptcp subtype 1',
  'ip option ra exists ip option rr length 3 ip option ra value 0',
  'frag more-fragments 1 exthdr hbh missing drop',
  'exthdr frag exists hbh nexthdr 6 dst nexthdr 17',
  'rt type 0 srh tag 1 mh type 1 drop',
  'sctp chunk init num-inbound-streams 1 sctp chunk data exists',
  'ipsec in reqid 1 accept',
  'ipsec out ip daddr 192.0.2.1 ipsec in spnum 1 spi 5',
  'osf name "Linux" osf ttl loose version "Linux:3.0" accept',
  'socket transparent 1 accept',
  // statements, masks, set elements with attributes
  'synproxy mss 1460 wscale 7 timestamp sack-perm',
  'meter m size 128 { ip saddr limit rate 10/second } accept',
  'meter m2 { ip saddr timeout 10s limit rate 10/second }',
  'tcp flags syn / syn,ack accept',
  'tcp flags != syn / syn,ack,rst drop',
  'tcp flags & (fin | syn | rst | ack) == { syn, syn | ack }',
  'ct mark set (meta mark | 0x10) << 8',
  'ip saddr { 10.0.0.1 comment "x", 10.0.0.2 counter }',
  'tcp dport { 22 comment "ssh", 65535 counter } accept',
  // forms typed since, checked here as well
  'ct count over 5 accept',
  'quota over 10 mbytes used 1 kbytes drop',
  'counter packets 1 accept',
  'counter bytes 2 packets 1',
  'log snaplen 10 queue-threshold 2 group 1',
  'log flags ip options flags skuid level info',
  'reset tcp option sack-perm',
  'ct mark and 0xff == 0x1 accept',
  'ip protocol vrrp ip saddr 10.10.1.2 accept',
  'sctp dport 80 drop',
  'tcp flags & (fin | syn | rst | ack) == syn drop',
  'ct direction original ct status dnat meta pkttype host accept',
  'exthdr frag missing fib daddr type local accept',
  'ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 } accept',
  'tcp dport 80 redirect to 8080',
];

/**
 * One table with a prerouting and a postrouting NAT chain and a forward filter chain; the rule goes where
 * its NAT kind belongs, or in the forward chain (where `rt nexthop`/`rt mtu`, `ipsec in|out` and
 * `synproxy` are allowed).
 */
function tableWith(rule: string): string {
  const post = /snat|masquerade/.test(rule);
  const pre = /dnat|redirect/.test(rule);
  return [
    'table inet t {',
    '\tchain filt {',
    '\t\ttype filter hook forward priority filter;',
    post || pre ? '' : `\t\t${rule}`,
    '\t}',
    '\tchain pre {',
    '\t\ttype nat hook prerouting priority dstnat;',
    pre ? `\t\t${rule}` : '',
    '\t}',
    '\tchain post {',
    '\t\ttype nat hook postrouting priority srcnat;',
    post ? `\t\t${rule}` : '',
    '\t}',
    '}',
    '',
  ].join('\n');
}

describe('valid edge values', () => {
  it.each(VALID)('%s', (text) => {
    const a = analyze(text);
    expect(a.diagnostics).toEqual([]);
    expect(isFullyTyped(a)).toBe(true);
  });
});

describe('against the real nft -c (scratch network namespace)', () => {
  it('nft -c accepts every valid edge-value rule the checker accepts', (ctx) => {
    const why = missing('root', 'nft', 'ip');
    if (why) ctx.skip(why);
    const ns = createNetns('nftrm');
    try {
      for (const text of VALID) {
        const file = tableWith(text);
        expect(checkRules(parse(file, { file: 'good.nft' }))).toEqual([]);
        const r = ns.exec(['nft', '-c', '-f', '-'], { input: file });
        expect(r.stderr, text).toBe('');
        expect(r.status, text).toBe(0);
      }
    } finally {
      ns.remove();
    }
  });

  it('nft -c rejects every rule the checker rejects', (ctx) => {
    const why = missing('root', 'nft', 'ip');
    if (why) ctx.skip(why);
    expect(BAD.length).toBeGreaterThanOrEqual(20);
    const ns = createNetns('nftrm');
    try {
      for (const [text] of BAD) {
        const file = `table inet t {\n\tchain c {\n\t\ttype filter hook input priority filter;\n\t\t${text}\n\t}\n}\n`;
        expect(checkRules(parse(file, { file: 'bad.nft' }))).toHaveLength(1);
        const r = ns.exec(['nft', '-c', '-f', '-'], { input: file });
        expect(r.status, text).not.toBe(0);
        expect(r.stderr, text).toMatch(/Error/);
        // and the same table with a valid rule loads, so the failure is the rule's
        const ok = ns.exec(['nft', '-c', '-f', '-'], { input: file.replace(text, 'tcp dport 22 accept') });
        expect(ok.status).toBe(0);
      }
    } finally {
      ns.remove();
    }
  });
});
