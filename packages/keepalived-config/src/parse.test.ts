import { describe, expect, it } from 'vitest';
import type { Statement } from './ast.js';
import { KeepalivedParseError, parse, tryParse, unquote } from './parse.js';
import { print } from './print.js';

const first = (text: string): Statement => {
  const n = parse(text).body.find((x) => x.kind === 'statement');
  if (n?.kind !== 'statement') throw new Error('no statement');
  return n;
};

describe('parse', () => {
  it('reads nested blocks with positions', () => {
    const f = parse('global_defs {\n  router_id r1\n}\nvrrp_instance VI_1 {\n  state MASTER\n}\n', {
      file: 'k.conf',
    });
    const [g, v] = f.body as [Statement, Statement];
    expect(g.keyword).toBe('global_defs');
    const id = g.block?.[0] as Statement;
    expect(id.args).toEqual(['r1']);
    expect(id.pos).toEqual({ file: 'k.conf', line: 2, col: 3 });
    expect(v.args).toEqual(['VI_1']);
    expect(v.end).toEqual({ file: 'k.conf', line: 6, col: 1 });
  });

  it.each([
    [
      'several blocks on one line',
      'authentication { auth_type PASS auth_pass x }',
      ['auth_type', 'PASS', 'auth_pass', 'x'],
    ],
    ['block closed on one line', 'unicast_peer { 10.0.0.2 }', ['10.0.0.2']],
  ])('%s', (_name, text, words) => {
    const s = first(text);
    const kids = (s.block ?? []) as Statement[];
    expect(kids.flatMap((k) => [k.keyword, ...k.args])).toEqual(words);
  });

  it('splits statements at braces: a { b } c { d } on one line', () => {
    const f = parse('a { b } c { d }\n');
    expect((f.body as Statement[]).map((s) => s.keyword)).toEqual(['a', 'c']);
  });

  it('accepts the opening brace on the next line', () => {
    const s = first('vrrp_instance X\n{\n  state BACKUP\n}\n');
    expect(s.args).toEqual(['X']);
    expect((s.block ?? [])[0]).toMatchObject({ keyword: 'state' });
  });

  it('keeps double-quoted words whole, with the quotes, and unquotes them on demand', () => {
    const s = first('notify "/usr/bin/x a b" e"f g"h\n');
    expect(s.args).toEqual(['"/usr/bin/x a b"', 'e"f g"h']);
    expect(s.args.map(unquote)).toEqual(['/usr/bin/x a b', 'ef gh']);
  });

  it("does not group single quotes (keepalived 2.2 reads auth_pass 'ab cd' as two words)", () => {
    const s = first("auth_pass 'ab cd'\n");
    expect(s.args).toEqual(["'ab", "cd'"]);
    expect(first("a 'b#c'\n").comment).toBe("#c'");
  });

  it('does not split braces or comments inside quotes', () => {
    const s = first('script "/bin/check {x} #1 !2"\n');
    expect(s.args).toEqual(['"/bin/check {x} #1 !2"']);
    expect(s.comment).toBeUndefined();
  });

  it.each([
    ['# full line', '# full line'],
    ['! bang line', '! bang line'],
  ])('keeps full-line comments: %s', (text, expected) => {
    const c = parse(`${text}\n`).body[0];
    expect(c).toMatchObject({ kind: 'comment', text: expected });
  });

  it('keeps trailing comments on statements and closing braces', () => {
    const f = parse('a 1 # one\nb { ! open\n  c\n} # close\n');
    const [a, b] = f.body as Statement[];
    expect(a?.comment).toBe('# one');
    expect(b?.comment).toBe('! open');
    expect(b?.closeComment).toBe('# close');
  });

  it('reads conditional lines @id and @^id', () => {
    const f = parse('@main router_id a\n@^main router_id b\n');
    expect((f.body as Statement[]).map((s) => [s.condition, s.args[0]])).toEqual([
      ['@main', 'a'],
      ['@^main', 'b'],
    ]);
  });

  it('reads definitions, conditional definitions and multi-line definitions', () => {
    const f = parse('$PRIO=200\n@b $PRIO=100\n$EMPTY=\n$BLOCK= \\\n  a { \\\n    b 1 \\\n  }\n$BLOCK\n');
    expect(f.body.slice(0, 4)).toMatchObject([
      { kind: 'definition', name: 'PRIO', value: '200' },
      { kind: 'definition', name: 'PRIO', value: '100', condition: '@b' },
      { kind: 'definition', name: 'EMPTY', value: '' },
      { kind: 'definition', name: 'BLOCK', lines: ['a { \\', 'b 1 \\', '}'] },
    ]);
    expect(f.body[4]).toMatchObject({ kind: 'statement', keyword: '$BLOCK' });
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
  it('keeps ${NAME} references inside one word', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    expect(first('ip_address 10.${A}.${B}\n').args).toEqual(['10.${A}.${B}']);
  });

  it('reads ~SEQ prefixes', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    const s = first('~SEQ(N, 0, 3) ~SEQx(M, 0x10) ip_address 10.0.${N}.1\n');
    expect(s.sequences).toEqual(['~SEQ(N, 0, 3)', '~SEQx(M, 0x10)']);
    expect(s.keyword).toBe('ip_address');
  });

  it.each([
    ['a stray closing brace', 'a\n}\n', "k.conf:2:1: unexpected '}': no block is open here"],
    ['an unterminated quote', 'a "b\n', 'k.conf:1:3: unterminated quoted string'],
    ['a brace without keyword', '{\n}\n', "k.conf:1:1: unexpected '{': expected a keyword before it"],
    ['an unterminated ~SEQ', '~SEQ(N, 1 x\n', "k.conf:1:1: unterminated ~SEQ(...): expected ')'"],
    ['an empty conditional line', '@main\n', "k.conf:1:1: expected a configuration line after '@main'"],
    [
      'an unterminated multi-line definition',
      '$X= \\\n a \\\n',
      'k.conf:1:1: multi-line definition $X is not terminated',
    ],
  ])('reports %s as file:line:col with what was expected', (_name, text, message) => {
    expect(() => parse(text, { file: 'k.conf' })).toThrow(KeepalivedParseError);
    expect(() => parse(text, { file: 'k.conf' })).toThrow(message);
    const r = tryParse(text, { file: 'k.conf' });
    expect(r.diagnostics[0]?.code).toBe('KA000');
  });
});

describe('print', () => {
  const messy = [
    '! Configuration File for keepalived',
    '',
    '',
    'global_defs {   router_id   LVS_1   # id',
    '\tnotification_email { a@b.c',
    'd@e.f }',
    '}',
    '@main $P=1',
    '$M= \\',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    'vrrp_instance VI_${N} { \\',
    'priority $P \\',
    '}',
    'vrrp_instance VI_1',
    '{',
    '    authentication { auth_type PASS',
    '  auth_pass "s e c" }',
    '  @high priority 170',
    '  @low track_interface { eth0 }',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    '      ~SEQ(I, 1, 2) virtual_ipaddress_excluded { 10.0.${I}.1 }',
    '}   ! end',
    '',
  ].join('\n');

  it('prints a canonical layout', async () => {
    await expect(print(parse(messy))).toMatchFileSnapshot('__snapshots__/messy.canonical.conf');
  });

  it('is idempotent', () => {
    const once = print(parse(messy));
    expect(print(parse(once))).toBe(once);
  });

  it('keeps a conditional block on one line (keepalived drops the whole line when the id does not match)', () => {
    expect(print(parse('a {\n@low track_interface { eth0 eth1 }\n}\n'))).toBe(
      'a {\n  @low track_interface { eth0 eth1 }\n}\n',
    );
  });

  it('prints with a chosen indentation', () => {
    expect(print(parse('a { b }'), { indent: '\t' })).toBe('a {\n\tb\n}\n');
  });

  it('prints an empty file as empty', () => {
    expect(print(parse('\n\n'))).toBe('');
  });
});

describe('diagnostic shape (file, line, col, offset, expected, found)', () => {
  it('syntax errors carry the 0-based offset and what was expected and found', () => {
    const text = 'global_defs {\n  router_id a\n}\n}\n@ x\n';
    const { diagnostics } = tryParse(text, { file: 'k.conf' });
    expect(diagnostics.map((d) => [d.pos, d.expected, d.found])).toEqual([
      [{ file: 'k.conf', line: 4, col: 1, offset: 30 }, undefined, undefined],
      [{ file: 'k.conf', line: 5, col: 1, offset: 32 }, "a config id right after '@'", 'whitespace'],
    ]);
    expect(text[30]).toBe('}');
    expect(text[32]).toBe('@');
  });
});

describe('a block left open at the end of the file', () => {
  it('is read as keepalived reads it (closed there), not refused: the linter reports it (KA042)', () => {
    const f = parse('a {\n  b {\n    c 1\n', { file: 'k.conf' });
    const a = f.body[0] as Statement;
    expect(a.keyword).toBe('a');
    expect(a.end).toBeUndefined();
    const b = a.block![0] as Statement;
    expect(b.block!.map((n) => (n as Statement).keyword)).toEqual(['c']);
    expect(print(f)).toBe('a {\n  b {\n    c 1\n  }\n}\n');
  });
});
