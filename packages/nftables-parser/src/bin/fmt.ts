#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkFormat } from '../check.js';
import { NftSyntaxError } from '../errors.js';
import { parse } from '../parser.js';
import { print } from '../printer.js';

/** nft-fmt [--check] FILE...: prints the canonical form, or checks files are already canonical (`-`: stdin). */
export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const check = argv.includes('--check');
  const files = argv.filter((a) => a !== '--check');
  if (files.length === 0) {
    out('usage: nft-fmt [--check] FILE...\n');
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    let src: string;
    try {
      src = readFileSync(f === '-' ? 0 : f, 'utf8');
    } catch (e) {
      out(`error ${f}: ${(e as Error).message}\n`);
      failed++;
      continue;
    }
    if (check) {
      const r = checkFormat(src, f);
      if (r.status === 'ok') {
        out(`ok ${f}\n`);
        passed++;
      } else if (r.status === 'differs') {
        out(`differs ${f}\n${r.diff.replace(/^/gm, '  ')}\n`);
        failed++;
      } else {
        out(`error ${r.message}\n`);
        failed++;
      }
      continue;
    }
    try {
      out(print(parse(src, { file: f })));
      passed++;
    } catch (e) {
      if (!(e instanceof NftSyntaxError)) throw e;
      out(`error ${e.message}\n`);
      failed++;
    }
  }
  if (check || failed > 0) out(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

function isMain(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) process.exitCode = main(process.argv.slice(2));
