import type { ConfigFile, Diagnostic, Node, NodePosition } from '../ast.js';
import type { Resolved, ResolveOptions } from '../resolve.js';
import type { Model } from './model.js';
import type { FileReader } from './reader.js';

export type Severity = Diagnostic['severity'];

export interface LintOptions extends ResolveOptions {
  /** Addresses of interfaces (`eth1` -> [`10.10.1.1/24`]) when known, e.g. from /etc/network/interfaces: enables KA035. */
  interfaces?: Record<string, string[]>;
  /** Check script files and FIFO directories (KA034, KA041) through `reader`. */
  checkScripts?: boolean;
  /** How KA034 / KA041 look at files (default: this machine's disk, {@link nodeReader}). */
  reader?: FileReader;
  /** Rule codes not to report (as `keepalived-lint --disable KA012,KA030`). */
  disable?: readonly string[];
}

/** What a rule reports; the rule adds its code and severity. */
export interface Finding {
  pos: NodePosition;
  message: string;
  hint?: string;
  expected?: string;
  found?: string;
}

export type Report = (
  pos: NodePosition,
  message: string,
  hint?: string,
  more?: Pick<Finding, 'expected' | 'found'>,
) => void;

/** What a single-file rule sees: the resolved statements, the model built from them, the options. */
export interface FileContext {
  /** The parsed statements, as written (comments, conditionals and definitions kept). */
  body: readonly Node[];
  resolved: Resolved[];
  model: Model;
  options: LintOptions;
  reader: FileReader;
}

/** What a cross-node rule sees: both routers' files and models, and the instances found in both. */
export interface PairContext {
  a: { file: ConfigFile; model: Model };
  b: { file: ConfigFile; model: Model };
  /** Instances of A with their counterpart of B (same name), in A's order. */
  matched: Array<[Model['instances'][number], Model['instances'][number]]>;
}

interface RuleBase<C extends string> {
  /** Stable id, `KA` + 3 digits. */
  code: C;
  severity: Severity;
  /** One line, as in the README table. */
  title: string;
}

/** A rule over one config. */
export interface FileRule<C extends string = string> extends RuleBase<C> {
  scope: 'file';
  check(ctx: FileContext, report: Report): void;
}

/** A rule over the two routers of a pair. */
export interface PairRule<C extends string = string> extends RuleBase<C> {
  scope: 'pair';
  check(ctx: PairContext, report: Report): void;
}

/** A rule checked while reading the text (syntax, includes): `reportedBy` names the function that reports it. */
export interface SourceRule<C extends string = string> extends RuleBase<C> {
  scope: 'source';
  reportedBy: 'tryParse' | 'loadConfig';
}

export type Rule<C extends string = string> = FileRule<C> | PairRule<C> | SourceRule<C>;
