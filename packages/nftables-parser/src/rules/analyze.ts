/**
 * The rule model's entry points: a rule's token sequence read into typed statements (`analyzeRule`), every
 * rule of a ruleset (`analyzeRuleset`), and their diagnostics (`checkRules`, with the commands' in strict
 * mode). Each analysis has its own reader state; nothing is kept between calls.
 */
import type { Block, Group, Item, Node, Ruleset, Statement } from '../ast.js';
import { checkCommands } from '../commands/index.js';
import type { RuleDiagnostic } from '../diagnostic.js';
import {
  CHAIN_WORDS,
  COMMAND_OBJECTS,
  COMMON_WORDS,
  FAMILIES,
  RULE_VERBS,
  STRONG_START,
} from '../keywords.js';
import { Diags, grammarDiagnostic, reportProblems } from './diagnostics.js';
import { NoMatch, Reader, ReadState } from './reader.js';
import { ruleChecks } from './rule-checks.js';
import { statement } from './statement.js';
import type { AnalyzedRule, AnalyzeOptions, RuleStatement } from './types.js';
import { primary } from './values.js';

/** Reads a rule's token sequence into typed statements, with value diagnostics. Never throws. */
export function analyzeRule(rule: Statement, opts: AnalyzeOptions = {}): AnalyzedRule {
  return analyzeItems(rule, rule.items, opts);
}

function analyzeItems(rule: Statement, items: Item[], opts: AnalyzeOptions): AnalyzedRule {
  const file = opts.file ?? '<input>';
  const st = new ReadState(file, opts.strict === true, opts.family);
  const d = new Diags(file, rule.pos);
  const c = new Reader(items, st);
  const statements: RuleStatement[] = [];
  const starts: Item[] = [];
  let unknown: (RuleStatement & { kind: 'unknown' }) | undefined;
  while (!c.done()) {
    const save = c.i;
    let read: RuleStatement | undefined;
    if (unknown === undefined || (c.word() !== undefined && STRONG_START.has(c.word() as string))) {
      // keep only what the previous statement said may follow it here (`log prefix "x" levle`)
      if (st.furthest?.key !== c.key()) st.furthest = undefined;
      try {
        read = statement(c, d);
      } catch (e) {
        if (!(e instanceof NoMatch)) throw e;
        c.i = save;
      }
    }
    if (read) {
      reportProblems(read, d, st);
      unknown = undefined;
      statements.push(read);
      starts.push(items[save] as Item);
      continue;
    }
    const it = c.next() as Item;
    if (unknown) unknown.tokens.push(it);
    else {
      unknown = { kind: 'unknown', tokens: [it], pos: it.pos };
      statements.push(unknown);
      starts.push(it);
      if (st.strict) grammarDiagnostic(d, it, st.furthest);
    }
    st.furthest = undefined;
  }
  if (st.strict) ruleChecks(statements, starts, d, st.family);
  return { rule, statements, diagnostics: d.list };
}

/**
 * Where the rule position of a top-level rule command starts (`add rule inet t c ...`: 2; `rule inet t c
 * ...` and `add inet t c ...`, where nft implies the rest: 1), or 0 when the statement adds no rule.
 */
function ruleStart(items: Item[]): number {
  const [a, b] = items.map((i) => (i.kind === 'group' ? '' : i.text));
  if (a === 'rule') return 1;
  if (a !== undefined && RULE_VERBS.has(a) && b === 'rule') return 2;
  if (a === 'add' && b !== undefined && items[1]?.kind === 'word' && !COMMAND_OBJECTS.has(b)) return 1;
  return 0;
}

/** A chain body statement that is not a rule: a chain property or a common_block word (`define`). */
function notARule(word: string): boolean {
  return CHAIN_WORDS.has(word) || COMMON_WORDS.has(word);
}

/** Every rule of a ruleset (chain bodies and `add rule` commands), analyzed. */
export function analyzeRuleset(rs: Ruleset, opts: AnalyzeOptions = {}): AnalyzedRule[] {
  const out: AnalyzedRule[] = [];
  const visit = (nodes: Node[], inChain: boolean, fam: string | undefined) => {
    for (const n of nodes) {
      if (n.kind === 'block') {
        let f = fam;
        if (n.block === 'table' || n.block === 'chain') {
          // `[verb] table [family] name`, `[verb] chain [family] table name` (a chain inside a table: `chain name`)
          const ws = n.head.map((h) => (h.kind === 'group' ? '' : h.text));
          const rest = ws.slice(ws.indexOf(n.block) + 1);
          const named = n.block === 'table' ? 1 : 2;
          if (rest.length > named) f = rest[0];
          else if (rest.length === named && (n.block === 'table' || fam === undefined)) f = 'ip';
        }
        visit((n as Block).body, n.block === 'chain', f);
      } else if (n.kind === 'statement') {
        const first = n.items[0];
        if (inChain) {
          if (first?.kind === 'word' && notARule(first.text)) continue;
          out.push(analyzeRule(n, { ...opts, family: opts.family ?? fam }));
        } else if (first?.kind === 'word' && ruleStart(n.items) > 0) {
          let k = ruleStart(n.items);
          const famItem = n.items[k];
          const f = famItem?.kind === 'word' && FAMILIES.has(famItem.text) ? famItem.text : 'ip';
          if (famItem?.kind === 'word' && FAMILIES.has(famItem.text)) k++;
          k += 2;
          const p = n.items[k];
          if (p?.kind === 'word' && (p.text === 'position' || p.text === 'handle' || p.text === 'index'))
            k += 2;
          out.push(analyzeItems(n, n.items.slice(k), { ...opts, family: opts.family ?? f }));
        }
      }
    }
  };
  visit(rs.body, false, undefined);
  return out;
}

/**
 * The diagnostics of every rule of a ruleset (empty when all values type-check). With `strict`, also the
 * grammar diagnostics of rules, commands, block heads and chain/set/table properties, in source order.
 */
export function checkRules(rs: Ruleset, opts: AnalyzeOptions = {}): RuleDiagnostic[] {
  const rules = analyzeRuleset(rs, opts);
  if (opts.strict !== true) return rules.flatMap((r) => r.diagnostics);
  const commands = checkCommands(rs, opts.file ?? '<input>', elementList);
  const badHeads = new Set<object>(commands.map((c) => c.statement));
  return [
    ...commands.map((c) => c.diagnostic),
    ...rules.filter((r) => !badHeads.has(r.rule)).flatMap((r) => r.diagnostics),
  ].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Strict grammar diagnostics of an element list `{ a, b : c, ... }` (set and map elements, `add element`). */
function elementList(g: Group, file: string): RuleDiagnostic[] {
  const st = new ReadState(file, true, undefined);
  const d = new Diags(file, g.pos);
  try {
    primary(new Reader([g], st));
  } catch (e) {
    if (!(e instanceof NoMatch)) throw e;
    grammarDiagnostic(d, g, st.furthest);
  }
  return d.list;
}

/** True when no statement of the rule came back `unknown`. */
export function isFullyTyped(r: AnalyzedRule): boolean {
  return r.statements.every(
    (s) => s.kind !== 'unknown' && (s.kind !== 'verdict' || !s.anonymous || s.anonymous.every(isFullyTyped)),
  );
}
