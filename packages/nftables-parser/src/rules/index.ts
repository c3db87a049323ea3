/**
 * A typed, located view of rule bodies. The parser keeps a rule as a token sequence; `analyzeRule` reads
 * that sequence into typed statements (matches, verdicts, counter, log, limit, NAT, `ct set`/`meta set`,
 * notrack, comment, ...) and checks the values it knows the type of (ports, addresses, prefix lengths, ct
 * states, ICMP types, verdict arguments). Whatever it does not recognize comes back as an explicit
 * `unknown` statement holding the tokens, never dropped.
 *
 * With `strict: true` every `unknown` statement also gets a diagnostic saying what nft's grammar
 * (src/parser_bison.y, src/scanner.l) allows at the furthest point the reader got to, and the rule as a
 * whole is checked the way nft's evaluation checks it (nothing after a terminal statement, one protocol per
 * layer, a transport match before a NAT port or tproxy).
 */
export { CT_STATES, ICMP_TYPES, ICMPV6_TYPES, REJECT_CODES } from '../keywords.js';
export { analyzeRule, analyzeRuleset, checkRules, isFullyTyped } from './analyze.js';
export type {
  AnalyzedRule,
  AnalyzeOptions,
  BitOp,
  Expr,
  Mask,
  RelOp,
  RuleStatement,
  Selector,
} from './types.js';
