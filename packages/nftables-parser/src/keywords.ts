/** Keywords a rule can start with (nft's grammar: matches, then statements), and per-block statement keywords. */
export const RULE_START = new Set([
  // payload and header expressions
  ...'ip ip6 tcp udp udplite sctp dccp icmp icmpv6 igmp ether vlan arp ah esp comp ipcomp th gre gretap geneve vxlan hbh rt rt0 rt2 srh frag dst mh exthdr inner auth'.split(
    ' ',
  ),
  // meta (with and without the meta keyword), ct, routing, lookups
  ...'meta iif oif iifname oifname iiftype oiftype iifgroup oifgroup iifkind oifkind mark priority skuid skgid nfproto l4proto protocol length rtclassid ibriport obriport ibrname obrname pkttype cpu cgroup secpath nftrace random sdif sdifname hour day time'.split(
    ' ',
  ),
  ...'ct fib numgen jhash symhash osf socket ipsec tunnel'.split(' '),
  // statements
  ...'accept drop continue return jump goto queue counter log limit quota reject snat dnat masquerade redirect tproxy synproxy dup fwd notrack flow add update delete meter comment last xt secmark reset'.split(
    ' ',
  ),
]);

export const SET_WORDS = new Set([
  'type',
  'typeof',
  'flags',
  'timeout',
  'gc-interval',
  'size',
  'elements',
  'counter',
  'quota',
  'limit',
  'last',
  'comment',
  'auto-merge',
  'policy',
]);

export const FLOWTABLE_WORDS = new Set(['hook', 'devices', 'flags', 'counter', 'comment']);

/** Chain body words that are not rules. */
export const CHAIN_WORDS = new Set(['type', 'policy', 'comment', 'devices', 'flags']);

/** The closest keyword to a misspelled word (edit distance <= 2), for "did you mean" hints. */
export function closest(word: string, words: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of words) {
    if (Math.abs(k.length - word.length) >= bestD) continue;
    const d = distance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** Optimal string alignment distance (edits and adjacent transpositions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}

/** Header fields after a protocol keyword (only protocols whose fields we check). */
export const FIELDS: Record<string, string[]> = {
  ip: [
    'version',
    'hdrlength',
    'dscp',
    'ecn',
    'length',
    'id',
    'frag-off',
    'ttl',
    'protocol',
    'checksum',
    'saddr',
    'daddr',
    'option',
  ],
  ip6: ['version', 'dscp', 'ecn', 'flowlabel', 'length', 'nexthdr', 'hoplimit', 'saddr', 'daddr'],
  tcp: [
    'sport',
    'dport',
    'sequence',
    'ackseq',
    'doff',
    'reserved',
    'flags',
    'window',
    'checksum',
    'urgptr',
    'option',
  ],
  udp: ['sport', 'dport', 'length', 'checksum'],
  udplite: ['sport', 'dport', 'csumcov', 'checksum'],
  th: ['sport', 'dport'],
  icmp: ['type', 'code', 'checksum', 'id', 'sequence', 'gateway', 'mtu'],
  icmpv6: [
    'type',
    'code',
    'checksum',
    'param-problem',
    'mtu',
    'parameter-problem',
    'packet-too-big',
    'id',
    'sequence',
    'max-delay',
    'taddr',
    'daddr',
  ],
  ether: ['saddr', 'daddr', 'type'],
  vlan: ['id', 'dei', 'cfi', 'pcp', 'type'],
  arp: ['htype', 'ptype', 'hlen', 'plen', 'operation', 'saddr', 'daddr'],
  meta: [
    ...'length protocol priority mark iif iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport obriport ibrname obrname pkttype cpu iifgroup oifgroup cgroup random secpath nfproto l4proto bri_iifname bri_oifname ibrvproto ibrpvid sdif sdifname time day hour broute secmark iifkind oifkind ipsec'.split(
      ' ',
    ),
  ],
};

/** Words that may follow a protocol keyword used as a value (`meta protocol ip vmap {...}`, `snat ip to`). */
export const AFTER_VALUE = new Set([
  'to',
  'vmap',
  'map',
  '.',
  ':',
  '/',
  'with',
  'prefix',
  'addr',
  'ether',
  'interval',
]);

/**
 * Words nft's scanner (src/scanner.l) turns into keywords in every scanner state: nft never reads them as a
 * name or a plain value (`add chain inet t tcp` and `iifname table` are syntax errors).
 */
export const NFT_KEYWORDS = new Set(
  [
    'eq ne lt gt le ge and or xor not lshift rshift vmap include define redefine undefine describe',
    'hook device devices table chain rule set element map flowtable handle ruleset socket tproxy',
    'accept drop continue jump goto return inet netdev add replace update create insert delete get list',
    'reset flush rename import export monitor position index comment constant interval dynamic auto-merge',
    'timeout gc-interval elements expires policy size flow offload meter counter log queue limit quota',
    'hour day reject snat dnat masquerade redirect random th bridge ether type typeof vlan arp ip ecn time',
    'icmp icmpv6 igmp ip6 priority ah esp comp flags udp udplite tcp dccp sctp rt rt0 rt2 srh hbh frag dst',
    'mh meta mark iif iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport ibrname',
    'obriport obrname pkttype cpu iifgroup oifgroup cgroup ct numgen jhash symhash dup fwd fib osf',
    'synproxy notrack all exists missing exthdr ipsec secmark',
  ]
    .join(' ')
    .split(' '),
);

/** The keywords nft's grammar takes as a value on the right of a match (keyword_expr, primary_rhs_expr). */
export const RHS_KEYWORDS = new Set(
  'ether ip ip6 vlan arp dnat snat ecn reset original reply label tcp udp udplite esp ah icmp igmp icmpv6 comp dccp sctp redirect exists missing'.split(
    ' ',
  ),
);

/** Whether nft's scanner reads `text` as an identifier (a table, chain, set or object name): a STRING token. */
export function isIdentifier(text: string): boolean {
  return /^[A-Za-z_.][A-Za-z0-9/\-_.]*$/.test(text) && !NFT_KEYWORDS.has(text);
}
