import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, missing } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import {
  accept,
  anonSet,
  chain,
  counter,
  ct,
  dnat,
  drop,
  flags,
  jump,
  limit,
  log,
  masquerade,
  meta,
  NftJsonError,
  parse,
  payload,
  print,
  reject,
  rule,
  ruleComment,
  ruleset,
  set,
  snat,
  table,
  toJson,
} from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const src = readFileSync(join(here, 'fixtures', 'json-subset.nft'), 'utf8');

/** A built ruleset using the rule forms toJson exports. */
const built = ruleset(
  table('ip', 'fw', [
    set('admins', { type: 'ipv4_addr', flags: ['interval'], elements: ['10.99.1.0/24', '192.0.2.7'] }),
    chain('log_drop', [rule(limit(5, 'second'), log({ prefix: 'fw drop: ' })), rule(drop())]),
    chain(
      'input',
      [
        rule(ct('state', flags('established', 'related')), accept()),
        rule(ct('state', 'invalid'), drop()),
        rule(meta('iif', 'lo'), accept()),
        rule(
          payload('icmp', 'type', anonSet('echo-reply', 'destination-unreachable', 'echo-request')),
          accept(),
        ),
        rule(
          meta('iifname', 'eth1'),
          payload('ip', 'saddr', '10.10.1.2'),
          payload('ip', 'protocol', 'vrrp'),
          accept(),
        ),
        rule(
          payload('ip', 'saddr', '@admins'),
          payload('tcp', 'dport', 22),
          counter(),
          accept(),
          ruleComment('ssh'),
        ),
        rule(payload('tcp', 'dport', 23), reject('tcp reset')),
        rule(meta('iifname', 'eth2'), jump('log_drop')),
      ],
      { type: 'filter', hook: 'input', priority: 'filter', policy: 'drop' },
    ),
    chain('pre', [rule(meta('iifname', 'eth2'), payload('tcp', 'dport', 8080), dnat('10.10.1.10:80'))], {
      type: 'nat',
      hook: 'prerouting',
      priority: 'dstnat',
    }),
    chain(
      'post',
      [
        rule(meta('oifname', 'eth2'), payload('ip', 'saddr', '10.10.1.0/24'), snat('203.0.113.10')),
        rule(meta('oifname', 'eth3'), masquerade()),
      ],
      { type: 'nat', hook: 'postrouting', priority: 'srcnat' },
    ),
  ]),
);

describe('toJson', () => {
  it('exports tables, base chains, sets and maps as libnftables JSON', () => {
    const doc = toJson(parse(src));
    expect(doc.nftables[0]).toEqual({ table: { family: 'inet', name: 'edge' } });
    expect(doc.nftables).toContainEqual({
      chain: {
        family: 'inet',
        table: 'edge',
        name: 'input',
        type: 'filter',
        hook: 'input',
        prio: 5,
        policy: 'drop',
      },
    });
    expect(doc.nftables).toContainEqual({
      set: {
        family: 'inet',
        table: 'edge',
        name: 'pairs',
        type: ['ipv4_addr', 'inet_service'],
        elem: [{ concat: ['192.0.2.1', 22] }, { concat: ['192.0.2.2', 443] }],
      },
    });
  });

  it('refuses rule forms it cannot express, naming the form', () => {
    const rs = parse('table ip t {\n\tchain c {\n\t\tip saddr . tcp dport @pairs accept\n\t}\n}\n');
    expect(() => toJson(rs)).toThrow(NftJsonError);
  });

  it('rules: nft -j -f loads the export of a built ruleset and lists back its text', (ctx) => {
    const why = missing('root', 'nft', 'ip');
    if (why) ctx.skip(why);
    const dir = mkdtempSync(join(tmpdir(), 'hgt-nftj-'));
    const ns = createNetns('nftj');
    try {
      const file = join(dir, 'ruleset.json');
      writeFileSync(file, JSON.stringify(toJson(built)));
      const r = ns.exec(['nft', '-j', '-f', file]);
      expect(r.stderr).toBe('');
      expect(ns.exec(['nft', 'list', 'ruleset']).stdout).toBe(print(built));
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nft -j -f loads the export, and nft lists back the text it came from', (ctx) => {
    const why = missing('root', 'nft', 'ip');
    if (why) ctx.skip(why);
    const dir = mkdtempSync(join(tmpdir(), 'hgt-nftj-'));
    const ns = createNetns('nftj');
    try {
      ns.addVeth('veth0', 'veth1');
      const file = join(dir, 'ruleset.json');
      writeFileSync(file, JSON.stringify(toJson(parse(src))));
      const r = ns.exec(['nft', '-j', '-f', file]);
      expect(r.stderr).toBe('');
      const listed = ns.exec(['nft', 'list', 'ruleset']).stdout;
      expect(listed).toBe(print(parse(src), { nft: '1.0.6' }));
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
