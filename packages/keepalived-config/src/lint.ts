// The linter lives in ./lint/ (one module per rule family); this module keeps the old import path.
import { nodeReader } from './lint/node-reader.js';
import { type FileReader, scriptProblem as problemOf } from './lint/reader.js';

export {
  type FileContext,
  type FileInfo,
  type FileReader,
  type FileRule,
  type Finding,
  LINT_RULES,
  type LintOptions,
  lint,
  lintPair,
  nodeReader,
  type PairContext,
  type PairRule,
  RULES,
  type Rule,
  type RuleCode,
  type Severity,
  type SourceRule,
  sortDiagnostics,
} from './lint/index.js';

/** Why keepalived's script security would refuse a path, or undefined (reads the disk unless given a reader). */
export function scriptProblem(path: string, reader: FileReader = nodeReader): string | undefined {
  return problemOf(path, reader);
}
