/**
 * Lossless round trip on the project's own fixtures (test/fixtures, written for this package): parse ->
 * print stays valid for libvirt's schemas and canonically equal (xmllint --c14n) modulo layout.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, run, runOk } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDomain, parseNetwork, printDomain, printNetwork } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../test/fixtures');
const list = (kind: string) =>
  readdirSync(join(fixtures, kind))
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => [kind, f] as const);
const cases = [...list('domain'), ...list('network')];

const tmp = mkdtempSync(join(tmpdir(), 'hgt-lvx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Canonical XML with the layout whitespace between tags removed. */
function c14n(xml: string, name: string): string {
  const file = join(tmp, name);
  writeFileSync(file, xml);
  return runOk(['xmllint', '--c14n', file]).replace(/>\s+</g, '><').trim();
}

const reprint = (kind: string, xml: string, file: string) =>
  kind === 'domain' ? printDomain(parseDomain(xml, { file })) : printNetwork(parseNetwork(xml, { file }));

describe('fixtures', () => {
  it('has at least 30 of them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});

describe.each(cases)('%s/%s', (kind, name) => {
  const original = readFileSync(join(fixtures, kind, name), 'utf8');
  let cached: string | undefined;
  const printed = () => (cached ??= reprint(kind, original, name));

  it('print(parse(x)) is a fixed point', () => {
    expect(reprint(kind, printed(), name)).toBe(printed());
  });

  it('uses 2-space indentation and single-quoted attributes', () => {
    for (const line of printed().split('\n')) expect(line).toMatch(/^( {2})*(\S.*)?$/);
    // Attributes of libvirt's own elements use single quotes (namespace-qualified metadata keeps its content).
    expect(printed()).not.toMatch(
      /<(domain|network|interface|source|target|mac|model|address|portgroup|tag)\b[^>]*="/,
    );
  });

  it('is canonically equal to the original (xmllint --c14n, modulo layout)', (ctx) => {
    needs(ctx, 'xmllint');
    expect(c14n(printed(), `${kind}-${name}.printed`)).toBe(c14n(original, `${kind}-${name}.orig`));
  });

  it('still passes virt-xml-validate', (ctx) => {
    needs(ctx, 'virt-xml-validate');
    const file = join(tmp, `${kind}-${name}`);
    writeFileSync(file, printed());
    const r = run(['virt-xml-validate', file, kind]);
    expect(`${r.stdout}${r.stderr}`).toContain('validates');
    expect(r.status).toBe(0);
  });
});
