import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Diagnostic } from './ast.js';
import { loadConfig } from './include.js';
import { type InterfaceAddresses, parseInterfaceAssignment, readInterfaceAddresses } from './interfaces.js';
import { type LintOptions, lint, lintPair, nodeReader, sortDiagnostics } from './lint.js';
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

const LINT_USAGE = `usage: keepalived-lint [--pair A B] [--json] [--config-id ID] [--check-scripts]
                       [--interfaces FILE] [--interface NAME=ADDR/LEN]... [FILE...]
  lints each FILE (and the files it includes); --pair A B also checks the two routers against each other.
  --config-id ID  evaluates @ID lines as keepalived -i ID would (default: this host's name)
  --check-scripts checks script files on this machine (root-owned, 0755, #! line)
  --interfaces FILE            the host's /etc/network/interfaces: static addresses give the subnets
                               that virtual addresses must be in (KA035)
  --interface NAME=ADDR/LEN    one interface address, repeatable (added to --interfaces)
  --interfaces-a FILE, --interfaces-b FILE, --interface-a NAME=ADDR/LEN, --interface-b NAME=ADDR/LEN
                               the same for router A or B of --pair; they replace what --interfaces and
                               --interface give for the interfaces they name`;

type Side = 'all' | 'a' | 'b';

export function lintMain(argv: string[], io: Io = stdio): number {
  const files: string[] = [];
  let pair: [string, string] | undefined;
  let json = false;
  const options: LintOptions = { configId: hostname().split('.')[0] ?? '', reader: nodeReader };
  const ifaces: Record<Side, InterfaceAddresses> = { all: {}, a: {}, b: {} };
  const sided = (a: string, base: string): Side | undefined =>
    a === base ? 'all' : a === `${base}-a` ? 'a' : a === `${base}-b` ? 'b' : undefined;
  const add = (side: Side, name: string, addresses: string[]) => {
    ifaces[side][name] = [...(ifaces[side][name] ?? []), ...addresses];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const fileSide = sided(a, '--interfaces');
    const oneSide = sided(a, '--interface');
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
    } else if (fileSide) {
      const f = argv[++i];
      if (f === undefined) return usage(io, `${a} needs a file`);
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        return usage(io, `${a} ${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      try {
        for (const [name, list] of Object.entries(readInterfaceAddresses(text, { file: f })))
          add(fileSide, name, list);
      } catch (e) {
        return usage(io, `${a}: ${(e as Error).message}`);
      }
    } else if (oneSide) {
      const v = argv[++i];
      const parsed = v === undefined ? undefined : parseInterfaceAssignment(v);
      if (!parsed)
        return usage(io, `${a} expects NAME=ADDR/LEN (e.g. eth1=10.10.1.1/24), found ${v ?? 'nothing'}`);
      add(oneSide, parsed.name, [parsed.address]);
    } else if (a === '-h' || a === '--help') {
      io.out(`${LINT_USAGE}\n`);
      return 0;
    } else if (a.startsWith('-')) return usage(io, `unknown option ${a}`);
    else files.push(a);
  }
  if (!pair && (Object.keys(ifaces.a).length > 0 || Object.keys(ifaces.b).length > 0))
    return usage(io, '--interfaces-a / -b and --interface-a / -b need --pair A B');
  /** The interface addresses known for one file: the shared ones, then its side's (by interface name). */
  const interfacesOf = (f: string): InterfaceAddresses | undefined => {
    const merged = { ...ifaces.all };
    if (pair && f === pair[0]) Object.assign(merged, ifaces.a);
    if (pair && f === pair[1]) Object.assign(merged, ifaces.b);
    return Object.keys(merged).length > 0 ? merged : undefined;
  };
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
        ...lint(l.body, {
          ...options,
          pwd: l.file.file.replace(/\/[^/]*$/, '') || '.',
          ...(interfacesOf(f) ? { interfaces: interfacesOf(f) } : {}),
        }),
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
