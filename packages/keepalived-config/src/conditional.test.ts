/**
 * keepalived applies an `@id` / `@^id` condition, and a `~SEQ(...)` prefix, to the rest of the
 * physical line: when the id does not match, the whole line is dropped (braces and the statements
 * after them included), and lib/parser.c's read_line() does this before splitting the line at `{`/`}`.
 * A block that continues on later lines therefore loses only its first line. The printer keeps
 * exactly what was on such a line on one line, so keepalived reads print(parse(x)) as it reads x.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, missing, type Netns, needs } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Statement } from './ast.js';
import { parse } from './parse.js';
import { print } from './print.js';

/** A valid instance, to give keepalived something real around the conditional lines. */
const V =
  'vrrp_instance V {\n  state BACKUP\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.9/24\n  }\n}\n';
const body = (n: number) =>
  `  interface eth0\n  virtual_router_id ${n}\n  priority 100\n  virtual_ipaddress {\n    10.0.${n}.9/24\n  }\n`;

/** [name, input, canonical print] */
const cases: Array<[string, string, string]> = [
  [
    'statements after the `{` of a multi-line conditional block stay on its line',
    `@other vrrp_instance X {   state MASTER\n${body(2)}}\n${V}`,
    `@other vrrp_instance X { state MASTER\n${body(2)}}\n${V}`,
  ],
  [
    'the same for @^id',
    `@^main vrrp_instance X { state MASTER # note\n${body(2)}}\n${V}`,
    `@^main vrrp_instance X { state MASTER # note\n${body(2)}}\n${V}`,
  ],
  [
    'a nested block opened on the conditional line',
    `vrrp_instance X {\n  @other virtual_ipaddress { 10.0.3.9/24\n    10.0.3.10/24\n  }\n  state BACKUP\n  interface eth0\n  virtual_router_id 3\n}\n${V}`,
    `vrrp_instance X {\n  @other virtual_ipaddress { 10.0.3.9/24\n    10.0.3.10/24\n  }\n  state BACKUP\n  interface eth0\n  virtual_router_id 3\n}\n${V}`,
  ],
  [
    'a `{` written on the line after the conditional head stays apart',
    `@other vrrp_instance X\n{ state MASTER\n${body(4)}}\n${V}`,
    `@other vrrp_instance X\n{\n  state MASTER\n${body(4)}}\n${V}`,
  ],
  [
    'a block closed on the line, then another statement on that line',
    `vrrp_instance X {\n${body(5)}  @other track_interface { eth1 } state MASTER\n}\n${V}`,
    `vrrp_instance X {\n${body(5)}  @other track_interface { eth1 } state MASTER\n}\n${V}`,
  ],
  [
    'a closing brace after a conditional statement, and what follows it',
    `vrrp_instance X {\n${body(6)}  state BACKUP\n  @other priority 50 } vrrp_instance Y {\n${body(7)}}\n${V}`,
    `vrrp_instance X {\n${body(6)}  state BACKUP\n  @other priority 50 } vrrp_instance Y {\n${body(7)}}\n${V}`,
  ],
  [
    'a ~SEQ line that opens a multi-line block',
    `~SEQ(I, 1, 2) vrrp_instance S\${I} { state BACKUP\n${body(8)}}\n${V}`,
    `~SEQ(I, 1, 2) vrrp_instance S\${I} { state BACKUP\n${body(8)}}\n${V}`,
  ],
  [
    'lines without a condition are still laid out canonically',
    `vrrp_instance X { state BACKUP\n${body(9)}}\n${V}`,
    `vrrp_instance X {\n  state BACKUP\n${body(9)}}\n${V}`,
  ],
];

describe('conditional and ~SEQ lines', () => {
  it.each(cases)('%s: printed as expected, idempotently', (_name, input, expected) => {
    const once = print(parse(input));
    expect(once).toBe(expected);
    expect(print(parse(once))).toBe(once);
  });

  it('the parser marks what shares a conditional line', () => {
    const x = parse('@a x { y { z } w\n  v\n}\n').body[0] as Statement;
    const [y, w, v] = x.block as [Statement, Statement, Statement];
    const z = y.block?.[0] as Statement;
    expect([y.glued, y.closeGlued, z.glued, w.glued, v.glued, x.closeGlued]).toEqual([
      true,
      true,
      true,
      true,
      undefined,
      undefined,
    ]);
    expect((parse('@a x\n{\n}\n').body[0] as Statement).openApart).toBe(true);
    // Nothing is marked on lines without a condition: their layout is free.
    expect(JSON.stringify(parse('x { y { z } w\n}\nx\n{\n}\n'))).not.toMatch(/glued|openApart/);
  });

  it('dropping the condition from the tree lets the printer lay the block out canonically', () => {
    const f = parse('@a x { y\n}\n');
    delete (f.body[0] as Statement).condition;
    expect(print(f)).toBe('x {\n  y\n}\n');
  });
});

describe('keepalived -t reads print(parse(x)) as it reads x', () => {
  let ns: Netns | undefined;
  let dir = '';
  beforeAll(() => {
    if (missing('root', 'keepalived', 'ip') !== undefined) return;
    ns = createNetns('cond');
    ns.addVeth('eth0', 'eth1');
    dir = mkdtempSync(join(tmpdir(), 'hgt-cond-'));
  });
  afterAll(() => {
    ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** keepalived's messages for `text` read as config id `id`, line numbers removed, sorted. */
  const messages = (text: string, id: string): string[] => {
    const file = join(dir, 'k.conf');
    writeFileSync(file, text);
    const r = ns!.exec(['keepalived', '-t', '-l', '-D', '-n', '-i', id, '-f', file]);
    return `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace(/^\((?:[^:)]*: )?Line \d+\) ?/, ''))
      .sort();
  };

  it.for(cases)('%s', ([, input], ctx) => {
    needs(ctx, 'root', 'keepalived', 'ip');
    const printed = print(parse(input));
    for (const id of ['main', 'other']) {
      expect(messages(printed, id), `config id ${id}`).toEqual(messages(input, id));
    }
  });

  it('the comparison sees the difference a line split would make', (ctx) => {
    needs(ctx, 'root', 'keepalived', 'ip');
    const input = cases[0]![1];
    const split = input.replace('{   state MASTER', '{\n  state MASTER');
    // id 'other' matches: both read the whole block; id 'main' does not: only the head line is dropped.
    expect(messages(split, 'other')).toEqual(messages(input, 'other'));
    expect(messages(split, 'main')).toContain("Unknown keyword 'state'");
    expect(messages(input, 'main')).not.toContain("Unknown keyword 'state'");
  });
});
