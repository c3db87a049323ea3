/**
 * keepalived-lint against keepalived -t, category by category, on the real-world-style files of
 * test/fidelity/ (written for this test). For each content warning keepalived prints with a line number
 * (and the missing '}' count, which has none), the linter must report the same problem (a code of that
 * category) at the same line: recall per category must be 1; and each finding of the linter must be at a
 * line keepalived warns about.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, missing, type Netns } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/ast.js';
import { lint } from '../src/lint.js';
import { tryParse } from '../src/parse.js';

const dir = fileURLToPath(new URL('./fidelity/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.conf'))
  .sort();

/** keepalived message -> category and the lint codes that report it (first match wins). */
const CATEGORIES: Array<[category: string, message: RegExp, codes: string[]]> = [
  ['unclosed block', /missing '\}'s or extra '\{'s/, ['KA042']],
  ['unknown keyword', /Unknown keyword/, ['KA001']],
  ['missing parameter', /is missing a parameter/, ['KA043']],
  ['authentication type', /unknown authentication type/, ['KA045']],
  ['notify script twice', /script already specified/, ['KA046']],
  ['LVS forwarding method', /unknown \[.*\] routing method/, ['KA047']],
  ['unicast peer address', /malformed unicast peer address/, ['KA029']],
  [
    'number range',
    /outside range|negative number|invalid number|must be greater than 0|not valid|must be in \[|must be either|Invalid .* '|\binvalid\b/i,
    ['KA044', 'KA005', 'KA013', 'KA032'],
  ],
  ['missing parameter', /missing|requires|specified without|No \w+ specified/, ['KA048']],
];

/** Each file is written for one category (file name prefix). */
const FILE_CATEGORY: Array<[prefix: string, category: string]> = [
  ['auth-type', 'authentication type'],
  ['lb-kind', 'LVS forwarding method'],
  ['missing-parameter', 'missing parameter'],
  ['notify-twice', 'notify script twice'],
  ['number-range', 'number range'],
  ['unclosed', 'unclosed block'],
  ['unicast-peer', 'unicast peer address'],
  ['unknown-keyword', 'unknown keyword'],
];

interface Warning {
  line?: number;
  text: string;
}

function keepalivedWarnings(ns: Netns, file: string): Warning[] {
  const r = ns.exec(['keepalived', '-t', '-l', '-D', '-n', '-f', file]);
  const seen = new Set<string>();
  const out: Warning[] = [];
  for (const raw of `${r.stdout}${r.stderr}`.split('\n')) {
    const m = /^\((?:[^:)]*: )?Line (\d+)\) ?(.*)$/.exec(raw);
    const w: Warning = m ? { line: Number(m[1]), text: m[2]!.trim() } : { text: raw.trim() };
    const key = `${w.line}:${w.text}`;
    if (w.text === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(w);
  }
  return out;
}

describe('keepalived-lint reports what keepalived -t reports, per category, at the same line', () => {
  let ns: Netns | undefined;
  const tally = new Map<string, { warnings: number; recalled: number; misses: string[] }>();
  beforeAll(() => {
    if (missing('root', 'keepalived', 'ip') !== undefined) return;
    ns = createNetns('fid');
    ns.addVeth('eth1', 'eth1p');
  });
  afterAll(() => {
    ns?.remove();
    if (tally.size > 0) {
      const rows = [...tally].map(([c, t]) => `  ${c}: ${t.recalled}/${t.warnings}`);
      process.stdout.write(
        `fidelity recall per category (keepalived -t warnings found by keepalived-lint):\n${rows.join('\n')}\n`,
      );
    }
  });

  it.for(fixtures)('%s', (name, ctx) => {
    const why = missing('root', 'keepalived', 'ip');
    if (why) ctx.skip(why);
    const file = join(dir, name);
    const parsed = tryParse(readFileSync(file, 'utf8'), { file });
    expect(parsed.diagnostics).toEqual([]);
    const findings: Diagnostic[] = lint(parsed.file, { configId: 'fidelity' });
    const expectedCategory = FILE_CATEGORY.find(([prefix]) => name.startsWith(prefix))?.[1];
    let inCategory = 0;
    const warnings = keepalivedWarnings(ns!, file);
    // And the other way round: every finding (but KA042, which keepalived prints without a line) is at a
    // line keepalived warns about.
    const warnedLines = new Set(warnings.map((w) => w.line));
    const extra = findings.filter((d) => d.code !== 'KA042' && !warnedLines.has(d.pos.line));
    expect(extra.map((d) => `${d.code}@${d.pos.line}`)).toEqual([]);
    for (const w of warnings) {
      const hit = CATEGORIES.find(([, re]) => re.test(w.text));
      if (!hit) continue;
      const [category, , codes] = hit;
      if (w.line === undefined && category !== 'unclosed block') continue;
      const t = tally.get(category) ?? { warnings: 0, recalled: 0, misses: [] };
      tally.set(category, t);
      t.warnings++;
      const found = findings.some(
        (d) => codes.includes(d.code) && (w.line === undefined || d.pos.line === w.line),
      );
      if (found) t.recalled++;
      else t.misses.push(`${name}:${w.line ?? '-'}: ${w.text}`);
      if (category === expectedCategory) inCategory++;
      expect(
        found,
        `${name}:${w.line ?? '-'}: ${w.text}\nlint: ${JSON.stringify(findings.map((d) => [d.code, d.pos.line]))}`,
      ).toBe(true);
    }
    // Each file exists for its category: keepalived must report at least one problem of it.
    expect(inCategory, `${name}: no keepalived warning of its category`).toBeGreaterThan(0);
  });
});
