import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { readArgs } from './args.js';
import type { Diagnostic } from './ast.js';
import { loadConfig } from './include.js';
import { type InterfaceAddresses, parseInterfaceAssignment, readInterfaceAddresses } from './interfaces.js';
import { Disables } from './lint/disable.js';
import { type LintOptions, lint, lintPair, nodeReader, RULES, sortDiagnostics } from './lint.js';
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
  const args = readArgs(
    argv,
    { check: { type: 'boolean' }, write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    (name) => `--${name} takes no value`,
  );
  if ('problem' in args) {
    io.err(`keepalived-fmt: ${args.problem}\n${FMT_USAGE}\n`);
    return 2;
  }
  const files: string[] = [];
  let mode: 'print' | 'check' | 'write' = 'print';
  for (const t of args.tokens) {
    if (t.kind === 'positional') files.push(t.value);
    else if (t.name === 'help') {
      io.out(`${FMT_USAGE}\n`);
      return 0;
    } else mode = t.name === 'check' ? 'check' : 'write';
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

const LINT_USAGE = `usage: keepalived-lint [--pair A B] [--json] [--config-id ID] [--check-scripts] [--disable CODE,...]
                       [--interfaces FILE] [--interface NAME=ADDR/LEN]... [FILE...]
  lints each FILE (and the files it includes); --pair A B also checks the two routers against each other.
  --config-id ID  evaluates @ID lines as keepalived -i ID would (default: this host's name)
  --check-scripts checks script files on this machine (root-owned, 0755, #! line)
  --disable CODE,...  does not report these rules (repeatable); in a file, a comment
                  '# keepalived-lint disable=CODE,...' does the same for its line, or the next line
                  when the comment is on a line of its own
  --interfaces FILE            the host's /etc/network/interfaces: static addresses give the subnets
                               that virtual addresses must be in (KA035)
  --interface NAME=ADDR/LEN    one interface address, repeatable (added to --interfaces)
  --interfaces-a FILE, --interfaces-b FILE, --interface-a NAME=ADDR/LEN, --interface-b NAME=ADDR/LEN
                               the same for router A or B of --pair; they replace what --interfaces and
                               --interface give for the interfaces they name`;

type Side = 'all' | 'a' | 'b';

const LINT_OPTIONS = {
  json: { type: 'boolean' },
  'check-scripts': { type: 'boolean' },
  disable: { type: 'string', multiple: true },
  'config-id': { type: 'string' },
  pair: { type: 'string' },
  interfaces: { type: 'string', multiple: true },
  'interfaces-a': { type: 'string', multiple: true },
  'interfaces-b': { type: 'string', multiple: true },
  interface: { type: 'string', multiple: true },
  'interface-a': { type: 'string', multiple: true },
  'interface-b': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What an option given without its value is told. */
function missingValue(name: string): string {
  if (name === 'pair') return '--pair needs two files';
  if (name.startsWith('interfaces')) return `--${name} needs a file`;
  if (name.startsWith('interface'))
    return `--${name} expects NAME=ADDR/LEN (e.g. eth1=10.10.1.1/24), found nothing`;
  return `--${name} needs a value`;
}

export function lintMain(argv: string[], io: Io = stdio): number {
  const args = readArgs(argv, LINT_OPTIONS, missingValue);
  if ('problem' in args) return usage(io, args.problem);
  const files: string[] = [];
  let pair: [string, string] | undefined;
  let json = false;
  const options: LintOptions = { configId: hostname().split('.')[0] ?? '', reader: nodeReader };
  const ifaces: Record<Side, InterfaceAddresses> = { all: {}, a: {}, b: {} };
  const sideOf = (name: string): Side => (name.endsWith('-a') ? 'a' : name.endsWith('-b') ? 'b' : 'all');
  const add = (side: Side, name: string, addresses: string[]) => {
    ifaces[side][name] = [...(ifaces[side][name] ?? []), ...addresses];
  };
  const { tokens } = args;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === 'positional') {
      files.push(t.value);
      continue;
    }
    const a = `--${t.name}`;
    const v = t.value;
    if (t.name === 'json') json = true;
    else if (t.name === 'check-scripts') options.checkScripts = true;
    else if (t.name === 'disable') {
      const codes = (v ?? '').split(',').map((c) => c.trim().toUpperCase());
      const bad = codes.find((c) => !(c in RULES));
      if (bad !== undefined)
        return usage(io, `--disable expects rule codes (e.g. KA012,KA030), found '${bad}'`);
      options.disable = [...(options.disable ?? []), ...codes];
    } else if (t.name === 'help') {
      io.out(`${LINT_USAGE}\n`);
      return 0;
    } else if (t.name === 'config-id') options.configId = v ?? '';
    else if (t.name === 'pair') {
      // --pair takes two files: its value and the positional right after it.
      const next = tokens[k + 1];
      if (v === undefined || next?.kind !== 'positional' || next.index !== t.index + (t.inline ? 1 : 2))
        return usage(io, '--pair needs two files');
      pair = [v, next.value];
      k++;
    } else if (t.name.startsWith('interfaces')) {
      const f = v ?? '';
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        return usage(io, `${a} ${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      try {
        for (const [name, list] of Object.entries(readInterfaceAddresses(text, { file: f })))
          add(sideOf(t.name), name, list);
      } catch (e) {
        return usage(io, `${a}: ${(e as Error).message}`);
      }
    } else {
      const parsed = v === undefined ? undefined : parseInterfaceAssignment(v);
      if (!parsed)
        return usage(io, `${a} expects NAME=ADDR/LEN (e.g. eth1=10.10.1.1/24), found ${v ?? 'nothing'}`);
      add(sideOf(t.name), parsed.name, [parsed.address]);
    }
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
      const disables = new Disables(options.disable);
      for (const file of l.files) disables.read(file.body);
      results.set(f, [
        ...l.diagnostics.filter((d) => d.code === 'KA000' || !disables.has(d)),
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
