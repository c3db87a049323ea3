/**
 * Measures the parser and printer against a folder of `nft list ruleset` dumps:
 *   pnpm exec tsx scripts/conformance.ts <folder> [--verbose]
 * Prints the parse rate and the byte-exact rate, and each failure with its reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkFormat } from '../src/check.js';

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
