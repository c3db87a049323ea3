import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Diagnostic } from './ast.js';
import { loadConfig } from './include.js';
import { type LintOptions, lint, lintPair, sortDiagnostics } from './lint.js';
import { tryParse } from './parse.js';
import { print } from './print.js';
import { formatDiagnostic } from './report.js';

/** The two command lines shipped as bins; `io` lets tests capture their output. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

const FMT_USAGE = `usage: keepalived-fmt [--check | --write] FILE...
  prints the canonical form of each FILE (summary on stderr);
  --check lists the files that are not canonical; --write rewrites them in place.`;

export function fmtMain(argv: string[], io: Io = stdio): number {
  const files: string[] = [];
  let mode: 'print' | 'check' | 'write' = 'print';
  for (const a of argv) {
    if (a === '--check') mode = 'check';
    else if (a === '--write') mode = 'write';
    else if (a === '-h' || a === '--help') {
      io.out(`${FMT_USAGE}\n`);
      return 0;
    } else if (a.startsWith('-')) {
      io.err(`keepalived-fmt: unknown option ${a}\n${FMT_USAGE}\n`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    io.err(`${FMT_USAGE}\n`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      io.err(`${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      failed++;
      continue;
    }
    const r = tryParse(text, { file: f });
    if (r.diagnostics.length > 0) {
      for (const d of r.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
      failed++;
      continue;
    }
    const out = print(r.file);
    if (mode === 'print') {
      io.out(out);
      passed++;
    } else if (out === text) passed++;
    else if (mode === 'write') {
      writeFileSync(f, out);
      io.out(`${f}: reformatted\n`);
      passed++;
    } else {
      io.out(`${f}: not canonical\n`);
      failed++;
    }
  }
  const summary = `${passed} passed, ${failed} failed\n`;
  if (mode === 'print') io.err(summary);
  else io.out(summary);
  return failed > 0 ? 1 : 0;
}

const LINT_USAGE = `usage: keepalived-lint [--pair A B] [--json] [--config-id ID] [--check-scripts] [FILE...]
  lints each FILE (and the files it includes); --pair A B also checks the two routers against each other.
  --config-id ID  evaluates @ID lines as keepalived -i ID would (default: this host's name)
  --check-scripts checks script files on this machine (root-owned, 0755, #! line)`;

export function lintMain(argv: string[], io: Io = stdio): number {
  const files: string[] = [];
  let pair: [string, string] | undefined;
  let json = false;
  const options: LintOptions = { configId: hostname().split('.')[0] ?? '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--check-scripts') options.checkScripts = true;
    else if (a === '--config-id') {
      const v = argv[++i];
      if (v === undefined) return usage(io, '--config-id needs a value');
      options.configId = v;
    } else if (a === '--pair') {
      const x = argv[++i];
      const y = argv[++i];
      if (x === undefined || y === undefined) return usage(io, '--pair needs two files');
      pair = [x, y];
    } else if (a === '-h' || a === '--help') {
      io.out(`${LINT_USAGE}\n`);
      return 0;
    } else if (a.startsWith('-')) return usage(io, `unknown option ${a}`);
    else files.push(a);
  }
  const all = [...files, ...(pair ?? [])].filter((f, i, arr) => arr.indexOf(f) === i);
  if (all.length === 0) return usage(io, 'no file given');
  const results = new Map<string, Diagnostic[]>();
  const loaded = new Map<string, ReturnType<typeof loadConfig>>();
  for (const f of all) {
    try {
      const l = loadConfig(f);
      loaded.set(f, l);
      results.set(f, [
        ...l.diagnostics,
        ...lint(l.body, { ...options, pwd: l.file.file.replace(/\/[^/]*$/, '') || '.' }),
      ]);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      results.set(f, [
        {
          code: 'KA000',
          severity: 'error',
          message: `cannot read: ${code}`,
          pos: { file: f, line: 0, col: 0 },
        },
      ]);
    }
  }
  if (pair) {
    const [a, b] = pair;
    const la = loaded.get(a);
    const lb = loaded.get(b);
    if (la && lb) {
      for (const d of lintPair({ ...la.file, body: la.body }, { ...lb.file, body: lb.body }, options)) {
        const key = d.pos.file === b ? b : a;
        results.get(key)?.push(d);
      }
    }
  }
  let passed = 0;
  let failed = 0;
  const report: Array<{ file: string; ok: boolean; diagnostics: Diagnostic[] }> = [];
  for (const [file, diags] of results) {
    const sorted = sortDiagnostics(diags);
    const ok = !sorted.some((d) => d.severity !== 'info');
    if (ok) passed++;
    else failed++;
    report.push({ file, ok, diagnostics: sorted });
    if (!json) for (const d of sorted) io.out(`${formatDiagnostic(d)}\n`);
  }
  const summary = `${passed} passed, ${failed} failed\n`;
  if (json) {
    io.out(`${JSON.stringify({ files: report, passed, failed }, null, 2)}\n`);
    io.err(summary);
  } else io.out(summary);
  return failed > 0 ? 1 : 0;
}

function usage(io: Io, problem: string): number {
  io.err(`keepalived-lint: ${problem}\n${LINT_USAGE}\n`);
  return 2;
}
