/**
 * Conformance against a folder of keepalived configs (e.g. keepalived's own doc/samples):
 *   tsx scripts/conformance.ts /path/to/keepalived-samples [--json] [--fuzz N]
 * For every file: parse, print, check printing is idempotent, run `keepalived -t` on the original and
 * on the printed file (same basename, scratch network namespace, needs root) and compare the
 * warnings (line numbers removed), and measure the linter's recall of keepalived's content
 * warnings (those that do not depend on this host's interfaces), line included.
 * --fuzz N also applies N seeded random mutations to every file: the parser and linter must not
 * throw, errors must carry a position, and every mutant that parses must print idempotently.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../src/ast.js';
import { lint, lintPair } from '../src/lint.js';
import { tryParse } from '../src/parse.js';
import { print } from '../src/print.js';
import { type Resolved, resolve } from '../src/resolve.js';

interface Warning {
  line?: number;
  text: string;
}

/** keepalived message -> lint codes that report the same problem. */
const MAP: Array<[RegExp, string[]]> = [
  [/Unknown keyword/, ['KA001']],
  [/Truncating auth_pass/, ['KA002']],
  [/nopreempt will not work/, ['KA003']],
  [/preempt delay will not work/, ['KA004']],
  [/Priority not valid/, ['KA005']],
  [/advertisement interval .* must be an integer/, ['KA007']],
  [/unicast keyword has been specified without any unicast peers/, ['KA008']],
  [/Strict mode/, ['KA009']],
  [/address family must match/, ['KA011']],
  [/version 3 does not support authentication/, ['KA012']],
  [/virtual router id must be set|VRID '.*' not valid/, ['KA013']],
  [/Unknown interface!/, ['KA014']],
  [/No VIP specified/, ['KA015']],
  [/Authentication specified but no password/, ['KA016']],
  [/both use VRID/, ['KA017']],
  [/specified in sync group .* doesn't exist/, ['KA018']],
  [/has only \d+ virtual router/, ['KA019']],
  [/track script .* not found/, ['KA021']],
  [/No script set for vrrp_script/, ['KA022']],
  [/SECURITY VIOLATION/, ['KA023']],
  [/Unable to set default user/, ['KA025']],
  [/deprecated/, ['KA026']],
  [/cannot track route/, ['KA027']],
  [/Rule has no preference/, ['KA028']],
  [/invalid IP|Invalid rule/, ['KA029']],
  [/protocol specified for fwmark/, ['KA030']],
  [/unknown state/, ['KA031']],
  [/Advert interval .* not valid/, ['KA032']],
  [
    /number '.*' outside range|negative number|invalid number|must be greater than 0/,
    ['KA005', 'KA013', 'KA032', 'KA044'],
  ],
  [/missing '\}'s or extra '\{'s/, ['KA042']],
  [/is missing a parameter/, ['KA043']],
  [/unknown authentication type/, ['KA045']],
  [/script already specified/, ['KA046']],
  [/unknown \[.*\] routing method/, ['KA047']],
  [/malformed unicast peer address/, ['KA029']],
];

/** Warnings about this host rather than the file's content. */
const HOST_DEPENDENT =
  /interface \S+ for .* doesn't exist|tracked interface .* doesn't exist|Non-existent interface specified|Disabling track script .* since not found/;

function sh(argv: string[]): { status: number; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function keepalivedWarnings(ns: string, file: string): { status: number; warnings: Warning[] } {
  const r = sh(['ip', 'netns', 'exec', ns, 'keepalived', '-t', '-l', '-D', '-n', '-f', file]);
  const warnings: Warning[] = [];
  for (const raw of r.out.split('\n')) {
    if (raw.trim() === '') continue;
    const m = /^\((?:[^:)]*: )?Line (\d+)\) ?(.*)$/.exec(raw);
    if (m) {
      if (/^\s/.test(m[2]!)) continue; // continuation of the previous message
      warnings.push({ line: Number(m[1]), text: m[2]!.trim() });
    } else warnings.push({ text: raw.trim() });
  }
  return { status: r.status, warnings };
}

const shape = (rs: Resolved[]): unknown[] =>
  rs.map((r) => [r.keyword, r.args, r.block ? shape(r.block) : null]);

const norm = (ws: Warning[]): string[] => ws.map((w) => w.text).sort();

/** Seeded mutations: returns [mutants, crashes, mutants that parsed, non-idempotent]. */
function fuzz(
  text: string,
  file: string,
  n: number,
  seed: number,
): { crashes: string[]; parsed: number; unstable: number } {
  let state = seed >>> 0 || 1;
  const rnd = (k: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % k;
  };
  const noise = [
    '{',
    '}',
    '"',
    "'",
    '#',
    '!',
    '$',
    '@',
    '~',
    '\\',
    '\n',
    ' ',
    'a',
    '1',
    '=',
    '(',
    ')',
    '$X=',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    '${X}',
    '@h ',
  ];
  const crashes: string[] = [];
  let parsed = 0;
  let unstable = 0;
  for (let k = 0; k < n; k++) {
    let t = text;
    const edits = 1 + rnd(6);
    for (let e = 0; e < edits; e++) {
      const i = rnd(t.length + 1);
      const op = rnd(3);
      const ch = noise[rnd(noise.length)]!;
      t =
        op === 0
          ? t.slice(0, i) + t.slice(i + 1)
          : op === 1
            ? t.slice(0, i) + ch + t.slice(i + 1)
            : t.slice(0, i) + ch + t.slice(i);
    }
    try {
      const r = tryParse(t, { file });
      if (r.diagnostics.some((d) => d.pos.line < 1 || d.pos.col < 1))
        crashes.push(`${file} mutant ${k}: diagnostic without position`);
      lint(r.file, { configId: 'x' });
      lintPair(r.file, r.file);
      if (r.diagnostics.length === 0) {
        parsed++;
        const once = print(r.file);
        if (print(tryParse(once, { file }).file) !== once) unstable++;
      }
    } catch (e) {
      crashes.push(`${file} mutant ${k}: ${(e as Error).message}`);
    }
  }
  return { crashes, parsed, unstable };
}

function main(argv: string[]): number {
  const dir = argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '--fuzz');
  const json = argv.includes('--json');
  const fuzzAt = argv.indexOf('--fuzz');
  const fuzzN = fuzzAt >= 0 ? Number(argv[fuzzAt + 1] ?? '0') : 0;
  if (!dir) {
    process.stderr.write('usage: conformance.ts CORPUS_DIR [--json]\n');
    return 2;
  }
  const files = readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
  const canRun = process.getuid?.() === 0 && sh(['keepalived', '--version']).status === 0;
  const ns = `hgt-t-conf-${randomBytes(3).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'hgt-conf-'));
  if (canRun) sh(['ip', 'netns', 'add', ns]);
  const configId = hostname().split('.')[0] ?? '';
  let parsed = 0;
  let idempotent = 0;
  let sameStatements = 0;
  let sameWarnings = 0;
  let contentWarnings = 0;
  let recalled = 0;
  let lintFindings = 0;
  const misses: string[] = [];
  const failedFiles = new Set<string>();
  const fuzzed = { mutants: 0, parsed: 0, unstable: 0, crashes: [] as string[] };
  const diffs: string[] = [];
  try {
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const r = tryParse(text, { file: f });
      if (r.diagnostics.length > 0) {
        diffs.push(`${f}: parse: ${r.diagnostics[0]!.message}`);
        failedFiles.add(f);
        continue;
      }
      parsed++;
      const printed = print(r.file);
      if (print(tryParse(printed, { file: f }).file) === printed) idempotent++;
      else {
        diffs.push(`${f}: printing is not idempotent`);
        failedFiles.add(f);
      }
      const same = JSON.stringify(shape(resolve(tryParse(printed, { file: f }).file.body, { configId })));
      if (same === JSON.stringify(shape(resolve(r.file.body, { configId })))) sameStatements++;
      else {
        diffs.push(`${f}: printed file reads differently after resolution`);
        failedFiles.add(f);
      }
      const findings: Diagnostic[] = lint(r.file, { configId });
      if (fuzzN > 0) {
        const z = fuzz(text, f, fuzzN, files.indexOf(f) + 1);
        fuzzed.mutants += fuzzN;
        fuzzed.parsed += z.parsed;
        fuzzed.unstable += z.unstable;
        fuzzed.crashes.push(...z.crashes);
        if (z.crashes.length > 0 || z.unstable > 0) failedFiles.add(f);
      }
      lintFindings += findings.length;
      if (!canRun) continue;
      const orig = keepalivedWarnings(ns, f);
      const copy = join(tmp, basename(f));
      writeFileSync(copy, printed);
      const again = keepalivedWarnings(ns, copy);
      const a = norm(orig.warnings);
      const b = norm(again.warnings);
      if (JSON.stringify(a) === JSON.stringify(b) && orig.status === again.status) sameWarnings++;
      else failedFiles.add(f);
      if (JSON.stringify(a) !== JSON.stringify(b) || orig.status !== again.status)
        diffs.push(`${f}: keepalived -t differs\n  original: ${a.join(' | ')}\n  printed:  ${b.join(' | ')}`);
      for (const w of orig.warnings) {
        if (HOST_DEPENDENT.test(w.text)) continue;
        contentWarnings++;
        const codes = MAP.find(([re]) => re.test(w.text))?.[1] ?? [];
        const hit = findings.some(
          (d) => codes.includes(d.code) && (w.line === undefined || d.pos.line === w.line),
        );
        if (hit) recalled++;
        else {
          misses.push(`${f}:${w.line ?? '?'}: ${w.text}`);
          failedFiles.add(f);
        }
      }
    }
  } finally {
    if (canRun) sh(['ip', 'netns', 'del', ns]);
    rmSync(tmp, { recursive: true, force: true });
  }
  const summary = {
    files: files.length,
    parsed,
    idempotent,
    sameStatements,
    keepalivedRan: canRun,
    sameKeepalivedWarnings: sameWarnings,
    contentWarnings,
    recalled,
    recall: contentWarnings === 0 ? 1 : recalled / contentWarnings,
    lintFindings,
    ...(fuzzN > 0
      ? {
          fuzzMutants: fuzzed.mutants,
          fuzzParsed: fuzzed.parsed,
          fuzzUnstable: fuzzed.unstable,
          fuzzCrashes: fuzzed.crashes.length,
        }
      : {}),
  };
  if (json) process.stdout.write(`${JSON.stringify({ ...summary, misses, diffs }, null, 2)}\n`);
  else {
    for (const d of diffs) process.stdout.write(`${d}\n`);
    for (const m of misses) process.stdout.write(`missed: ${m}\n`);
    for (const c of fuzzed.crashes) process.stdout.write(`fuzz: ${c}\n`);
    if (fuzzN > 0) {
      process.stdout.write(
        `fuzz: ${fuzzed.mutants} mutants, ${fuzzed.crashes.length} crashes, ${fuzzed.parsed} parsed, ${fuzzed.unstable} not idempotent\n`,
      );
    }
    process.stdout.write(
      `files ${summary.files}, parsed ${parsed}, idempotent ${idempotent}, same resolved statements ${sameStatements}, keepalived -t same warnings ${canRun ? sameWarnings : 'n/a (needs root + keepalived)'}\n` +
        `lint recall of keepalived content warnings: ${recalled}/${contentWarnings}; lint findings in total: ${lintFindings}\n`,
    );
  }
  const failed = failedFiles.size;
  process.stdout.write(`${files.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
