import type { Resolved } from '../resolve.js';
import { GRAMMAR, INCLUDES } from './grammar.js';
import { LIST_BLOCKS } from './model.js';
import type { FileContext } from './types.js';

/** Views of the resolved statements that several rules share, computed once per lint run. */
const cache = new WeakMap<FileContext, Map<string, unknown>>();

function memo<T>(ctx: FileContext, key: string, compute: () => T): T {
  let m = cache.get(ctx);
  if (!m) cache.set(ctx, (m = new Map()));
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

/** A statement with the grammar path of the block keepalived reads it in, and whether it knows it there. */
export interface Placed {
  r: Resolved;
  path: string;
  known: boolean;
}

/**
 * Every statement as keepalived reads blocks: list blocks (no grammar of their own) are not entered; after an
 * unknown keyword that opens a block, its lines are read in the enclosing block. `$NAME` lines and includes
 * are left out.
 */
export function placed(ctx: FileContext): readonly Placed[] {
  return memo(ctx, 'placed', () => {
    const out: Placed[] = [];
    const go = (rs: Resolved[], path: string) => {
      const g = GRAMMAR.get(path);
      if (!g) return;
      for (const r of rs) {
        if (r.keyword.startsWith('$') || INCLUDES.has(r.keyword)) continue;
        const known = g.known.has(r.keyword);
        out.push({ r, path, known });
        if (!r.block) continue;
        const child = g.blocks.get(r.keyword);
        if (child !== undefined) go(r.block, child);
        else if (!known) go(r.block, path);
      }
    };
    go(ctx.resolved, '');
    return out;
  });
}

/** Every statement with the keyword of the block it is in (list blocks not entered). */
export function parented(ctx: FileContext): ReadonlyArray<{ r: Resolved; parent: string | undefined }> {
  return memo(ctx, 'parented', () => {
    const out: Array<{ r: Resolved; parent: string | undefined }> = [];
    const go = (rs: Resolved[], parent: string | undefined) => {
      for (const r of rs) {
        out.push({ r, parent });
        if (r.block && !LIST_BLOCKS.has(r.keyword)) go(r.block, r.keyword);
      }
    };
    go(ctx.resolved, undefined);
    return out;
  });
}

const ROUTE_BLOCKS = new Set([
  'virtual_routes',
  'static_routes',
  'virtual_rules',
  'static_rules',
  'virtual_server',
]);

/** Route, rule and virtual_server blocks, wherever they are (route blocks are not entered). */
export function routeBlocks(ctx: FileContext): readonly Resolved[] {
  return memo(ctx, 'routes', () => {
    const out: Resolved[] = [];
    const go = (rs: Resolved[]) => {
      for (const r of rs) {
        if (ROUTE_BLOCKS.has(r.keyword)) out.push(r);
        if (r.block && r.keyword !== 'virtual_routes' && r.keyword !== 'static_routes') go(r.block);
      }
    };
    go(ctx.resolved);
    return out;
  });
}

const SCRIPT_KEYWORDS_ANYWHERE = new Set([
  'notify',
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'notify_deleted',
  'notify_master_rx_lower_pri',
  'shutdown_script',
  'startup_script',
  'vrrp_notify_fifo_script',
  'notify_fifo_script',
  'lvs_notify_fifo_script',
  'script',
  'misc_path',
  'quorum_up',
  'quorum_down',
  'notify_up',
  'notify_down',
]);

/** Every line that names a command keepalived runs (script lines outside vrrp_script excluded). */
export function scriptUses(ctx: FileContext): readonly Resolved[] {
  return memo(ctx, 'scripts', () =>
    parented(ctx)
      .filter(
        ({ r, parent }) =>
          SCRIPT_KEYWORDS_ANYWHERE.has(r.keyword) &&
          parent !== undefined &&
          !(r.keyword === 'script' && parent !== 'vrrp_script'),
      )
      .map(({ r }) => r),
  );
}
