/** Stateful statements: counter, log, limit, quota, ct count, last, and named object references. */
import type { Token } from '../../ast.js';
import { closest, LOG_LEVELS, LOG_OPTIONS, TIME_UNITS } from '../../keywords.js';
import type { Reader } from '../reader.js';
import type { StatementInput } from '../statement.js';
import type { RuleStatement } from '../types.js';
import { isNum, num, stmtExpr, unquote } from '../values.js';

/** A named stateful object: `counter name "c"`, `limit name tcp dport map { ... }`. */
export function objref({ c, word, pos }: StatementInput): RuleStatement | undefined {
  if (!c.isWord('name', 1)) return undefined;
  c.i += 2;
  return { kind: 'objref', type: word, name: stmtExpr(c), pos };
}

/** `counter [packets N] [bytes N]`. */
export function counter({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const out: RuleStatement & { kind: 'counter' } = { kind: 'counter', pos };
  for (;;) {
    const k = c.word();
    if (k !== 'packets' && k !== 'bytes') break;
    const n = c.word(1);
    if (n === undefined || !isNum(n)) return c.fail(`a number after '${k}'`, [], 1);
    out[k] = num(n);
    c.i += 2;
  }
  c.note("'packets' or 'bytes' and a number", ['packets', 'bytes', 'name']);
  return out;
}

/** `log [prefix "x"] [level L] [group N] [snaplen N] [queue-threshold N] [flags F]`. */
export function log({ c, d, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const out: RuleStatement & { kind: 'log' } = { kind: 'log', pos };
  for (;;) {
    const k = c.word();
    if (k === 'prefix') {
      const s = c.peek(1);
      if (s?.kind !== 'string' && s?.kind !== 'variable' && (c.strict || s?.kind !== 'word'))
        c.fail("a quoted string after 'prefix'", [], 1);
      out.prefix = unquote((s as Token).text);
      c.i += 2;
    } else if (k === 'level') {
      const l = c.peek(1);
      if (l?.kind !== 'word' && l?.kind !== 'string')
        c.fail(`a log level (${[...LOG_LEVELS].join(', ')})`, LOG_LEVELS, 1);
      const level = unquote((l as Token).text);
      if (!LOG_LEVELS.has(level)) {
        const hint = closest(level, LOG_LEVELS);
        d.add(
          l,
          `a log level (${[...LOG_LEVELS].join(', ')})`,
          `'${level}'`,
          hint ? { code: 'NFT001', hint } : undefined,
        );
      }
      out.level = level;
      c.i += 2;
    } else if (k === 'group' || k === 'snaplen' || k === 'queue-threshold') {
      const g = c.word(1);
      if (g === undefined || !isNum(g)) c.fail(`a number after '${k}'`, [], 1);
      out[k === 'queue-threshold' ? 'queueThreshold' : k] = num(g as string);
      c.i += 2;
    } else if (k === 'flags') {
      c.next();
      const flags = logFlags(c);
      out.flags = [...(out.flags ?? []), ...flags];
    } else break;
  }
  c.note(`a log option (${LOG_OPTIONS.join(', ')})`, LOG_OPTIONS);
  return out;
}

/** `limit rate [over|until] N/unit [burst N packets|bytes]`. */
export function limit({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  if (!c.isWord('rate')) c.fail("'rate' (or 'name')", ['rate', 'name']);
  c.next();
  const over = overOrUntil(c);
  const r = c.word();
  if (r === undefined) return c.fail('a rate (10/second, 1 mbytes/second)', ['over', 'until']);
  let rate: number;
  let unit: string;
  const m = new RegExp(`^(\\d+)/(${TIME_UNITS})$`).exec(r);
  if (m) {
    rate = Number(m[1]);
    unit = `packets/${m[2]}`;
    c.next();
  } else if (/^\d+$/.test(r) && new RegExp(`^[km]?bytes/(${TIME_UNITS})$`).test(c.word(1) ?? '')) {
    rate = Number(r);
    unit = c.word(1) as string;
    c.i += 2;
  } else if (/^\d+$/.test(r)) {
    return c.fail('a rate unit (/second, /minute, ... or mbytes/second, ...)', [], 1);
  } else return c.fail('a rate (10/second, 1 mbytes/second)', ['over', 'until']);
  const out: RuleStatement & { kind: 'limit' } = { kind: 'limit', over, rate, unit, pos };
  if (c.isWord('burst')) {
    const b = c.word(1);
    const u = c.word(2);
    const packets = unit.startsWith('packets');
    if (b === undefined || !/^\d+$/.test(b)) c.fail("a number after 'burst'", [], 1);
    if (u === undefined || !(packets ? u === 'packets' : /^[km]?bytes$/.test(u)))
      c.fail(packets ? "'packets'" : 'a data unit (bytes, kbytes, mbytes)', packets ? ['packets'] : [], 2);
    out.burst = Number(b);
    out.burstUnit = u as string;
    c.i += 3;
  } else c.note("'burst' or a statement", ['burst']);
  return out;
}

/** `quota [over|until] N unit [used N unit]`. */
export function quota({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  const over = overOrUntil(c);
  const q = dataAmount(c, "an amount (10 mbytes), 'over', 'until' or 'name'");
  const out: RuleStatement & { kind: 'quota' } = {
    kind: 'quota',
    over,
    amount: q.amount,
    unit: q.unit,
    pos,
  };
  if (c.isWord('used')) {
    c.next();
    out.used = dataAmount(c, "an amount after 'used' (1 mbytes)");
  } else c.note("'used' or a statement", ['used']);
  return out;
}

/** `ct count [over] N`. */
export function ctCount({ c, pos }: StatementInput): RuleStatement | undefined {
  if (!c.isWord('count', 1)) return undefined;
  c.i += 2;
  let over = false;
  if (c.isWord('over')) {
    over = true;
    c.next();
  }
  const n = c.word();
  if (n === undefined || !isNum(n)) return c.fail(over ? 'a number' : "a number or 'over'", ['over']);
  c.next();
  return { kind: 'ctcount', over, count: num(n), pos };
}

/** `last [used never|TIME]`. */
export function last({ c, pos }: StatementInput): RuleStatement | undefined {
  c.next();
  if (!c.isWord('used')) return { kind: 'last', pos };
  const u = c.word(1);
  if (u === undefined) return c.fail("'never' or a time", ['never'], 1);
  c.i += 2;
  return { kind: 'last', used: u, pos };
}

/** `log flags`: `tcp sequence,options`, `ip options`, `skuid`, `ether`, `all` (log_flags). */
export function logFlags(c: Reader): string[] {
  const f = c.word();
  if (f === 'tcp') {
    c.next();
    const out = ['tcp'];
    for (;;) {
      const t = c.word();
      if (t !== 'sequence' && t !== 'options')
        return c.fail('a tcp log flag (sequence, options)', ['sequence', 'options']);
      out.push(t);
      c.next();
      if (!c.isPunct(',')) return out;
      c.next();
    }
  }
  if (f === 'ip') {
    if (!c.isWord('options', 1)) return c.fail("'options'", ['options'], 1);
    c.i += 2;
    return ['ip', 'options'];
  }
  if (f === 'skuid' || f === 'ether' || f === 'all') {
    c.next();
    return [f];
  }
  if (!c.strict && (f === 'sequence' || f === 'options')) {
    // lenient: a bare tcp flag list (`log flags sequence,options`)
    const out: string[] = [];
    while (c.word() === 'sequence' || c.word() === 'options') {
      out.push(c.word() as string);
      c.next();
      if (c.isPunct(',')) c.next();
    }
    return out;
  }
  return c.fail('a log flag (tcp sequence,options, ip options, skuid, ether, all)', [
    'tcp',
    'ip',
    'skuid',
    'ether',
    'all',
  ]);
}

/** Reads `N [bytes|kbytes|mbytes|gbytes]` (a quota amount), or fails. */
export function dataAmount(c: Reader, what: string): { amount: number; unit: string } {
  const n = c.word();
  if (n === undefined || !/^\d+$/.test(n)) return c.fail(what);
  const u = c.word(1);
  if (u === undefined || !/^[km]?bytes$/.test(u))
    return c.fail('a data unit (bytes, kbytes, mbytes)', ['bytes', 'kbytes', 'mbytes'], 1);
  c.i += 2;
  return { amount: Number(n), unit: u };
}

/** `over` (true) or `until` / nothing (false) after `limit rate` / `quota`, consumed. */
export function overOrUntil(c: Reader): boolean {
  if (c.isWord('over')) {
    c.next();
    return true;
  }
  if (c.isWord('until')) c.next();
  return false;
}
