import { isIPv4, isIPv6 } from 'node:net';
import type { Resolved } from '../../resolve.js';
import { fileRule } from '../define.js';
import { family, type Instance, inSubnet4, validCidr } from '../model.js';
import type { FileContext } from '../types.js';
import { routeBlocks } from '../views.js';
import { eachInstance } from './instance.js';

export const KA037 = fileRule({
  code: 'KA037',
  severity: 'warning',
  title: 'track_interface on the instance own interface (ignored)',
  check({ model }, report) {
    for (const i of model.instances)
      for (const t of i.kv.get('track_interface')?.block ?? [])
        if (t.keyword === i.iface)
          report(
            t.pos,
            `(${i.name}) track_interface ${t.keyword} is the instance's own interface; keepalived ignores it`,
            'remove it: the own interface is always tracked',
          );
  },
});

const UNICAST_KEYWORDS = ['unicast_src_ip', 'unicast_ttl', 'unicast_fault_no_peer', 'check_unicast_src'];

export const KA008 = fileRule({
  code: 'KA008',
  severity: 'warning',
  title: 'unicast keyword without unicast_peer',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      const kw = UNICAST_KEYWORDS.find((k) => i.kv.has(k));
      if (kw && i.peers.length === 0)
        report(
          at(kw),
          `(${i.name}) ${kw} without any unicast_peer; keepalived falls back to multicast`,
          'add unicast_peer { PEER_IP } or remove the unicast keywords',
        );
    });
  },
});

export const KA009 = fileRule({
  code: 'KA009',
  severity: 'warning',
  title: 'vrrp_strict conflict',
  check({ model }, report) {
    if (!model.globals.has('vrrp_strict')) return;
    eachInstance(model, (i, at) => {
      const auth = i.kv.get('authentication');
      if (auth)
        report(
          auth.pos,
          `(${i.name}) vrrp_strict does not support authentication; keepalived ignores it`,
          'remove authentication or vrrp_strict',
        );
      if (i.peers.length > 0)
        report(
          at('unicast_peer'),
          `(${i.name}) vrrp_strict forbids unicast peers`,
          'remove unicast_peer or vrrp_strict',
        );
      if (i.vips.length === 0)
        report(
          at(),
          `(${i.name}) vrrp_strict requires at least one virtual address`,
          'add virtual_ipaddress',
        );
    });
  },
});

export const KA012 = fileRule({
  code: 'KA012',
  severity: 'warning',
  title: 'authentication with VRRPv3 (ignored)',
  check({ model }, report) {
    for (const i of model.instances) {
      const auth = i.kv.get('authentication');
      if (auth && i.version === 3)
        report(
          auth.pos,
          `(${i.name}) VRRP version 3 does not support authentication; keepalived ignores it`,
          'remove the authentication block',
        );
    }
  },
});

export const KA016 = fileRule({
  code: 'KA016',
  severity: 'warning',
  title: 'authentication needs both auth_type and auth_pass',
  check({ model }, report) {
    for (const i of model.instances) {
      const auth = i.kv.get('authentication');
      if (auth && (i.authType === undefined || i.authPass === undefined))
        report(
          auth.pos,
          `(${i.name}) authentication needs both auth_type and auth_pass (found ${i.authType === undefined ? 'no auth_type' : 'no auth_pass'})`,
          'set auth_type PASS and auth_pass (8 characters at most)',
        );
    }
  },
});

/** The valid virtual addresses of an instance. */
const validVips = (i: Instance): Instance['vips'] => i.vips.filter((v) => v.valid);

export const KA010 = fileRule({
  code: 'KA010',
  severity: 'warning',
  title: 'IPv6 virtual address with VRRPv2',
  check({ model }, report) {
    for (const i of model.instances)
      for (const v of validVips(i))
        if (v.family === 6 && i.version !== 3)
          report(v.pos, `(${i.name}) IPv6 address ${v.addr} with VRRPv2`, 'use version 3 for IPv6 instances');
  },
});

export const KA011 = fileRule({
  code: 'KA011',
  severity: 'warning',
  title: 'virtual addresses of mixed families',
  check({ model }, report) {
    for (const i of model.instances) {
      const fams = new Set<number>();
      for (const v of validVips(i)) {
        if (fams.size > 0 && !fams.has(v.family))
          report(
            v.pos,
            `(${i.name}) address family of ${v.addr} does not match the instance; keepalived ignores it`,
            'put IPv4 and IPv6 addresses in separate instances, or in virtual_ipaddress_excluded',
          );
        fams.add(v.family);
      }
    }
  },
});

/** Calls `report` for each rule whose from / to address keepalived cannot read. */
function ruleAddresses(ctx: FileContext, report: (r: Resolved, k: string, v: string) => void): void {
  for (const r of routeBlocks(ctx)) {
    if (r.keyword !== 'virtual_rules' && r.keyword !== 'static_rules') continue;
    for (const rule of r.block ?? []) {
      const words = [rule.keyword, ...rule.args];
      for (const k of ['from', 'to']) {
        const at = words.indexOf(k);
        const v = at >= 0 ? words[at + 1] : undefined;
        if (v !== undefined && v !== 'all' && !validCidr(v)) report(rule, k, v);
      }
    }
  }
}

/** keepalived reads a peer as an address up to a '-' or '/', IPv6 when it has a ':' (inet_pton). */
function peerAddress(word: string): boolean {
  const dash = word.indexOf('-');
  const cut = dash >= 0 ? dash : word.indexOf('/');
  const a = cut >= 0 ? word.slice(0, cut) : word;
  return a.includes(':') ? isIPv6(a) : isIPv4(a);
}

export const KA029 = fileRule({
  code: 'KA029',
  severity: 'error',
  title: 'invalid IP address',
  check(ctx, report) {
    const { model } = ctx;
    for (const i of model.instances)
      for (const v of i.vips)
        if (!v.valid)
          report(v.pos, `(${i.name}) '${v.addr}' is not a valid IP address`, 'write ADDRESS[/PREFIX]');
    for (const i of model.instances)
      for (const p of i.kv.get('unicast_peer')?.block ?? [])
        if (!peerAddress(p.keyword))
          report(
            p.pos,
            `(${i.name}) unicast peer '${p.keyword}' is not a valid IP address; keepalived skips it`,
            'write one IPv4 or IPv6 address per line',
            { expected: 'an IP address', found: p.keyword },
          );
    ruleAddresses(ctx, (rule, k, v) =>
      report(rule.pos, `invalid rule ${k} address ${v}; keepalived skips the rule`, 'write ADDRESS[/PREFIX]'),
    );
  },
});

export const KA028 = fileRule({
  code: 'KA028',
  severity: 'warning',
  title: 'rule without preference',
  check(ctx, report) {
    const invalid = new Set<Resolved>();
    ruleAddresses(ctx, (rule) => invalid.add(rule));
    for (const r of routeBlocks(ctx)) {
      if (r.keyword !== 'virtual_rules' && r.keyword !== 'static_rules') continue;
      for (const rule of r.block ?? []) {
        const words = [rule.keyword, ...rule.args];
        if (!invalid.has(rule) && !words.some((w) => w === 'preference' || w === 'prio' || w === 'priority'))
          report(rule.pos, 'rule has no preference; keepalived picks one', 'add preference N');
      }
    }
  },
});

export const KA017 = fileRule({
  code: 'KA017',
  severity: 'error',
  title: 'VRID used twice on one interface and family',
  check({ model }, report) {
    const seen = new Map<string, Instance>();
    eachInstance(model, (i, at) => {
      if (i.iface === undefined || i.vrid === undefined) return;
      const key = `${i.iface}/${i.vrid}/${i.vips[0]?.family || 4}`;
      const other = seen.get(key);
      if (other)
        report(
          at('virtual_router_id'),
          `${other.name} and ${i.name} both use VRID ${i.vrid} on interface ${i.iface}`,
          'give each instance of an interface its own VRID',
        );
      else seen.set(key, i);
    });
  },
});

export const KA035 = fileRule({
  code: 'KA035',
  severity: 'warning',
  title: 'virtual address outside the interface subnet',
  check({ model, options }, report) {
    for (const i of model.instances) {
      if (i.iface === undefined || !options.interfaces?.[i.iface]) continue;
      for (const v of i.vips) {
        const dev = i.node.block
          ?.find((b) => b.keyword === 'virtual_ipaddress')
          ?.block?.find((b) => b.keyword === v.addr)?.args;
        const devName = dev && dev.indexOf('dev') >= 0 ? dev[dev.indexOf('dev') + 1] : i.iface;
        const addrs = devName !== undefined ? options.interfaces?.[devName] : undefined;
        if (addrs && family(v.addr) === 4 && !addrs.some((a) => inSubnet4(v.addr, a)))
          report(
            v.pos,
            `(${i.name}) ${v.addr} is outside the subnets of ${devName} (${addrs.join(', ')})`,
            'use an address of the interface subnet, or fix the interface',
          );
      }
    }
  },
});
