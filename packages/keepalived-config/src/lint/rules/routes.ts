import { fileRule } from '../define.js';
import { routeBlocks } from '../views.js';

export const KA027 = fileRule({
  code: 'KA027',
  severity: 'warning',
  title: 'route cannot be tracked without an interface',
  check(ctx, report) {
    for (const r of routeBlocks(ctx)) {
      if (r.keyword !== 'virtual_routes') continue;
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
  },
});

export const KA030 = fileRule({
  code: 'KA030',
  severity: 'warning',
  title: 'protocol on a fwmark virtual server (ignored)',
  check(ctx, report) {
    for (const r of routeBlocks(ctx)) {
      if (r.keyword !== 'virtual_server' || r.args[0] !== 'fwmark') continue;
      const proto = r.block?.find((b) => b.keyword === 'protocol');
      if (proto)
        report(
          proto.pos,
          `virtual server fwmark ${r.args[1] ?? ''}: protocol is ignored for fwmark`,
          'remove protocol',
        );
    }
  },
});
