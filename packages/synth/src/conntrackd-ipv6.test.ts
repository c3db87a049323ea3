/**
 * conntrackd on a real topology (examples/multi plus a conntrackSync block): several instances and IPv6.
 * The routers' own connections (any of their addresses, every VIP, the provider side, loopback, link-local)
 * stay out of the sync; forwarded ones, IPv6 included, are synced. Checked with the real conntrackd.
 */
import { readFileSync } from 'node:fs';
import { formatSpecError, loadSpec } from '@hagate/spec';
import { needs } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { ConntrackdPair, type ConntrackdRouter, tcpEntry } from '../test/conntrackd-pair.js';
import { conntrackdConf, ignoredAddresses } from './conntrackd.js';
import type { SynthInput } from './types.js';

const FILE = 'examples/multi/hagate.yaml';
const SYNC = [
  'conntrackSync:',
  '  segment: monitoring',
  '  ignore: [192.0.2.99, "2001:DB8:0:0::99"] # the spec may add both families',
  '',
].join('\n');

/** examples/multi with stateful failover: the example's text plus a conntrackSync block at the end. */
function multiStateful(): SynthInput {
  const text = readFileSync(new URL(`../../../${FILE}`, import.meta.url), 'utf8');
  const r = loadSpec(`${text}\n${SYNC}`, FILE);
  if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
  return { spec: r.spec, source: FILE };
}

describe('conntrackd ignores every address of the routers, in both families', () => {
  it('lists loopback, every router address, every VIP of every instance and the provider side', () => {
    expect(ignoredAddresses(multiStateful().spec)).toEqual({
      ipv4: [
        '127.0.0.1',
        ...['10.99.1.1', '10.250.1.1', '10.10.1.1', '10.20.1.1'],
        ...['10.99.1.2', '10.250.1.2', '10.10.1.2', '10.20.1.2'],
        '10.10.1.254',
        '10.20.1.254',
        '203.0.113.20',
        '192.0.2.99',
      ],
      ipv6: [
        '::1',
        // Link-local is never forwarded: the routers' own fe80:: addresses and the link-local VIPs.
        'fe80::/10',
        '2001:db8:10::fe',
        '2001:db8:20::fe',
        ...['2001:db8:10::1', '2001:db8:20::1', '2001:db8:10::2', '2001:db8:20::2'],
        '2001:db8:ff::20',
        // Canonical text (RFC 5952), which conntrackd's lexer reads.
        '2001:db8::99',
      ],
    });
    const conf = conntrackdConf(multiStateful(), 'gw1');
    expect(conf).toMatch(/\t\t\tICMP\n\t\t\tIPv6-ICMP\n\t\t\}/);
    expect(conf).toContain('\t\t\tIPv6_address fe80::/10\n');
    // The sync channel stays IPv4 (the sync segment's addresses); it carries IPv6 connections too.
    expect(conf).toMatch(/IPv4_address 10\.250\.1\.1\n\t\tIPv4_Destination_Address 10\.250\.1\.2\n/);
  });
});

describe('the real conntrackd on examples/multi with conntrackSync (two router namespaces)', () => {
  const pair = new ConntrackdPair();
  afterAll(() => pair.stop());

  it('syncs forwarded connections in IPv4 (SNATed) and IPv6, and none of the routers own', async (ctx) => {
    needs(ctx, 'root', 'ip', 'conntrackd', 'conntrack');
    await pair.start(multiStateful(), ['gw1', 'gw2'], 'ctd6-');
    const [a, b] = pair.routers as [ConntrackdRouter, ConntrackdRouter];
    for (const r of [a, b]) expect(r.ctl('-s').status).toBe(0);
    // The routers' own connections, one per kind of ignored address (port 22: SSH to or from the router).
    const own: [string, string][] = [
      ['10.20.1.50', '10.20.1.254'], // to the second LAN's VIP
      ['192.0.2.80', '203.0.113.20'], // from the internet to the failover IP itself
      ['203.0.113.20', '198.51.100.1'], // the master's own upstream traffic
      ['2001:db8:20::50', '2001:db8:20::fe'], // to an IPv6 VIP
      ['2001:db8:10::50', '2001:db8:10::1'], // to a router's IPv6 address
      ['2001:db8:ffff::80', '2001:db8:ff::20'], // to the provider-side IPv6 address
      ['::1', '::1'], // loopback
      ['fe80::5054:ff:fe10:101', 'fe80::1'], // link-local (a router's own, to the link-local VIP)
      ['2001:db8:10::50', '2001:db8::99'], // the spec's own ignore entry, IPv6
      ['10.10.1.50', '192.0.2.99'], // and IPv4
    ];
    for (const [k, [src, dst]] of own.entries()) {
      const r = a.ns.exec(tcpEntry(src, dst, 41000 + k, 22));
      expect(r.status, `${src} -> ${dst}: ${r.stderr}`).toBe(0);
    }
    // Forwarded connections, inserted last: FTFW delivers in order, so once they arrived the others would have.
    const fwd = [
      // A LAN host to the internet, SNATed to the failover IP (the reply's destination).
      tcpEntry('10.20.1.50', '192.0.2.10', 40000, 443, '203.0.113.20'),
      tcpEntry('2001:db8:20::50', '2001:db8:ffff::10', 40001, 443),
    ];
    for (const e of fwd) {
      const r = a.ns.exec(e);
      expect(r.status, r.stderr).toBe(0);
    }
    const external = await pair.externalCache(
      1,
      (t) => t.includes('2001:db8:ffff::10') && t.includes('192.0.2.10'),
    );
    expect(external).toMatch(/src=10\.20\.1\.50 dst=192\.0\.2\.10 sport=40000 dport=443/);
    expect(external).toMatch(/src=2001:db8:20::50 dst=2001:db8:ffff::10 sport=40001 dport=443/);
    // Exactly those two: none of the routers' own.
    expect(external.match(/dport=22\b/g)).toBeNull();
    expect(external.trim().split('\n')).toHaveLength(2);
    // And they commit into the new master's kernel table, IPv6 included.
    expect(b.ctl('-c').status).toBe(0);
    expect(b.ns.exec(['conntrack', '-L', '-f', 'ipv6']).stdout).toContain('dst=2001:db8:ffff::10');
    // The SNAT came along: the reply goes to the failover IP, although the failover IP is ignored.
    expect(b.ns.exec(['conntrack', '-L']).stdout).toMatch(
      /src=10\.20\.1\.50 dst=192\.0\.2\.10 sport=40000 dport=443 .*src=192\.0\.2\.10 dst=203\.0\.113\.20 sport=443 dport=40000/,
    );
    // conntrackd read every line of the config (a bad address is only a warning on its stderr).
    for (const r of [a, b]) expect(r.stderr()).not.toMatch(/WARNING|ERROR|ignoring/i);
  }, 30_000);
});
