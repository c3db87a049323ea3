import type { Resolved } from '../../resolve.js';
import { fileRule } from '../define.js';
import { placed } from '../views.js';

/**
 * Integer parameters and the range keepalived 2.2.7 accepts (block path, keyword, min, max), measured with
 * `keepalived -t` at both ends. A minimum of 1 where keepalived reads 0 but replaces it by 1 ("must be
 * greater than 0"). priority, virtual_router_id and advert_int have rules of their own (KA005, KA013, KA032).
 */
const RANGES: ReadonlyArray<[path: string, keyword: string, min: number, max: number]> = [
  ['bfd_instance', 'hoplimit', 1, 255],
  ['bfd_instance', 'max_hops', -1, 255],
  ['bfd_instance', 'multiplier', 1, 255],
  ['bfd_instance', 'ttl', 1, 255],
  ['bfd_instance', 'weight', -253, 253],
  ['global_defs', 'min_auto_priority_delay', 1, 10000000],
  ['global_defs', 'nftables_ipvs_start_fwmark', 1, 4294967295],
  ['global_defs', 'smtp_connect_timeout', 1, 4294],
  ['global_defs', 'vrrp_down_timer_adverts', 1, 100],
  ['global_defs', 'vrrp_garp_lower_prio_delay', 0, 4294],
  ['global_defs', 'vrrp_garp_lower_prio_repeat', 0, 2147483647],
  ['global_defs', 'vrrp_garp_master_delay', 0, 4294],
  ['global_defs', 'vrrp_garp_master_refresh', 0, 4294967295],
  ['global_defs', 'vrrp_garp_master_repeat', 1, 4294967295],
  ['global_defs', 'vrrp_version', 2, 3],
  ['track_file', 'weight', -254, 254],
  ['virtual_server', 'hysteresis', 0, 4294967295],
  ['virtual_server', 'persistence_timeout', 1, 2678400],
  ['virtual_server', 'quorum', 1, 4294967295],
  ['virtual_server', 'retry', 1, 4294967295],
  ['virtual_server/real_server', 'lthreshold', 0, 4294967295],
  ['virtual_server/real_server', 'retry', 1, 4294967295],
  ['virtual_server/real_server', 'uthreshold', 0, 4294967295],
  ['virtual_server/real_server', 'weight', 0, 2147483647],
  ['virtual_server/real_server/DNS_CHECK', 'bind_port', 1, 65535],
  ['virtual_server/real_server/DNS_CHECK', 'connect_port', 1, 65535],
  ['virtual_server/real_server/DNS_CHECK', 'retry', 0, 4294967295],
  ['virtual_server/real_server/HTTP_GET', 'bind_port', 1, 65535],
  ['virtual_server/real_server/HTTP_GET', 'connect_port', 1, 65535],
  ['virtual_server/real_server/HTTP_GET', 'retry', 0, 4294967295],
  ['virtual_server/real_server/MISC_CHECK', 'misc_timeout', 0, 4294],
  ['virtual_server/real_server/PING_CHECK', 'bind_port', 1, 65535],
  ['virtual_server/real_server/PING_CHECK', 'connect_port', 1, 65535],
  ['virtual_server/real_server/PING_CHECK', 'retry', 0, 4294967295],
  ['virtual_server/real_server/SMTP_CHECK', 'bind_port', 1, 65535],
  ['virtual_server/real_server/SMTP_CHECK', 'connect_port', 1, 65535],
  ['virtual_server/real_server/SMTP_CHECK', 'retry', 0, 4294967295],
  ['virtual_server/real_server/SSL_GET', 'bind_port', 1, 65535],
  ['virtual_server/real_server/SSL_GET', 'connect_port', 1, 65535],
  ['virtual_server/real_server/SSL_GET', 'retry', 0, 4294967295],
  ['virtual_server/real_server/TCP_CHECK', 'bind_port', 1, 65535],
  ['virtual_server/real_server/TCP_CHECK', 'connect_port', 1, 65535],
  ['virtual_server/real_server/TCP_CHECK', 'retry', 0, 4294967295],
  ['virtual_server/real_server/UDP_CHECK', 'bind_port', 1, 65535],
  ['virtual_server/real_server/UDP_CHECK', 'connect_port', 1, 65535],
  ['virtual_server/real_server/UDP_CHECK', 'max_reply_length', 0, 65535],
  ['virtual_server/real_server/UDP_CHECK', 'min_reply_length', 0, 65535],
  ['virtual_server/real_server/UDP_CHECK', 'retry', 0, 4294967295],
  ['vrrp_instance', 'debug', 0, 4],
  ['vrrp_instance', 'down_timer_adverts', 1, 100],
  ['vrrp_instance', 'garp_lower_prio_delay', 0, 4294],
  ['vrrp_instance', 'garp_lower_prio_repeat', 0, 2147483647],
  ['vrrp_instance', 'garp_master_delay', 0, 4294],
  ['vrrp_instance', 'garp_master_refresh', 0, 4294967295],
  ['vrrp_instance', 'garp_master_refresh_repeat', 1, 4294967295],
  ['vrrp_instance', 'garp_master_repeat', 1, 4294967295],
  ['vrrp_instance', 'unicast_ttl', 0, 255],
  ['vrrp_instance', 'version', 2, 3],
  ['vrrp_script', 'fall', 1, 2147483647],
  ['vrrp_script', 'interval', 1, 4294],
  ['vrrp_script', 'rise', 1, 2147483647],
  ['vrrp_script', 'timeout', 1, 4294],
  ['vrrp_script', 'weight', -253, 253],
  ['vrrp_track_file', 'weight', -254, 254],
  ['vrrp_track_process', 'quorum', 1, 65535],
  ['vrrp_track_process', 'quorum_max', 0, 65535],
  ['vrrp_track_process', 'weight', -254, 254],
];

/** Block path -> keyword -> range. */
const RANGE = new Map<string, Map<string, { min: number; max: number }>>();
for (const [path, k, min, max] of RANGES) {
  let m = RANGE.get(path);
  if (!m) RANGE.set(path, (m = new Map()));
  m.set(k, { min, max });
}

export const KA044 = fileRule({
  code: 'KA044',
  severity: 'error',
  title: "number outside keepalived's range, or not a number",
  check(ctx, report) {
    for (const { r, path, known } of placed(ctx)) {
      if (!known) continue;
      const range = RANGE.get(path)?.get(r.keyword);
      const v = r.args[0];
      if (!range || v === undefined) continue;
      const expected = `an integer in ${range.min}-${range.max}`;
      const n = /^[-+]?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
      if (!Number.isNaN(n) && n >= range.min && n <= range.max) continue;
      report(
        r.pos,
        Number.isNaN(n)
          ? `${r.keyword} '${v}' is not a number; keepalived ignores it`
          : `${r.keyword} ${v} is outside ${range.min}-${range.max}; keepalived ignores it`,
        `use ${expected}`,
        { expected, found: v },
      );
    }
  },
});

const AUTH_TYPES = ['PASS', 'AH'];

export const KA045 = fileRule({
  code: 'KA045',
  severity: 'error',
  title: 'unknown authentication type',
  check({ model }, report) {
    for (const i of model.instances) {
      const t = i.kv.get('authentication')?.block?.find((c) => c.keyword === 'auth_type');
      const v = t?.args[0];
      if (t && v !== undefined && !AUTH_TYPES.includes(v))
        report(
          t.pos,
          `(${i.name}) unknown authentication type '${v}'; keepalived sends no authentication`,
          'write auth_type PASS (or AH), nothing after it',
          { expected: 'PASS or AH', found: v },
        );
    }
  },
});

/** Script keywords keepalived takes once per block: a second one is ignored. */
const ONCE: Record<string, ReadonlySet<string>> = {
  vrrp_instance: new Set([
    'notify_backup',
    'notify_master',
    'notify_fault',
    'notify_stop',
    'notify_deleted',
    'notify',
    'notify_master_rx_lower_pri',
  ]),
  vrrp_sync_group: new Set(['notify_backup', 'notify_master', 'notify_fault', 'notify_stop', 'notify']),
};

export const KA046 = fileRule({
  code: 'KA046',
  severity: 'warning',
  title: 'notify script given twice (keepalived ignores the second)',
  check(ctx, report) {
    for (const { r, path, known } of placed(ctx)) {
      if (!known) continue;
      const once = path === '' ? ONCE[r.keyword] : undefined;
      if (!once || !r.block) continue;
      const seen = new Map<string, Resolved>();
      for (const c of r.block) {
        if (!once.has(c.keyword)) continue;
        const first = seen.get(c.keyword);
        if (first)
          report(
            c.pos,
            `(${r.args[0] ?? ''}) ${c.keyword} is already given at line ${first.pos.line}; keepalived ignores this one`,
            'keep one notify line per event; call one script that does both',
          );
        else seen.set(c.keyword, c);
      }
    }
  },
});

const METHODS = ['NAT', 'DR', 'TUN'];
const METHOD_KEYWORDS: Record<string, ReadonlySet<string>> = {
  virtual_server: new Set(['lb_kind', 'lvs_method', 'sorry_server_lvs_method']),
  'virtual_server/real_server': new Set(['lvs_method']),
};

export const KA047 = fileRule({
  code: 'KA047',
  severity: 'error',
  title: 'unknown LVS forwarding method',
  check(ctx, report) {
    for (const { r, path, known } of placed(ctx)) {
      if (!known) continue;
      const v = r.args[0];
      if (v !== undefined && METHOD_KEYWORDS[path]?.has(r.keyword) && !METHODS.includes(v))
        report(
          r.pos,
          `unknown forwarding method ${r.keyword} '${v}'; keepalived ignores it`,
          'write NAT, DR or TUN',
          { expected: 'NAT, DR or TUN', found: v },
        );
    }
  },
});
