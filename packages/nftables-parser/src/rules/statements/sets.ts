/** Statements on sets, meters and flowtables: set updates, the old meter, flow offload. */
import type { Token } from '../../ast.js';
import { NFT_KEYWORDS } from '../../keywords.js';
import type { Diags } from '../diagnostics.js';
import type { Reader } from '../reader.js';
import { type StatementInput, statement } from '../statement.js';
import type { RuleStatement } from '../types.js';
import { concatOf, isNum, num, timeWord } from '../values.js';

/** `add @s { key [timeout t] [: value] stmts }`, `update @m { ... }`, `delete @s { ... }`. */
export function setUpdate({ c, d, word, pos }: StatementInput): RuleStatement | undefined {
  const w = word as 'add' | 'update' | 'delete';
  if (c.peek(1)?.kind !== 'setref') return undefined;
  const set = (c.peek(1) as Token).text.slice(1);
  const g = c.peek(2);
  if (g?.kind !== 'group' || g.open !== '{' || g.body) return c.fail("'{' and the element to add", [], 2);
  c.i += 3;
  const ic = c.sub(g.items, '}');
  const key = concatOf(ic, true);
  const out: RuleStatement & { kind: 'setupdate' } = {
    kind: 'setupdate',
    op: w,
    set,
    key,
    statements: [],
    pos,
  };
  if (ic.isWord('timeout') && ic.word(1) !== undefined) {
    timeWord(ic, 1);
    out.timeout = ic.word(1) as string;
    ic.i += 2;
  }
  while (!ic.done()) {
    if (ic.isWord(':') && out.value === undefined) {
      ic.next();
      out.value = concatOf(ic);
      continue;
    }
    out.statements.push(statefulStatement(ic, d));
  }
  return out;
}

/** The old `meter NAME [size N] { key [timeout t] stmts }`. */
export function meter({ c, d, pos }: StatementInput): RuleStatement | undefined {
  const name = c.word(1);
  if (name === undefined || NFT_KEYWORDS.has(name)) return c.fail('a meter name', [], 1);
  let k = 2;
  let size: number | undefined;
  if (c.isWord('size', k)) {
    if (!isNum(c.word(k + 1) ?? '')) return c.fail("a number after 'size'", [], k + 1);
    size = num(c.word(k + 1) as string);
    k += 2;
  }
  const g = c.peek(k);
  if (g?.kind !== 'group' || g.open !== '{' || g.body) return c.fail("'{' (or 'size')", ['size'], k);
  c.i += k + 1;
  const ic = c.sub(g.items, '}');
  const key = concatOf(ic, true);
  const out: RuleStatement & { kind: 'meter' } = { kind: 'meter', name, key, statements: [], pos };
  if (size !== undefined) out.size = size;
  if (ic.isWord('timeout') && ic.word(1) !== undefined) {
    timeWord(ic, 1);
    out.timeout = ic.word(1) as string;
    ic.i += 2;
  }
  while (!ic.done()) out.statements.push(statefulStatement(ic, d));
  return out;
}

/** `flow add @ft` / `flow offload @ft`. */
export function flowOffload({ c, pos }: StatementInput): RuleStatement | undefined {
  if (!(c.isWord('add', 1) || c.isWord('offload', 1)))
    c.fail("'add' or 'offload' and a flowtable", ['add', 'offload'], 1);
  const ft = c.peek(2);
  if (ft?.kind !== 'setref') return c.fail('a flowtable @name', [], 2);
  c.i += 3;
  return { kind: 'flowoffload', flowtable: ft.text.slice(1), pos };
}

/** The statements nft takes inside a set update (stateful_stmt: counter, limit, quota, ct count). */
export function statefulStatement(c: Reader, d: Diags): RuleStatement {
  const w = c.word();
  const stateful =
    w === 'counter' || w === 'limit' || w === 'quota' || w === 'last' || (w === 'ct' && c.isWord('count', 1));
  if (c.strict && !stateful)
    c.fail("a stateful statement (counter, limit, quota, ct count), ':' or '}'", [
      'counter',
      'limit',
      'quota',
      'ct',
    ]);
  return statement(c, d);
}
