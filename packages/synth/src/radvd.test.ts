/** Router advertisements from the master only (radvd.ts): radvd.conf, its systemd ordering, the firewall's
 * output rule and IPv6 forwarding, checked against radvd itself and the kernel's nftables. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from '@hagate/nftables-parser';
import { loadSpec } from '@hagate/spec';
import { createNetns, needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { input as dedibox } from '../test/dedibox.js';
import { agentConfigFor } from './agent.js';
import { synth } from './index.js';
import { nftablesModel } from './nftables.js';
import { RADVD_CONF, RADVD_DROPIN, radvdConf, synthRadvd } from './radvd.js';
import type { SynthInput } from './types.js';

function multi(patch: (text: string) => string = (t) => t): SynthInput {
  const text = readFileSync(new URL('../../../examples/multi/hagate.yaml', import.meta.url), 'utf8');
  const r = loadSpec(patch(text), 'multi.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return { spec: r.spec, source: 'multi.yaml' };
}
/** examples/multi without router advertisements (the setting on both LANs removed). */
const withoutRa = (t: string) =>
  t
    .replace(/\n {4}routerAdvertisements:(?: true|\n(?: {6}.*\n?)+)/g, '\n')
    .replace(/\n{2,}( {2}lan2:)/, '\n$1');
const text = (c: string | Uint8Array) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));

describe('synthRadvd', () => {
  it('writes nothing for a spec that announces nothing (the how-to, multi without the setting)', () => {
    expect(synthRadvd(dedibox())).toEqual([]);
    expect(synthRadvd(multi(withoutRa))).toEqual([]);
    expect(multi(withoutRa).spec.segments.lan?.routerAdvertisements).toBeUndefined();
  });

  it('one radvd.conf and one radvd.service drop-in per router', () => {
    expect(synthRadvd(multi()).map((f) => f.path)).toEqual([
      `gw1${RADVD_CONF}`,
      `gw1${RADVD_DROPIN}`,
      `gw2${RADVD_CONF}`,
      `gw2${RADVD_DROPIN}`,
    ]);
  });

  it('announces each LAN from its link-local VIP only, with the spec timers, prefix and DNS servers', () => {
    const conf = radvdConf(multi(), 'gw2');
    expect(conf).toContain(
      'interface eth1 {\n\tAdvSendAdvert on;\n\tMaxRtrAdvInterval 30;\n\tAdvDefaultLifetime 1800;\n\tAdvRASrcAddress {\n\t\tfe80::1;\n\t};\n\tprefix 2001:db8:10::/64 {\n\t\tAdvOnLink on;\n\t\tAdvAutonomous on;\n\t};\n};',
    );
    expect(conf).toContain('interface eth3 {\n\tAdvSendAdvert on;\n\tMaxRtrAdvInterval 10;\n');
    expect(conf).toContain('\tRDNSS 2001:db8:10::53 {\n\t};\n};');
    const onLinkOnly = radvdConf(
      multi((t) => t.replace('interval: 10 #', 'slaac: false\n      interval: 10 #')),
      'gw2',
    );
    expect(onLinkOnly).toContain('prefix 2001:db8:20::/64 {\n\t\tAdvOnLink on;\n\t\tAdvAutonomous off;');
  });

  it('orders radvd before keepalived, so it stops after keepalived removed the VIP', () => {
    const dropIn = synthRadvd(multi()).find((f) => f.path === `gw1${RADVD_DROPIN}`);
    expect(text(dropIn?.contents ?? '')).toMatch(/^\[Unit\]\nBefore=keepalived\.service\n$/m);
  });
});

describe('the firewall and forwarding around it', () => {
  it('drops router advertisements on each announcing LAN unless they come from its link-local VIP', () => {
    const fw = print(nftablesModel(multi(), 'gw1'));
    expect(fw).toContain(
      'chain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t\toifname "eth1" icmpv6 type nd-router-advert ip6 saddr != fe80::1 drop\n\t\toifname "eth3" icmpv6 type nd-router-advert ip6 saddr != fe80::1 drop\n\t}',
    );
    expect(print(nftablesModel(multi(withoutRa), 'gw1'))).not.toContain('nd-router-advert ip6 saddr');
  });

  it('keeps IPv6 forwarding on in both roles with advertisements, toggles it without', () => {
    const fwd = (i: SynthInput, role: 'master' | 'backup') =>
      agentConfigFor(i, 'gw2').roles[role].sysctls.filter((s) => s.key === 'net/ipv6/conf/all/forwarding');
    expect([fwd(multi(), 'master'), fwd(multi(), 'backup')]).toEqual([
      [{ key: 'net/ipv6/conf/all/forwarding', value: '1', stage: 'pre' }],
      [{ key: 'net/ipv6/conf/all/forwarding', value: '1', stage: 'pre' }],
    ]);
    expect([fwd(multi(withoutRa), 'master'), fwd(multi(withoutRa), 'backup')]).toEqual([
      [{ key: 'net/ipv6/conf/all/forwarding', value: '1', stage: 'post' }],
      [{ key: 'net/ipv6/conf/all/forwarding', value: '0', stage: 'pre' }],
    ]);
  });
});

describe('apply.md', () => {
  it('installs and enables radvd on a pair with advertisements, and says what a LAN host sees', () => {
    const md = text(synth(multi()).find((f) => f.path === 'hyperv/apply.md')?.contents ?? '');
    expect(md).toContain(
      '--install keepalived,nftables,ifupdown,iproute2,openssh-server,python3,nodejs,radvd',
    );
    expect(md).toContain(
      "--run-command 'systemctl enable nftables.service keepalived.service radvd.service'",
    );
    expect(md).toContain('`default via fe80::1 dev <its NIC> proto ra ...`');
    const plain = text(synth(multi(withoutRa)).find((f) => f.path === 'hyperv/apply.md')?.contents ?? '');
    expect(plain).not.toContain('radvd');
  });
});

describe('with the real consumers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hgt-radvd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = synth(multi());

  it('radvd --configtest accepts every generated radvd.conf, and refuses a broken one (the check is live)', (ctx) => {
    needs(ctx, 'radvd');
    const confs = files.filter((f) => f.path.endsWith(RADVD_CONF));
    expect(confs).toHaveLength(2);
    for (const f of confs) {
      const path = join(dir, f.path.replaceAll('/', '_'));
      writeFileSync(path, text(f.contents));
      const r = run(['radvd', '--configtest', '--logmethod', 'stderr', '-C', path]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/syntax ok/);
    }
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, text(confs[0]?.contents ?? '').replace('AdvRASrcAddress {', 'AdvRASrcAddres {'));
    expect(run(['radvd', '--configtest', '--logmethod', 'stderr', '-C', bad]).status).not.toBe(0);
  });

  it('the kernel loads the firewall with its output rule (scratch namespace with the LAN NICs)', (ctx) => {
    needs(ctx, 'root', 'nft', 'ip');
    const fw = files.find((f) => f.path === 'gw1/etc/nftables/hagate.nft');
    const path = join(dir, 'hagate.nft');
    writeFileSync(path, text(fw?.contents ?? ''));
    const ns = createNetns('radvd');
    try {
      ns.addVeth('eth1', 'eth3');
      const load = ns.exec(['nft', '-f', path]);
      expect(load.status, load.stderr).toBe(0);
      const out = ns.exec(['nft', 'list', 'chain', 'inet', 'hagate', 'output']).stdout;
      expect(out).toContain('oifname "eth1" icmpv6 type nd-router-advert ip6 saddr != fe80::1 drop');
      expect(out).toContain('oifname "eth3" icmpv6 type nd-router-advert ip6 saddr != fe80::1 drop');
    } finally {
      ns.remove();
    }
  });
});
