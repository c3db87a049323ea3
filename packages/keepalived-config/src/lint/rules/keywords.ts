import {
  GARP_KEYWORDS,
  GLOBAL_KEYWORDS,
  INSTANCE_KEYWORDS,
  LEGACY_KEYWORDS,
  LVS_KEYWORDS,
  SCRIPT_KEYWORDS,
  SYNC_KEYWORDS,
  TRACK_KEYWORDS,
} from '../../keywords.js';
import type { Resolved } from '../../resolve.js';
import { fileRule } from '../define.js';
import { walk } from '../model.js';

const TOP_BLOCKS = new Set([
  'global_defs',
  'vrrp_instance',
  'vrrp_script',
  'vrrp_sync_group',
  'vrrp_track_file',
  'track_file',
  'vrrp_track_process',
  'track_process',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'static_track_group',
  'linkbeat_interfaces',
  'garp_group',
  'bfd_instance',
  'virtual_server',
  'virtual_server_group',
  'include',
  'includer',
  'includem',
  'includew',
  'includeb',
  'includea',
  'include_check',
]);

const LVS_BLOCKS = [
  'virtual_server',
  'real_server',
  'HTTP_GET',
  'SSL_GET',
  'TCP_CHECK',
  'SMTP_CHECK',
  'DNS_CHECK',
  'MISC_CHECK',
  'BFD_CHECK',
  'PING_CHECK',
  'UDP_CHECK',
  'FILE_CHECK',
  'url',
  'host',
  'sorry_server',
];
const TRACK_BLOCKS = [
  'vrrp_track_file',
  'track_file',
  'vrrp_track_process',
  'track_process',
  'bfd_instance',
  'static_track_group',
];

const CONTEXT = new Map<string, ReadonlySet<string>>([
  ['global_defs', GLOBAL_KEYWORDS],
  ['vrrp_instance', INSTANCE_KEYWORDS],
  ['vrrp_script', SCRIPT_KEYWORDS],
  ['vrrp_sync_group', SYNC_KEYWORDS],
  ['garp_group', GARP_KEYWORDS],
  ['authentication', new Set(['auth_type', 'auth_pass'])],
  ...TRACK_BLOCKS.map((b): [string, ReadonlySet<string>] => [b, TRACK_KEYWORDS]),
  ...LVS_BLOCKS.map((b): [string, ReadonlySet<string>] => [b, LVS_KEYWORDS]),
]);

function hintFor(parent: string, keyword: string): string {
  if (parent === 'vrrp_sync_group') return `list members inside 'group { ... }', not as '${keyword}'`;
  return 'check the spelling, or whether it belongs in another block';
}

export const KA001 = fileRule({
  code: 'KA001',
  severity: 'warning',
  title: 'unknown keyword',
  check({ resolved }, report) {
    walk(resolved, (r: Resolved, parent) => {
      if (r.keyword.startsWith('$')) return;
      if (parent === undefined) {
        if (!TOP_BLOCKS.has(r.keyword) && !GLOBAL_KEYWORDS.has(r.keyword))
          report(
            r.pos,
            `unknown keyword '${r.keyword}' at top level`,
            'check the spelling or move it into its block',
          );
        return;
      }
      const known = CONTEXT.get(parent);
      if (known !== undefined && !known.has(r.keyword) && !LEGACY_KEYWORDS.has(r.keyword))
        report(r.pos, `unknown keyword '${r.keyword}' in ${parent}`, hintFor(parent, r.keyword));
    });
  },
});

export const KA026 = fileRule({
  code: 'KA026',
  severity: 'warning',
  title: 'deprecated keyword',
  check({ resolved }, report) {
    walk(resolved, (r, parent) => {
      if (parent === 'vrrp_instance' && r.keyword === 'lvs_sync_daemon_interface')
        report(
          r.pos,
          'lvs_sync_daemon_interface in a vrrp_instance is deprecated',
          'use lvs_sync_daemon in global_defs',
        );
    });
    const visit = (list: Resolved[]) => {
      for (const r of list) {
        if (r.keyword === 'virtual_routes' || r.keyword === 'static_routes') {
          for (const route of r.block ?? []) {
            const words = [route.keyword, ...route.args];
            if (words.includes('or')) report(route.pos, '"or" for routes is deprecated', 'use "nexthop"');
            if (words.includes('gw')) report(route.pos, '"gw" for routes is deprecated', 'use "via"');
          }
          continue;
        }
        if (r.block) visit(r.block);
      }
    };
    visit(resolved);
  },
});
