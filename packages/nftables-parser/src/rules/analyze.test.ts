import { describe, expect, it } from 'vitest';
import { analyzeRule, formatDiagnostic, isFullyTyped, parseRules, type RuleStatement } from '../index.js';
import { RULE_START } from '../keywords.js';
import { STATEMENTS } from './statement.js';

function analyze(text: string) {
  const [st] = parseRules(text, { file: 'r.nft' });
  if (!st) throw new Error(`no rule in ${text}`);
  return analyzeRule(st, { file: 'r.nft' });
}

const kinds = (s: RuleStatement[]) => s.map((x) => x.kind);

describe('analyzeRule: typed statements', () => {
  const good: Array<[string, string[]]> = [
    ['tcp dport 22 accept', ['match', 'verdict']],
    ['udp sport { 53, 123, 1024-65535 } drop', ['match', 'verdict']],
    ['th dport != 0-1023 counter', ['match', 'counter']],
    ['ip saddr 10.0.0.0/8 ip daddr != 192.0.2.1 ip protocol tcp', ['match', 'match', 'match']],
    ['ip6 saddr 2001:db8::/32 ip6 daddr ::1 accept', ['match', 'match', 'verdict']],
    ['icmp type { echo-request, echo-reply } accept', ['match', 'verdict']],
    ['icmpv6 type nd-neighbor-solicit accept', ['match', 'verdict']],
    ['meta l4proto { tcp, udp } meta nfproto ipv4 meta mark 0x10', ['match', 'match', 'match']],
    ['iifname "eth0" oifname != "eth1" iif "lo" oif "lo"', ['match', 'match', 'match', 'match']],
    ['ct state established,related accept', ['match', 'verdict']],
    ['ct status dnat ct mark 0x1 ct original ip saddr 10.0.0.1', ['match', 'match', 'match']],
    ['fib saddr . iif oif missing drop', ['match', 'verdict']],
    ['fib daddr type local accept', ['match', 'verdict']],
    ['tcp dport >= 1024 tcp sport < 100 meta mark <= 5', ['match', 'match', 'match']],
    ['ip saddr @allowed ip daddr $dst accept', ['match', 'match', 'verdict']],
    ['ip saddr . tcp dport { 10.0.0.0/8 . 22, 192.0.2.1 . 80 } accept', ['match', 'verdict']],
    ['ip daddr 10.0.0.1-10.0.0.5 reject', ['match', 'reject']],
    ['reject with icmpx type admin-prohibited', ['reject']],
    ['reject with tcp reset', ['reject']],
    ['jump other', ['verdict']],
    ['goto "other"', ['verdict']],
    ['counter packets 12 bytes 3400 return', ['counter', 'verdict']],
    ['log prefix "in: " level info flags tcp sequence,options continue', ['log', 'verdict']],
    ['limit rate over 10/second burst 5 packets drop', ['limit', 'verdict']],
    ['limit rate 1 mbytes/second accept', ['limit', 'verdict']],
    ['oifname "eth2" snat ip to 203.0.113.10', ['match', 'nat']],
    ['tcp dport 8080 dnat ip to 10.0.0.1:80', ['match', 'nat']],
    ['snat to 10.0.0.1-10.0.0.10:1000-2000 persistent', ['nat']],
    ['masquerade to :1024-2048 random,persistent', ['nat']],
    ['tcp dport 80 redirect to :8080', ['match', 'nat']],
    ['ct mark set 0x1 meta mark set ct mark ct helper set "ftp"', ['set', 'set', 'set']],
    ['notrack comment "no conntrack"', ['notrack', 'comment']],
    ['iif vmap { "lo" : jump lo_in, "eth0" : drop }', ['vmap']],
    ['ip saddr . tcp dport vmap @allow', ['vmap']],
    ['meta mark set ip saddr map { 10.0.0.1 : 0x1 }', ['set']],
    ['snat ip to ip saddr map { 10.0.0.1 : 192.0.2.1 }', ['nat']],
    ['ct mark & 0xff == 0x10 meta mark set ct mark >> 8', ['match', 'set']],
    ['tcp flags & (fin | syn | rst | ack) == syn', ['match']],
    ['ct state != established | related | new', ['match']],
    [
      'add @knock { ip saddr . 10002 timeout 1s } update @m { ip saddr limit rate 5/second }',
      ['setupdate', 'setupdate'],
    ],
    ['counter name "c" limit name tcp dport map @lim quota name "q"', ['objref', 'objref', 'objref']],
    ['queue flags bypass,fanout to 1-3 queue num 2 bypass', ['queue', 'queue']],
    ['tcp dport 80 tproxy ip to 10.0.0.1:3128', ['match', 'tproxy']],
    ['ip saddr & 255.255.0.0 == 10.1.0.0 accept', ['match', 'verdict']],
    // raw payload, numgen, hashes, rt, extension headers, options, ipsec, osf, socket
    ['@th,16,16 22 @nh,72,8 6 accept', ['match', 'match', 'verdict']],
    ['udp length . @th,160,128 vmap { 40-60 . 0x1 : accept }', ['vmap']],
    ['meta mark set numgen inc mod 4 offset 10 counter', ['set', 'counter']],
    ['ip daddr set numgen random mod 2 map { 0 : 192.0.2.1, 1 : 192.0.2.2 }', ['set']],
    ['ct mark set jhash ip saddr . tcp dport mod 8 seed 0x1 offset 2', ['set']],
    ['meta mark set symhash mod 2', ['set']],
    ['rt nexthop 192.0.2.1 rt mtu > 1400 rt classid 7', ['match', 'match', 'match']],
    ['tcp flags syn tcp option maxseg size set rt mtu', ['match', 'set']],
    ['rt type 0 frag more-fragments 1 hbh nexthdr 6 drop', ['match', 'match', 'match', 'verdict']],
    ['exthdr frag exists srh tag 3 mh type 1 dst hdrlength 0', ['match', 'match', 'match', 'match']],
    ['tcp option maxseg size 1-500 tcp option sack-perm missing', ['match', 'match']],
    ['tcp option mptcp subtype . ip saddr @m accept', ['match', 'verdict']],
    ['ip option ra value 0 ip option lsrr exists', ['match', 'match']],
    ['sctp chunk init num-inbound-streams 3 sctp chunk data exists', ['match', 'match']],
    ['ipsec in reqid 1 ipsec out ip6 daddr ::1 ipsec out spnum 2 spi 3', ['match', 'match', 'match']],
    ['osf ttl loose name "Linux" osf version "Linux:4.19"', ['match', 'match']],
    ['socket transparent 1 socket cgroupv2 level 2 "a/b"', ['match', 'match']],
    // statements
    ['synproxy mss 1460 wscale 7 timestamp sack-perm', ['synproxy']],
    ['meta l4proto tcp flow add @ft', ['match', 'flowoffload']],
    ['flow offload @ft', ['flowoffload']],
    ['meter m size 64 { ip saddr timeout 10s limit rate 10/second } accept', ['meter', 'verdict']],
    ['queue flags bypass to jhash tcp dport . tcp sport mod 4', ['queue']],
    ['queue to symhash mod 2', ['queue']],
    // masks, elements with attributes, concatenations with values
    ['tcp flags syn / syn,ack accept', ['match', 'verdict']],
    ['tcp flags & (fin | syn | rst) == { fin | rst, syn }', ['match']],
    ['ct mark set (meta mark | 0x10) << 8', ['set']],
    ['iif vmap { "lo" counter packets 1 bytes 2 : jump x, "eth0" comment "c" : drop }', ['vmap']],
    ['ip saddr { 10.0.0.1 timeout 1m expires 30s, 10.0.0.2 counter }', ['match']],
    ['ip saddr . "lo" @s ip daddr . 10.0.0.1 . 80 @t accept', ['match', 'match', 'verdict']],
    ['update @m { ip saddr . 22 timeout 1m : ip daddr . tcp dport }', ['setupdate']],
    // statements typed since: ct count, quota, dup, fwd, optstrip, last, counter arguments, log options
    ['ct count over 5 drop', ['ctcount', 'verdict']],
    ['counter quota over 10 mbytes used 1 kbytes log', ['counter', 'quota', 'log']],
    ['dup to 10.0.0.1 device "eth0" accept', ['dup', 'verdict']],
    ['fwd ip to 192.0.2.1 device "eth1"', ['fwd']],
    ['reset tcp option sack-perm accept', ['optstrip', 'verdict']],
    ['last used never counter', ['last', 'counter']],
    ['counter bytes 2 packets 1 accept', ['counter', 'verdict']],
    ['log snaplen 10 queue-threshold 2 group 1 flags ip options flags skuid', ['log']],
    ['sctp dport 80 dccp sport 1 ah spi 2 esp sequence 3', ['match', 'match', 'match', 'match']],
    ['arp saddr ip 10.0.0.1 arp daddr ether 00:11:22:33:44:55', ['match', 'match']],
    ['icmpv6 mtu 1280 icmpv6 param-problem 1', ['match', 'match']],
    ['rt ip nexthop 192.0.2.1 ipsec in spnum 1 ip saddr 10.0.0.1', ['match', 'match']],
    ['ct mark and 0xff == 0x1 meta mark set ct mark lshift 8', ['match', 'set']],
    ['dnat to 10.0.0.1 : 80 persistent random', ['nat']],
    ['tcp dport 80 redirect to 8080', ['match', 'nat']],
    ['dnat ip6 to [2001:db8::1]:8080', ['nat']],
  ];
  it.each(good)('%s', (text, expected) => {
    const a = analyze(text);
    expect(kinds(a.statements)).toEqual(expected);
    expect(a.diagnostics).toEqual([]);
    expect(isFullyTyped(a)).toBe(true);
  });

  it('gives matches a selector, an operator and a typed value', () => {
    const [m, v] = analyze('tcp dport != { 22, 1000-2000 } accept').statements;
    expect(m).toMatchObject({
      kind: 'match',
      left: { kind: 'payload', protocol: 'tcp', field: 'dport' },
      op: '!=',
      right: {
        kind: 'set',
        elements: [
          { kind: 'number', value: 22 },
          { kind: 'range', from: { value: 1000 }, to: { value: 2000 } },
        ],
      },
      pos: { line: 1, col: 1 },
    });
    expect(v).toMatchObject({ kind: 'verdict', verdict: 'accept', pos: { line: 1, col: 32 } });
    const [p] = analyze('ip saddr 10.1.0.0/16').statements;
    expect(p).toMatchObject({
      right: { kind: 'prefix', addr: { kind: 'ipv4', text: '10.1.0.0' }, length: 16 },
    });
    const [s] = analyze('ct state established,related').statements;
    expect(s).toMatchObject({
      left: { kind: 'ct', key: 'state' },
      right: { kind: 'list', values: [{ name: 'established' }, { name: 'related' }] },
    });
  });

  it('reads NAT targets, log and limit arguments', () => {
    const [, nat] = analyze('tcp dport 8080 dnat ip to 10.0.0.1:80').statements;
    expect(nat).toMatchObject({
      kind: 'nat',
      type: 'dnat',
      family: 'ip',
      addr: { kind: 'ipv4', text: '10.0.0.1' },
      port: { kind: 'number', value: 80 },
    });
    const [log, limit] = analyze('log prefix "x" level warn limit rate 3/minute').statements;
    expect(log).toEqual({ kind: 'log', prefix: 'x', level: 'warn', pos: { line: 1, col: 1, offset: 0 } });
    expect(limit).toMatchObject({ kind: 'limit', over: false, rate: 3, unit: 'packets/minute' });
  });

  it('gives the new forms their own typed nodes', () => {
    const [raw] = analyze('@th,16,16 22').statements;
    expect(raw).toMatchObject({
      kind: 'match',
      left: { kind: 'raw', base: 'th', offset: 16, length: 16 },
      right: { kind: 'number', value: 22 },
    });
    const [ng] = analyze('meta mark set numgen inc mod 4 offset 10').statements;
    expect(ng).toMatchObject({
      kind: 'set',
      value: { kind: 'selector', selector: { kind: 'numgen', mode: 'inc', mod: 4, offset: 10 } },
    });
    const [jh] = analyze('ct mark set jhash ip saddr . tcp dport mod 8 seed 0x1').statements;
    expect(jh).toMatchObject({
      value: {
        selector: {
          kind: 'hash',
          fn: 'jhash',
          mod: 8,
          seed: 1,
          expr: { kind: 'concat', parts: [{ field: 'saddr' }, { field: 'dport' }] },
        },
      },
    });
    const sels = analyze(
      'rt nexthop ::1 rt type 0 exthdr hbh exists tcp option maxseg size 1 ip option rr ptr 4 sctp chunk data tsn 1 ipsec out spnum 1 spi 2 osf ttl skip version "x"',
    );
    expect(sels.statements.map((s) => (s.kind === 'match' ? s.left : s.kind))).toMatchObject([
      { kind: 'rt', key: 'nexthop' },
      { kind: 'exthdr', header: 'rt', field: 'type' },
      { kind: 'exthdr', header: 'hbh' },
      { kind: 'tcpopt', option: 'maxseg', field: 'size' },
      { kind: 'ipopt', option: 'rr', field: 'ptr' },
      { kind: 'sctpchunk', chunk: 'data', field: 'tsn' },
      { kind: 'ipsec', dir: 'out', spnum: 1, key: 'spi' },
      { kind: 'osf', ttl: 'skip', key: 'version' },
    ]);
    expect(analyze('synproxy mss 1460 wscale 7 sack-perm').statements[0]).toMatchObject({
      kind: 'synproxy',
      mss: 1460,
      wscale: 7,
      sackPerm: true,
    });
    expect(analyze('flow add @ft').statements[0]).toMatchObject({ kind: 'flowoffload', flowtable: 'ft' });
    const [fl] = analyze('tcp flags syn / syn,ack').statements;
    expect(fl).toMatchObject({
      kind: 'match',
      left: { field: 'flags' },
      mask: [{ op: '&', value: { kind: 'list', values: [{ name: 'syn' }, { name: 'ack' }] } }],
      right: { kind: 'symbol', name: 'syn' },
    });
    const [el] = analyze('ip saddr { 10.0.0.1 timeout 1m counter packets 3 bytes 4 comment "c" }').statements;
    expect(el).toMatchObject({
      right: {
        elements: [
          {
            kind: 'element',
            value: { kind: 'ipv4' },
            timeout: '1m',
            comment: 'c',
            counter: { packets: 3, bytes: 4 },
          },
        ],
      },
    });
    const [cv] = analyze('ip saddr . "lo" . 80 @s').statements;
    expect(cv).toMatchObject({
      left: {
        kind: 'concat',
        parts: [
          { kind: 'payload' },
          { kind: 'value', value: { kind: 'string', value: 'lo' } },
          { kind: 'value', value: { kind: 'number', value: 80 } },
        ],
      },
      right: { kind: 'setref', name: 's' },
    });
    const [up] = analyze('update @m { ip saddr timeout 1m : ip daddr . tcp dport }').statements;
    expect(up).toMatchObject({
      kind: 'setupdate',
      timeout: '1m',
      key: { kind: 'selector', selector: { kind: 'payload', field: 'saddr' } },
      value: {
        kind: 'selector',
        selector: { kind: 'concat', parts: [{ field: 'daddr' }, { field: 'dport' }] },
      },
    });
    const [q] = analyze('queue to symhash mod 2').statements;
    expect(q).toMatchObject({ kind: 'queue', to: { selector: { kind: 'hash', fn: 'symhash', mod: 2 } } });
  });

  it('checks values inside elements with attributes', () => {
    const a = analyze('tcp dport { 22 timeout 1m, 70000 comment "x" } accept');
    expect(a.diagnostics.map((d) => [d.col, d.expected])).toEqual([[28, 'a port number 0-65535']]);
  });

  it('reports a bad modulus once, only from the final statement', () => {
    const a = analyze('ip daddr set numgen inc mod 0 map { 0 : 192.0.2.1 } drop');
    expect(a.diagnostics.map(formatDiagnostic)).toEqual(["r.nft:1:29: expected a modulus > 0, found '0'"]);
  });

  it('analyzes the rules of anonymous chains', () => {
    const [v] = analyze('jump { tcp dport 22 accept; tcp dport 99999 drop }').statements;
    expect(v).toMatchObject({ kind: 'verdict', verdict: 'jump' });
    if (v?.kind !== 'verdict') throw new Error('not a verdict');
    expect(v.anonymous?.map((r) => kinds(r.statements))).toEqual([
      ['match', 'verdict'],
      ['match', 'verdict'],
    ]);
    expect(analyze('jump { tcp dport 99999 drop }').diagnostics.map((d) => d.col)).toEqual([18]);
  });

  const unknown: Array<[string, string[], string]> = [
    ['meta mark set numgen inc counter', ['unknown', 'counter'], 'meta mark set numgen inc'],
    ['vxlan ip saddr 10.0.0.1 accept', ['unknown', 'verdict'], 'vxlan ip saddr 10.0.0.1'],
    ['tunnel id 5 drop', ['unknown', 'verdict'], 'tunnel id 5'],
  ];
  it.each(unknown)('keeps what it does not know as an unknown statement: %s', (text, expected, tokens) => {
    const a = analyze(text);
    expect(kinds(a.statements)).toEqual(expected);
    const u = a.statements.find((s) => s.kind === 'unknown');
    if (u?.kind !== 'unknown') throw new Error('no unknown statement');
    expect(u.tokens.map((t) => (t.kind === 'group' ? t.open : t.text)).join(' ')).toBe(tokens);
    expect(u.pos).toMatchObject({ line: 1, col: text.indexOf(tokens.split(' ')[0] as string) + 1 });
    expect(isFullyTyped(a)).toBe(false);
    expect(a.diagnostics).toEqual([]);
  });
});

/** Bad rules: [rule, col of the offending token, expected text]. nft -c rejects every one (see below). */

describe('the statement table', () => {
  it('every first word it reads is one the parser lets a rule start with', () => {
    expect([...STATEMENTS.keys()].filter((w) => !RULE_START.has(w))).toEqual([]);
    expect(STATEMENTS.size).toBeGreaterThan(30);
  });

  it('each reader of a word reads a statement starting with it', () => {
    for (const [word, text] of [
      ['counter', 'counter packets 1 bytes 2'],
      ['ct', 'ct count over 2'],
      ['reset', 'reset tcp option sack-perm'],
      ['flow', 'flow add @ft'],
    ] as const) {
      expect(STATEMENTS.has(word)).toBe(true);
      expect(analyze(text).statements.map((s) => s.kind)).not.toContain('unknown');
    }
  });
});
