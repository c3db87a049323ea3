/**
 * The statement readers, in one table keyed by a statement's first word. Each reader returns the typed
 * statement, undefined when the words after the first are not its form (the next reader of the word is
 * tried, then a match), or fails (NoMatch) with what the grammar allows where it stopped. Adding a
 * statement kind: its type in types.ts, its reader in the file of its family (statements/), its first
 * word here (and its JSON form in json/statements.ts).
 */
import type { Item, NodePosition } from '../ast.js';
import { RULE_START } from '../keywords.js';
import type { Diags } from './diagnostics.js';
import { type Reader, START } from './reader.js';
import { selectorStatement } from './statements/match.js';
import { nat, tproxy } from './statements/nat.js';
import { comment, dupOrFwd, notrack, optstrip, synproxy } from './statements/packet.js';
import { flowOffload, meter, setUpdate } from './statements/sets.js';
import { counter, ctCount, last, limit, log, objref, quota } from './statements/stateful.js';
import { jumpOrGoto, queue, reject, verdict } from './statements/verdicts.js';
import type { RuleStatement } from './types.js';

/** What a statement reader gets: the reader at the statement's first word, the rule's diagnostics. */
export interface StatementInput {
  c: Reader;
  d: Diags;
  /** The first word of the statement. */
  word: string;
  /** Its item, and that item's position (the statement's). */
  start: Item;
  pos: NodePosition | undefined;
}

/** Reads the statement that starts with `word`, or returns undefined (reader unchanged) when not its form. */
export type StatementReader = (at: StatementInput) => RuleStatement | undefined;

/** The readers of each first word, tried in order (a statement starting with a selector comes last). */
export const STATEMENTS: ReadonlyMap<string, readonly StatementReader[]> = new Map<string, StatementReader[]>(
  [
    ['accept', [verdict]],
    ['drop', [verdict]],
    ['continue', [verdict]],
    ['return', [verdict]],
    ['jump', [jumpOrGoto]],
    ['goto', [jumpOrGoto]],
    ['reject', [reject]],
    ['queue', [queue]],
    ['counter', [objref, counter]],
    ['quota', [objref, quota]],
    ['limit', [objref, limit]],
    ['synproxy', [objref, synproxy]],
    ['tunnel', [objref]],
    ['secmark', [objref]],
    ['log', [log]],
    ['ct', [ctCount]],
    ['last', [last]],
    ['add', [setUpdate]],
    ['update', [setUpdate]],
    ['delete', [setUpdate]],
    ['meter', [meter]],
    ['flow', [flowOffload]],
    ['snat', [nat]],
    ['dnat', [nat]],
    ['masquerade', [nat]],
    ['redirect', [nat]],
    ['tproxy', [tproxy]],
    ['dup', [dupOrFwd]],
    ['fwd', [dupOrFwd]],
    ['reset', [optstrip]],
    ['notrack', [notrack]],
    ['comment', [comment]],
  ],
);

/** Reads one statement at the reader, or fails (NoMatch) with what the grammar allows there. */
export function statement(c: Reader, d: Diags): RuleStatement {
  const start = c.peek() as Item;
  const w = c.word();
  if (w !== undefined) {
    const at: StatementInput = { c, d, word: w, start, pos: start.pos };
    for (const read of STATEMENTS.get(w) ?? []) {
      const st = read(at);
      if (st) return st;
    }
  }
  return selectorStatement(c, d, start) ?? c.fail(START, [...RULE_START, 'quota', 'last', 'reset']);
}
