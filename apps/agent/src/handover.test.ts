import { describe, expect, it } from 'vitest';
import { completeArpEntry } from './handover.js';

const ARP = `IP address       HW type     Flags       HW address            Mask     Device
10.10.1.254      0x1         0x0         00:00:00:00:00:00     *        eth1
10.10.1.1        0x1         0x2         52:54:00:dd:ee:ff     *        eth1
10.10.1.254      0x1         0x2         52:54:00:cd:cd:cd     *        eth0.99
`;

describe('completeArpEntry (/proc/net/arp)', () => {
  it('finds the MAC of a complete entry of the address on the device only', () => {
    expect(completeArpEntry(ARP, '10.10.1.1', 'eth1')).toBe('52:54:00:dd:ee:ff');
    expect(completeArpEntry(ARP, '10.10.1.254', 'eth0.99')).toBe('52:54:00:cd:cd:cd');
  });

  it('ignores incomplete or failed entries (flags without ATF_COM), other devices and the header', () => {
    expect(completeArpEntry(ARP, '10.10.1.254', 'eth1')).toBeUndefined();
    expect(completeArpEntry(ARP, '10.10.1.1', 'eth2')).toBeUndefined();
    expect(completeArpEntry(ARP, 'IP', 'Device')).toBeUndefined();
    expect(completeArpEntry('', '10.10.1.1', 'eth1')).toBeUndefined();
  });
});
