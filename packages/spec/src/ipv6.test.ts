import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalIpv6,
  inSubnet6,
  isCidr6,
  isLinkLocal6,
  isSubnetRouterAnycast,
  parseIpv6,
  sameIpv6,
} from './ipv6.js';

describe('IPv6 helpers', () => {
  it.each([
    ['2001:db8::1', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]],
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
    ['64:ff9b::192.0.2.1', [0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x201]],
    ['1::2::3', undefined],
    ['2001:db8::g', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1:2:3:4:5:6:7', undefined],
    ['::ffff:1.2.3.400', undefined],
  ])('parses %s', (text, groups) => {
    expect(parseIpv6(text)).toEqual(groups);
  });

  it('prints the canonical form of RFC 5952', () => {
    expect(canonicalIpv6('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIpv6('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalIpv6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIpv6('0:0:0:0:0:0:0:0')).toBe('::');
  });

  it('canonical text reads back as the same address, for any address', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (g) => {
        const text = g.map((x) => x.toString(16)).join(':');
        const canonical = canonicalIpv6(text);
        expect(parseIpv6(canonical)).toEqual(g);
        expect(canonicalIpv6(canonical)).toBe(canonical);
        expect(sameIpv6(text, canonical)).toBe(true);
      }),
    );
  });

  it('knows prefixes, link-local and subnet-router anycast addresses', () => {
    expect(inSubnet6('2001:db8:10::1', '2001:db8:10::/64')).toBe(true);
    expect(inSubnet6('2001:db8:11::1', '2001:db8:10::/64')).toBe(false);
    expect(inSubnet6('2001:db8:10::1', '2001:db8::/32')).toBe(true);
    expect(inSubnet6('2001:db9::1', '2001:db8::/33')).toBe(false);
    expect(isCidr6('2001:db8::/129')).toBe(false);
    expect(isCidr6('2001:db8::/48')).toBe(true);
    expect(isLinkLocal6('fe80::1')).toBe(true);
    expect(isLinkLocal6('febf::1')).toBe(true);
    expect(isLinkLocal6('fec0::1')).toBe(false);
    expect(isSubnetRouterAnycast('2001:db8:10::', '2001:db8:10::/64')).toBe(true);
    expect(isSubnetRouterAnycast('2001:db8:10::1', '2001:db8:10::/64')).toBe(false);
  });
});
