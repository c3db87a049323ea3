export {
  type AddressFamily,
  type AddressReport,
  addressesByInterface,
  type IfaceAddress,
  type ReadAddressesOptions,
  readAddresses,
  type UnaddressedIface,
} from './addresses.js';
export type {
  AllowNode,
  AutoNode,
  BlankNode,
  CommentNode,
  IfaceNode,
  InterfacesFile,
  Location,
  MappingNode,
  NameListNode,
  OptionNode,
  SourceDirectoryNode,
  SourceNode,
  SourceText,
  StanzaItem,
  TopNode,
} from './ast.js';
export {
  allow,
  auto,
  blank,
  comment,
  iface,
  interfacesFile,
  mapping,
  type OptionsInput,
  option,
  source,
  sourceDirectory,
} from './builder.js';
export { type Diagnostic, formatDiagnostic, type Position } from './diagnostic.js';
export { InterfacesBuildError, InterfacesSyntaxError } from './errors.js';
export {
  type LoadedFile,
  type LoadedInterfaces,
  type LoadOptions,
  type LoadProblem,
  loadInterfaces,
} from './load.js';
export { type ParseOptions, parseInterfaces } from './parse.js';
export { type PrintOptions, printInterfaces } from './print.js';
export {
  type AutoEntry,
  bringsUpAtBoot,
  type FindAutoOptions,
  findAutoInterfaces,
  findIfaces,
  ifaceOptions,
} from './query.js';
