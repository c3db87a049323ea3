import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type InterfacesFile,
  InterfacesSyntaxError,
  type MappingNode,
  parseInterfaces,
  printInterfaces,
  type StanzaItem,
  type TopNode,
} from './index.js';
import { isTopKeyword } from './syntax.js';

const ch = fc.constantFrom(...'abcxyz019.-_:/=*$\\#"\'()[]'.split(''));
const word = fc
  .array(ch, { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(''))
  .filter((w) => !w.startsWith('#') && w !== 'inherits');
const blanks = fc.constantFrom(' ', '  ', '\t', ' \t ');
const value = fc
  .tuple(word, fc.array(fc.tuple(blanks, word), { maxLength: 3 }))
  .map(([w, rest]) => w + rest.map(([b, x]) => b + x).join(''));
const commentText = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\n'));
const trivia: fc.Arbitrary<StanzaItem> = fc.oneof(
  commentText.map((text) => ({ kind: 'comment' as const, text })),
  fc.constant({ kind: 'blank' as const }),
);
const optionName = word.filter((w) => !isTopKeyword(w));
const items = (name: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(fc.array(trivia, { maxLength: 2 }), name, value), { maxLength: 4 })
    .map((xs) => xs.flatMap(([t, n, v]) => [...t, { kind: 'option' as const, name: n, value: v }]));

const top: fc.Arbitrary<TopNode> = fc.oneof(
  trivia as fc.Arbitrary<TopNode>,
  fc.array(word, { maxLength: 3 }).map((names) => ({ kind: 'auto' as const, names })),
  fc
    .tuple(word, fc.array(word, { maxLength: 3 }))
    .map(([cls, names]) => ({ kind: 'allow' as const, class: cls, names })),
  fc
    .tuple(fc.constantFrom('no-auto-down', 'no-scripts', 'rename') as fc.Arbitrary<'rename'>, fc.array(word))
    .map(([kind, names]) => ({ kind, names })),
  value.map((path) => ({ kind: 'source' as const, path })),
  value.map((path) => ({ kind: 'source-directory' as const, path })),
  fc
    .record(
      {
        name: word,
        family: fc.constantFrom('inet', 'inet6', 'can'),
        method: fc.constantFrom('static', 'dhcp', 'manual', 'loopback', 'auto'),
        inherits: word,
        extra: fc.array(word, { minLength: 1, maxLength: 2 }),
        items: items(optionName),
      },
      { requiredKeys: ['name', 'family', 'method', 'items'] },
    )
    .map((r) => ({ kind: 'iface' as const, ...r })),
  fc
    .tuple(word, word, items(optionName))
    .map(([name, inherits, its]) => ({ kind: 'iface' as const, name, inherits, items: its })),
  fc
    .tuple(fc.array(word, { maxLength: 2 }), items(fc.constantFrom('script', 'map')))
    .map(([patterns, its]): MappingNode => ({ kind: 'mapping', patterns, items: its })),
);
const file: fc.Arbitrary<InterfacesFile> = fc
  .tuple(fc.array(top, { maxLength: 8 }), fc.boolean())
  .map(([nodes, finalNewline]) => ({ kind: 'file', nodes, finalNewline }));

/**
 * The tree without positions and original text. A last blank line without a newline is the same text as a
 * final newline ("a\n" either way), so that spelling is folded into the other.
 */
function meaning(f: InterfacesFile): unknown {
  const m = JSON.parse(
    JSON.stringify(f, (k, v) => (k === 'loc' || k === 'pos' || k === 'source' ? undefined : v)),
  );
  if (!m.finalNewline && m.nodes.at(-1)?.kind === 'blank') {
    m.nodes.pop();
    m.finalNewline = true;
  }
  return m;
}

/** Random text made of the pieces that matter to the grammar. */
const piece = fc.constantFrom(
  'auto',
  'allow-',
  'allow-hotplug',
  'iface',
  'mapping',
  'script',
  'map',
  'source',
  'source-dir',
  'inherits',
  'inet',
  'static',
  'mtu',
  'eth0',
  '1500',
  '#',
  '\\',
  ' ',
  '\t',
  '\r',
  '\n',
  '\n',
  '\n',
  'x',
);
const grammarText = fc.array(piece, { maxLength: 40 }).map((ps) => ps.join(''));

describe('properties', () => {
  it('print(parse(print(ast))) === print(ast), and the meaning survives', () => {
    fc.assert(
      fc.property(file, (ast) => {
        const printed = printInterfaces(ast);
        const back = parseInterfaces(printed);
        expect(printInterfaces(back)).toBe(printed);
        expect(printInterfaces(back, { canonical: true })).toBe(printed);
        // '' is the empty file, whatever nodes made it (one blank line without a newline).
        if (printed !== '') expect(meaning(back)).toEqual(meaning(ast));
      }),
      { numRuns: 400 },
    );
  });

  it('parse never throws anything but InterfacesSyntaxError; what parses prints back byte for byte', () => {
    fc.assert(
      fc.property(fc.oneof(grammarText, fc.string({ maxLength: 60 })), (text) => {
        let ast: InterfacesFile;
        try {
          ast = parseInterfaces(text);
        } catch (e) {
          expect(e).toBeInstanceOf(InterfacesSyntaxError);
          expect((e as Error).message).toMatch(/^<input>:\d+:\d+: expected .+, found .+/);
          return;
        }
        expect(printInterfaces(ast)).toBe(text);
        const canonical = printInterfaces(ast, { canonical: true });
        if (canonical !== '')
          expect(meaning(parseInterfaces(canonical))).toEqual({
            ...(meaning(ast) as object),
            finalNewline: expect.any(Boolean),
          });
      }),
      { numRuns: 2000 },
    );
  });
});
