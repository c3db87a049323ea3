/** Small IPv4 helpers shared by validation and synthesis (no dependency). */

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
export const IPV4_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
export const CIDR_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?\\d)$`);

/** The address as an unsigned 32-bit number. */
export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseCidr(cidr: string): Cidr {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ipv4ToInt(ip ?? '0.0.0.0') & mask) >>> 0, prefix };
}

export function netmaskOf(prefix: number): string {
  return intToIpv4(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

export function inSubnet(ip: string, cidr: string): boolean {
  const { network, prefix } = parseCidr(cidr);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (ipv4ToInt(ip) & mask) >>> 0 === network;
}

/** True when ip is the network or broadcast address of cidr (prefixes shorter than /31). */
export function isNetworkOrBroadcast(ip: string, cidr: string): boolean {
  const { network, prefix } = parseCidr(cidr);
  if (prefix >= 31) return false;
  const n = ipv4ToInt(ip);
  return n === network || n === network + 2 ** (32 - prefix) - 1;
}
