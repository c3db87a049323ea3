/**
 * A very small schema library: a shape is described once and gives both a validator (located errors:
 * the JSON path, what was expected, what was found) and its JSON Schema. No dependency, so the agent bundle
 * that imports it pays nothing at start-up. Only what agent.json needs.
 */

/** One problem: the JSON path (`roles.master.links[0].name`), what was expected, what was found. */
export interface Issue {
  path: string;
  expected: string;
  found: string;
}

/** Thrown by `fail`: the first problem stops validation (unknown keys are collected instead). */
export class SchemaFailure extends Error {
  constructor(readonly issue: Issue) {
    super(`${issue.path}: expected ${issue.expected}, found ${issue.found}`);
  }
}

export type JsonSchema = Record<string, unknown>;

/** What a validator sees while it walks a value. */
export class Walk {
  /** Unknown keys, all reported at once. */
  readonly unknown: Issue[] = [];
  fail(path: string, expected: string, found: unknown): never {
    throw new SchemaFailure({ path, expected, found: describe(found) });
  }
}

export interface Schema<T> {
  parse(v: unknown, path: string, w: Walk): T;
  json(): JsonSchema;
}

/** A key that may be absent (with a default, it is filled in). */
export interface Optional<T> {
  optional: Schema<T>;
  default?: T;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** A string matching `re` (and `check`, for what a regular expression cannot say). */
export function str(
  re?: RegExp,
  expected = 'a string',
  check?: (s: string) => string | undefined,
  json: JsonSchema = {},
): Schema<string> {
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (typeof v !== 'string' || (re && !re.test(v))) w.fail(path, expected, v);
      const problem = check?.(v);
      if (problem) w.fail(path, problem, v);
      return v;
    },
    json: () => ({ type: 'string', ...(re ? { pattern: re.source } : {}), ...json }),
  };
}

/** One of the given strings. */
export function oneOf<const T extends string>(values: readonly T[], expected?: string): Schema<T> {
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
        w.fail(path, expected ?? values.map((x) => `"${x}"`).join(' or '), v);
      return v as T;
    },
    json: () => ({ enum: [...values] }),
  };
}

export function int(min: number, max: number): Schema<number> {
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
        w.fail(path, `an integer from ${min} to ${max}`, v);
      return v;
    },
    json: () => ({ type: 'integer', minimum: min, maximum: max }),
  };
}

export function bool(): Schema<boolean> {
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (typeof v !== 'boolean') w.fail(path, 'true or false', v);
      return v;
    },
    json: () => ({ type: 'boolean' }),
  };
}

export function literal<const T extends number | string>(value: T, expected = String(value)): Schema<T> {
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (v !== value) w.fail(path, expected, v);
      return value;
    },
    json: () => ({ const: value }),
  };
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (!Array.isArray(v)) w.fail(path, 'an array', v);
      return v.map((x, i) => item.parse(x, join(path, i), w));
    },
    json: () => ({ type: 'array', items: item.json() }),
  };
}

/** A key that may be absent; with a default, the parsed value always has it. */
export function optional<T>(schema: Schema<T>): Optional<T>;
export function optional<T>(schema: Schema<T>, dflt: T): Optional<T> & { default: T };
export function optional<T>(schema: Schema<T>, dflt?: T): Optional<T> {
  return dflt === undefined ? { optional: schema } : { optional: schema, default: dflt };
}

type Field = Schema<unknown> | Optional<unknown>;
type Shape = Record<string, Field>;
type Out<F> = F extends Schema<infer T> ? T : F extends Optional<infer T> ? T : never;
type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Optional<unknown> ? (S[K] extends { default: unknown } ? K : never) : K;
}[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type Infer<S extends Shape> = { [K in RequiredKeys<S>]: Out<S[K]> } & {
  [K in OptionalKeys<S>]?: Out<S[K]>;
};

const isOptional = (f: Field): f is Optional<unknown> => 'optional' in f;

/** An object with exactly these keys (unknown keys are problems, all reported; absent optional keys take
 * their default or stay absent). `description` only documents the JSON Schema. */
export function object<S extends Shape>(shape: S, description?: string): Schema<Infer<S>> {
  const keys = Object.keys(shape);
  const required = keys.filter((k) => !isOptional(shape[k] as Field));
  return {
    parse(v: unknown, path: string, w: Walk) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) w.fail(path, 'an object', v);
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (!(k in shape))
          w.unknown.push({
            path: join(path, k),
            expected: `one of the keys ${keys.join(', ')}`,
            found: `unknown key "${k}"`,
          });
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const f = shape[k] as Field;
        if (!(k in o) || o[k] === undefined) {
          if (!isOptional(f)) return w.fail(join(path, k), 'a value', undefined);
          if (f.default !== undefined) out[k] = f.default;
          continue;
        }
        out[k] = (isOptional(f) ? f.optional : f).parse(o[k], join(path, k), w);
      }
      return out as Infer<S>;
    },
    json: () => ({
      type: 'object',
      ...(description ? { description } : {}),
      additionalProperties: false,
      ...(required.length > 0 ? { required } : {}),
      properties: Object.fromEntries(
        keys.map((k) => {
          const f = shape[k] as Field;
          return [
            k,
            isOptional(f)
              ? { ...f.optional.json(), ...(f.default !== undefined ? { default: f.default } : {}) }
              : f.json(),
          ];
        }),
      ),
    }),
  };
}
