/** The public types of the rule model: selectors, values, statements, and the result of an analysis. */
import type { Item, NodePosition, Statement } from '../ast.js';
import type { RuleDiagnostic } from '../diagnostic.js';

export type RelOp = '==' | '!=' | '<' | '>' | '<=' | '>=';
export type BitOp = '&' | '|' | '^' | '<<' | '>>';

/** The left-hand side of a match or of a `set` statement. */
export type Selector =
  /** A header field: `tcp dport`, `ip saddr`, `sctp vtag`, `arp saddr ip` (field `saddr ip`). */
  | { kind: 'payload'; protocol: string; field: string; pos?: NodePosition }
  | { kind: 'meta'; key: string; pos?: NodePosition }
  | { kind: 'ct'; key: string; direction?: 'original' | 'reply'; pos?: NodePosition }
  | { kind: 'fib'; flags: string[]; result: string; pos?: NodePosition }
  | { kind: 'concat'; parts: Selector[]; pos?: NodePosition }
  /** Raw payload `@ll|@nh|@th|@ih,offset,length` (bit offset and bit length from the base). */
  | { kind: 'raw'; base: 'll' | 'nh' | 'th' | 'ih'; offset: number; length: number; pos?: NodePosition }
  /** `numgen inc|random mod N [offset M]`. */
  | { kind: 'numgen'; mode: 'inc' | 'random'; mod: number; offset?: number; pos?: NodePosition }
  /** `jhash ip saddr . tcp dport mod N [seed S] [offset M]`, `symhash mod N [offset M]`. */
  | {
      kind: 'hash';
      fn: 'jhash' | 'symhash';
      expr?: Selector;
      mod: number;
      seed?: number;
      offset?: number;
      pos?: NodePosition;
    }
  /** Routing data: `rt nexthop`, `rt ip6 nexthop`, `rt mtu`, `rt classid`, `rt ipsec`. */
  | { kind: 'rt'; family?: 'ip' | 'ip6'; key: string; pos?: NodePosition }
  /** IPv6 extension header field (`frag frag-off`, `rt type`, `srh tag`) or `exthdr hbh` (for exists/missing). */
  | { kind: 'exthdr'; header: string; field?: string; pos?: NodePosition }
  /** `tcp option maxseg size`, `tcp option sack-perm` (no field: exists/missing or kind). */
  | { kind: 'tcpopt'; option: string; field?: string; pos?: NodePosition }
  /** `ip option ra value`, `ip option lsrr` (no field: exists/missing). */
  | { kind: 'ipopt'; option: string; field?: string; pos?: NodePosition }
  /** `sctp chunk init num-inbound-streams`, `sctp chunk data` (no field: exists/missing). */
  | { kind: 'sctpchunk'; chunk: string; field?: string; pos?: NodePosition }
  /** `ipsec in|out [spnum N] [ip|ip6] reqid|spi|saddr|daddr`. */
  | {
      kind: 'ipsec';
      dir: 'in' | 'out';
      family?: 'ip' | 'ip6';
      spnum?: number;
      key: string;
      pos?: NodePosition;
    }
  /** `osf [ttl loose|skip] name|version`. */
  | { kind: 'osf'; ttl?: string; key: 'name' | 'version'; pos?: NodePosition }
  /** `socket transparent|mark|wildcard`, `socket cgroupv2 level N`. */
  | { kind: 'socket'; key: string; level?: number; pos?: NodePosition }
  /** A literal inside a concatenation of selectors: `ip saddr . "lo" @s`, `ip saddr . 10.0.0.1 . 80 @s`. */
  | { kind: 'value'; value: Expr; pos?: NodePosition };

/** A right-hand value. */
export type Expr =
  | { kind: 'number'; value: number; text: string; pos?: NodePosition }
  | { kind: 'ipv4'; text: string; pos?: NodePosition }
  | { kind: 'ipv6'; text: string; pos?: NodePosition }
  | { kind: 'prefix'; addr: Expr; length: number; text: string; pos?: NodePosition }
  | { kind: 'range'; from: Expr; to: Expr; text: string; pos?: NodePosition }
  | { kind: 'string'; value: string; pos?: NodePosition }
  | { kind: 'symbol'; name: string; pos?: NodePosition }
  | { kind: 'variable'; name: string; pos?: NodePosition }
  | { kind: 'setref'; name: string; pos?: NodePosition }
  | { kind: 'set'; elements: Expr[]; pos?: NodePosition }
  | { kind: 'list'; values: Expr[]; pos?: NodePosition }
  | { kind: 'concat'; parts: Expr[]; pos?: NodePosition }
  | { kind: 'selector'; selector: Selector; pos?: NodePosition }
  /** A map element `key : value` (value may be a verdict, `jump x` as a symbol). */
  | { kind: 'mapping'; key: Expr; value: Expr; pos?: NodePosition }
  /** A map lookup `ip saddr map { ... }` / `map @m`. */
  | { kind: 'map'; key: Expr; map: Expr; pos?: NodePosition }
  /** A bitwise expression `ct mark & 0xff`, `established | related`, `ip6 dscp << 2`. */
  | { kind: 'binop'; op: BitOp; left: Expr; right: Expr; pos?: NodePosition }
  /** A set element with attributes: `10.0.0.1 timeout 1m expires 30s counter packets 0 bytes 0 comment "x"`. */
  | {
      kind: 'element';
      value: Expr;
      timeout?: string;
      expires?: string;
      comment?: string;
      counter?: { packets: number; bytes: number };
      pos?: NodePosition;
    };

/** One bitwise step applied to a selector. */
export interface Mask {
  op: BitOp;
  value: Expr;
}

/** One typed statement of a rule. */
export type RuleStatement =
  | {
      kind: 'match';
      left: Selector;
      /** Bitwise operations applied to the selector first (`ct mark & 0xff == 1`), in order. */
      mask?: Mask[];
      op: RelOp;
      right: Expr;
      pos?: NodePosition;
    }
  | {
      kind: 'verdict';
      verdict: 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto';
      chain?: string;
      /** `jump { ... }`: an anonymous chain, its rules analyzed. */
      anonymous?: AnalyzedRule[];
      pos?: NodePosition;
    }
  | { kind: 'reject'; with?: { protocol: string; type: string }; pos?: NodePosition }
  | { kind: 'counter'; packets?: number; bytes?: number; pos?: NodePosition }
  | {
      kind: 'log';
      prefix?: string;
      level?: string;
      flags?: string[];
      group?: number;
      snaplen?: number;
      queueThreshold?: number;
      pos?: NodePosition;
    }
  | {
      kind: 'limit';
      over: boolean;
      rate: number;
      unit: string;
      burst?: number;
      burstUnit?: string;
      pos?: NodePosition;
    }
  | {
      kind: 'nat';
      type: 'snat' | 'dnat' | 'masquerade' | 'redirect';
      family?: 'ip' | 'ip6';
      addr?: Expr;
      port?: Expr;
      flags?: string[];
      pos?: NodePosition;
    }
  | { kind: 'set'; left: Selector; value: Expr; pos?: NodePosition }
  /** A verdict map lookup: `ip saddr vmap { 10.0.0.1 : accept, ... }` or `vmap @m`. */
  | { kind: 'vmap'; left: Selector; mask?: Mask[]; map: Expr; pos?: NodePosition }
  /** `add @s { ip saddr timeout 10s limit rate 5/second }`, `update @m { ... }`, `delete @s { ... }`. */
  | {
      kind: 'setupdate';
      op: 'add' | 'update' | 'delete';
      set: string;
      key: Expr;
      timeout?: string;
      statements: RuleStatement[];
      /** The data part of a map update: `update @m { ip saddr timeout 1m : ip daddr . tcp dport }`. */
      value?: Expr;
      pos?: NodePosition;
    }
  /** `synproxy [mss N] [wscale N] [timestamp] [sack-perm]`. */
  | {
      kind: 'synproxy';
      mss?: number;
      wscale?: number;
      timestamp?: boolean;
      sackPerm?: boolean;
      pos?: NodePosition;
    }
  /** `flow add @ft` / `flow offload @ft`: offload the connection to a flowtable. */
  | { kind: 'flowoffload'; flowtable: string; pos?: NodePosition }
  /** The old `meter name [size N] { key statements }` form. */
  | {
      kind: 'meter';
      name: string;
      size?: number;
      key: Expr;
      timeout?: string;
      statements: RuleStatement[];
      pos?: NodePosition;
    }
  /** A named stateful object: `counter name "c"`, `limit name tcp dport map { ... }`, `quota name "q"`. */
  | { kind: 'objref'; type: string; name: Expr; pos?: NodePosition }
  /** `queue [flags bypass,fanout] [to 1-3]` (also the old `queue num 1 bypass`). */
  | { kind: 'queue'; flags?: string[]; to?: Expr; pos?: NodePosition }
  | { kind: 'tproxy'; family?: 'ip' | 'ip6'; addr?: Expr; port?: Expr; pos?: NodePosition }
  /** `ct count [over] N`: a limit on the connections of the flow's source. */
  | { kind: 'ctcount'; over: boolean; count: number; pos?: NodePosition }
  /** `quota [over|until] N unit [used N unit]` (unit: bytes, kbytes, mbytes, gbytes). */
  | {
      kind: 'quota';
      over: boolean;
      amount: number;
      unit: string;
      used?: { amount: number; unit: string };
      pos?: NodePosition;
    }
  /** `dup to ADDR [device DEV]`. */
  | { kind: 'dup'; to: Expr; device?: Expr; pos?: NodePosition }
  /** `fwd to DEV`, `fwd ip|ip6 to ADDR device DEV`. */
  | { kind: 'fwd'; family?: 'ip' | 'ip6'; to: Expr; device?: Expr; pos?: NodePosition }
  /** `reset tcp option NAME`: strips a TCP option. */
  | { kind: 'optstrip'; option: string; pos?: NodePosition }
  /** `last [used never|TIME]` (nft 1.0.7 and later). */
  | { kind: 'last'; used?: string; pos?: NodePosition }
  | { kind: 'notrack'; pos?: NodePosition }
  | { kind: 'comment'; text: string; pos?: NodePosition }
  | { kind: 'unknown'; tokens: Item[]; pos?: NodePosition };

export interface AnalyzedRule {
  rule: Statement;
  statements: RuleStatement[];
  diagnostics: RuleDiagnostic[];
}

export interface AnalyzeOptions {
  /** File name used in diagnostics. */
  file?: string;
  /**
   * Also report every statement the model cannot type, with what nft's grammar allows there (`expected a
   * value or an operator, found end of rule`, `expected a match or a statement, found 'acept'; did you mean
   * 'accept'?`), and the checks nft makes on a whole rule: nothing after a terminal statement (accept,
   * drop, return, jump, goto, reject, nat, queue), the rule comment last, one network and one transport
   * protocol per rule, a transport match before a NAT port or tproxy. `checkRules` with this option also
   * checks commands (`add table inet` without a name).
   */
  strict?: boolean;
  /**
   * The family of the rule's table (`inet`, `ip`, `netdev`...), for the strict checks that depend on it
   * (`snat to ADDR` needs `ip`/`ip6` in an inet table; `dup` and `fwd` are not in every family).
   * `analyzeRuleset` and `checkRules` set it from the table or command.
   */
  family?: string;
}
