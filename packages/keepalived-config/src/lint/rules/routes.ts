import type { Resolved } from '../../resolve.js';
import { fileRule } from '../define.js';

export const KA027 = fileRule({
  code: 'KA027',
  severity: 'warning',
  title: 'route cannot be tracked without an interface',
  check({ resolved }, report) {
    const visit = (list: Resolved[]) => {
      for (const r of list) {
        if (r.keyword === 'virtual_routes') {
          for (const route of r.block ?? []) {
            const words = [route.keyword, ...route.args];
            if (!words.includes('dev') && !words.includes('no_track'))
              report(
                route.pos,
                'route has no interface: keepalived cannot track it',
                'add dev IFNAME, or no_track',
              );
          }
        }
        if (r.block && r.keyword !== 'virtual_routes' && r.keyword !== 'static_routes') visit(r.block);
      }
    };
    visit(resolved);
  },
});

export const KA030 = fileRule({
  code: 'KA030',
  severity: 'warning',
  title: 'protocol on a fwmark virtual server (ignored)',
  check({ resolved }, report) {
    const visit = (list: Resolved[]) => {
      for (const r of list) {
        if (r.keyword === 'virtual_server' && r.args[0] === 'fwmark') {
          const proto = r.block?.find((b) => b.keyword === 'protocol');
          if (proto)
            report(
              proto.pos,
              `virtual server fwmark ${r.args[1] ?? ''}: protocol is ignored for fwmark`,
              'remove protocol',
            );
        }
        if (r.block && r.keyword !== 'virtual_routes' && r.keyword !== 'static_routes') visit(r.block);
      }
    };
    visit(resolved);
  },
});
