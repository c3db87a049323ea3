/**
 * A small ordered XML tree on top of fast-xml-parser: parsing keeps every element, attribute, comment,
 * CDATA section and processing instruction in document order; printing lays the tree out the way
 * `virsh dumpxml` does (2-space indent). libvirt writes its own elements with single-quoted attributes
 * and every special character escaped, and the foreign XML it keeps (`<metadata>` children) the way
 * libxml2 does: double quotes, quotes left as is in text. A parsed element remembers which of the two
 * it was written in, so a dump prints back byte for byte. Escaping is done by fast-xml-parser's builder.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Diagnostic, Position } from './diagnostic.js';

/** The attribute quote of an element: `'` as libvirt writes its own elements, `"` as libxml2 writes foreign XML. */
export type Quote = "'" | '"';

/** An element: its name, attributes in document order and its child nodes. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /**
   * Where a parsed element starts (its `<`). Not an own enumerable field: it is not part of what the
   * element says, so comparisons and copies ignore it.
   */
  readonly pos?: Position;
  /** The quote its attributes were written with, when parsed and it has attributes (likewise). */
  readonly quote?: Quote;
}

/** Any node of the tree. Text is stored unescaped. */
export type XmlNode =
  | XmlElement
  | { text: string }
  | { comment: string }
  | { cdata: string }
  | { pi: string; attrs: Record<string, string>; readonly quote?: Quote };

/** A whole document: the nodes before and after the root element are kept too. */
export interface XmlDocument {
  prolog: XmlNode[];
  root: XmlElement;
  epilog: XmlNode[];
}

/**
 * Raised for XML that is not well-formed (code LV100), or well-formed XML that is not what was expected
 * (LV101: a missing element, a value that is not a number...). `diagnostic` is the same as a Diagnostic,
 * located at the element holding the value (or missing the child) when the message gives only its path.
 */
export class LibvirtXmlError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly col?: number,
    facts: { code?: 'LV100' | 'LV101'; expected?: string; found?: string; at?: Position } = {},
  ) {
    super(`${file}${line !== undefined ? `:${line}:${col ?? 1}` : ''}: ${message}`);
    this.name = 'LibvirtXmlError';
    this.diagnostic = {
      code: facts.code ?? 'LV101',
      severity: 'error',
      message,
      pos:
        line !== undefined
          ? { file, line, col: col ?? 1 }
          : facts.at
            ? { ...facts.at, file }
            : { file, line: 0, col: 0 },
      ...(facts.expected !== undefined ? { expected: facts.expected } : {}),
      ...(facts.found !== undefined ? { found: facts.found } : {}),
    };
  }
}

export function isElement(n: XmlNode): n is XmlElement {
  return (n as XmlElement).name !== undefined && (n as XmlElement).children !== undefined;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: false,
  ignorePiTags: false,
  allowBooleanAttributes: false,
  captureMetaData: true,
});
const META = XMLParser.getMetaDataSymbol();

/**
 * A parsed element. Its place and quote live in private fields behind getters: they are not what the
 * element says, so comparisons, copies and JSON see only name, attrs and children. The place is worked
 * out when asked for.
 */
class SourceElement implements XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  readonly #lines: LineIndex;
  readonly #offset: number | undefined;
  readonly #quote: Quote | undefined;
  constructor(
    name: string,
    attrs: Record<string, string>,
    children: XmlNode[],
    lines: LineIndex,
    offset: number | undefined,
    quote: Quote | undefined,
  ) {
    this.name = name;
    this.attrs = attrs;
    this.children = children;
    this.#lines = lines;
    this.#offset = offset;
    this.#quote = quote;
  }
  get pos(): Position | undefined {
    return this.#offset === undefined ? undefined : this.#lines.at(this.#offset);
  }
  get quote(): Quote | undefined {
    return this.#quote;
  }
  /** A new element with the same place and quote as `this`. */
  sameSource(name: string, attrs: Record<string, string>, children: XmlNode[]): SourceElement {
    return new SourceElement(name, attrs, children, this.#lines, this.#offset, this.#quote);
  }
}

/** Line and column (1-based) of offsets in one text. */
class LineIndex {
  private readonly starts: number[] = [0];
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  at(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, col: offset - (this.starts[lo] as number) + 1, offset };
  }
  /** The quote of the first attribute of the tag starting at `offset`, if it has one. */
  quoteAt(offset: number): Quote | undefined {
    const m = /<\??[^\s>/?]+\s+[^\s=>]+\s*=\s*(["'])/y;
    m.lastIndex = offset;
    return m.exec(this.text)?.[1] as Quote | undefined;
  }
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function textOf(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => String((x as Record<string, unknown>)['#text'] ?? '')).join('');
  return String(v ?? '');
}

function convert(items: Ordered[], lines: LineIndex): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of items) {
    const key = Object.keys(item).find((k) => k !== ':@');
    if (key === undefined) continue;
    const value = item[key];
    const attrs = { ...(item[':@'] ?? {}) };
    const start = (item[META as unknown as string] as { startIndex?: number } | undefined)?.startIndex;
    const quote = start !== undefined && Object.keys(attrs).length ? lines.quoteAt(start) : undefined;
    if (key === '#text') out.push({ text: String(value) });
    else if (key === '#comment') out.push({ comment: textOf(value) });
    else if (key === '#cdata') out.push({ cdata: textOf(value) });
    else if (key.startsWith('?')) {
      const pi = { pi: key.slice(1), attrs };
      if (quote) Object.defineProperty(pi, 'quote', { value: quote, enumerable: false });
      out.push(pi);
    } else
      out.push(
        new SourceElement(key, attrs, convert((value as Ordered[]) ?? [], lines), lines, start, quote),
      );
  }
  return out;
}

/** Whitespace-only text between elements is layout, not content: drop it so printing can re-indent. */
function dropLayout(el: XmlElement): void {
  const hasElementOrMarkup = el.children.some((c) => !('text' in c));
  if (hasElementOrMarkup && el.children.every((c) => !('text' in c) || c.text.trim() === '')) {
    el.children = el.children.filter((c) => !('text' in c));
  }
  for (const c of el.children) if (isElement(c)) dropLayout(c);
}

/**
 * Parses an XML document. Throws LibvirtXmlError with file:line:col when it is not well-formed.
 * Whitespace-only text in element-only content is dropped (it is layout); everything else is kept.
 */
export function parseXml(xml: string, file = '<input>'): XmlDocument {
  const v = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (v !== true)
    throw new LibvirtXmlError(`malformed XML: ${v.err.msg}`, file, v.err.line, v.err.col, { code: 'LV100' });
  const nodes = convert(parser.parse(xml) as Ordered[], new LineIndex(xml, file));
  const idx = nodes.findIndex(isElement);
  const root = nodes[idx];
  if (idx < 0 || root === undefined || !isElement(root))
    throw new LibvirtXmlError('no root element', file, 1, 1);
  const notLayout = (n: XmlNode) => !('text' in n && n.text.trim() === '');
  dropLayout(root);
  return {
    prolog: nodes.slice(0, idx).filter(notLayout),
    root,
    epilog: nodes.slice(idx + 1).filter(notLayout),
  };
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  processEntities: true,
});

/**
 * The start tag of an element (`<name a='v'/>`). The builder escapes every special character and
 * delimits with double quotes: libvirt's style turns the delimiters into single quotes (the only double
 * quotes left); libxml2's keeps them and leaves single quotes unescaped, as libxml2 does.
 */
function emptyTag(name: string, attrs: Record<string, string>, quote: Quote): string {
  const s = builder.build([{ [name]: [], ':@': attrs }]) as string;
  return quote === "'" ? s.replaceAll('"', "'") : s.replaceAll('&apos;', "'");
}

/** Text as written in an element of the given style (libxml2 leaves quotes alone in text). */
function escapeText(text: string, quote: Quote): string {
  const s = builder.build([{ '#text': text }]) as string;
  return quote === "'" ? s : s.replaceAll('&apos;', "'").replaceAll('&quot;', '"');
}

function leaf(n: Exclude<XmlNode, XmlElement>, quote: Quote): string {
  if ('text' in n) return escapeText(n.text, quote);
  if ('comment' in n) return builder.build([{ '#comment': [{ '#text': n.comment }] }]) as string;
  if ('cdata' in n) return builder.build([{ '#cdata': [{ '#text': n.cdata }] }]) as string;
  const tag = emptyTag(`?${n.pi}`, n.attrs, n.quote ?? "'");
  return tag.endsWith('/>') ? `${tag.slice(0, -2)}?>` : tag;
}

function printElement(el: XmlElement, indent: string, out: string[], inherited: Quote): void {
  const quote = el.quote ?? inherited;
  const tag = emptyTag(el.name, el.attrs, quote);
  if (el.children.length === 0) {
    out.push(`${indent}${tag}`);
    return;
  }
  const open = `${tag.slice(0, -2)}>`;
  const close = `</${el.name}>`;
  const elementOnly = el.children.every((c) => !('text' in c) && !('cdata' in c));
  if (!elementOnly) {
    // Mixed or text content: printed inline, exactly as stored.
    out.push(`${indent}${open}${el.children.map((c) => inline(c, quote)).join('')}${close}`);
    return;
  }
  out.push(`${indent}${open}`);
  for (const c of el.children) {
    if (isElement(c)) printElement(c, `${indent}  `, out, quote);
    else out.push(`${indent}  ${leaf(c, quote)}`);
  }
  out.push(`${indent}${close}`);
}

function inline(n: XmlNode, inherited: Quote): string {
  if (!isElement(n)) return leaf(n, inherited);
  const quote = n.quote ?? inherited;
  const tag = emptyTag(n.name, n.attrs, quote);
  if (n.children.length === 0) return tag;
  return `${tag.slice(0, -2)}>${n.children.map((c) => inline(c, quote)).join('')}</${n.name}>`;
}

/**
 * Prints an element (and optionally the nodes around it) with 2-space indentation and a final newline.
 * Elements built in code are written as libvirt writes its own: single quotes.
 */
export function printXml(doc: XmlDocument | XmlElement): string {
  const d: XmlDocument = 'root' in doc ? doc : { prolog: [], root: doc, epilog: [] };
  const out: string[] = [];
  for (const n of d.prolog) out.push(isElement(n) ? inline(n, "'") : leaf(n, "'"));
  printElement(d.root, '', out, "'");
  for (const n of d.epilog) out.push(isElement(n) ? inline(n, "'") : leaf(n, "'"));
  return `${out.join('\n')}\n`;
}

/** A fresh element. Attributes whose value is undefined are left out. */
export function el(
  name: string,
  attrs: Record<string, string | undefined> = {},
  children: XmlNode[] = [],
): XmlElement {
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = v;
  return { name, attrs: a, children };
}

export function childElements(e: XmlElement, name?: string): XmlElement[] {
  return e.children.filter((c): c is XmlElement => isElement(c) && (name === undefined || c.name === name));
}

export function firstChild(e: XmlElement, name: string): XmlElement | undefined {
  return childElements(e, name)[0];
}

/** Text content of an element (text and CDATA children concatenated). */
export function textContent(e: XmlElement): string {
  return e.children
    .map((c) => ('text' in c ? c.text : 'cdata' in c ? c.cdata : isElement(c) ? textContent(c) : ''))
    .join('');
}

/** How a known child kind is recognised, built and ordered inside its parent. */
export interface ChildSpec {
  /** Element name. */
  name: string;
  /** Extra test (e.g. only `<interface>` of the types the model knows); others stay untouched. */
  match?: (e: XmlElement) => boolean;
  /**
   * The elements the model wants, in order. Each builder receives the element found at the same
   * position in the original (for leaf values that keep no source of their own).
   */
  items: Array<(old: XmlElement | undefined) => XmlElement>;
}

/**
 * Merges what the model says into an (optional) original element, in place of the known parts:
 * known attributes are set or removed (unknown ones stay where they were), and the known children are
 * replaced position by position (extra ones inserted after the last of their kind, or at their
 * schema position given by `specs` order). Unknown children, comments and text are kept in place.
 */
export function mergeElement(
  base: XmlElement | undefined,
  name: string,
  attrs: Array<[string, string | undefined]>,
  specs: ChildSpec[],
): XmlElement {
  const out: XmlElement =
    base instanceof SourceElement
      ? base.sameSource(name, { ...base.attrs }, [...base.children])
      : base
        ? { name, attrs: { ...base.attrs }, children: [...base.children] }
        : el(name);
  for (const [k, v] of attrs) {
    if (v === undefined) delete out.attrs[k];
    else out.attrs[k] = v;
  }
  const isKind = (spec: ChildSpec, c: XmlNode): c is XmlElement =>
    isElement(c) && c.name === spec.name && (spec.match ? spec.match(c) : true);
  specs.forEach((spec, specIndex) => {
    const positions: number[] = [];
    out.children.forEach((c, i) => {
      if (isKind(spec, c)) positions.push(i);
    });
    const built = spec.items.map((make, i) => {
      const p = positions[i];
      return make(p === undefined ? undefined : (out.children[p] as XmlElement));
    });
    // Replace in place.
    const common = Math.min(positions.length, built.length);
    for (let i = 0; i < common; i++) out.children[positions[i] as number] = built[i] as XmlElement;
    if (built.length > positions.length) {
      const extra = built.slice(positions.length);
      let at: number;
      const last = positions[positions.length - 1];
      if (last !== undefined) at = last + 1;
      else {
        // After the last child of an earlier kind, else before the first child of a later kind, else at the end.
        at = -1;
        for (let i = out.children.length - 1; i >= 0 && at < 0; i--) {
          const c = out.children[i] as XmlNode;
          if (specs.slice(0, specIndex).some((s) => isKind(s, c))) at = i + 1;
        }
        if (at < 0) {
          const later = out.children.findIndex((c) => specs.slice(specIndex + 1).some((s) => isKind(s, c)));
          at = later >= 0 ? later : out.children.length;
        }
      }
      out.children.splice(at, 0, ...extra);
    } else if (positions.length > built.length) {
      const drop = new Set(positions.slice(built.length));
      out.children = out.children.filter((_, i) => !drop.has(i));
    }
  });
  return out;
}

/** A leaf element holding text, keeping the original's unknown attributes. */
export function textElement(
  old: XmlElement | undefined,
  name: string,
  text: string,
  attrs: Array<[string, string | undefined]> = [],
): XmlElement {
  const e = mergeElement(old, name, attrs, []);
  e.children = [{ text }];
  return e;
}
