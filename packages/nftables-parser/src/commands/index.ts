/**
 * Strict checks of what is not a rule: commands (`add table inet t`, `delete rule inet t c handle 4`), block
 * heads (`table inet t {`, `chain input {`, `set s {`) and the properties inside chains, sets, maps and
 * tables (`type filter hook input priority filter`, `policy drop`, `flags interval`), following nft's
 * grammar (src/parser_bison.y): table_spec, chain_spec, rule_position, ruleid_spec, set_spec, obj_spec,
 * hook_spec, set_block, map_block. Rule bodies are left to the rule model.
 */
import type { Block, Item, Node, NodePosition, Ruleset, Statement } from '../ast.js';
import { makeDiagnostic, type RuleDiagnostic } from '../diagnostic.js';
import { SET_PROPERTIES } from '../keywords.js';
import { chainProperty, memberHead, setProperty, tableProperty } from './properties.js';
import { command } from './verbs.js';
import { CommandError, type ElementCheck, lastPos, Walk } from './walk.js';

function diagnostic(file: string, e: CommandError, fallback: NodePosition | undefined): RuleDiagnostic {
  return makeDiagnostic(
    file,
    e.at.pos ?? fallback,
    e.expected,
    e.found,
    e.hint ? { code: 'NFT004', hint: e.hint } : { code: 'NFT004' },
  );
}

/**
 * Strict diagnostics of the commands, block heads and chain/set/table properties of a ruleset, each with
 * the statement it is about (so rule diagnostics of a command with a bad head can be left out).
 */
export function checkCommands(
  rs: Ruleset,
  file: string,
  elements: ElementCheck,
): { statement: Statement | Block; diagnostic: RuleDiagnostic }[] {
  const out: { statement: Statement | Block; diagnostic: RuleDiagnostic }[] = [];
  const walk = (items: Item[], endText: string) =>
    new Walk(items, lastPos(items), endText, { check: elements, file });
  const attempt = (node: Statement | Block, w: Walk, fn: (w: Walk) => void) => {
    try {
      fn(w);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      out.push({ statement: node, diagnostic: diagnostic(file, e, node.pos) });
    }
    for (const d of w.inner) out.push({ statement: node, diagnostic: d });
  };
  const visit = (nodes: Node[], level: 'top' | Block['block']) => {
    for (const n of nodes) {
      if (n.kind === 'comment') continue;
      if (n.kind === 'block') {
        if (level === 'top') attempt(n, walk(n.head, "'{'"), (w) => command(w, true));
        else if (level === 'table') attempt(n, walk(n.head, "'{'"), (w) => memberHead(w));
        visit(n.body, n.block);
        continue;
      }
      const first = n.items[0];
      const kw = first?.kind === 'word' ? first.text : '';
      const line = walk(n.items, 'end of line');
      if (kw === 'define' || kw === 'redefine' || kw === 'undefine') {
        // `define NAME = VALUE`, `undefine NAME`: the name is an identifier (common_block)
        attempt(n, line, (w) => {
          w.i++;
          w.ident('variable');
        });
        continue;
      }
      if (level === 'top') attempt(n, walk(n.items, 'end of the command'), (w) => command(w, false));
      else if (level === 'chain' && ['type', 'policy', 'flags', 'comment'].includes(kw))
        attempt(n, line, (w) => chainProperty(w));
      else if ((level === 'set' || level === 'map') && SET_PROPERTIES.has(kw))
        attempt(n, line, (w) => setProperty(w, level === 'map'));
      else if (level === 'table' && (kw === 'flags' || kw === 'comment'))
        attempt(n, line, (w) => tableProperty(w));
    }
  };
  visit(rs.body, 'top');
  return out;
}
