import type { InterfacesFile, StanzaItem, TopNode } from './ast.js';
import { InterfacesBuildError } from './errors.js';
import { fingerprint, hasBlank, isBlank, isTopKeyword } from './syntax.js';

export interface PrintOptions {
  /** Indentation of stanza lines printed in the canonical layout; a tab when absent. */
  indent?: string;
  /** Ignore the original text of parsed nodes and print everything in the canonical layout. */
  canonical?: boolean;
}

function checkWord(what: string, w: string): string {
  if (w === '' || hasBlank(w) || w.includes('\n')) {
    throw new InterfacesBuildError(
      `${what} must be one non-empty word without blanks, got ${JSON.stringify(w)}`,
    );
  }
  return w;
}

function checkText(what: string, s: string, { allowEmpty = false } = {}): string {
  if (s.includes('\n'))
    throw new InterfacesBuildError(`${what} must not contain a newline: ${JSON.stringify(s)}`);
  if (!allowEmpty && (s === '' || isBlank(s[0]) || isBlank(s[s.length - 1]))) {
    throw new InterfacesBuildError(
      `${what} must be non-empty without leading or trailing blanks: ${JSON.stringify(s)}`,
    );
  }
  return s;
}

/** A line ending with a backslash would be joined with the next one: a trailing blank (ignored) stops that. */
function line(s: string): string {
  return s.endsWith('\\') ? `${s} ` : s;
}

function canonical(node: TopNode | StanzaItem, indent: string): string {
  switch (node.kind) {
    case 'comment':
      return `${indent}#${checkText('comment', node.text, { allowEmpty: true })}`;
    case 'blank':
      return '';
    case 'auto':
    case 'no-auto-down':
    case 'no-scripts':
    case 'rename':
      return line([node.kind, ...node.names.map((n) => checkWord(`${node.kind} name`, n))].join(' '));
    case 'allow':
      return line(
        [
          `allow-${checkWord('allow class', node.class)}`,
          ...node.names.map((n) => checkWord('allow name', n)),
        ].join(' '),
      );
    case 'source':
      return line(`source ${checkText('source path', node.path)}`);
    case 'source-directory':
      return line(`${node.keyword ?? 'source-directory'} ${checkText('source-directory path', node.path)}`);
    case 'option': {
      checkWord('option name', node.name);
      if (isTopKeyword(node.name) || node.name.startsWith('#')) {
        throw new InterfacesBuildError(
          `option name ${JSON.stringify(node.name)} would not be read as an option`,
        );
      }
      return line(`${indent}${node.name} ${checkText(`value of option ${node.name}`, node.value)}`);
    }
    case 'iface': {
      const parts = ['iface', checkWord('iface name', node.name)];
      if (node.family !== undefined) parts.push(checkWord('iface family', node.family));
      if (node.method !== undefined) {
        if (node.family === undefined) throw new InterfacesBuildError('an iface method needs a family');
        parts.push(checkWord('iface method', node.method));
      }
      if (node.inherits !== undefined) parts.push('inherits', checkWord('inherits template', node.inherits));
      else if (node.method === undefined) {
        throw new InterfacesBuildError(`iface ${node.name} needs a family and a method, or inherits`);
      }
      for (const e of node.extra ?? []) {
        if (e === 'inherits') throw new InterfacesBuildError("'inherits' is not an extra word");
        parts.push(checkWord('iface extra word', e));
      }
      if (node.inherits === undefined && node.method === 'inherits') {
        throw new InterfacesBuildError("'inherits' is not a method");
      }
      if (node.family === 'inherits') throw new InterfacesBuildError("'inherits' is not a family");
      return line(parts.join(' '));
    }
    case 'mapping':
      return line(['mapping', ...node.patterns.map((p) => checkWord('mapping pattern', p))].join(' '));
  }
}

/**
 * Prints an interfaces file. A node read by `parseInterfaces` that still means what it meant is printed
 * with its original text (comments, spacing, continuation lines kept); any other node is printed in the
 * canonical layout: one line, single spaces, stanza lines indented with `indent`. Throws
 * {@link InterfacesBuildError} for a node that cannot be written (empty name, value with a newline...).
 */
export function printInterfaces(file: InterfacesFile, options: PrintOptions = {}): string {
  const indent = options.indent ?? '\t';
  const flat: { node: TopNode | StanzaItem; inStanza: boolean }[] = [];
  for (const node of file.nodes) {
    flat.push({ node, inStanza: false });
    if (node.kind === 'iface' || node.kind === 'mapping') {
      for (const item of node.items) {
        if (
          node.kind === 'mapping' &&
          item.kind === 'option' &&
          item.name !== 'script' &&
          item.name !== 'map'
        ) {
          throw new InterfacesBuildError(
            `a mapping stanza holds only script and map lines, not ${item.name}`,
          );
        }
        flat.push({ node: item, inStanza: true });
      }
    }
  }
  const out = flat.map(({ node, inStanza }, k) => {
    const src = node.source;
    // A content text ending with a backslash was the last line of its file: reuse it only while it still
    // is. A comment never continues onto the next line, whatever it ends with.
    if (
      src &&
      !options.canonical &&
      src.fingerprint === fingerprint(node) &&
      (node.kind === 'comment' || k === flat.length - 1 || !src.text.endsWith('\\'))
    ) {
      return src.text;
    }
    return canonical(node, inStanza ? indent : '');
  });
  if (out.length === 0) return '';
  return out.join('\n') + (file.finalNewline ? '\n' : '');
}
