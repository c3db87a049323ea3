/** Verdicts and the statements that end a rule besides NAT: accept, drop, continue, return, jump, goto, reject, queue. */
import type { Statement } from '../../ast.js';
import { CHAIN_NAME, closest, NFT_KEYWORDS, REJECT_CODES, VERDICTS } from '../../keywords.js';
import { analyzeRule } from '../analyze.js';
import { selector } from '../selectors.js';
import type { StatementInput } from '../statement.js';
import type { Expr, RuleStatement } from '../types.js';
import { isNum, primary, unquote } from '../values.js';

/** `accept`, `drop`, `continue`, `return`. */
export function verdict({ c, word, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  return { kind: 'verdict', verdict: word as 'accept' | 'drop' | 'continue' | 'return', pos };
}

/** `jump CHAIN`, `goto CHAIN`, `jump { ... }` (an anonymous chain, its rules analyzed). */
export function jumpOrGoto({ c, d, word, pos, start }: StatementInput): RuleStatement | undefined {
  const w = word as 'jump' | 'goto';
  c.next();
  const arg = c.peek();
  if (arg?.kind === 'group' && arg.body) {
    c.next();
    const anonymous = arg.body
      .filter((n): n is Statement => n.kind === 'statement')
      .map((r) => analyzeRule(r, { file: c.st.file, strict: c.strict, family: c.st.family }));
    for (const r of anonymous) d.list.push(...r.diagnostics);
    return { kind: 'verdict', verdict: w, anonymous, pos };
  }
  if (arg?.kind === 'variable' || (arg?.kind === 'string' && !c.strict)) {
    c.next();
    return { kind: 'verdict', verdict: w, chain: unquote(arg.text), pos };
  }
  if (
    c.strict &&
    arg?.kind === 'word' &&
    NFT_KEYWORDS.has(arg.text) &&
    !VERDICTS.has(arg.text) &&
    arg.text !== 'jump'
  )
    return c.fail(`a chain name (an unquoted name that is not a keyword) after '${w}'`);
  if (arg?.kind !== 'word' || !CHAIN_NAME.test(arg.text) || VERDICTS.has(arg.text) || arg.text === 'jump') {
    if (arg?.kind === 'string' || (arg?.kind === 'word' && NFT_KEYWORDS.has(arg.text) && c.strict))
      return c.fail(`a chain name (an unquoted name that is not a keyword) after '${w}'`);
    d.add(
      arg ?? start,
      `a chain name after '${w}'`,
      arg === undefined ? 'end of rule' : arg.kind === 'group' ? `'${arg.open}'` : `'${arg.text}'`,
    );
    if (arg) c.next();
    return { kind: 'unknown', tokens: arg ? [start, arg] : [start], pos };
  }
  c.next();
  return { kind: 'verdict', verdict: w, chain: arg.text, pos };
}

/** `reject [with icmp|icmpv6|icmpx [type] CODE | with tcp reset]`. */
export function reject({ c, d, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  if (!c.isWord('with')) {
    c.note("'with' or a statement", ['with']);
    return { kind: 'reject', pos };
  }
  const proto = c.word(1);
  if (proto === 'tcp') {
    if (!c.isWord('reset', 2)) return c.fail("'reset'", ['reset'], 2);
    c.i += 3;
    return { kind: 'reject', with: { protocol: 'tcp', type: 'reset' }, pos };
  }
  const codes = proto === undefined ? undefined : REJECT_CODES[proto];
  if (proto === undefined || codes === undefined)
    return c.fail("'icmp', 'icmpv6', 'icmpx' or 'tcp'", ['icmp', 'icmpv6', 'icmpx', 'tcp'], 1);
  const k = c.isWord('type', 2) ? 3 : 2;
  const code = c.peek(k);
  if (code?.kind !== 'word' || (c.strict && NFT_KEYWORDS.has(code.text)))
    return c.fail(`an ${proto} reject code (${codes.join(', ')})`, codes, k);
  c.i += k + 1;
  if (!isNum(code.text) && !codes.includes(code.text)) {
    const hint = closest(code.text, codes);
    d.add(
      code,
      `an ${proto} reject code (${codes.join(', ')})`,
      `'${code.text}'`,
      hint ? { code: 'NFT001', hint } : undefined,
    );
  }
  return { kind: 'reject', with: { protocol: proto, type: code.text }, pos };
}

/** `queue [flags bypass,fanout] [to N|range|map|hash]`, the old `queue num N bypass`. */
export function queue({ c, d, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const out: RuleStatement & { kind: 'queue' } = { kind: 'queue', pos };
  const flags: string[] = [];
  const flag = (list: boolean) => {
    for (;;) {
      const f = c.word();
      if (f !== 'bypass' && f !== 'fanout') return;
      flags.push(f);
      c.next();
      if (c.isPunct(',')) {
        c.next();
        if (c.word() !== 'bypass' && c.word() !== 'fanout')
          c.fail('a queue flag (bypass, fanout)', ['bypass', 'fanout']);
      } else if (list) return;
    }
  };
  const target = (simple: boolean) => {
    const h =
      !simple && (c.word() === 'jhash' || c.word() === 'symhash' || c.word() === 'numgen')
        ? selector(c, d)
        : undefined;
    const e: Expr = h ? { kind: 'selector', selector: h, pos: h.pos } : primary(c);
    if (h && c.isWord('map')) c.fail('a queue flag or a statement');
    if (
      e.kind !== 'number' &&
      e.kind !== 'range' &&
      (e.kind !== 'map' || simple) &&
      e.kind !== 'variable' &&
      e.kind !== 'selector'
    )
      c.fail(simple ? 'a queue number or range' : 'a queue number, range, map or hash', [], -1);
    out.to = e;
  };
  if (c.isWord('flags')) {
    c.next();
    flag(true);
    if (flags.length === 0) c.fail('a queue flag (bypass, fanout)', ['bypass', 'fanout']);
    if (c.isWord('to') || c.isWord('num')) {
      const simple = c.isWord('num');
      c.next();
      target(simple);
    } else c.fail("',', 'to' or 'num'", ['to', 'num']);
  } else if (c.isWord('to')) {
    c.next();
    target(false);
  } else {
    // the old form: any of `num N`, `bypass`, `fanout`, in any order
    for (;;) {
      if (c.isWord('num')) {
        c.next();
        target(true);
      } else if (c.isWord('bypass') || c.isWord('fanout')) flag(false);
      else break;
    }
    c.note('a queue option (num, bypass, fanout, flags, to)', ['num', 'bypass', 'fanout', 'flags', 'to']);
  }
  if (flags.length > 0) out.flags = flags;
  return out;
}
