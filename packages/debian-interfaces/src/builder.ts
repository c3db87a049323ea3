import type {
  AllowNode,
  AutoNode,
  BlankNode,
  CommentNode,
  IfaceNode,
  InterfacesFile,
  MappingNode,
  OptionNode,
  SourceDirectoryNode,
  SourceNode,
  StanzaItem,
  TopNode,
} from './ast.js';

/** Options of a stanza: a list of items, or a record (one line per value; arrays repeat the option). */
export type OptionsInput = StanzaItem[] | Record<string, string | number | readonly (string | number)[]>;

function toItems(options: OptionsInput | undefined): StanzaItem[] {
  if (!options) return [];
  if (Array.isArray(options)) return [...options];
  const out: StanzaItem[] = [];
  for (const [name, v] of Object.entries(options)) {
    const values = Array.isArray(v) ? v : [v];
    for (const value of values) out.push(option(name, String(value)));
  }
  return out;
}

/** A whole file from nodes (ends with a newline). */
export function interfacesFile(...nodes: TopNode[]): InterfacesFile {
  return { kind: 'file', nodes, finalNewline: true };
}

/** `# text` (a space is put after the `#` unless the text is empty). */
export function comment(text = ''): CommentNode {
  return { kind: 'comment', text: text === '' ? '' : ` ${text}` };
}

export function blank(): BlankNode {
  return { kind: 'blank' };
}

export function auto(...names: string[]): AutoNode {
  return { kind: 'auto', names };
}

/** `allow-CLASS names...`, e.g. `allow('hotplug', 'eth1')`. */
export function allow(cls: string, ...names: string[]): AllowNode {
  return { kind: 'allow', class: cls, names };
}

export function option(name: string, value: string): OptionNode {
  return { kind: 'option', name, value };
}

/** `iface NAME FAMILY METHOD` with options, e.g. `iface('eth1', 'inet', 'static', { address: '10.0.0.1/24' })`. */
export function iface(
  name: string,
  family: string,
  method: string,
  options?: OptionsInput,
  extra: { inherits?: string } = {},
): IfaceNode {
  const node: IfaceNode = { kind: 'iface', name, family, method, items: toItems(options) };
  if (extra.inherits !== undefined) node.inherits = extra.inherits;
  return node;
}

/** `mapping PATTERNS...` with `script` and `map` lines. */
export function mapping(patterns: string[], script: string, maps: string[] = []): MappingNode {
  return {
    kind: 'mapping',
    patterns,
    items: [option('script', script), ...maps.map((m) => option('map', m))],
  };
}

export function source(path: string): SourceNode {
  return { kind: 'source', path };
}

export function sourceDirectory(path: string): SourceDirectoryNode {
  return { kind: 'source-directory', path };
}
