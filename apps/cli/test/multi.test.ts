/**
 * The multi example (two LAN VLANs, four VRRP instances in one sync group, IPv6 on the LANs and the provider
 * side) through `hagate gen` and every real consumer of `hagate check`: keepalived -t with the sync group and
 * the IPv6 instances, the IPv6 firewall loaded into a kernel, the inet6 stanzas through ifquery.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs } from '@hagate/testkit';
import { suiteTempDir } from '@hagate/testkit/temp-dir';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'apps/cli/dist/bin.js');
const MULTI = 'examples/multi/hagate.yaml';
const CHECK_TOOLS = [
  'root',
  'keepalived',
  'nft',
  'ip',
  'ifquery',
  'virsh',
  'virt-xml-validate',
  'unshare',
  'radvd',
];

function hagate(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const work = suiteTempDir('cli-multi');
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first (pnpm test does)`);
});

describe('the multi example', { timeout: 180_000 }, () => {
  it('generates a tree every real consumer accepts, IPv6 included', async (ctx) => {
    needs(ctx, ...CHECK_TOOLS);
    const out = join(work, 'out');
    const gen = hagate(['gen', '--spec', MULTI, '--out', out]);
    expect(gen.status, gen.stdout + gen.stderr).toBe(0);
    const r = hagate(['check', '--out', out]);
    expect(r.stdout, r.stdout + r.stderr).toMatch(/^26 passed, 0 failed$/m);
    expect(r.status).toBe(0);
    for (const router of ['gw1', 'gw2']) {
      expect(r.stdout).toMatch(
        new RegExp(
          `^ok {3}${router}/etc/keepalived/keepalived\\.conf +keepalived -t: accepted, no warning$`,
          'm',
        ),
      );
      expect(r.stdout).toMatch(
        new RegExp(
          `^ok {3}${router}/etc/network/interfaces +ifquery: interfaces: lo eth0\\.99 eth0\\.250 eth1 eth3$`,
          'm',
        ),
      );
      expect(r.stdout).toMatch(
        new RegExp(`^ok {3}${router}/etc/nftables/hagate\\.nft +nft -f \\(scratch netns\\): loaded$`, 'm'),
      );
      // Router advertisements (both LANs): radvd's own parser, and the firewall's output rule loaded above.
      expect(r.stdout).toMatch(
        new RegExp(`^ok {3}${router}/etc/radvd\\.conf +radvd --configtest: syntax ok$`, 'm'),
      );
      expect(await readFile(join(out, router, 'etc/nftables/hagate.nft'), 'utf8')).toContain(
        'oifname "eth3" icmpv6 type nd-router-advert ip6 saddr != fe80::1 drop',
      );
    }
    // What was checked is what the issue asks for: one sync group of four instances, IPv6 rules, inet6 stanzas.
    const conf = await readFile(join(out, 'gw2/etc/keepalived/keepalived.conf'), 'utf8');
    expect(conf).toContain(
      'vrrp_sync_group GATEWAYS {\n  group {\n    LAN_V4\n    LAN2_V4\n    LAN_V6\n    LAN2_V6\n  }',
    );
    expect(conf.match(/^ {2}priority 100$/gm)).toHaveLength(4);
    const nft = await readFile(join(out, 'gw1/etc/nftables/hagate.nft'), 'utf8');
    expect(nft).toContain('iifname "eth3" ip6 saddr 2001:db8:20::2 meta l4proto vrrp accept');
    expect(nft).toContain(
      'ip6 hoplimit 255 icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
    );
    const ifaces = await readFile(join(out, 'gw1/etc/network/interfaces'), 'utf8');
    expect(ifaces).toContain('iface eth3 inet6 static\n\taddress 2001:db8:20::1/64');
  });
});
