/** Address translation: snat, dnat, masquerade, redirect, and tproxy. */

import { isIPv6 } from 'node:net';
import type { Token } from '../../ast.js';
import { BARE_META, EXPR_KEYWORDS, FIELDS, NAT_FLAGS, NFT_KEYWORDS } from '../../keywords.js';
import type { Reader } from '../reader.js';
import type { StatementInput } from '../statement.js';
import type { Expr, RuleStatement } from '../types.js';
import { checkValue } from '../value-check.js';
import { scalarWord, stmtExpr, strictWord, value } from '../values.js';

/** `snat`, `dnat`, `masquerade`, `redirect`: [ip|ip6] [addr . port|prefix|interval] [to ADDR[:PORT]] [flags]. */
export function nat({ c, d, word, pos }: StatementInput): RuleStatement | undefined {
  const w = word as 'snat' | 'dnat' | 'masquerade' | 'redirect';
  c.next();
  const out: RuleStatement & { kind: 'nat' } = { kind: 'nat', type: w, pos };
  const fam = c.word();
  if ((fam === 'ip' || fam === 'ip6') && (w === 'snat' || w === 'dnat')) {
    out.family = fam;
    c.next();
  }
  let to = false;
  if (w === 'snat' || w === 'dnat') {
    // `ip addr . port to`, `ip prefix to`, `interval to`: the target's kind before `to`
    if (out.family && c.isWord('addr') && c.isWord('.', 1) && c.isWord('port', 2)) c.i += 3;
    else if (c.isWord('prefix') || c.isWord('interval')) c.next();
    if (out.family && !c.isWord('to')) c.fail("'to'", ['to', 'addr', 'prefix', 'interval']);
  }
  if (c.isWord('to')) {
    to = true;
    c.next();
    const t = natTarget(c);
    if (t.addr) {
      if (w === 'masquerade') c.fail("a port after 'to' (to :1024-2048)", [], -1);
      if (w === 'redirect') {
        // `redirect to 8080`: the target is a port
        out.port = t.addr;
        checkValue('port', t.addr, d, c.strict);
      } else {
        out.addr = t.addr;
        checkValue(
          out.family === 'ip6' ? 'ipv6' : out.family === 'ip' ? 'ipv4' : 'addr',
          t.addr,
          d,
          c.strict,
        );
      }
    }
    if (t.port) {
      out.port = t.port;
      checkValue('port', t.port, d, c.strict);
    }
  } else if (w === 'snat' || w === 'dnat') {
    const it = c.peek();
    if (it?.kind === 'word' && !NAT_FLAGS.has(it.text) && !NFT_KEYWORDS.has(it.text)) {
      // `snat 10.0.0.1`: `to` is optional
      const t = natTarget(c);
      if (t.addr) {
        out.addr = t.addr;
        checkValue('addr', t.addr, d, c.strict);
      }
      if (t.port) {
        out.port = t.port;
        checkValue('port', t.port, d, c.strict);
      }
      to = true;
    } else c.fail("'to' and an address", ['to']);
  }
  const f = natFlags(c, w === 'snat' || w === 'dnat');
  if (f && NAT_FLAGS.has(c.word() ?? ''))
    c.note("',' and a nat flag (masquerade and redirect take one flag list)");
  if (f) out.flags = f;
  if (!f)
    c.note(to ? 'a nat flag (persistent, random, fully-random)' : "'to' or a nat flag", [...NAT_FLAGS, 'to']);
  return out;
}

/** `tproxy [ip|ip6] to [addr][:port]`. */
export function tproxy({ c, d, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const out: RuleStatement & { kind: 'tproxy' } = { kind: 'tproxy', pos };
  const fam = c.word();
  if ((fam === 'ip' || fam === 'ip6') && c.isWord('to', 1)) {
    out.family = fam;
    c.next();
  }
  if (!c.isWord('to')) c.fail("'to' (or 'ip to', 'ip6 to')", ['to', 'ip', 'ip6']);
  c.next();
  const t = natTarget(c);
  if (t.addr) out.addr = t.addr;
  if (t.port) {
    out.port = t.port;
    checkValue('port', t.port, d, c.strict);
  }
  return out;
}

/** Reads `addr[:port]`, `[v6]:port`, `:port` after nat `to`. */
export function natTarget(c: Reader): { addr?: Expr; port?: Expr } {
  const it = c.peek();
  if (it?.kind === 'punct' && it.text === '[') {
    c.next();
    const a = c.next();
    if (a?.kind !== 'word' || !c.isPunct(']')) return c.fail("an IPv6 address then ']'");
    c.next();
    const out: { addr?: Expr; port?: Expr } = { addr: scalarWord((a as Token).text, a?.pos) };
    const p = c.peek();
    if (p?.kind === 'word' && p.text.startsWith(':')) {
      strictWord(c, p.text.slice(1));
      c.next();
      out.port = scalarWord(p.text.slice(1), p.pos);
    }
    return out;
  }
  if (
    it?.kind === 'word' &&
    (FIELDS[it.text] || it.text === 'ct' || BARE_META.has(it.text) || EXPR_KEYWORDS.has(it.text))
  ) {
    const e = stmtExpr(c);
    if (e.kind !== 'map' && e.kind !== 'selector') return c.fail("'map' and a map { ... } or @map");
    return { addr: e };
  }
  if (it?.kind === 'word' && NAT_FLAGS.has(it.text)) return c.fail('an address or a port');
  if (it?.kind === 'word' && !NFT_KEYWORDS.has(it.text)) {
    const text = it.text;
    if (text.startsWith(':')) {
      strictWord(c, text.slice(1));
      c.next();
      return { port: scalarWord(text.slice(1), it.pos) };
    }
    if (isIPv6(text) || (text.includes('::') && !text.includes('.'))) {
      strictWord(c, text);
      c.next();
      return { addr: scalarWord(text, it.pos) };
    }
    const colon = text.lastIndexOf(':');
    if (colon > 0 && !text.slice(0, colon).includes(':')) {
      strictWord(c, text.slice(0, colon));
      strictWord(c, text.slice(colon + 1));
      c.next();
      return {
        addr: scalarWord(text.slice(0, colon), it.pos),
        port: scalarWord(text.slice(colon + 1), it.pos),
      };
    }
    strictWord(c, text);
    c.next();
    const addr = scalarWord(text, it.pos);
    if (c.isWord(':')) {
      // `to 10.0.0.1 : 80` (spaces around the colon)
      c.next();
      const p = c.peek();
      if (p?.kind !== 'word') return c.fail('a port');
      strictWord(c, p.text);
      c.next();
      return { addr, port: scalarWord(p.text, p.pos) };
    }
    return { addr };
  }
  const e = value(c);
  return { addr: e };
}

/** `persistent,random`: one list for masquerade and redirect, several for snat and dnat (nf_nat_flags). */
export function natFlags(c: Reader, lists: boolean): string[] | undefined {
  const flags: string[] = [];
  while (c.word() !== undefined && NAT_FLAGS.has(c.word() as string)) {
    flags.push(c.word() as string);
    c.next();
    if (c.isPunct(',')) {
      c.next();
      if (!NAT_FLAGS.has(c.word() ?? '')) c.fail('a nat flag (persistent, random, fully-random)', NAT_FLAGS);
    } else if (!lists && c.strict) break;
  }
  return flags.length > 0 ? flags : undefined;
}
