import type { Block, Group, Item, Node, Ruleset, Statement } from './ast.js';
import { NftSyntaxError } from './errors.js';

function isDefine(n: Node): boolean {
  const f = n.kind === 'statement' ? n.items[0] : undefined;
  return (
    f !== undefined &&
    f.kind === 'word' &&
    (f.text === 'define' || f.text === 'redefine' || f.text === 'undefine')
  );
}

/**
 * Expands `define`/`redefine`/`undefine` and every `$variable`, as nft does before evaluating: the
 * definitions are removed, uses are replaced by the defined tokens, and a set variable used inside a
 * set is merged into it. An undefined variable is an NftSyntaxError at its position.
 */
export function expandDefines(rs: Ruleset, file = '<input>'): Ruleset {
  const vars = new Map<string, Item[]>();

  const subst = (items: Item[], inSet: boolean): Item[] =>
    items.flatMap((it): Item[] => {
      if (it.kind === 'group') {
        const g: Group = { ...it, items: subst(it.items, it.open === '{') };
        if (it.body) g.body = nodes(it.body);
        return [g];
      }
      if (it.kind !== 'variable') return [it];
      const value = vars.get(it.text.slice(1));
      if (!value) {
        throw new NftSyntaxError(
          file,
          it.pos ?? { line: 0, col: 0, offset: 0 },
          `undefined variable '${it.text}'`,
          'a variable defined earlier with define',
        );
      }
      const only = value[0];
      if (inSet && value.length === 1 && only?.kind === 'group' && only.open === '{') return only.items;
      return value.map((v, i) => (i === 0 ? { ...v, space: it.space } : v));
    });

  const nodes = (body: Node[]): Node[] =>
    body.flatMap((n): Node[] => {
      if (isDefine(n)) {
        const [kw, name, , ...value] = (n as Statement).items;
        const varName = name && name.kind !== 'group' ? name.text : '';
        if (kw?.kind === 'word' && kw.text === 'undefine') vars.delete(varName);
        else vars.set(varName, subst(value, false));
        return [];
      }
      if (n.kind === 'statement') return [{ ...n, items: subst(n.items, false) }];
      if (n.kind === 'block')
        return [{ ...n, head: subst(n.head, false), body: nodes(n.body) } satisfies Block];
      return [n];
    });

  return { kind: 'ruleset', body: nodes(rs.body) };
}
