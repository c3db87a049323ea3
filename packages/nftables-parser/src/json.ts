/**
 * libnftables JSON (`nft -j`) for the structures that have a plain-data form: tables, chains (with their
 * base chain header), named sets and maps (type, flags, timeout, size, elements), and rules made of the
 * common forms (payload/meta/ct matches, anonymous sets, verdicts, counter, log, limit, nat, reject,
 * comment). Any other rule form throws NftJsonError naming the rule.
 */
import type { Block, Item, Node, Ruleset, Statement, Token } from './ast.js';
import { tables } from './builders.js';
import { FIELDS } from './keywords.js';
import { splitElements } from './printer.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const PRIORITIES: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
const BRIDGE_PRIORITIES: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

function words(items: Item[]): string[] {
  return items.map((i) => (i.kind === 'group' ? '' : i.kind === 'string' ? i.text.slice(1, -1) : i.text));
}

function statements(b: Block): Statement[] {
  return b.body.filter((n): n is Statement => n.kind === 'statement');
}

function priority(family: string, ws: string[]): number {
  const [base = '0', sign, off] = ws;
  const named = (family === 'bridge' ? BRIDGE_PRIORITIES : PRIORITIES)[base];
  let p = named ?? Number(base);
  if (Number.isNaN(p)) throw new Error(`unknown chain priority ${base}`);
  if (sign === '+' || sign === '-') p += (sign === '+' ? 1 : -1) * Number(off);
  return p;
}

function scalar(text: string): Json {
  return /^\d+$/.test(text) ? Number(text) : text.startsWith('"') ? text.slice(1, -1) : text;
}

function element(items: Item[]): Json {
  const ws = items.filter((i) => i.kind !== 'group');
  const parts: Json[] = [];
  let cur: string[] = [];
  const flush = () => {
    if (cur.length === 0) return;
    const t = cur.join(' ');
    const range = /^([^\s]+)-([^\s]+)$/.exec(t);
    const prefix = /^([^\s/]+)\/(\d+)$/.exec(t);
    if (prefix) parts.push({ prefix: { addr: prefix[1] as string, len: Number(prefix[2]) } });
    else if (range && !/^[a-z]/i.test(t))
      parts.push({ range: [scalar(range[1] as string), scalar(range[2] as string)] });
    else parts.push(scalar(t));
    cur = [];
  };
  for (const w of ws) {
    if (w.kind === 'word' && w.text === '.') flush();
    else cur.push(w.text);
  }
  flush();
  return parts.length === 1 ? (parts[0] as Json) : { concat: parts };
}

function elements(items: Item[], isMap: boolean): Json[] {
  return splitElements(items).map((e) => {
    if (!isMap) return element(e);
    const colon = e.findIndex((i) => i.kind === 'word' && i.text === ':');
    const key = element(e.slice(0, colon));
    const val = e.slice(colon + 1);
    const vw = words(val);
    const data: Json =
      vw[0] === 'jump' || vw[0] === 'goto'
        ? { [vw[0]]: { target: vw[1] ?? '' } }
        : vw.length === 1 && /^(accept|drop|continue|return)$/.test(vw[0] ?? '')
          ? { [vw[0] as string]: null }
          : element(val);
    return [key, data];
  });
}

/** A rule (or other structure) toJson cannot express. */
export class NftJsonError extends Error {
  override readonly name = 'NftJsonError';
}

const BARE_META = new Set(['iif', 'oif', 'iifname', 'oifname', 'iifgroup', 'oifgroup', 'iiftype', 'oiftype']);
const CT_KEYS = new Set([
  'state',
  'status',
  'mark',
  'direction',
  'zone',
  'helper',
  'expiration',
  'l3proto',
  'protocol',
]);
const OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);
const VERDICTS = new Set(['accept', 'drop', 'continue', 'return']);

function value(items: Item[], i: number): [Json, number] {
  const it = items[i];
  if (!it) throw new NftJsonError('a match needs a value');
  if (it.kind === 'group') {
    if (it.open !== '{' || it.body) throw new NftJsonError('only { } sets are supported as values');
    return [{ set: splitElements(it.items).map((e) => element(e)) }, i + 1];
  }
  if (it.kind === 'setref' || it.kind === 'variable') return [it.text, i + 1];
  // flag lists: a,b,c written without spaces
  const flags: string[] = [words([it])[0] ?? ''];
  let j = i + 1;
  while (items[j]?.kind === 'punct' && (items[j] as Token).text === ',' && items[j + 1]) {
    flags.push(words([items[j + 1] as Item])[0] ?? '');
    j += 2;
  }
  if (flags.length > 1) return [flags, j];
  return [element([it]), j];
}

function ruleExprs(items: Item[]): Json[] {
  const out: Json[] = [];
  let i = 0;
  const word = (k: number) => {
    const it = items[k];
    return it && it.kind !== 'group' ? it.text : undefined;
  };
  const match = (left: Json, k: number): number => {
    // An implicit operator on a bitmask (ct state, tcp flags) tests bits: `in` in JSON.
    const l = JSON.stringify(left);
    let op = /"key":"(state|status)"|"field":"flags"/.test(l) ? 'in' : '==';
    const maybeOp = word(k);
    if (maybeOp && OPS.has(maybeOp) && items[k]?.kind === 'punct') {
      op = maybeOp;
      k++;
    }
    if (word(k) === '.') throw new NftJsonError('toJson: concatenations are not supported');
    const [right, next] = value(items, k);
    out.push({ match: { op, left, right } });
    return next;
  };
  while (i < items.length) {
    const w = word(i);
    const next = word(i + 1);
    if (w && w !== 'meta' && FIELDS[w] && next && FIELDS[w]?.includes(next) && next !== 'option') {
      i = match({ payload: { protocol: w, field: next } }, i + 2);
    } else if (w === 'meta' && next) {
      i = match({ meta: { key: next } }, i + 2);
    } else if (w && BARE_META.has(w)) {
      i = match({ meta: { key: w } }, i + 1);
    } else if (w === 'ct' && next && CT_KEYS.has(next)) {
      i = match({ ct: { key: next } }, i + 2);
    } else if (w && VERDICTS.has(w)) {
      out.push({ [w]: null });
      i++;
    } else if ((w === 'jump' || w === 'goto') && next) {
      out.push({ [w]: { target: next } });
      i += 2;
    } else if (w === 'counter') {
      if (word(i + 1) === 'packets' && word(i + 3) === 'bytes') {
        out.push({ counter: { packets: Number(word(i + 2)), bytes: Number(word(i + 4)) } });
        i += 5;
      } else {
        out.push({ counter: null });
        i++;
      }
    } else if (w === 'log') {
      const log: Record<string, Json> = {};
      i++;
      for (;;) {
        const k = word(i);
        if (k === 'prefix' || k === 'level') {
          const v = words([items[i + 1] as Item])[0] ?? '';
          log[k] = v;
          i += 2;
        } else break;
      }
      out.push({ log: Object.keys(log).length > 0 ? log : null });
    } else if (w === 'limit' && next === 'rate') {
      const m = /^(\d+)\/(second|minute|hour|day|week)$/.exec(word(i + 2) ?? '');
      if (!m) throw new NftJsonError(`unsupported limit rate ${word(i + 2)}`);
      out.push({ limit: { rate: Number(m[1]), per: m[2] as string } });
      i += 3;
    } else if ((w === 'snat' || w === 'dnat') && (next === 'to' || (next && word(i + 2) === 'to'))) {
      const fam = next === 'to' ? undefined : next;
      const k = next === 'to' ? i + 2 : i + 3;
      const nat: Record<string, Json> = {};
      if (fam) nat.family = fam;
      const target = word(k) ?? '';
      const port = /^(.*):(\d+)$/.exec(target);
      if (port && !target.includes('::')) {
        nat.addr = port[1] as string;
        nat.port = Number(port[2]);
      } else nat.addr = target;
      out.push({ [w]: nat });
      i = k + 1;
    } else if (w === 'masquerade') {
      out.push({ masquerade: null });
      i++;
    } else if (w === 'reject') {
      if (word(i + 1) === 'with') {
        const type = word(i + 2) ?? '';
        out.push({ reject: type === 'tcp' ? { type: 'tcp reset' } : { type, expr: word(i + 3) ?? '' } });
        i += 4;
      } else {
        out.push({ reject: null });
        i++;
      }
    } else if (w === 'comment') {
      i += 2; // a rule comment is the rule's "comment" property, set by the caller
    } else {
      throw new NftJsonError(`toJson: unsupported rule form at '${w ?? '{'}'`);
    }
  }
  return out;
}

function ruleJson(family: string, table: string, chain: string, st: Statement): Json {
  const r: Record<string, Json> = { family, table, chain, expr: ruleExprs(st.items) };
  const c = st.items.findIndex((it) => it.kind === 'word' && it.text === 'comment');
  if (c >= 0) r.comment = words([st.items[c + 1] as Item])[0] ?? '';
  return { rule: r };
}

/** The JSON document `nft -j -f` accepts, for the tables, chains, sets and maps of a ruleset. */
export function toJson(rs: Ruleset): { nftables: Json[] } {
  const out: Json[] = [];
  for (const { family, name: table, block } of tables(rs)) {
    const t: Record<string, Json> = { family, name: table };
    for (const st of statements(block)) {
      const ws = words(st.items);
      if (ws[0] === 'comment') t.comment = ws[1] ?? '';
      if (ws[0] === 'flags') t.flags = ws.slice(1).filter((x) => x !== ',');
    }
    out.push({ table: t });
    const chains: Json[] = [];
    const sets: Json[] = [];
    const rules: Json[] = [];
    for (const n of block.body as Node[]) {
      if (n.kind !== 'block') continue;
      const name = words(n.head)[1] ?? '';
      if (n.block === 'chain') {
        const c: Record<string, Json> = { family, table, name };
        for (const st of statements(n)) {
          const ws = words(st.items);
          if (ws[0] === 'type') {
            c.type = ws[1] ?? '';
            c.hook = ws[3] ?? '';
            const d = ws.indexOf('device');
            if (d >= 0) c.dev = ws[d + 1] ?? '';
            c.prio = priority(family, ws.slice(ws.indexOf('priority') + 1));
          } else if (ws[0] === 'policy') c.policy = ws[1] ?? '';
          else if (ws[0] === 'comment') c.comment = ws[1] ?? '';
        }
        chains.push({ chain: c });
        for (const st of statements(n)) {
          const first = words(st.items)[0] ?? '';
          if (!['type', 'policy', 'comment', 'devices'].includes(first))
            rules.push(ruleJson(family, table, name, st));
        }
      } else if (n.block === 'set' || n.block === 'map') {
        const s: Record<string, Json> = { family, table, name };
        for (const st of statements(n)) {
          const ws = words(st.items);
          const kw = ws[0];
          if (kw === 'type') {
            const colon = ws.indexOf(':');
            const key = (colon >= 0 ? ws.slice(1, colon) : ws.slice(1)).filter((x) => x !== '.');
            s.type = key.length === 1 ? (key[0] as string) : key;
            if (colon >= 0) s.map = ws[colon + 1] ?? '';
          } else if (kw === 'flags') s.flags = ws.slice(1).filter((x) => x !== ',');
          else if (kw === 'timeout') s.timeout = ws[1] ?? '';
          else if (kw === 'size') s.size = Number(ws[1]);
          else if (kw === 'comment') s.comment = ws[1] ?? '';
          else if (kw === 'elements') {
            const g = st.items.find((i) => i.kind === 'group');
            if (g && g.kind === 'group') s.elem = elements(g.items, n.block === 'map');
          }
        }
        sets.push({ [n.block]: s });
      }
    }
    // Chains first: map elements may jump to them.
    out.push(...chains, ...sets, ...rules);
  }
  return { nftables: out };
}
