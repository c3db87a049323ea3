import type { StanzaItem, TopNode } from './ast.js';

/** Characters ifupdown treats as word separators (C isspace() minus the newline, which ends a line). */
export const BLANKS = ' \t\v\f\r';

export function isBlank(ch: string | undefined): boolean {
  return ch !== undefined && ch !== '' && BLANKS.includes(ch);
}

export function hasBlank(s: string): boolean {
  for (const ch of s) if (isBlank(ch)) return true;
  return false;
}

/** Keywords that start a top-level line; anything else is an option of the current stanza. */
export const TOP_KEYWORDS = [
  'iface',
  'mapping',
  'auto',
  'no-auto-down',
  'no-scripts',
  'rename',
  'source',
  'source-directory',
  'source-dir',
] as const;

export function isTopKeyword(word: string): boolean {
  return (TOP_KEYWORDS as readonly string[]).includes(word) || word.startsWith('allow-');
}

/** The meaning of a node as a string: equal fingerprints mean the same line(s) for ifupdown. */
export function fingerprint(node: TopNode | StanzaItem): string {
  switch (node.kind) {
    case 'comment':
      return JSON.stringify(['comment', node.text]);
    case 'blank':
      return '["blank"]';
    case 'auto':
    case 'no-auto-down':
    case 'no-scripts':
    case 'rename':
      return JSON.stringify([node.kind, node.names]);
    case 'allow':
      return JSON.stringify(['allow', node.class, node.names]);
    case 'source':
      return JSON.stringify(['source', node.path]);
    case 'source-directory':
      return JSON.stringify(['source-directory', node.keyword ?? 'source-directory', node.path]);
    case 'option':
      return JSON.stringify(['option', node.name, node.value]);
    case 'iface':
      return JSON.stringify([
        'iface',
        node.name,
        node.family ?? null,
        node.method ?? null,
        node.inherits ?? null,
        node.extra ?? [],
      ]);
    case 'mapping':
      return JSON.stringify(['mapping', node.patterns]);
  }
}
