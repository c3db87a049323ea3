/**
 * A small ordered XML tree on top of fast-xml-parser: parsing keeps every element, attribute, comment,
 * CDATA section and processing instruction in document order; printing lays the tree out the way
 * `virsh dumpxml` does (2-space indent, single-quoted attributes). All escaping is done by
 * fast-xml-parser's builder.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/** An element: its name, attributes in document order and its child nodes. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** Any node of the tree. Text is stored unescaped. */
export type XmlNode =
  | XmlElement
  | { text: string }
  | { comment: string }
  | { cdata: string }
  | { pi: string; attrs: Record<string, string> };

/** A whole document: the nodes before and after the root element are kept too. */
export interface XmlDocument {
  prolog: XmlNode[];
  root: XmlElement;
  epilog: XmlNode[];
}

/** Raised for XML that is not well-formed, or well-formed XML that is not what was expected. */
export class LibvirtXmlError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}:${col ?? 1}` : ''}: ${message}`);
    this.name = 'LibvirtXmlError';
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
});

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function textOf(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => String((x as Record<string, unknown>)['#text'] ?? '')).join('');
  return String(v ?? '');
}

function convert(items: Ordered[]): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of items) {
    const key = Object.keys(item).find((k) => k !== ':@');
    if (key === undefined) continue;
    const value = item[key];
    const attrs = { ...(item[':@'] ?? {}) };
    if (key === '#text') out.push({ text: String(value) });
    else if (key === '#comment') out.push({ comment: textOf(value) });
    else if (key === '#cdata') out.push({ cdata: textOf(value) });
    else if (key.startsWith('?')) out.push({ pi: key.slice(1), attrs });
    else out.push({ name: key, attrs, children: convert((value as Ordered[]) ?? []) });
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
  if (v !== true) throw new LibvirtXmlError(`malformed XML: ${v.err.msg}`, file, v.err.line, v.err.col);
  const nodes = convert(parser.parse(xml) as Ordered[]);
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
 * The start tag of an element as the library writes it (`<name a="v"/>`). Attribute values come out
 * fully escaped (quotes included), so the only double quotes left are the delimiters, which we turn
 * into single quotes like libvirt does.
 */
function emptyTag(name: string, attrs: Record<string, string>): string {
  const s = builder.build([{ [name]: [], ':@': attrs }]) as string;
  return s.replaceAll('"', "'");
}

function leaf(n: Exclude<XmlNode, XmlElement>): string {
  if ('text' in n) return builder.build([{ '#text': n.text }]) as string;
  if ('comment' in n) return builder.build([{ '#comment': [{ '#text': n.comment }] }]) as string;
  if ('cdata' in n) return builder.build([{ '#cdata': [{ '#text': n.cdata }] }]) as string;
  const tag = emptyTag(`?${n.pi}`, n.attrs);
  return tag.endsWith('/>') ? `${tag.slice(0, -2)}?>` : tag;
}

function printElement(el: XmlElement, indent: string, out: string[]): void {
  const tag = emptyTag(el.name, el.attrs);
  if (el.children.length === 0) {
    out.push(`${indent}${tag}`);
    return;
  }
  const open = `${tag.slice(0, -2)}>`;
  const close = `</${el.name}>`;
  const elementOnly = el.children.every((c) => !('text' in c) && !('cdata' in c));
  if (!elementOnly) {
    // Mixed or text content: printed inline, exactly as stored.
    out.push(`${indent}${open}${el.children.map((c) => inline(c)).join('')}${close}`);
    return;
  }
  out.push(`${indent}${open}`);
  for (const c of el.children) {
    if (isElement(c)) printElement(c, `${indent}  `, out);
    else out.push(`${indent}  ${leaf(c)}`);
  }
  out.push(`${indent}${close}`);
}

function inline(n: XmlNode): string {
  if (!isElement(n)) return leaf(n);
  const tag = emptyTag(n.name, n.attrs);
  if (n.children.length === 0) return tag;
  return `${tag.slice(0, -2)}>${n.children.map(inline).join('')}</${n.name}>`;
}

/** Prints an element (and optionally the nodes around it) with 2-space indentation and a final newline. */
export function printXml(doc: XmlDocument | XmlElement): string {
  const d: XmlDocument = 'root' in doc ? doc : { prolog: [], root: doc, epilog: [] };
  const out: string[] = [];
  for (const n of d.prolog) out.push(isElement(n) ? inline(n) : leaf(n));
  printElement(d.root, '', out);
  for (const n of d.epilog) out.push(isElement(n) ? inline(n) : leaf(n));
  return `${out.join('\n')}\n`;
}

/** Deep copy of an element. */
export function cloneElement(el: XmlElement): XmlElement {
  return structuredClone(el);
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
  const out: XmlElement = base ? { name, attrs: { ...base.attrs }, children: [...base.children] } : el(name);
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
