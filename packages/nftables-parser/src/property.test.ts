import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accept,
  anonSet,
  chain,
  comment,
  ct,
  drop,
  type Fragment,
  flags,
  jump,
  log,
  meta,
  NftSyntaxError,
  type Node,
  parse,
  payload,
  print,
  quoted,
  type Ruleset,
  rule,
  ruleset,
  set,
  snat,
  table,
  tryParse,
} from './index.js';

import { AFTER_VALUE, CHAIN_WORDS, FIELDS, FLOWTABLE_WORDS, RULE_START, SET_WORDS } from './keywords.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = ['rich.nft', 'input-style.nft'].map((n) => readFileSync(join(here, 'fixtures', n), 'utf8'));

// nft refuses its own keywords as bare identifiers (a chain called `to` must be quoted), so generated
// names leave out every word the grammar gives a meaning to where a name may stand.
const RESERVED = new Set([
  ...RULE_START,
  ...SET_WORDS,
  ...CHAIN_WORDS,
  ...FLOWTABLE_WORDS,
  ...AFTER_VALUE,
  ...Object.keys(FIELDS),
]);
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((n) => !RESERVED.has(n));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const port = fc.integer({ min: 1, max: 65535 });

const match: fc.Arbitrary<Fragment> = fc.oneof(
  ipv4.map((a) => payload('ip', 'saddr', a)),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })).map(([a, p]) => payload('ip', 'daddr', `${a}/${p}`)),
  port.map((p) => payload('tcp', 'dport', p)),
  fc.uniqueArray(port, { minLength: 1, maxLength: 6 }).map((ps) => payload('udp', 'dport', anonSet(...ps))),
  name.map((n) => meta('iifname', n)),
  name.map((n) => meta('oifname', n, '!=')),
  fc.constantFrom('established', 'related', 'new', 'invalid').map((s) => ct('state', flags(s, 'untracked'))),
  fc.constantFrom('echo-request', 'echo-reply').map((t) => payload('icmp', 'type', t)),
);
const verdict: fc.Arbitrary<Fragment> = fc.oneof(
  fc.constant(accept()),
  fc.constant(drop()),
  name.map((n) => jump(n)),
  fc
    .string({ maxLength: 12 })
    .filter((s) => !/["\n\\]/.test(s))
    .map((p) => [...log({ prefix: p }), ...accept()]),
  ipv4.map((a) => snat(a)),
);
const ruleArb = fc.tuple(fc.array(match, { maxLength: 4 }), verdict).map(([m, v]) => rule(...m, v));
const chainArb = fc
  .tuple(
    name,
    fc.array(ruleArb, { maxLength: 6 }),
    fc.boolean(),
    fc.constantFrom('accept', 'drop') as fc.Arbitrary<'accept' | 'drop'>,
  )
  .map(([n, rules, base, policy]) =>
    chain(n, rules, base ? { type: 'filter', hook: 'input', priority: 'filter', policy } : undefined),
  );
const setArb = fc
  .tuple(
    name,
    fc.constantFrom('ipv4_addr', 'inet_service', 'ifname'),
    fc.array(fc.nat(9999), { maxLength: 14 }),
  )
  .map(([n, type, els]) =>
    set(n, {
      type,
      elements: [...new Set(els)].map((e) =>
        type === 'ipv4_addr' ? `10.0.${e % 256}.${e % 200}` : type === 'ifname' ? quoted(`if${e}`) : e,
      ),
    }),
  );
const tableArb = fc
  .tuple(
    fc.constantFrom('ip', 'ip6', 'inet', 'bridge', 'netdev', 'arp') as fc.Arbitrary<'ip'>,
    name,
    fc.array(fc.oneof(chainArb, setArb), { maxLength: 5 }),
  )
  .map(([f, n, members]) => table(f, n, members as Node[]));
const rulesetArb: fc.Arbitrary<Ruleset> = fc
  .tuple(
    fc.option(fc.string({ maxLength: 20 }).filter((s) => !s.includes('\n'))),
    fc.array(tableArb, { maxLength: 3 }),
  )
  .map(([c, ts]) => ruleset(...(c === null ? [] : [comment(c)]), ...ts));

describe('properties', () => {
  it('print(parse(print(ast))) === print(ast) over generated rulesets', () => {
    fc.assert(
      fc.property(rulesetArb, (rs) => {
        const once = print(rs);
        expect(print(parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('random mutations of fixture files give a located diagnostic or a stable parse, never a crash', () => {
    const mutation = fc.tuple(
      fc.constantFrom(...fixtures),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat(8),
          fc.constantFrom(
            '',
            '{',
            '}',
            '(',
            ')',
            '"',
            ';',
            '\n',
            ',',
            '@',
            '$',
            '#',
            'x',
            ' ',
            '\\',
            '=',
            ':',
          ),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    );
    fc.assert(
      fc.property(mutation, ([src, edits]) => {
        let s = src;
        for (const [at, del, ins] of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + ins + s.slice(i + del);
        }
        const r = tryParse(s, { file: 'm.nft' });
        if (r.ok) {
          const once = print(r.ruleset);
          expect(print(parse(once))).toBe(once);
        } else {
          expect(r.error).toBeInstanceOf(NftSyntaxError);
          expect(r.error.message).toMatch(/^m\.nft:\d+:\d+: syntax error, unexpected .+, expecting .+$/);
          expect(r.error.line).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
