/** Reading typed values out of elements, and writing them back in the original spelling when unchanged. */
import { LibvirtXmlError, type XmlElement } from './xml.js';

/** Where a value is read from, for error messages: the file name and the element path. */
export interface Where {
  file: string;
  path: string;
}

export function at(w: Where, step: string): Where {
  return { file: w.file, path: `${w.path}/${step}` };
}

/** Throws LibvirtXmlError for the value at `w`; `el` is the element holding it (or missing it), for its place. */
export function fail(w: Where, expected: string, found: string | undefined, el?: XmlElement): never {
  const shown = found === undefined ? 'nothing' : JSON.stringify(found);
  throw new LibvirtXmlError(`${w.path}: expected ${expected}, found ${shown}`, w.file, undefined, undefined, {
    expected,
    found: shown,
    ...(el?.pos ? { at: el.pos } : {}),
  });
}

/** Parses decimal or 0x-prefixed hexadecimal integers, as libvirt does. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?\d+$/.test(t)) return Number.parseInt(t, 10);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  return undefined;
}

export function parseBool(s: string): boolean | undefined {
  if (s === 'yes' || s === 'on') return true;
  if (s === 'no' || s === 'off') return false;
  return undefined;
}

export function optStr(e: XmlElement | undefined, name: string): string | undefined {
  return e?.attrs[name];
}

export function reqStr(e: XmlElement, name: string, w: Where): string {
  const v = e.attrs[name];
  if (v === undefined) fail(at(w, `@${name}`), `attribute ${name}`, undefined, e);
  return v;
}

export function optNum(e: XmlElement | undefined, name: string, w: Where): number | undefined {
  const v = e?.attrs[name];
  if (v === undefined) return undefined;
  const n = parseNumber(v);
  if (n === undefined) fail(at(w, `@${name}`), 'an integer', v, e);
  return n;
}

export function reqNum(e: XmlElement, name: string, w: Where): number {
  const n = optNum(e, name, w);
  if (n === undefined) fail(at(w, `@${name}`), `attribute ${name}`, undefined, e);
  return n;
}

export function optBool(e: XmlElement | undefined, name: string, w: Where): boolean | undefined {
  const v = e?.attrs[name];
  if (v === undefined) return undefined;
  const b = parseBool(v);
  if (b === undefined) fail(at(w, `@${name}`), "'yes' or 'no'", v, e);
  return b;
}

/** A number attribute: the original text when it still means the same value, else `fmt(value)`. */
export function num(
  old: XmlElement | undefined,
  name: string,
  value: number | undefined,
  fmt: (n: number) => string = String,
): [string, string | undefined] {
  if (value === undefined) return [name, undefined];
  const prev = old?.attrs[name];
  if (prev !== undefined && parseNumber(prev) === value) return [name, prev];
  return [name, fmt(value)];
}

/** A yes/no attribute, keeping an original `on`/`off` spelling when the meaning is unchanged. */
export function bool(
  old: XmlElement | undefined,
  name: string,
  value: boolean | undefined,
): [string, string | undefined] {
  if (value === undefined) return [name, undefined];
  const prev = old?.attrs[name];
  if (prev !== undefined && parseBool(prev) === value) return [name, prev];
  return [name, value ? 'yes' : 'no'];
}

export const hex = (width: number) => (n: number) => `0x${n.toString(16).padStart(width, '0')}`;

/** Copies the defined entries of an object (keeps models free of `key: undefined`). */
export function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
