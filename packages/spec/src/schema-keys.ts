/** What the schema allows where a spec has an unknown key: the known keys, and the nearest to a typo. */
import type { core } from 'zod';

type Schema = core.$ZodType;

const defOf = (s: Schema) => s._zod.def as core.$ZodTypeDef & Record<string, unknown>;

/** The object schema (unwrapped from optional, default, pipe...) reached along `path`, if any. */
function objectAt(schema: Schema, path: readonly PropertyKey[]): Record<string, Schema> | undefined {
  let s: Schema | undefined = schema;
  let i = 0;
  while (s) {
    const def = defOf(s);
    // optional, default, prefault, nullable...: the schema inside; a pipe: its input.
    const inner = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as Schema | undefined;
    if (inner) {
      s = inner;
      continue;
    }
    if (i === path.length) return def.type === 'object' ? (def.shape as Record<string, Schema>) : undefined;
    const seg = path[i++];
    if (def.type === 'object') s = (def.shape as Record<string, Schema>)[String(seg)];
    else if (def.type === 'record') s = def.valueType as Schema;
    else if (def.type === 'array') s = def.element as Schema;
    else return undefined;
  }
  return undefined;
}

/** The keys an object of `schema` may have at `path` (empty when the path leads to no object). */
export function knownKeys(schema: Schema, path: readonly PropertyKey[]): string[] {
  return Object.keys(objectAt(schema, path) ?? {});
}

/** Edit distance (insertions, deletions, substitutions, and swaps of two neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key a typo most likely meant: case-insensitively equal, or within a third of its length. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase());
    if (d <= Math.max(1, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { key: k, d };
  }
  return best?.key;
}
