/**
 * Near-miss rules and commands for checking the strict check against the real nft: valid rules and
 * commands (each accepted by `nft -c` 1.0.6 in a scratch namespace), and deterministic mutations of them
 * (a token dropped, doubled, swapped with the next one, a keyword misspelled), most of which nft rejects.
 * Used by src/strict.test.ts and scripts/strict-agreement.ts.
 */
import { isIdentifier, NFT_KEYWORDS } from '../src/keywords.js';

/** Where a rule goes: the forward filter chain, or the prerouting / postrouting NAT chain. */
export type Place = 'filt' | 'pre' | 'post';

export interface NearMiss {
  /** The rule (or command) text. */
  text: string;
  place: Place | 'command';
  /** What was done to the base text (`base`, `drop 2`, `dup 1`, `swap 0`, `typo 3`). */
  how: string;
}

/** Valid rules, one per statement family the model types (no kernel module needed beyond nf_tables/nat). */
export const BASE_RULES: Array<[string, Place]> = [
  ['tcp dport 22 accept', 'filt'],
  ['tcp dport { 22, 80, 443 } counter accept', 'filt'],
  ['udp sport 53 udp dport 1024-65535 accept', 'filt'],
  ['ip saddr 10.0.0.0/8 ip daddr != 192.0.2.1 drop', 'filt'],
  ['ip6 saddr fe80::/10 ip6 nexthdr icmpv6 accept', 'filt'],
  ['iifname "eth0" oifname != "eth1" accept', 'filt'],
  ['meta l4proto tcp th dport 22 accept', 'filt'],
  ['meta mark 0x10 meta mark set 0x20 counter', 'filt'],
  ['ct state established,related accept', 'filt'],
  ['ct state invalid log prefix "bad: " level warn drop', 'filt'],
  ['ct mark & 0xff == 0x10 ct mark set 0x1', 'filt'],
  ['icmp type { echo-request, echo-reply } accept', 'filt'],
  ['icmpv6 type nd-neighbor-solicit accept', 'filt'],
  ['tcp flags syn / syn,ack counter packets 0 bytes 0 accept', 'filt'],
  ['limit rate 10/second burst 5 packets accept', 'filt'],
  ['limit rate over 1 mbytes/second drop', 'filt'],
  ['quota over 10 mbytes drop', 'filt'],
  ['ct count over 5 reject', 'filt'],
  ['reject with icmpx type admin-prohibited', 'filt'],
  ['tcp dport 23 reject with tcp reset', 'filt'],
  ['jump x', 'filt'],
  ['ip saddr @s4 goto x', 'filt'],
  ['tcp dport @p accept', 'filt'],
  ['ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 } accept', 'filt'],
  ['iifname vmap { "lo" : accept, "eth0" : jump x }', 'filt'],
  ['meta nftrace set 1 continue', 'filt'],
  ['ip ttl set 64 ip dscp set cs1', 'filt'],
  ['fib daddr type local drop', 'filt'],
  ['rt mtu 1400 tcp option maxseg size set rt mtu', 'filt'],
  ['meta mark set numgen inc mod 4 offset 1', 'filt'],
  ['ct mark set jhash ip saddr mod 16 seed 0x1', 'filt'],
  ['add @s4 { ip saddr timeout 10s } accept', 'filt'],
  ['log flags tcp sequence,options', 'filt'],
  ['counter name "c1" accept', 'filt'],
  ['notrack comment "no tracking"', 'filt'],
  ['exthdr frag exists drop', 'filt'],
  ['sctp dport 80 drop', 'filt'],
  ['tcp dport 8080 dnat ip to 10.0.0.1:80', 'pre'],
  ['tcp dport 80 redirect to :8080', 'pre'],
  ['oifname "eth2" snat ip to 203.0.113.10', 'post'],
  ['meta l4proto tcp masquerade to :1024-2048 random,persistent', 'post'],
  ['oifname "eth2" masquerade', 'post'],
  ['ct mark and 0xff == 0x10 accept', 'filt'],
  ['ip protocol vrrp ip saddr 10.10.1.2 accept', 'filt'],
  ['meta l4proto { tcp, udp } th dport 53 accept', 'filt'],
  ['ip6 daddr ::1 ip6 hoplimit 1 drop', 'filt'],
  ['tcp dport != 22 tcp sport < 1024 drop', 'filt'],
  ['counter bytes 2 packets 1 accept', 'filt'],
  ['log snaplen 10 queue-threshold 2 group 1', 'filt'],
  ['log flags ip options flags skuid level info', 'filt'],
  ['reset tcp option sack-perm', 'filt'],
  ['quota until 5 mbytes used 1 kbytes accept', 'filt'],
  ['ct count 4 accept', 'filt'],
  ['ct original ip saddr 10.0.0.1 ct direction original accept', 'filt'],
  ['ct status dnat ct zone 1 accept', 'filt'],
  ['meta skuid 0 meta cpu 1 accept', 'filt'],
  ['iif "lo" meta pkttype host accept', 'filt'],
  ['ether saddr 00:11:22:33:44:55 accept', 'filt'],
  ['udp dport 53 udp length > 512 drop', 'filt'],
  ['tcp flags & (fin | syn | rst | ack) == syn drop', 'filt'],
  ['ip saddr 10.0.0.1-10.0.0.5 ip daddr { 192.0.2.0/24, 198.51.100.1 } accept', 'filt'],
  ['meta mark set ct mark ct mark set meta mark', 'filt'],
  ['update @s4 { ip saddr timeout 1m counter } accept', 'filt'],
  ['tcp option timestamp tsval 1 accept', 'filt'],
  ['ip option ra exists accept', 'filt'],
  ['sctp chunk data exists accept', 'filt'],
  ['frag more-fragments 1 drop', 'filt'],
  ['icmp type echo-request limit rate over 5/minute burst 10 packets drop', 'filt'],
  ['ip daddr set 10.0.0.1 ip saddr set ip daddr', 'filt'],
  ['tcp dport 80 dnat ip6 to [2001:db8::1]:8080', 'pre'],
  ['dnat ip to 10.0.0.1', 'pre'],
  ['tcp dport 80 redirect to 8080', 'pre'],
  ['snat ip to 10.0.0.1-10.0.0.5 persistent', 'post'],
  ['meta l4proto udp masquerade to :1024-2048', 'post'],
];

/** Valid commands, appended after the table the rules go in. */
export const BASE_COMMANDS = [
  'add table inet t2',
  'add chain inet t y',
  'add chain inet t z { type filter hook input priority 0; policy drop; }',
  'add rule inet t x tcp dport 22 accept',
  'insert rule inet t x ip saddr 10.0.0.1 drop',
  'add set inet t s6 { type ipv6_addr; flags interval; }',
  'add element inet t s4 { 10.0.0.9 }',
  'add counter inet t c2',
  'flush chain inet t x',
  'flush set inet t s4',
  'delete chain inet t x',
  'flush ruleset inet',
];

/** The file a near miss is checked in: one table with its chains, sets and objects. */
export function fileFor(c: NearMiss): string {
  const at = (p: Place) => (c.place === p ? `\t\t${c.text}\n` : '');
  return [
    'table inet t {\n',
    '\tcounter c1 {\n\t}\n',
    '\tset s4 {\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t}\n',
    '\tset p {\n\t\ttype inet_service\n\t}\n',
    '\tchain x {\n\t}\n',
    `\tchain filt {\n\t\ttype filter hook forward priority filter; policy accept;\n${at('filt')}\t}\n`,
    `\tchain pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n${at('pre')}\t}\n`,
    `\tchain post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n${at('post')}\t}\n`,
    '}\n',
    c.place === 'command' ? `${c.text}\n` : '',
  ].join('');
}

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

/** A misspelling of a keyword: the middle letter dropped, or two letters swapped for short words. */
function typo(w: string): string {
  if (w.length <= 3) return `${w[1] ?? ''}${w[0] ?? ''}${w.slice(2)}`;
  const m = Math.floor(w.length / 2);
  return w.slice(0, m) + w.slice(m + 1);
}

/** The base rules and commands, each with its mutations (deduplicated, in a fixed order). */
export function nearMisses(): NearMiss[] {
  const out: NearMiss[] = [];
  const seen = new Set<string>();
  const push = (text: string, place: Place | 'command', how: string) => {
    const key = `${place}|${text}`;
    if (text.trim() === '' || seen.has(key)) return;
    seen.add(key);
    out.push({ text, place, how });
  };
  const mutate = (base: string, place: Place | 'command', fixed: number) => {
    push(base, place, 'base');
    const ws = base.split(' ');
    // In a command, a family or a name dropped or swapped still parses, as a reference to another table or
    // chain: whether that one exists is the kernel's business (name resolution is not the strict check's),
    // so those mutations are left out.
    const name = (i: number) =>
      place === 'command' && i > 1 && i < 5 && (FAMILIES.has(ws[i] ?? '') || isIdentifier(ws[i] ?? ''));
    for (let i = fixed; i < ws.length; i++) {
      if (!name(i)) push([...ws.slice(0, i), ...ws.slice(i + 1)].join(' '), place, `drop ${i}`);
      push([...ws.slice(0, i + 1), ...ws.slice(i)].join(' '), place, `dup ${i}`);
      if (i + 1 < ws.length && !(name(i) && name(i + 1)))
        push([...ws.slice(0, i), ws[i + 1], ws[i], ...ws.slice(i + 2)].join(' '), place, `swap ${i}`);
      const w = ws[i] as string;
      if (NFT_KEYWORDS.has(w) || /^[a-z][a-z-]+$/.test(w))
        push([...ws.slice(0, i), typo(w), ...ws.slice(i + 1)].join(' '), place, `typo ${i}`);
    }
  };
  for (const [rule, place] of BASE_RULES) mutate(rule, place, 0);
  for (const cmd of BASE_COMMANDS) mutate(cmd, 'command', 0);
  return out;
}
