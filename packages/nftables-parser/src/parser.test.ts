import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandDefines, NftSyntaxError, parse, parseRules, print, tables, tryParse } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(join(here, 'fixtures', name), 'utf8');

describe('parse + print', () => {
  it('prints a canonical `nft list ruleset` listing back byte for byte (fixture made with nft 1.0.6)', () => {
    const src = fixture('rich.nft');
    expect(print(parse(src), { nft: '1.0.6' })).toBe(src);
  });

  it('knows the block structure: tables of every family, chains, sets, maps, objects', () => {
    const rs = parse(fixture('rich.nft'));
    expect(tables(rs).map((t) => `${t.family} ${t.name}`)).toEqual([
      'inet edge',
      'netdev ingress0',
      'bridge br',
      'arp a',
    ]);
    const edge = tables(rs)[0]!.block;
    const kinds = edge.body.map((n) => (n.kind === 'block' ? n.block : n.kind));
    expect(kinds).toEqual([
      'statement',
      'statement',
      'object',
      'object',
      'object',
      'object',
      'set',
      'set',
      'set',
      'set',
      'set',
      'map',
      'map',
      'chain',
      'chain',
      'chain',
      'chain',
      'chain',
    ]);
  });

  it('keeps positions of every node and token', () => {
    const rs = parse('table ip t {\n\tchain c {\n\t\tip saddr 10.0.0.1 drop\n\t}\n}\n');
    const chain = tables(rs)[0]!.block.body[0]!;
    expect(chain.kind).toBe('block');
    if (chain.kind !== 'block') return;
    const r = chain.body[0]!;
    expect(r.pos).toEqual({ line: 3, col: 3, offset: 26 });
    if (r.kind !== 'statement') return;
    expect(r.items[2]).toMatchObject({ text: '10.0.0.1', pos: { line: 3, col: 12 } });
  });

  it.each([
    [
      'semicolons and one-line blocks',
      'table ip t { chain c { type filter hook input priority 0; policy accept; ip saddr 1.1.1.1 drop; } }\n',
      'table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tip saddr 1.1.1.1 drop\n\t}\n}\n',
    ],
    [
      'extra spaces collapse, braces get their spaces',
      'add rule ip t c tcp  dport {22,80}   accept\n',
      'add rule ip t c tcp dport { 22, 80 } accept\n',
    ],
    [
      'line continuations',
      'add rule ip t c \\\n  ip saddr 1.1.1.1 \\\n  accept\n',
      'add rule ip t c ip saddr 1.1.1.1 accept\n',
    ],
    [
      'comments are kept',
      '# head\ntable ip t {    # trailing\n\tchain c {\n\t\t# inside\n\t\tdrop   # why\n\t}\n}\n',
      '# head\ntable ip t { # trailing\n\tchain c {\n\t\t# inside\n\t\tdrop # why\n\t}\n}\n',
    ],
    [
      'define, $variables, include',
      'define lan = { 10.0.0.0/8, 192.168.0.0/16 }\ninclude "/etc/x.nft"\nadd rule ip t c ip saddr $lan accept\n',
      'define lan = { 10.0.0.0/8, 192.168.0.0/16 }\ninclude "/etc/x.nft"\nadd rule ip t c ip saddr $lan accept\n',
    ],
    [
      'commands with blocks',
      'add set ip t s { type ipv4_addr; flags interval; }\nadd chain ip t c { type filter hook input priority 0; }\ndelete table ip t\n',
      'add set ip t s {\n\ttype ipv4_addr\n\tflags interval\n}\nadd chain ip t c {\n\ttype filter hook input priority 0;\n}\ndelete table ip t\n',
    ],
  ])('%s', (_name, src, out) => {
    expect(print(parse(src))).toBe(out);
  });

  it('keeps comments inside sets, one element a line', () => {
    const src = 'define lan = { # private ranges\n  10.0.0.0/8, # big\n  192.168.0.0/16 # home\n}\n';
    const out = 'define lan = { # private ranges\n\t10.0.0.0/8, # big\n\t192.168.0.0/16 # home\n}\n';
    expect(print(parse(src))).toBe(out);
    expect(print(parse(out))).toBe(out);
  });

  it('parses an nft -f style file (semicolons, nested anonymous chains) and prints it canonically', () => {
    const once = print(parse(fixture('input-style.nft')));
    expect(print(parse(once))).toBe(once);
    expect(once).toContain('\t\tmeta nfproto ipv4 jump {\n\t\t\tip saddr 203.0.113.0/24 drop\n');
  });

  it('parseRules reads rule text as in `nft add rule`', () => {
    const rules = parseRules('tcp dport 22 accept\nip saddr { 1.1.1.1, 2.2.2.2 } drop');
    expect(rules).toHaveLength(2);
  });
});

describe('errors', () => {
  it.each([
    [
      'tabel ip t {}\n',
      "f.nft:1:1: syntax error, unexpected 'tabel', expecting a command ('table', 'add', 'flush', 'define', 'include', ...)",
    ],
    [
      'table foo t {}\n',
      "f.nft:1:7: syntax error, unexpected 'foo', expecting a family (ip, ip6, inet, arp, bridge, netdev)",
    ],
    [
      'table ip t {\n\tchain c {\n\t\tip saddr 1.1.1.1\n',
      "f.nft:4:1: syntax error, unexpected end of file, expecting '}'",
    ],
    [
      'table ip t {\n\tchan c {\n\t}\n}\n',
      "f.nft:2:2: syntax error, unexpected 'chan', expecting 'chain', 'set', 'map', 'flowtable', a stateful object, 'flags' or 'comment'",
    ],
    [
      'table ip t {\n\tchain c {\n\t\tip saddr { 1.1.1.1 ) accept\n\t}\n}\n',
      "f.nft:3:22: syntax error, unexpected ')', expecting '}'",
    ],
    [
      'table ip t {\n\tcomment "oops\n}\n',
      "f.nft:2:10: syntax error, unexpected end of line inside a quoted string, expecting closing '\"'",
    ],
    ['}\n', "f.nft:1:1: syntax error, unexpected '}', expecting a statement"],
    ['table ip t {\n\tchain {\n\t}\n}\n', "f.nft:2:8: syntax error, unexpected '{', expecting a name"],
  ])('%j', (src, message) => {
    const r = tryParse(src, { file: 'f.nft' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(NftSyntaxError);
    expect(r.error.message).toBe(message);
  });
});

describe('keyword checks', () => {
  it.each([
    [
      'table ip t {\n\tchain c {\n\t\ttpc dport 22 accept\n\t}\n}\n',
      "f.nft:3:3: syntax error, unexpected 'tpc', expecting a match (ip, ip6, tcp, udp, meta, ct, iifname, ...) or a statement (accept, drop, jump, counter, log, ...); did you mean 'tcp'?",
    ],
    [
      'add rule ip t c acept\n',
      "f.nft:1:17: syntax error, unexpected 'acept', expecting a match (ip, ip6, tcp, udp, meta, ct, iifname, ...) or a statement (accept, drop, jump, counter, log, ...); did you mean 'accept'?",
    ],
    [
      'table ip t {\n\tset s {\n\t\ttyp ipv4_addr\n\t}\n}\n',
      "f.nft:3:3: syntax error, unexpected 'typ', expecting a set property (type, typeof, flags, timeout, gc-interval, size, elements, counter, quota, limit, last, comment, auto-merge, policy)",
    ],
    [
      'define lan 10.0.0.0/8\n',
      "f.nft:1:12: syntax error, unexpected '10.0.0.0/8', expecting a variable name then '='",
    ],
    [
      'include /etc/x.nft\n',
      "f.nft:1:9: syntax error, unexpected '/etc/x.nft', expecting a quoted file name",
    ],
  ])('%j', (src, message) => {
    const r = tryParse(src, { file: 'f.nft' });
    expect(r.ok ? 'parsed' : r.error.message).toBe(message);
  });
});

describe('define and include in any block', () => {
  it('accepts them inside tables and chains', () => {
    const src =
      'table ip t {\n\tdefine x = 1\n\tinclude "a.nft"\n\n\tchain c {\n\t\tdefine y = 2\n\t\ttcp dport $y accept\n\t}\n}\n';
    expect(print(parse(src))).toBe(src);
  });

  it.each([
    ['define x =\n', "f.nft:1:10: syntax error, unexpected '=', expecting a value after '='"],
    ['undefine\n', "f.nft:1:1: syntax error, unexpected 'undefine', expecting a variable name"],
    [
      'table ip t {\n\tinclude foo\n}\n',
      "f.nft:2:10: syntax error, unexpected 'foo', expecting a quoted file name",
    ],
  ])('%j', (src, message) => {
    const r = tryParse(src, { file: 'f.nft' });
    expect(r.ok ? 'parsed' : r.error.message).toBe(message);
  });
});

describe('expandDefines', () => {
  it('replaces variables, merges set variables into sets, drops the definitions', () => {
    const src =
      'define lan = { 10.0.0.0/8, 192.168.0.0/16 }\ndefine wan = "eth2"\ntable ip t {\n\tchain c {\n\t\tiifname $wan ip saddr $lan drop\n\t\tip daddr { $lan, 1.1.1.1 } accept\n\t}\n}\n';
    expect(print(expandDefines(parse(src)))).toBe(
      'table ip t {\n\tchain c {\n\t\tiifname "eth2" ip saddr { 10.0.0.0/8, 192.168.0.0/16 } drop\n\t\tip daddr { 10.0.0.0/8, 192.168.0.0/16, 1.1.1.1 } accept\n\t}\n}\n',
    );
  });

  it('reports an undefined variable where it is used', () => {
    expect(() => expandDefines(parse('add rule ip t c ip saddr $nope drop\n'), 'f.nft')).toThrow(
      "f.nft:1:26: syntax error, unexpected undefined variable '$nope', expecting a variable defined earlier with define",
    );
  });
});

describe('header field checks', () => {
  it.each([
    [
      'add rule ip t c ip sadr 1.1.1.1 drop\n',
      "f.nft:1:20: syntax error, unexpected 'sadr', expecting a header field of ip (version, hdrlength, dscp, ecn, length, id, frag-off, ttl, ...); did you mean 'saddr'?",
    ],
    [
      'add rule ip t c meta iffname "lo" accept\n',
      "f.nft:1:22: syntax error, unexpected 'iffname', expecting a meta key (length, protocol, priority, mark, iif, iifname, iiftype, oif, ...); did you mean 'iifname'?",
    ],
  ])('%j', (src, message) => {
    const r = tryParse(src, { file: 'f.nft' });
    expect(r.ok ? 'parsed' : r.error.message).toBe(message);
  });

  it.each([
    [
      'add rule ip t c tcp dport 22 jump\n',
      'f.nft:1:34: syntax error, unexpected newline, expecting a chain name',
    ],
    [
      'add rule ip t c log prefix foo drop\n',
      "f.nft:1:28: syntax error, unexpected 'foo', expecting a quoted string",
    ],
    [
      'add rule ip t c snat to\n',
      'f.nft:1:24: syntax error, unexpected newline, expecting an address, a port or a device',
    ],
  ])('missing argument %j', (src, message) => {
    const r = tryParse(src, { file: 'f.nft' });
    expect(r.ok ? 'parsed' : r.error.message).toBe(message);
  });

  it.each([
    'add rule ip t c meta protocol ip accept\n',
    'add rule ip t c ether type ip vlan id 10 accept\n',
    'add rule ip t c snat ip to 1.2.3.4\n',
    'add rule ip t c reject with icmp port-unreachable\n',
    'add rule ip t c meta protocol ip vmap { ip : accept }\n',
    'add rule ip t c log flags ip options\n',
  ])('accepts protocol keywords used as values: %j', (src) => {
    expect(tryParse(src).ok).toBe(true);
  });
});
