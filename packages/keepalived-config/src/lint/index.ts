import type { ConfigFile, Diagnostic, Node } from '../ast.js';
import { resolve } from '../resolve.js';
import { Disables } from './disable.js';
import { model } from './model.js';
import { nodeReader } from './node-reader.js';
import { ALL_RULES } from './rules/index.js';
import type { FileContext, FileRule, LintOptions, PairContext, PairRule, Report, Rule } from './types.js';

export type RuleCode = (typeof ALL_RULES)[number]['code'];

/** The rules, in code order: code, severity, title and scope (`file`, `pair`, or `source` for parser/loader findings). */
export const LINT_RULES: ReadonlyArray<Rule<RuleCode>> = ALL_RULES;

/** Every rule's title by code (derived from {@link LINT_RULES}). */
export const RULES = Object.fromEntries(ALL_RULES.map((r) => [r.code, r.title])) as {
  readonly [K in RuleCode]: string;
};

const FILE_RULES = ALL_RULES.filter(
  (r): r is Extract<(typeof ALL_RULES)[number], FileRule> => r.scope === 'file',
);
const PAIR_RULES = ALL_RULES.filter(
  (r): r is Extract<(typeof ALL_RULES)[number], PairRule> => r.scope === 'pair',
);

export function sortDiagnostics(d: Diagnostic[]): Diagnostic[] {
  return d.sort(
    (a, b) =>
      (a.pos.file ?? '').localeCompare(b.pos.file ?? '') ||
      a.pos.line - b.pos.line ||
      a.pos.col - b.pos.col ||
      a.code.localeCompare(b.code),
  );
}

/** A reporter that stamps each finding with its rule's code and severity. */
function reporter(rule: { code: string; severity: Diagnostic['severity'] }, out: Diagnostic[]): Report {
  return (pos, message, hint, more = {}) => {
    out.push({ code: rule.code, severity: rule.severity, pos, message, ...(hint ? { hint } : {}), ...more });
  };
}

const skipped = (options: LintOptions) => new Set((options.disable ?? []).map((c) => c.toUpperCase()));

/**
 * Lints one parsed file (includes must already be inlined, see `loadConfig`). Rules named in
 * `options.disable` are not run; a `# keepalived-lint disable=CODE[,CODE]` comment silences codes on its line
 * (trailing comment) or on the next line (comment on a line of its own).
 */
export function lint(file: ConfigFile | Node[], options: LintOptions = {}): Diagnostic[] {
  const body = Array.isArray(file) ? file : file.body;
  const resolved = resolve(body, options);
  const ctx: FileContext = {
    body,
    resolved,
    model: model(resolved),
    options,
    reader: options.reader ?? nodeReader,
  };
  const skip = skipped(options);
  const found: Diagnostic[] = [];
  for (const rule of FILE_RULES) if (!skip.has(rule.code)) rule.check(ctx, reporter(rule, found));
  return sortDiagnostics(new Disables().read(body).filter(found));
}

/** Cross-node rules over the two routers' configs (KA1xx). Positions point into the file named in each. */
export function lintPair(a: ConfigFile, b: ConfigFile, options: LintOptions = {}): Diagnostic[] {
  const ma = model(resolve(a.body, options));
  const mb = model(resolve(b.body, options));
  const byName = new Map(mb.instances.map((j) => [j.name, j]));
  const matched: PairContext['matched'] = [];
  for (const i of ma.instances) {
    const j = byName.get(i.name);
    if (j) matched.push([i, j]);
  }
  const ctx: PairContext = { a: { file: a, model: ma }, b: { file: b, model: mb }, matched };
  const skip = skipped(options);
  const found: Diagnostic[] = [];
  for (const rule of PAIR_RULES) if (!skip.has(rule.code)) rule.check(ctx, reporter(rule, found));
  return sortDiagnostics(new Disables().read(a.body).read(b.body).filter(found));
}

export { nodeReader } from './node-reader.js';
export type { FileInfo, FileReader } from './reader.js';
export type {
  FileRule,
  LintOptions,
  PairRule,
  Rule,
  Severity,
  SourceRule,
} from './types.js';
