/**
 * The build checks (validate.ts) as located Diagnostics, and the explicit "refuse what libvirt would
 * refuse" calls for code that builds new definitions. Printing never runs them.
 */
import type { Diagnostic, Position } from './diagnostic.js';
import type { Domain, Interface, Network } from './model.js';
import {
  LibvirtModelError,
  type ValidationIssue,
  validateDomain,
  validateInterface,
  validateNetwork,
} from './validate.js';
import { childElements, type XmlElement } from './xml.js';

/** Options of the checks. */
export interface CheckOptions {
  /** File name of the findings (default: the file the model was parsed from, if any). */
  file?: string;
}

type Step = { key: string; index?: number };

function steps(path: string): Step[] {
  return path
    .split('.')
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(.*)\[(\d+)\]$/.exec(s);
      return m ? { key: m[1] as string, index: Number(m[2]) } : { key: s };
    });
}

/**
 * The source element a model path points into: the deepest object on the path that was parsed (has
 * `xml`), then its children named like the remaining steps (`tags[1]` is the second `<tag>`); none
 * for an object built in code.
 */
function locate(model: unknown, path: string): XmlElement | undefined {
  let obj = model as Record<string, unknown> | undefined;
  let el = (obj?.xml as XmlElement | undefined) ?? undefined;
  for (const { key, index } of steps(path)) {
    const list = obj?.[key] as unknown;
    const next = index === undefined ? list : Array.isArray(list) ? list[index] : undefined;
    const own = (next as { xml?: XmlElement } | undefined)?.xml;
    const sourced = (x: unknown) => (x as { xml?: XmlElement } | undefined)?.xml !== undefined;
    if (own) el = own;
    // An item added in code to a list of parsed items (a new NIC) has no place in the source.
    else if (Array.isArray(list) && list.some(sourced)) el = undefined;
    else if (el) {
      const name = index !== undefined && key.endsWith('s') ? key.slice(0, -1) : key;
      const child = childElements(el, name)[index ?? 0];
      if (child) el = child;
    }
    obj = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : undefined;
  }
  return el;
}

function diagnostics(
  model: unknown,
  issues: ValidationIssue[],
  opts: CheckOptions,
  prefix = '',
): Diagnostic[] {
  return issues.map((i) => {
    const el = locate(model, i.path.slice(prefix.length));
    const file = opts.file ?? el?.pos?.file ?? (model as { xml?: XmlElement }).xml?.pos?.file;
    const pos: Position = el?.pos
      ? { ...el.pos, ...(file !== undefined ? { file } : {}) }
      : { ...(file !== undefined ? { file } : {}), line: 0, col: 0 };
    return {
      code: i.code,
      severity: 'warning',
      message: `${i.path}: ${i.message}`,
      pos,
      expected: i.expected,
      found: i.found,
    };
  });
}

/**
 * What libvirt would refuse or rewrite if this domain were defined as a new VM, as warnings located in
 * the source the model was parsed from (line 0 for parts built in code). A dump of a running VM has
 * `vnet*` / `macvtap*` targets (LV007): expected there, only a new definition should not ask for them.
 */
export function checkDomain(d: Domain, opts: CheckOptions = {}): Diagnostic[] {
  return diagnostics(d, validateDomain(d), opts);
}

/** {@link checkDomain} for a network. */
export function checkNetwork(n: Network, opts: CheckOptions = {}): Diagnostic[] {
  return diagnostics(n, validateNetwork(n), opts);
}

/** {@link checkDomain} for one `<interface>`. */
export function checkInterface(i: Interface, opts: CheckOptions = {}): Diagnostic[] {
  return diagnostics(i, validateInterface(i), opts, 'interface.');
}

/** Throws LibvirtModelError (every issue at once) when a domain built in code breaks a build check. */
export function assertValidDomain(d: Domain): void {
  const issues = validateDomain(d);
  if (issues.length) throw new LibvirtModelError(`domain ${JSON.stringify(d.name)}`, issues);
}

/** Throws LibvirtModelError when a network built in code breaks a build check. */
export function assertValidNetwork(n: Network): void {
  const issues = validateNetwork(n);
  if (issues.length) throw new LibvirtModelError(`network ${JSON.stringify(n.name)}`, issues);
}

/** Throws LibvirtModelError when an interface built in code breaks a build check. */
export function assertValidInterface(i: Interface): void {
  const issues = validateInterface(i);
  if (issues.length) throw new LibvirtModelError('interface', issues);
}
