import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, needs } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { parse, print } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('against the real nft (scratch network namespace)', () => {
  it('what nft lists after loading an nft -f file prints back byte for byte', (ctx) => {
    needs(ctx, 'root', 'nft', 'ip');
    const ns = createNetns('nftp');
    try {
      ns.addVeth('veth0', 'veth1');
      const load = ns.exec(['nft', '-f', join(here, 'fixtures', 'input-style.nft')]);
      expect(load.stderr).toBe('');
      const listed = ns.exec(['nft', 'list', 'ruleset']).stdout;
      expect(listed.length).toBeGreaterThan(1000);
      // nft 1.0.6 wraps set and map elements by key type; later nft puts maps one a line (the default).
      expect(print(parse(listed, { file: 'nft list ruleset' }), { nft: '1.0.6' })).toBe(listed);
      expect(listed).toBe(readFileSync(join(here, 'fixtures', 'rich.nft'), 'utf8'));
    } finally {
      ns.remove();
    }
  });

  it('`nft -a list ruleset` (handles as trailing comments) prints back byte for byte', (ctx) => {
    needs(ctx, 'root', 'nft', 'ip');
    const ns = createNetns('nftp');
    try {
      ns.addVeth('veth0', 'veth1');
      expect(ns.exec(['nft', '-f', join(here, 'fixtures', 'input-style.nft')]).stderr).toBe('');
      const listed = ns.exec(['nft', '-a', 'list', 'ruleset']).stdout;
      expect(listed).toMatch(/^table inet edge \{ # handle \d+$/m);
      expect(print(parse(listed), { nft: '1.0.6' })).toBe(listed);
    } finally {
      ns.remove();
    }
  });

  it('the canonical print of a built or parsed file is accepted by nft -c', (ctx) => {
    needs(ctx, 'root', 'nft', 'ip');
    const ns = createNetns('nftp');
    try {
      ns.addVeth('veth0', 'veth1');
      const canonical = print(parse(readFileSync(join(here, 'fixtures', 'input-style.nft'), 'utf8')));
      const r = ns.exec(['nft', '-c', '-f', '-'], { input: canonical });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      ns.remove();
    }
  });
});
