import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Definition, Node, Statement } from './ast.js';
import { buildConfig } from './build.js';
import { lint, lintPair } from './lint.js';
import { parse, tryParse } from './parse.js';
import { print } from './print.js';
import { type Resolved, resolve } from './resolve.js';

const P = { file: 'gen.conf', line: 0, col: 0 };

const word = fc.stringMatching(/^[a-z_][a-z0-9_./:-]{0,10}$/);
const arg = fc.oneof(
  { weight: 6, arbitrary: word },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9 {}#!./-]{0,12}$/).map((s) => `"${s}"`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z_]{1,5}$/).map((s) => `10.\${${s}}.1`) },
);
const commentText = fc
  .tuple(fc.constantFrom('#', '!'), fc.stringMatching(/^[ a-z0-9{}"#!$@]{0,16}$/))
  .map(([m, t]) => `${m}${t}`.trimEnd());
const condition = fc.option(
  fc.tuple(fc.constantFrom('@', '@^'), fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/)).map(([a, b]) => a + b),
  { nil: undefined },
);
const seq = fc.option(
  fc.array(
    fc
      .tuple(fc.stringMatching(/^[A-Z]{1,4}$/), fc.nat(9), fc.nat(9))
      .map(([v, a, b]) => `~SEQ(${v}, ${a}, ${b})`),
    { minLength: 1, maxLength: 2 },
  ),
  { nil: undefined },
);

/**
 * Children printed on one line: every one but the last ends with a block, else two words of two
 * statements would read back as one statement (as keepalived would read them).
 */
function oneLine(kids: Statement[]): Statement[] {
  return kids.map((k, i) => (i < kids.length - 1 && !k.block ? { ...k, block: [] } : k));
}

/** Statements that may appear inside an inline (one-line) conditional block: no comments. */
const { inlineStmt } = fc.letrec<{ inlineStmt: Statement }>((tie) => ({
  inlineStmt: fc
    .record({
      keyword: word,
      args: fc.array(arg, { maxLength: 3 }),
      kids: fc.option(fc.array(tie('inlineStmt'), { maxLength: 2 }), { nil: undefined, depthSize: 'small' }),
    })
    .map(({ keyword, args, kids }) => {
      const s: Statement = { kind: 'statement', keyword, args, pos: P };
      if (kids) s.block = oneLine(kids);
      return s;
    }),
}));

const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { weight: 1, arbitrary: commentText.map((text): Node => ({ kind: 'comment', text, pos: P })) },
    { weight: 1, arbitrary: fc.constant<Node>({ kind: 'blank', pos: P }) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          name: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/),
          value: fc.array(word, { maxLength: 3 }),
          multi: fc.boolean(),
          condition,
          glued: fc.boolean(),
        })
        .map(({ name, value, multi, condition: c, glued }): Node => {
          const d: Definition = { kind: 'definition', name, pos: P };
          if (c) d.condition = c;
          if (glued) d.glued = true;
          if (multi && value.length > 0)
            d.lines = value.map((v, i) => (i < value.length - 1 ? `${v} \\` : v));
          else d.value = value.join(' ');
          return d;
        }),
    },
    {
      weight: 5,
      arbitrary: fc
        .record({
          keyword: word,
          args: fc.array(arg, { maxLength: 4 }),
          condition,
          seq,
          comment: fc.option(commentText, { nil: undefined }),
          closeComment: fc.option(commentText, { nil: undefined }),
          kids: fc.option(fc.array(tie('node'), { maxLength: 4 }), { nil: undefined, depthSize: 'small' }),
          inlineKids: fc.option(fc.array(inlineStmt, { maxLength: 3 }), { nil: undefined }),
          // Layout marks of conditional lines, set at random: the printer must never let them merge
          // words, swallow a line into a comment or a definition, or change what keepalived reads.
          layout: fc.record({ glued: fc.boolean(), openApart: fc.boolean(), closeGlued: fc.boolean() }),
        })
        .map((r): Node => {
          const s: Statement = { kind: 'statement', keyword: r.keyword, args: r.args, pos: P };
          if (r.condition) s.condition = r.condition;
          if (r.seq) s.sequences = r.seq;
          if (r.comment) s.comment = r.comment;
          if (r.layout.glued) s.glued = true;
          if (r.layout.openApart) s.openApart = true;
          if (r.layout.closeGlued) s.closeGlued = true;
          if ((r.condition || r.seq) && r.inlineKids) {
            s.block = oneLine(r.inlineKids);
            s.inline = true;
          } else if (r.kids) {
            s.block = r.kids;
            if (r.closeComment) s.closeComment = r.closeComment;
          }
          return s;
        }),
    },
  ),
}));

const config = fc.array(node, { maxLength: 8 });

describe('print/parse properties (fast-check)', () => {
  it('print(parse(print(x))) === print(x) for generated configs', () => {
    fc.assert(
      fc.property(config, (body) => {
        const once = print(body);
        const r = tryParse(once, { file: 'gen.conf' });
        expect(r.diagnostics).toEqual([]);
        expect(print(r.file)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('parsing keeps every word in order', () => {
    const words = (nodes: Node[]): string[] =>
      nodes.flatMap((n) =>
        n.kind === 'statement'
          ? [n.condition ?? '', ...(n.sequences ?? []), n.keyword, ...n.args, ...words(n.block ?? [])]
          : [],
      );
    fc.assert(
      fc.property(config, (body) => {
        expect(words(parse(print(body)).body)).toEqual(words(body));
      }),
      { numRuns: 1000 },
    );
  });

  it('printing changes nothing keepalived reads (same statements after conditionals, definitions and ~SEQ)', () => {
    const shape = (rs: Resolved[]): unknown[] =>
      rs.map((r) => [r.keyword, r.args, r.block ? shape(r.block) : null]);
    fc.assert(
      fc.property(config, fc.constantFrom(undefined, 'a', 'b'), (body, configId) => {
        expect(shape(resolve(parse(print(body)).body, { configId }))).toEqual(
          shape(resolve(body, { configId })),
        );
      }),
      { numRuns: 1000 },
    );
  });

  const fixtures = [
    print(
      buildConfig({
        header: ['fixture'],
        globalDefs: {
          routerId: 'r1',
          enableScriptSecurity: true,
          scriptUser: 'root',
          shutdownScript: '/sbin/agent shutdown',
        },
        scripts: [{ name: 'chk', script: '/sbin/chk --x', interval: 2, weight: -10 }],
        syncGroups: [{ name: 'G', group: ['A', 'B'] }],
        instances: ['A', 'B'].map((name, i) => ({
          name,
          state: 'BACKUP' as const,
          interface: `eth${i}`,
          virtualRouterId: i + 1,
          priority: 100,
          advertInt: 1,
          authentication: { type: 'PASS' as const, password: 'secret' },
          unicastSrcIp: `10.0.${i}.1`,
          unicastPeers: [`10.0.${i}.2`],
          virtualIpaddress: [{ address: `10.0.${i}.254/24`, dev: `eth${i}` }],
          virtualRoutes: [{ to: 'default', via: `10.0.${i}.9`, dev: `eth${i}` }],
          trackScript: [{ name: 'chk' }],
          notify: '/sbin/agent',
        })),
      }),
    ),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    '$N=1\n@a $P=2\n$B= \\\n  x { \\\n  y ${N} \\\n  }\nvrrp_instance V { @b priority 1 # c\n  ~SEQ(I, 1, 3) virtual_ipaddress { 10.0.${I}.1 }\n$B\n} ! e\n',
  ];
  const noise = fc.constantFrom(
    '{',
    '}',
    '"',
    "'",
    '#',
    '!',
    '$',
    '@',
    '~',
    '\\',
    '\n',
    ' ',
    '\t',
    'a',
    '1',
    '=',
    '(',
    ')',
  );

  it('random mutations of fixtures never crash the parser or the linter, and parseable ones print idempotently', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.nat(3), noise), { minLength: 1, maxLength: 6 }),
        (text, edits) => {
          let t = text;
          for (const [at, op, ch] of edits) {
            const i = at % (t.length + 1);
            t =
              op === 0
                ? t.slice(0, i) + t.slice(i + 1)
                : op === 1
                  ? t.slice(0, i) + ch + t.slice(i + 1)
                  : t.slice(0, i) + ch + t.slice(i);
          }
          const r = tryParse(t, { file: 'm.conf' });
          for (const d of r.diagnostics) {
            expect(d.code).toBe('KA000');
            expect(d.pos.line).toBeGreaterThan(0);
          }
          expect(() => lint(r.file, { configId: 'a' })).not.toThrow();
          expect(() => lintPair(r.file, r.file)).not.toThrow();
          if (r.diagnostics.length === 0) {
            const once = print(r.file);
            expect(print(parse(once))).toBe(once);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('random text never crashes the parser', () => {
    fc.assert(
      fc.property(
        fc.array(noise, { maxLength: 60 }).map((a) => a.join('')),
        (t) => {
          const r = tryParse(t);
          expect(Array.isArray(r.diagnostics)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
