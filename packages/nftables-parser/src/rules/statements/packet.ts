/** Statements acting on the packet or its connection: dup, fwd, reset tcp option, synproxy, notrack, the rule comment. */
import type { Token } from '../../ast.js';
import { TCPOPT_NAMES } from '../../keywords.js';
import type { StatementInput } from '../statement.js';
import type { Expr, RuleStatement } from '../types.js';
import { isNum, num, stmtExpr, unquote } from '../values.js';

/** `dup to ADDR [device DEV]`, `fwd [ip|ip6] to ... [device DEV]`. */
export function dupOrFwd({ c, word, pos }: StatementInput): RuleStatement | undefined {
  const w = word as 'dup' | 'fwd';
  c.next();
  let family: 'ip' | 'ip6' | undefined;
  const fam = c.word();
  if (w === 'fwd' && (fam === 'ip' || fam === 'ip6')) {
    family = fam;
    c.next();
  }
  if (!c.isWord('to')) c.fail(w === 'fwd' ? "'to' (or 'ip to', 'ip6 to')" : "'to'", ['to']);
  c.next();
  const to = stmtExpr(c);
  let device: Expr | undefined;
  if (c.isWord('device')) {
    c.next();
    device = stmtExpr(c);
  } else if (family) c.fail("'device' and the output device", ['device']);
  else if (w === 'dup') c.note("'device' or a statement", ['device']);
  if (w === 'dup') return device ? { kind: 'dup', to, device, pos } : { kind: 'dup', to, pos };
  const out: RuleStatement & { kind: 'fwd' } = { kind: 'fwd', to, pos };
  if (family) out.family = family;
  if (device) out.device = device;
  return out;
}

/** `reset tcp option NAME`. */
export function optstrip({ c, pos }: StatementInput): RuleStatement | undefined {
  if (!(c.isWord('tcp', 1) && c.isWord('option', 2))) return undefined;
  const o = c.word(3);
  if (o === undefined || !(TCPOPT_NAMES.has(o) || isNum(o)))
    return c.fail('a tcp option (maxseg, window, sack-perm, timestamp, ...)', TCPOPT_NAMES, 3);
  c.i += 4;
  return { kind: 'optstrip', option: o, pos };
}

/** `synproxy [mss N] [wscale N] [timestamp] [sack-perm]`. */
export function synproxy({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const out: RuleStatement & { kind: 'synproxy' } = { kind: 'synproxy', pos };
  for (;;) {
    const k = c.word();
    const v = c.peek(1);
    if (k === 'mss' || k === 'wscale') {
      if (v?.kind !== 'word' || !isNum(v.text)) c.fail(`a number after '${k}'`, [], 1);
      // nft 1.0.6 takes any number here (no range check), so none is made
      out[k] = num((v as Token).text);
      c.i += 2;
    } else if (k === 'timestamp') {
      out.timestamp = true;
      c.next();
    } else if (k === 'sack-perm' || k === 'sack-permitted') {
      out.sackPerm = true;
      c.next();
    } else break;
  }
  c.note('a synproxy option (mss, wscale, timestamp, sack-perm)', [
    'mss',
    'wscale',
    'timestamp',
    'sack-perm',
  ]);
  return out;
}

/** `notrack`. */
export function notrack({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  return { kind: 'notrack', pos };
}

/** The rule comment `comment "text"`. */
export function comment({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const s = c.peek();
  if (s?.kind !== 'string' && (c.strict || s?.kind !== 'word'))
    return c.fail("a quoted string after 'comment'");
  c.next();
  return { kind: 'comment', text: unquote((s as Token).text), pos };
}
