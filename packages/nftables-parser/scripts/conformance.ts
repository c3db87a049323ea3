/**
 * Measures the parser and printer against a folder of `nft list ruleset` dumps:
 *   pnpm exec tsx scripts/conformance.ts <folder> [--verbose] [--mutate N] [--rules] [--json]
 * Prints the parse rate and the byte-exact rate, and each failure with its reason. With --mutate N, also
 * applies N random edits to each file and counts located diagnostics, stable parses and crashes. With
 * --rules, also runs the rule model over every rule: the share of rules fully typed (no `unknown`
 * statement) and every value diagnostic (the dumps are valid, so each one is a false positive), and the
 * same for the strict check (`checkRules(rs, { strict: true })`: grammar diagnostics of rules, commands and
 * block properties). With --json, the share of files toJson exports, and why the others do not.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkFormat } from '../src/check.js';
import {
  analyzeRuleset,
  checkRules,
  formatDiagnostic,
  isFullyTyped,
  NftJsonError,
  parse,
  print,
  toJson,
  tryParse,
} from '../src/index.js';

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
if (!dir) {
  console.error('usage: conformance.ts <folder> [--verbose]');
  process.exit(2);
}
const verbose = args.includes('--verbose');
let parsed = 0;
let exact = 0;
const files = walk(dir);
for (const f of files) {
  const r = checkFormat(readFileSync(f, 'utf8'), f);
  if (r.status !== 'error') parsed++;
  if (r.status === 'ok') exact++;
  else if (r.status === 'error') console.log(`error ${r.message}`);
  else console.log(`differs ${f}${verbose ? `\n${r.diff.replace(/^/gm, '  ')}` : ''}`);
}
const pct = (n: number) => ((100 * n) / Math.max(1, files.length)).toFixed(1);
console.log(
  `files: ${files.length}; parsed: ${parsed} (${pct(parsed)}%); byte-exact: ${exact} (${pct(exact)}%)`,
);
console.log(`${exact} passed, ${files.length - exact} failed`);

if (args.includes('--rules')) {
  let rules = 0;
  let typed = 0;
  let diags = 0;
  let strict = 0;
  const unknownHeads = new Map<string, number>();
  for (const f of files) {
    const r = tryParse(readFileSync(f, 'utf8'), { file: f });
    if (!r.ok) continue;
    for (const d of checkRules(r.ruleset, { file: f, strict: true })) {
      strict++;
      console.log(`strict diagnostic ${formatDiagnostic(d)}`);
    }
    for (const a of analyzeRuleset(r.ruleset, { file: f })) {
      rules++;
      if (isFullyTyped(a)) typed++;
      else if (verbose) {
        for (const s of a.statements) {
          if (s.kind !== 'unknown') continue;
          const head = s.tokens
            .slice(0, 2)
            .map((t) => (t.kind === 'group' ? t.open : t.text))
            .join(' ');
          unknownHeads.set(head, (unknownHeads.get(head) ?? 0) + 1);
        }
      }
      for (const d of a.diagnostics) {
        diags++;
        console.log(`diagnostic ${formatDiagnostic(d)}`);
      }
    }
  }
  if (verbose) {
    for (const [h, n] of [...unknownHeads].sort((a, b) => b[1] - a[1]).slice(0, 40))
      console.log(`unknown ${n} ${h}`);
  }
  const share = ((100 * typed) / Math.max(1, rules)).toFixed(1);
  console.log(
    `rules: ${rules}; fully typed: ${typed} (${share}%); diagnostics (false positives): ${diags}; strict diagnostics (false positives): ${strict}`,
  );
}

if (args.includes('--json')) {
  let exported = 0;
  const reasons = new Map<string, number>();
  for (const f of files) {
    const r = tryParse(readFileSync(f, 'utf8'), { file: f });
    if (!r.ok) continue;
    try {
      toJson(r.ruleset);
      exported++;
    } catch (e) {
      if (!(e instanceof NftJsonError)) throw e;
      const why = e.message.replace(/'[^']*'/g, "'…'");
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      if (verbose) console.log(`json ${f}: ${e.message}`);
    }
  }
  for (const [why, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`not exported ${n}: ${why}`);
  console.log(`json: ${exported} of ${files.length} files exported (${pct(exported)}%)`);
}

const mi = args.indexOf('--mutate');
if (mi >= 0) {
  const n = Number(args[mi + 1] ?? 100);
  const inserts = ['', '{', '}', '(', ')', '"', ';', '\n', ',', '@', '$', '#', 'x', ' ', '\\', '=', ':', '.'];
  let seed = 42;
  const rnd = (m: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  let diagnostics = 0;
  let stable = 0;
  let unstable = 0;
  let crashes = 0;
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (let k = 0; k < n; k++) {
      let s = src;
      for (let e = 0, edits = 1 + rnd(3); e < edits; e++) {
        const i = rnd(s.length + 1);
        s = s.slice(0, i) + (inserts[rnd(inserts.length)] ?? '') + s.slice(i + rnd(4));
      }
      try {
        const r = tryParse(s, { file: f });
        if (!r.ok) diagnostics++;
        else {
          const once = print(r.ruleset);
          if (print(parse(once)) === once) stable++;
          else unstable++;
        }
      } catch (e) {
        crashes++;
        if (crashes <= 5) console.log(`crash on a mutation of ${f}: ${(e as Error).stack}`);
      }
    }
  }
  console.log(
    `mutations: ${files.length * n}; located diagnostics: ${diagnostics}; parsed (print stable): ${stable}; print unstable: ${unstable}; crashes: ${crashes}`,
  );
}
