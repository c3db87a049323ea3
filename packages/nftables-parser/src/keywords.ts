import type { BitOp, RelOp } from './rules/types.js';

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

/** Chain properties: chain body statements that are not rules (with COMMON_WORDS). */
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

/** The families of nft tables. */
export const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

/** Allowed in every block (nft's common_block). */
export const COMMON_WORDS = new Set(['include', 'define', 'redefine', 'undefine']);

// ---- words of the rule grammar (the rule model, src/rules/) ----

export const VERDICTS = new Set(['accept', 'drop', 'continue', 'return']);
export const OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);
/** Expression keywords the model does not type: never read as a symbolic value. */
export const EXPR_KEYWORDS = new Set([
  'numgen',
  'jhash',
  'symhash',
  'osf',
  'socket',
  'ipsec',
  'tunnel',
  'fib',
  'rt',
  'exthdr',
]);
export const BITOPS = new Set(['&', '|', '^', '<<', '>>']);
export const WORD_BITOPS: Record<string, BitOp> = { and: '&', or: '|', xor: '^', lshift: '<<', rshift: '>>' };
export const OBJREFS = new Set(['counter', 'quota', 'limit', 'synproxy', 'tunnel', 'secmark']);
export const WORD_OPS: Record<string, RelOp> = { eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' };
/** Meta keys the model reads without the `meta` keyword (what nft lists, and a few older spellings). */
export const BARE_META = new Set(
  'iif oif iifname oifname iiftype oiftype iifgroup oifgroup mark priority skuid skgid nfproto l4proto length pkttype cpu cgroup rtclassid nftrace'.split(
    ' ',
  ),
);
/** Meta keys nft's grammar takes without the `meta` keyword (meta_key_unqualified). */
export const UNQUALIFIED_META = new Set(
  'mark iif iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport obriport ibrname obrname pkttype cpu iifgroup oifgroup cgroup time day hour'.split(
    ' ',
  ),
);
export const CT_KEYS = new Set(
  'state status mark expiration helper label l3proto protocol proto-src proto-dst saddr daddr bytes packets avgpkt zone direction id event secmark timeout expectation'.split(
    ' ',
  ),
);
/** ct keys nft takes after `original` / `reply` (ct_key_dir). */
export const CT_DIR_KEYS = new Set(
  'saddr daddr l3proto protocol proto-src proto-dst bytes packets avgpkt zone'.split(' '),
);
/** ct keys only valid before `set` (objects: `ct timeout set "t"`). */
export const CT_SET_ONLY = new Set(['timeout', 'expectation']);
export const FIB_FLAGS = new Set(['saddr', 'daddr', 'mark', 'iif', 'oif']);
export const FIB_RESULTS = new Set(['oif', 'oifname', 'type']);
/** Words that start a statement strongly enough to end an `unknown` run. */
export const STRONG_START = new Set([
  ...VERDICTS,
  'add',
  'update',
  'tproxy',
  'queue',
  'jump',
  'goto',
  'counter',
  'log',
  'limit',
  'reject',
  'notrack',
  'comment',
  'meta',
  'ct',
  'iifname',
  'oifname',
]);
export const PORT_PROTOS = new Set(['tcp', 'udp', 'udplite', 'th', 'sctp', 'dccp']);
export const DIAG_FIELDS = new Set(['ip', 'ip6', 'tcp', 'udp']);
/** Header fields of the protocols the parser does not check (nft's *_hdr_field rules). */
export const MORE_FIELDS: Record<string, string[]> = {
  igmp: ['type', 'checksum', 'mrt', 'group'],
  ah: ['nexthdr', 'hdrlength', 'reserved', 'spi', 'sequence'],
  esp: ['spi', 'sequence'],
  comp: ['nexthdr', 'flags', 'cpi'],
  dccp: ['sport', 'dport', 'type'],
  sctp: ['sport', 'dport', 'vtag', 'checksum'],
};
export const TRANSPORTS = new Set([
  'tcp',
  'udp',
  'udplite',
  'sctp',
  'dccp',
  'icmp',
  'icmpv6',
  'igmp',
  'ah',
  'esp',
  'comp',
]);

export const CT_STATES = ['new', 'established', 'related', 'invalid', 'untracked'] as const;
export const ICMP_TYPES = [
  'echo-reply',
  'destination-unreachable',
  'source-quench',
  'redirect',
  'echo-request',
  'router-advertisement',
  'router-solicitation',
  'time-exceeded',
  'parameter-problem',
  'timestamp-request',
  'timestamp-reply',
  'info-request',
  'info-reply',
  'address-mask-request',
  'address-mask-reply',
] as const;
export const ICMPV6_TYPES = [
  'destination-unreachable',
  'packet-too-big',
  'time-exceeded',
  'parameter-problem',
  'echo-request',
  'echo-reply',
  'mld-listener-query',
  'mld-listener-report',
  'mld-listener-done',
  'mld-listener-reduction',
  'nd-router-solicit',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
  'nd-redirect',
  'router-renumbering',
  'ind-neighbor-solicit',
  'ind-neighbor-advert',
  'mld2-listener-report',
] as const;
/** Codes `reject with icmp|icmpv6|icmpx [type] CODE` accepts (numbers too). */
export const REJECT_CODES: Record<string, readonly string[]> = {
  icmp: [
    'host-unreachable',
    'net-unreachable',
    'prot-unreachable',
    'port-unreachable',
    'net-prohibited',
    'host-prohibited',
    'admin-prohibited',
    'frag-needed',
  ],
  icmpv6: [
    'no-route',
    'admin-prohibited',
    'addr-unreachable',
    'port-unreachable',
    'policy-fail',
    'reject-route',
  ],
  icmpx: ['port-unreachable', 'admin-prohibited', 'no-route', 'host-unreachable'],
};
export const LOG_LEVELS = new Set([
  'emerg',
  'alert',
  'crit',
  'err',
  'warn',
  'notice',
  'info',
  'debug',
  'audit',
]);
export const LOG_OPTIONS = ['prefix', 'level', 'group', 'snaplen', 'queue-threshold', 'flags'];
export const NAT_FLAGS = new Set(['persistent', 'random', 'fully-random']);
export const CHAIN_NAME = /^[A-Za-z_][A-Za-z0-9_\-.]*$/;
export const TIME_UNITS = 'second|minute|hour|day|week';
export const RAW_BASES = new Set(['@ll', '@nh', '@th', '@ih']);
export const RT_KEYS = new Set(['classid', 'nexthop', 'mtu', 'ipsec']);
export const EXTHDR_FIELDS: Record<string, string[]> = {
  hbh: ['nexthdr', 'hdrlength'],
  rt: ['nexthdr', 'hdrlength', 'type', 'seg-left'],
  rt0: ['addr'],
  rt2: ['addr'],
  srh: ['last-entry', 'flags', 'tag', 'sid'],
  frag: ['nexthdr', 'reserved', 'frag-off', 'reserved2', 'more-fragments', 'id'],
  dst: ['nexthdr', 'hdrlength'],
  mh: ['nexthdr', 'hdrlength', 'checksum', 'type', 'reserved'],
};
/** Headers `exthdr` takes for exists/missing (exthdr_key). */
export const EXTHDR_KEYS = new Set(['hbh', 'rt', 'frag', 'dst', 'mh']);
export const TCPOPT_NAMES = new Set(
  'eol nop noop maxseg mss window sack-perm sack-permitted sack sack0 sack1 sack2 sack3 timestamp mptcp fastopen md5sig echo'.split(
    ' ',
  ),
);
export const TCPOPT_FIELDS = new Set('kind length size count left right tsval tsecr subtype'.split(' '));
/** The fields nft's grammar gives each TCP option (tcp_hdr_option_kind_and_field); `length` for all. */
export const TCPOPT_OWN_FIELDS: Record<string, string[]> = {
  maxseg: ['size'],
  mss: ['size'],
  window: ['count'],
  timestamp: ['tsval', 'tsecr'],
  mptcp: ['subtype'],
  sack: ['left', 'right'],
  sack0: ['left', 'right'],
  sack1: ['left', 'right'],
  sack2: ['left', 'right'],
  sack3: ['left', 'right'],
};
export const IPOPT_NAMES = new Set(['lsrr', 'ssrr', 'rr', 'ra']);
export const IPOPT_FIELDS = new Set(['type', 'length', 'value', 'ptr', 'addr']);
export const SCTP_CHUNKS = new Set(
  'data init init-ack sack heartbeat heartbeat-ack abort shutdown shutdown-ack error cookie-echo cookie-ack ecne cwr shutdown-complete asconf-ack forward-tsn asconf'.split(
    ' ',
  ),
);
export const SCTP_FIELDS = new Set(
  'type flags length tsn stream ssn ppid init-tag a-rwnd num-outbound-streams num-inbound-streams initial-tsn cum-tsn-ack num-gap-ack-blocks num-dup-tsns lowest-tsn seqno new-cum-tsn'.split(
    ' ',
  ),
);
export const IPSEC_KEYS = new Set(['reqid', 'spi', 'saddr', 'daddr']);
export const SOCKET_KEYS = new Set(['transparent', 'mark', 'wildcard']);
export const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ecn', 'cwr'] as const;
export const FIB_ADDRTYPES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
] as const;
/**
 * IP protocol names nft resolves (its keywords, and the names and aliases of Debian's /etc/protocols,
 * which nft reads through getprotobyname): checked in strict mode only, as the file differs between systems.
 */
export const INET_PROTOS = new Set(
  'tcp udp udplite esp ah icmp igmp icmpv6 comp dccp sctp ip IP hopopt HOPOPT ICMP IGMP ggp GGP ipencap IP-ENCAP st ST TCP egp EGP igp IGP pup PUP UDP hmp HMP xns-idp XNS-IDP rdp RDP iso-tp4 ISO-TP4 DCCP xtp XTP ddp DDP idpr-cmtp IDPR-CMTP ipv6 IPv6 ipv6-route IPv6-Route ipv6-frag IPv6-Frag idrp IDRP rsvp RSVP gre GRE IPSEC-ESP IPSEC-AH skip SKIP ipv6-icmp IPv6-ICMP ipv6-nonxt IPv6-NoNxt ipv6-opts IPv6-Opts rspf RSPF vmtp VMTP eigrp EIGRP ospf OSPFIGP ax.25 AX.25 ipip IPIP etherip ETHERIP encap ENCAP pim PIM ipcomp IPCOMP vrrp VRRP l2tp L2TP isis ISIS SCTP fc FC mobility-header Mobility-Header UDPLite mpls-in-ip MPLS-in-IP manet hip HIP shim6 Shim6 wesp WESP rohc ROHC ethernet Ethernet mptcp MPTCP'.split(
    ' ',
  ),
);
/** Header fields whose values are plain integers (nft: "Could not parse integer" for a name). */
export const INT_FIELDS: Record<string, string[]> = {
  ip: ['version', 'hdrlength', 'length', 'id', 'frag-off', 'ttl', 'checksum'],
  ip6: ['version', 'flowlabel', 'length', 'hoplimit'],
  tcp: ['sequence', 'ackseq', 'doff', 'reserved', 'window', 'checksum', 'urgptr'],
  udp: ['length', 'checksum'],
  udplite: ['csumcov', 'checksum'],
  icmp: ['checksum', 'id', 'sequence', 'mtu'],
  icmpv6: ['checksum', 'id', 'sequence', 'mtu', 'max-delay', 'param-problem'],
  vlan: ['id', 'pcp', 'dei', 'cfi'],
  sctp: ['vtag', 'checksum'],
  arp: ['hlen', 'plen'],
};

export const TERMINAL_KINDS = new Set(['reject', 'nat', 'queue']);
/** Meta keys a `set` statement can write (the kernel's nft_meta_set). */
export const SETTABLE_META = new Set(['mark', 'priority', 'pkttype', 'nftrace', 'secmark']);
/** Meta keys of the bridge family (the bridge port and bridge of the packet). */
export const BRIDGE_META = new Set(['ibrname', 'obrname', 'ibriport', 'obriport', 'ibrvproto', 'ibrpvid']);

// ---- words of commands, block heads and properties (src/commands/) ----

/** Chain types of a base chain (`type filter hook input ...`). */
export const CHAIN_TYPES = ['filter', 'nat', 'route'];
/** Hooks of a base chain or flowtable. */
export const HOOKS = ['prerouting', 'input', 'forward', 'postrouting', 'output', 'ingress', 'egress'];
/** Set flags. */
export const SET_FLAGS = ['constant', 'interval', 'timeout', 'dynamic'];
/** Stateful objects a command names (`add counter inet t c`). */
export const OBJECTS = new Set(['counter', 'quota', 'limit', 'secmark', 'synproxy']);
/** ct objects (`add ct helper inet t h`). */
export const CT_OBJECTS = ['helper', 'timeout', 'expectation'];
/** The objects `add` / `create` name after the verb. */
export const ADD_OBJECTS = [
  'table',
  'chain',
  'rule',
  'set',
  'map',
  'element',
  'flowtable',
  'counter',
  'quota',
  'limit',
  'ct',
  'secmark',
  'synproxy',
];

/** What `list` takes in the plural (`list tables`, `list ruleset`). */
export const LIST_PLURALS = new Set([
  'tables',
  'chains',
  'sets',
  'maps',
  'flowtables',
  'counters',
  'quotas',
  'limits',
  'secmarks',
  'synproxys',
  'meters',
  'ruleset',
  'hooks',
]);

/** Type names that are keywords to nft's scanner, yet data types (type_identifier). */
export const TYPE_KEYWORDS = new Set(['mark', 'dscp', 'ecn', 'classid', 'time', 'verdict']);

/** Set and map properties the strict check reads. */
export const SET_PROPERTIES = new Set([
  'type',
  'flags',
  'policy',
  'size',
  'timeout',
  'gc-interval',
  'auto-merge',
  'elements',
]);

/** Verbs of a rule command (`add rule`, `insert rule`, ...). */
export const RULE_VERBS = new Set(['add', 'insert', 'replace', 'create']);
/** Objects a command names after its verb (anything else after `add` is a rule position). */
export const COMMAND_OBJECTS = new Set([...ADD_OBJECTS, 'tunnel']);
