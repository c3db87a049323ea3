/**
 * IPv6 on the external NIC, the real agent in a router namespace, the kernel read with `ip -json`: the
 * provider-side address (no DAD: usable at once), the IPv6 default route through a link-local gateway,
 * IPv6 forwarding, the backup's IPv6 route through its peer; idempotent both ways, in the one ip batch.
 */

import type { AgentConfig } from '@hagate/spec/agent-config';
import type { Netns } from '@hagate/testkit';
import { missing } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, type Lab, makeLab } from '../test/ns-agent.js';

const why = missing('root', 'ip', 'nft', 'unshare');
let lab: Lab;

beforeAll(() => {
  if (!why) lab = makeLab('ipv6');
});
afterAll(() => lab?.cleanup());

/** The multi example's IPv6, on the namespace tests' router (extrout2: LAN 10.10.1.2, peer 10.10.1.1). */
function withIpv6(c: AgentConfig): void {
  c.owned.routes.push('::/0');
  c.roles.master.addresses.push({ dev: 'eth2', cidr: '2001:db8:ff::20/64' });
  c.roles.master.routes.push({ dst: '::/0', via: 'fe80::1', dev: 'eth2' });
  const ndisc = { key: 'net/ipv6/conf/eth2/ndisc_notify', value: '1', stage: 'pre' as const };
  const noDad = { key: 'net/ipv6/conf/eth2/accept_dad', value: '0', stage: 'pre' as const };
  c.roles.master.sysctls.push(noDad, ndisc, {
    key: 'net/ipv6/conf/all/forwarding',
    value: '1',
    stage: 'post',
  });
  c.roles.backup.routes.push({ dst: '::/0', via: '2001:db8:10::1', dev: 'eth1', src: '2001:db8:10::2' });
  c.roles.backup.sysctls.push(noDad, ndisc, {
    key: 'net/ipv6/conf/all/forwarding',
    value: '0',
    stage: 'pre',
  });
}

function kernel6(ns: Netns) {
  const json = (argv: string[]) => JSON.parse(ns.exec([IP, '-json', ...argv]).stdout);
  const eth2 = json(['address', 'show', 'dev', 'eth2'])[0] as {
    flags: string[];
    addr_info: { family: string; local: string; prefixlen: number; scope: string; tentative?: boolean }[];
  };
  const routes = json(['-6', 'route', 'show']) as { dst: string; gateway?: string; dev: string }[];
  return {
    eth2Up: eth2.flags.includes('UP'),
    global: eth2.addr_info
      .filter((a) => a.family === 'inet6' && a.scope === 'global')
      .map((a) => `${a.local}/${a.prefixlen}${a.tentative ? ' tentative' : ''}`),
    defaults: routes.filter((r) => r.dst === 'default').map((r) => `via ${r.gateway} dev ${r.dev}`),
    v4default: (json(['route', 'show', 'default']) as { gateway: string; dev: string }[]).map(
      (r) => `via ${r.gateway} dev ${r.dev}`,
    ),
    forwarding: ns.exec(['cat', '/proc/sys/net/ipv6/conf/all/forwarding']).stdout.trim(),
  };
}

describe('IPv6 on the external NIC (root, network namespaces)', () => {
  it('MASTER, BACKUP and MASTER again: IPv4 and IPv6 move together; the same event twice changes nothing', (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('v6');
    ns.exec([IP, 'address', 'add', '2001:db8:10::2/64', 'dev', 'eth1', 'nodad']);
    const cfg = lab.config('v6', withIpv6);
    const master = () => lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    const backup = () => lab.agent(ns, cfg, ['INSTANCE', 'ROUTEUR_1', 'BACKUP', '50']);

    const m = master();
    expect(m.stderr).toMatch(/master state applied, [1-9]\d* changes/);
    const k = kernel6(ns);
    expect(k).toEqual({
      eth2Up: true,
      // Without DAD: not tentative, usable at once.
      global: ['2001:db8:ff::20/64'],
      defaults: ['via fe80::1 dev eth2'],
      v4default: ['via 198.51.100.1 dev eth2'],
      forwarding: '1',
    });
    expect(master().stderr).toContain('master state applied, 0 changes');

    const b = backup();
    expect(b.stderr).toMatch(/backup state applied, [1-9]\d* changes/);
    expect(b.stderr).not.toMatch(/error|failed/i);
    expect(kernel6(ns)).toEqual({
      eth2Up: false,
      global: [],
      defaults: ['via 2001:db8:10::1 dev eth1'],
      v4default: ['via 10.10.1.1 dev eth1'],
      forwarding: '0',
    });
    expect(backup().stderr).toContain('backup state applied, 0 changes');

    expect(master().stderr).toMatch(/master state applied, [1-9]\d* changes/);
    expect(kernel6(ns).global).toEqual(['2001:db8:ff::20/64']);
    expect(kernel6(ns).defaults).toEqual(['via fe80::1 dev eth2']);
  }, 240_000);
});
