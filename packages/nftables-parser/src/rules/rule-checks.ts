/**
 * Checks nft makes on a whole rule (its evaluate.c), in strict mode: nothing after a terminal statement,
 * the rule comment last, one network and one transport protocol per rule, a transport match before a NAT
 * port or tproxy, statements and keys that only some families have.
 */
import type { Item, NodePosition } from '../ast.js';
import { BRIDGE_META, TERMINAL_KINDS, TRANSPORTS } from '../keywords.js';
import type { Diags } from './diagnostics.js';
import { showItem } from './reader.js';
import type { RuleStatement, Selector } from './types.js';

export function isTerminal(s: RuleStatement): boolean {
  if (s.kind === 'verdict') return s.verdict !== 'continue';
  return TERMINAL_KINDS.has(s.kind);
}

function where(p: NodePosition | undefined): string {
  return p ? `${p.line}:${p.col}` : 'earlier';
}

/** The protocol a match selects at the network (ip, ip6) or transport layer, if it selects one. */
function selects(s: RuleStatement): { layer: 'network' | 'transport'; proto: string } | undefined {
  if (s.kind !== 'match' || s.op !== '==' || s.mask) return undefined;
  const l = s.left;
  if (l.kind === 'payload') {
    if (l.protocol === 'ip' || l.protocol === 'ip6') {
      const r = s.right;
      if ((l.field === 'protocol' || l.field === 'nexthdr') && r.kind === 'symbol' && TRANSPORTS.has(r.name))
        return { layer: 'transport', proto: r.name };
    }
    if (l.protocol === 'ether' && l.field === 'type' && s.right.kind === 'symbol') {
      const n = s.right.name;
      if (n === 'ip' || n === 'ip6') return { layer: 'network', proto: n };
    }
  }
  if (l.kind === 'meta' && s.right.kind === 'symbol') {
    const n = s.right.name;
    if (l.key === 'nfproto' && (n === 'ipv4' || n === 'ipv6'))
      return { layer: 'network', proto: n === 'ipv4' ? 'ip' : 'ip6' };
    if (l.key === 'l4proto' && TRANSPORTS.has(n)) return { layer: 'transport', proto: n };
  }
  return undefined;
}

/** The protocol a selector reads a header of (`tcp dport` is tcp, `ip saddr` is ip). */
function headerOf(sel: Selector): { layer: 'network' | 'transport'; proto: string } | undefined {
  if (sel.kind === 'payload') {
    if (sel.protocol === 'ip' || sel.protocol === 'ip6') return { layer: 'network', proto: sel.protocol };
    if (TRANSPORTS.has(sel.protocol)) return { layer: 'transport', proto: sel.protocol };
  }
  if (sel.kind === 'tcpopt') return { layer: 'transport', proto: 'tcp' };
  if (sel.kind === 'sctpchunk') return { layer: 'transport', proto: 'sctp' };
  if (sel.kind === 'ipopt') return { layer: 'network', proto: 'ip' };
  return undefined;
}

/** Checks nft makes on a whole rule (evaluate.c): terminal statements, the comment, protocol context. */
export function ruleChecks(sts: RuleStatement[], starts: Item[], d: Diags, family: string | undefined): void {
  const add = (at: { pos?: NodePosition } | undefined, expected: string, found: string) =>
    d.add(at, expected, found, { code: 'NFT003' });
  const ctx: Record<'network' | 'transport', { proto: string; pos?: NodePosition } | undefined> = {
    network: undefined,
    transport: undefined,
  };
  let anyTransport = false;
  const conflict = (
    layer: 'network' | 'transport',
    proto: string,
    at: { pos?: NodePosition },
    found: string,
  ) => {
    const cur = ctx[layer];
    if (cur && cur.proto !== proto) {
      add(at, `${cur.proto} (the ${layer} protocol this rule selects at ${where(cur.pos)})`, found);
      return;
    }
    if (!cur) ctx[layer] = { proto, pos: at.pos };
  };
  for (let i = 0; i < sts.length; i++) {
    const s = sts[i] as RuleStatement;
    const start = starts[i] as Item;
    const prev = sts[i - 1];
    if (prev && prev.kind === 'comment') {
      add(start, 'end of rule after the rule comment (the comment comes last)', showItem(start));
      return;
    }
    if (prev && isTerminal(prev) && s.kind !== 'comment' && s.kind !== 'unknown') {
      const name = prev.kind === 'verdict' ? prev.verdict : prev.kind === 'nat' ? prev.type : prev.kind;
      add(start, `end of rule after the terminal statement '${name}'`, showItem(start));
      return;
    }
    if (s.kind === 'match' || s.kind === 'set' || s.kind === 'vmap') {
      const sels = s.left.kind === 'concat' ? s.left.parts : [s.left];
      for (const sel of sels) {
        if (
          sel.kind === 'ct' &&
          (sel.key === 'saddr' || sel.key === 'daddr') &&
          family !== undefined &&
          family !== 'ip' &&
          family !== 'ip6'
        )
          add(
            sel,
            `'ip ${sel.key}' or 'ip6 ${sel.key}' after 'ct' (the address family is not known here)`,
            `'ct ${sel.direction ? `${sel.direction} ` : ''}${sel.key}'`,
          );
        const h = headerOf(sel);
        if (h) {
          conflict(h.layer, h.proto, sel, `'${h.proto}'`);
          if (h.layer === 'transport') anyTransport = true;
        }
        if (sel.kind === 'payload' && sel.protocol === 'th') anyTransport = true;
        if (sel.kind === 'meta' && BRIDGE_META.has(sel.key) && family !== undefined && family !== 'bridge')
          add(sel, `'meta ${sel.key}' in a bridge table (this table is ${family})`, `'${sel.key}'`);
        if (sel.kind === 'meta' && sel.key === 'l4proto') anyTransport = true;
        if (sel.kind === 'payload' && (sel.field === 'protocol' || sel.field === 'nexthdr'))
          anyTransport = true;
      }
      const sel = selects(s);
      if (sel) conflict(sel.layer, sel.proto, s.kind === 'match' ? s.right : s, `'${sel.proto}'`);
    }
    if (s.kind === 'reject' && s.with) {
      const p = s.with.protocol;
      if (p === 'icmp' || p === 'icmpv6')
        conflict('network', p === 'icmp' ? 'ip' : 'ip6', s, `'reject with ${p}'`);
      if (p === 'tcp' && ctx.transport && ctx.transport.proto !== 'tcp')
        add(
          s,
          `a tcp match before 'reject with tcp reset' (this rule selects ${ctx.transport.proto})`,
          "'tcp reset'",
        );
    }
    if (s.kind === 'nat' && s.addr && !s.family && family === 'inet')
      add(s, `'ip' or 'ip6' before 'to' (a ${s.type} address in an inet table)`, showItem(start));
    if (s.kind === 'dup' && family !== undefined && !['ip', 'ip6', 'netdev'].includes(family))
      add(s, `'dup' in an ip, ip6 or netdev table (this table is ${family})`, showItem(start));
    if (s.kind === 'fwd' && family !== undefined && family !== 'netdev')
      add(s, `'fwd' in a netdev table (this table is ${family})`, showItem(start));
    if ((s.kind === 'nat' && s.port) || s.kind === 'tproxy') {
      if (!anyTransport)
        add(
          s,
          `a transport protocol match (tcp dport, meta l4proto, ...) before ${s.kind === 'tproxy' ? "'tproxy'" : 'a NAT port'}`,
          showItem(start),
        );
    }
  }
}
