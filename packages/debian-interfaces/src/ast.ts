/**
 * The syntax tree of a Debian ifupdown `/etc/network/interfaces` file (interfaces(5), ifupdown 0.8).
 *
 * Every node knows its meaning (names, options...). Nodes read by {@link parseInterfaces} also carry
 * `source`: their exact original text. The printer reuses that text as long as the node still means the
 * same thing, so parse -> print gives back the input byte for byte, and an edited node is printed in the
 * canonical layout.
 */

import type { Position } from './diagnostic.js';

/**
 * Where a node started in the parsed text (1-based).
 * @deprecated Use `pos` ({@link Position}: `line`, `col`, `offset`, `file`); `loc` goes in the next release.
 */
export interface Location {
  line: number;
  column: number;
}

/** The original text of a parsed node and the meaning it had, so the printer can reuse it. */
export interface SourceText {
  /** Exact text, all physical lines of the node (continuations included), without the final newline. */
  text: string;
  /** Meaning of the node when it was parsed (internal format); the text is reused while it matches. */
  fingerprint: string;
}

interface NodeBase {
  /** Where a parsed node starts: its first word (file set when the parser was given one). */
  pos?: Position;
  /** @deprecated The same place as `pos`, as `{ line, column }`. */
  loc?: Location;
  source?: SourceText;
}

/** A line whose first non-blank character is `#`. `text` is what follows the `#`. */
export interface CommentNode extends NodeBase {
  kind: 'comment';
  text: string;
}

/** An empty or whitespace-only line. */
export interface BlankNode extends NodeBase {
  kind: 'blank';
}

/** `auto NAME...`: brought up by `ifup -a` (at boot). */
export interface AutoNode extends NodeBase {
  kind: 'auto';
  names: string[];
}

/** `allow-CLASS NAME...` (e.g. `allow-hotplug`): brought up by `ifup --allow=CLASS`. `allow-auto` is `auto`. */
export interface AllowNode extends NodeBase {
  kind: 'allow';
  class: string;
  names: string[];
}

/** `no-auto-down NAME...`, `no-scripts NAME...` and `rename CUR=NEW...`. */
export interface NameListNode extends NodeBase {
  kind: 'no-auto-down' | 'no-scripts' | 'rename';
  names: string[];
}

/** `source PATH` (shell wildcards allowed, relative to the file's directory). */
export interface SourceNode extends NodeBase {
  kind: 'source';
  path: string;
}

/** `source-directory PATH` (also spelled `source-dir`). */
export interface SourceDirectoryNode extends NodeBase {
  kind: 'source-directory';
  path: string;
  /** The spelling used; `source-directory` when absent. */
  keyword?: 'source-directory' | 'source-dir';
}

/** One `NAME VALUE` line of a stanza. The value is the rest of the logical line, trailing blanks removed. */
export interface OptionNode extends NodeBase {
  kind: 'option';
  name: string;
  value: string;
}

/** What a stanza holds: options, with the comments and blank lines between them. */
export type StanzaItem = OptionNode | CommentNode | BlankNode;

/** `iface NAME FAMILY METHOD [inherits TEMPLATE]` and its options. */
export interface IfaceNode extends NodeBase {
  kind: 'iface';
  name: string;
  /** `inet`, `inet6`, `ipx`, `can`... Absent only with `inherits`. */
  family?: string;
  /** `static`, `dhcp`, `manual`, `loopback`, `auto`... Absent only with `inherits`. */
  method?: string;
  inherits?: string;
  /** Words ifupdown ignores (with a warning) after the method. */
  extra?: string[];
  items: StanzaItem[];
}

/** `mapping PATTERN...` with its `script` and `map` lines (as options named `script` / `map`). */
export interface MappingNode extends NodeBase {
  kind: 'mapping';
  patterns: string[];
  items: StanzaItem[];
}

/** Anything at the top level of the file. */
export type TopNode =
  | CommentNode
  | BlankNode
  | AutoNode
  | AllowNode
  | NameListNode
  | SourceNode
  | SourceDirectoryNode
  | IfaceNode
  | MappingNode;

/** A whole interfaces file. */
export interface InterfacesFile {
  kind: 'file';
  nodes: TopNode[];
  /** Whether the last line ends with a newline (true for files built in code). */
  finalNewline: boolean;
}
