export type { Comment, ConfigFile, Definition, Diagnostic, Node, Position, Statement } from './ast.js';
export { formatPosition } from './ast.js';
export type {
  GlobalDefs,
  KeepalivedConfig,
  Tracked,
  TrackFile,
  VirtualAddress,
  VirtualRoute,
  VrrpInstance,
  VrrpScript,
  VrrpSyncGroup,
} from './build.js';
export {
  buildConfig,
  buildGlobalDefs,
  buildTrackFile,
  buildVrrpInstance,
  buildVrrpScript,
  buildVrrpSyncGroup,
  comment,
  quote,
  stmt,
} from './build.js';
export { fmtMain, type Io, lintMain } from './cli.js';
export type { LoadedConfig } from './include.js';
export { expandBraces, glob, INCLUDE_KEYWORDS, loadConfig } from './include.js';
export type { InterfaceAddresses } from './interfaces.js';
export { InterfacesFileError, readInterfaceAddresses } from './interfaces.js';
export type { LintOptions, RuleCode } from './lint.js';
export { lint, lintPair, RULES, scriptProblem } from './lint.js';
export type { ParseOptions, ParseResult } from './parse.js';
export { KeepalivedParseError, parse, tryParse, unquote } from './parse.js';
export type { PrintOptions } from './print.js';
export { print } from './print.js';
export { formatDiagnostic } from './report.js';
export type { Resolved, ResolveOptions } from './resolve.js';
export { resolve, substitute } from './resolve.js';
