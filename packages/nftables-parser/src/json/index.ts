/**
 * libnftables JSON (`nft -j`, libnftables-json(5)) of a ruleset: tables, chains (with their base chain
 * header), named sets and maps (type, flags, timeout, size, stateful statements, elements with their
 * attributes), flowtables, stateful objects (counter, quota, limit, ct helper, ct timeout, ct expectation,
 * secmark, synproxy) and rules. Rules go through the rule model (analyzeRule), so every typed statement
 * and expression has its JSON form: payload of every protocol and raw payload (`@nh,72,8`), meta, ct, fib,
 * rt, numgen, hashes, extension headers, TCP and IP options, concatenations, sets, maps, verdict maps,
 * bitwise and flag matches, verdicts, counter, log, limit, quota, ct count, nat, reject, set statements
 * (`mangle`), set updates, object references, synproxy, flow offload, dup, fwd, notrack, rule comments.
 * What JSON cannot carry (an anonymous chain, a `define` variable, a `typeof` nft can only name by its
 * type) or the model does not type throws NftJsonError naming it.
 */
import type { Node, Ruleset, Token } from '../ast.js';
import { tables } from '../builders.js';
import { CHAIN_WORDS } from '../keywords.js';
import { type Json, NftJsonError, statements, words } from './common.js';
import { chainJson, flowtableJson, objectJson, setJson } from './objects.js';
import { ruleJson } from './statements.js';

export { NftJsonError };

const OBJECT_KINDS = new Set(['counter', 'quota', 'limit', 'ct', 'secmark', 'synproxy']);

/**
 * The JSON document `nft -j -f` loads, for the tables of a ruleset (commands outside tables are left out).
 * Members come in the order nft can load them: objects and flowtables, chains (map elements may jump to
 * them), sets and maps, then rules. Throws NftJsonError for what JSON cannot carry.
 */
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
    const objects: Json[] = [];
    const chains: Json[] = [];
    const sets: Json[] = [];
    const rules: Json[] = [];
    for (const n of block.body as Node[]) {
      if (n.kind !== 'block') continue;
      const head = n.head.filter((h): h is Token => h.kind !== 'group');
      const name = head[1]?.text ?? '';
      if (n.block === 'chain') {
        chains.push(chainJson(family, table, name, n));
        for (const st of statements(n)) {
          const first = words(st.items)[0] ?? '';
          if (!CHAIN_WORDS.has(first)) rules.push(ruleJson(family, table, name, st));
        }
      } else if (n.block === 'set' || n.block === 'map') sets.push(setJson(n.block, family, table, name, n));
      else if (n.block === 'flowtable') objects.push(flowtableJson(family, table, name, n));
      else if (n.block === 'object' && OBJECT_KINDS.has(head[0]?.text ?? ''))
        objects.push(objectJson(family, table, n));
      else throw new NftJsonError(`toJson: the ${head[0]?.text ?? n.block} block has no JSON form`);
    }
    out.push(...objects, ...chains, ...sets, ...rules);
  }
  return { nftables: out };
}
