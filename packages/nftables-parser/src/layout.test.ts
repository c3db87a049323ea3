import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './bin/fmt.js';
import { checkFormat, nftLayout, parse, print } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(join(here, 'fixtures', name), 'utf8');
/** What nft 1.0.6 (Debian 12) listed after `nft -f fixtures/elements.nft`. */
const listed106 = fixture('elements-1.0.6.nft');
/** The same ruleset in later nft's layout (maps, timeouts, comments, counters: one element a line). */
const listedCurrent = fixture('elements-current.nft');

const dir = mkdtempSync(join(tmpdir(), 'hgt-nftlayout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runFmt(args: string[], version?: () => string): { code: number; out: string } {
  let out = '';
  const code = main(
    args,
    (s) => {
      out += s;
    },
    version,
  );
  return { code, out };
}

describe('element layout of nft 1.0.6 and of later nft', () => {
  it('prints both layouts of the same ruleset, each byte for byte', () => {
    expect(print(parse(listed106), { nft: '1.0.6' })).toBe(listed106);
    expect(print(parse(listed106))).toBe(listedCurrent);
    expect(print(parse(listedCurrent), { nft: 'current' })).toBe(listedCurrent);
    expect(print(parse(listedCurrent), { nft: '1.0.6' })).toBe(listed106);
  });

  it('differs exactly where later nft forces one element a line', () => {
    const differing = (a: string, b: string) => {
      const names: string[] = [];
      const ta = parse(a);
      const tb = parse(b);
      const blocks = (rs: typeof ta) => (rs.body[0]?.kind === 'block' ? rs.body[0].body : []);
      blocks(ta).forEach((n, i) => {
        const m = blocks(tb)[i];
        if (
          n.kind === 'block' &&
          m &&
          print({ kind: 'ruleset', body: [n] }) !== print({ kind: 'ruleset', body: [m] }, { nft: '1.0.6' })
        )
          names.push(n.head.map((t) => ('text' in t ? t.text : '')).join(' '));
      });
      return names;
    };
    // maps of every kind, and the sets with a timeout flag, an element comment or a counter
    expect(differing(listedCurrent, listed106)).toEqual([
      'map ports',
      'map nat4',
      'map counters',
      'map marks',
      'set timed',
      'set commented',
      'set counted',
    ]);
  });

  it('keeps `mapWrap` as an alias (deprecated)', () => {
    expect(print(parse(listed106), { mapWrap: 'by-key' })).toBe(listed106);
    expect(print(parse(listed106), { mapWrap: 'one' })).toBe(listedCurrent);
  });

  it.each([
    ['nftables v1.0.6 (Lester Gooch #5)', '1.0.6'],
    ['1.0.5', '1.0.6'],
    ['0.9.8', '1.0.6'],
    ['1.0.7', 'current'],
    ['1.0.10', 'current'],
    ['nftables v1.1.1 (Commodore Bullmoose #2)', 'current'],
  ])('nftLayout(%j) is %s', (version, layout) => {
    expect(nftLayout(version)).toBe(layout);
  });

  it('refuses what is not a version', () => {
    expect(() => nftLayout('latest')).toThrow('not an nft version: "latest"');
  });

  it('checkFormat says when a file is canonical in the other layout', () => {
    expect(checkFormat(listed106, 'l.nft')).toMatchObject({ status: 'differs', layout: '1.0.6' });
    expect(checkFormat(listed106, 'l.nft', { nft: '1.0.6' })).toEqual({ status: 'ok' });
    expect(checkFormat(listedCurrent, 'l.nft', { nft: '1.0.6' })).toMatchObject({
      status: 'differs',
      layout: 'current',
    });
  });
});

describe('nft-fmt --nft', () => {
  const f = join(dir, 'listed.nft');
  writeFileSync(f, listed106);

  it('--check of an nft 1.0.6 listing: differs in the default layout, with the flag that fixes it', () => {
    const r = runFmt(['--check', f]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`differs ${f}\n`);
    expect(r.out).toContain(
      '  canonical in the element layout of nft 1.0.6 and before: --nft 1.0.6 (or --nft local)\n',
    );
  });

  it('--nft 1.0.6, --nft=1.0.6 and --nft local (nft --version) check it ok', () => {
    expect(runFmt(['--check', '--nft', '1.0.6', f])).toEqual({
      code: 0,
      out: `ok ${f}\n1 passed, 0 failed\n`,
    });
    expect(runFmt(['--nft=1.0.6', '--check', f]).code).toBe(0);
    const local = runFmt(['--check', '--nft', 'local', f], () => 'nftables v1.0.6 (Lester Gooch #5)');
    expect(local.code).toBe(0);
    expect(runFmt(['--check', '--nft', 'local', f], () => 'nftables v1.1.0 (Commodore Bullmoose)').code).toBe(
      1,
    );
  });

  it('prints in the layout asked for', () => {
    const ugly = join(dir, 'ugly.nft');
    writeFileSync(ugly, fixture('elements.nft'));
    const cur = runFmt([ugly]).out;
    expect(cur).toContain('\t\telements = { 22 : accept,\n\t\t\t     23 : drop,\n');
    expect(runFmt(['--nft', '1.0.6', ugly]).out).toContain(
      '\t\telements = { 22 : accept, 23 : drop, 24 : jump x, 25 : drop, 26 : accept,\n',
    );
  });

  it('bad --nft arguments: usage error', () => {
    expect(runFmt(['--check', f, '--nft'])).toEqual({
      code: 2,
      out: 'nft-fmt: --nft needs a version or local\n',
    });
    expect(runFmt(['--nft', 'latest', f]).code).toBe(2);
    const broken = runFmt(['--nft', 'local', f], () => {
      throw new Error('cannot run nft --version: not found');
    });
    expect(broken).toEqual({ code: 2, out: 'nft-fmt: cannot run nft --version: not found\n' });
  });

  it('--strict reports what nft would reject, located', () => {
    const bad = join(dir, 'bad.nft');
    writeFileSync(bad, 'table inet t {\n\tchain c {\n\t\ttcp dport 22 acept\n\t}\n}\n');
    expect(runFmt(['--check', bad]).code).toBe(0);
    const r = runFmt(['--check', '--strict', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `error ${bad}:3:16: expected a match or a statement, found 'acept'; did you mean 'accept'?\n0 passed, 1 failed\n`,
    );
  });
});

describe('against the real nft (scratch network namespace)', () => {
  it('nft-fmt --check --nft local agrees with how the nft installed here lists sets and maps', (ctx) => {
    needs(ctx, 'root', 'nft', 'ip');
    const version = run(['nft', '--version']).stdout.trim();
    const ns = createNetns('nftlay');
    try {
      expect(ns.exec(['nft', '-f', join(here, 'fixtures', 'elements.nft')]).stderr).toBe('');
      const listed = ns.exec(['nft', 'list', 'ruleset']).stdout;
      const live = join(dir, 'live.nft');
      writeFileSync(live, listed);
      expect(runFmt(['--check', '--nft', 'local', live])).toEqual({
        code: 0,
        out: `ok ${live}\n1 passed, 0 failed\n`,
      });
      expect(checkFormat(listed, 'live', { nft: nftLayout(version) })).toEqual({ status: 'ok' });
      // the committed listing is this machine's when it runs nft 1.0.6 (Debian 12)
      if (nftLayout(version) === '1.0.6') expect(listed).toBe(listed106);
      else expect(listed).toBe(listedCurrent);
    } finally {
      ns.remove();
    }
  });
});
