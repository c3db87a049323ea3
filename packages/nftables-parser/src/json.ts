/**
 * libnftables JSON (`nft -j`) for the structures that have a plain-data form: tables, chains (with their
 * base chain header), named sets and maps (type, flags, timeout, size, elements). Rules are not exported.
 */
import type { Block, Item, Node, Ruleset, Statement } from './ast.js';
import { tables } from './builders.js';
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
    out.push(...chains, ...sets);
  }
  return { nftables: out };
}
