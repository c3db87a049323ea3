import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, missing } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { parse, print, toJson } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const src = readFileSync(join(here, 'fixtures', 'json-subset.nft'), 'utf8');

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
      expect(listed).toBe(print(parse(src), { mapWrap: 'by-key' }));
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
