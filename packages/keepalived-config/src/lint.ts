// The linter lives in ./lint/ (one module per rule family); this module keeps the old import path.
import { nodeReader } from './lint/node-reader.js';
import { type FileReader, scriptProblem as problemOf } from './lint/reader.js';

export {
  type FileInfo,
  type FileReader,
  type FileRule,
  LINT_RULES,
  type LintOptions,
  lint,
  lintPair,
  nodeReader,
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
