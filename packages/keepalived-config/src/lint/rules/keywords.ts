import type { Node, Statement } from '../../ast.js';
import { fileRule } from '../define.js';
import { GRAMMAR } from '../grammar.js';
import { parented, placed, routeBlocks } from '../views.js';

const blockName = (path: string) => (path === '' ? 'top level' : path.slice(path.lastIndexOf('/') + 1));

/** Where a keyword belongs, for the hint: the first block whose grammar knows it. */
function homeOf(keyword: string, except: string): string | undefined {
  for (const [path, g] of GRAMMAR) if (path !== except && g.known.has(keyword)) return path;
  return undefined;
}

function hintFor(path: string, keyword: string): string {
  if (path === 'vrrp_sync_group') return `list members inside 'group { ... }', not as '${keyword}'`;
  const home = homeOf(keyword, path);
  if (home !== undefined)
    return `'${keyword}' belongs in ${home === '' ? 'the top level' : home.replaceAll('/', ' > ')}`;
  return path === ''
    ? 'check the spelling or move it into its block'
    : 'check the spelling, or whether it belongs in another block';
}

export const KA001 = fileRule({
  code: 'KA001',
  severity: 'warning',
  title: 'unknown keyword',
  check(ctx, report) {
    for (const { r, path, known } of placed(ctx)) {
      if (!known)
        report(
          r.pos,
          path === ''
            ? `unknown keyword '${r.keyword}' at top level`
            : `unknown keyword '${r.keyword}' in ${blockName(path)}`,
          hintFor(path, r.keyword),
        );
    }
  },
});

export const KA043 = fileRule({
  code: 'KA043',
  severity: 'error',
  title: 'keyword without its parameter (keepalived stops reading)',
  check(ctx, report) {
    for (const { r, path, known } of placed(ctx)) {
      if (known && r.args.length === 0 && GRAMMAR.get(path)?.needsValue.has(r.keyword))
        report(
          r.pos,
          `'${r.keyword}' needs a parameter, found end of line; keepalived stops reading the configuration here`,
          `write ${r.keyword} VALUE`,
          { expected: 'a parameter', found: 'end of line' },
        );
    }
  },
});

export const KA048 = fileRule({
  code: 'KA048',
  severity: 'warning',
  title: 'keyword without its parameter (keepalived ignores the line)',
  check(ctx, report) {
    for (const { r, path, known } of placed(ctx)) {
      if (known && r.args.length === 0 && GRAMMAR.get(path)?.ignoredWithoutValue.has(r.keyword))
        report(
          r.pos,
          `'${r.keyword}' needs a parameter, found end of line; keepalived ignores the line`,
          `write ${r.keyword} VALUE, or remove the line`,
          { expected: 'a parameter', found: 'end of line' },
        );
    }
  },
});

export const KA042 = fileRule({
  code: 'KA042',
  severity: 'warning',
  title: 'block not closed at end of file (keepalived closes it there)',
  check({ body }, report) {
    const visit = (nodes: readonly Node[]) => {
      for (const n of nodes) {
        if (n.kind !== 'statement' || !n.block) continue;
        if (!n.end) unclosed(n);
        visit(n.block);
      }
    };
    const unclosed = (s: Statement) =>
      report(
        s.pos,
        `expected '}' to close '${s.keyword}' opened here, found end of file; keepalived closes it there and warns`,
        "add the missing '}'",
        { expected: "'}'", found: 'end of file' },
      );
    visit(body);
  },
});

export const KA026 = fileRule({
  code: 'KA026',
  severity: 'warning',
  title: 'deprecated keyword',
  check(ctx, report) {
    for (const { r, parent } of parented(ctx))
      if (parent === 'vrrp_instance' && r.keyword === 'lvs_sync_daemon_interface')
        report(
          r.pos,
          'lvs_sync_daemon_interface in a vrrp_instance is deprecated',
          'use lvs_sync_daemon in global_defs',
        );
    for (const r of routeBlocks(ctx)) {
      if (r.keyword !== 'virtual_routes' && r.keyword !== 'static_routes') continue;
      for (const route of r.block ?? []) {
        const words = [route.keyword, ...route.args];
        if (words.includes('or')) report(route.pos, '"or" for routes is deprecated', 'use "nexthop"');
        if (words.includes('gw')) report(route.pos, '"gw" for routes is deprecated', 'use "via"');
      }
    }
  },
});
