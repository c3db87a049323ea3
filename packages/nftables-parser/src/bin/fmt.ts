#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkFormat } from '../check.js';
import { NftSyntaxError } from '../errors.js';
import { parse } from '../parser.js';
import { type NftLayout, nftLayout, print } from '../printer.js';

const USAGE = `usage: nft-fmt [--check] [--strict] [--nft VERSION|local] FILE...
  --check     report per file: ok | differs (short diff) | error file:line:col message
  --strict    also report what nft's grammar rejects (a missing value, a misspelled keyword, ...)
  --nft V     the element layout of nft V (1.0.6 and before wrap every set and map by key type; later
              versions list maps one element a line); 'local': the nft installed here (nft --version);
              'current' (the default): the layout of nft after 1.0.6
`;

/** The nft installed here, as `nft --version` says (`nftables v1.0.6 (Lester Gooch #5)`). */
function localVersion(): string {
  const r = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`cannot run nft --version: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}

/**
 * nft-fmt [--check] [--strict] [--nft VERSION|local] FILE...: prints the canonical form, or checks files are
 * already canonical (`-`: stdin).
 */
export function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  version: () => string = localVersion,
): number {
  let args: { values: { check?: boolean; strict?: boolean; nft?: string }; positionals: string[] };
  try {
    args = parseArgs({
      args: argv,
      options: { check: { type: 'boolean' }, strict: { type: 'boolean' }, nft: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message.includes('--nft')) {
      out('nft-fmt: --nft needs a version or local\n');
      return 2;
    }
    out(`nft-fmt: ${message}\n${USAGE}`);
    return 2;
  }
  const check = args.values.check === true;
  const strict = args.values.strict === true;
  const files = args.positionals;
  let nft: NftLayout | undefined;
  const v = args.values.nft;
  if (v !== undefined) {
    try {
      nft = v === 'current' ? 'current' : nftLayout(v === 'local' ? version() : v);
    } catch (e) {
      out(`nft-fmt: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (files.length === 0) {
    out(USAGE);
    return 2;
  }
  const opts = nft ? { nft, strict } : { strict };
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
      const r = checkFormat(src, f, opts);
      if (r.status === 'ok') {
        out(`ok ${f}\n`);
        passed++;
      } else if (r.status === 'differs') {
        const hint = r.layout
          ? `  canonical in the element layout of nft ${r.layout === '1.0.6' ? '1.0.6 and before' : 'after 1.0.6'}: --nft ${r.layout} (or --nft local)\n`
          : '';
        out(`differs ${f}\n${r.diff.replace(/^/gm, '  ')}\n${hint}`);
        failed++;
      } else {
        out(`error ${r.message}\n`);
        failed++;
      }
      continue;
    }
    try {
      out(print(parse(src, { file: f, strict }), opts));
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

if (isMain()) {
  // `nft-fmt FILE | head`: a closed pipe ends the output, not with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = main(process.argv.slice(2));
}
