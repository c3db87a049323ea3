/** The spec tests' fixtures: the repository's examples as text, one exact edit of them, their errors. */
import { readFileSync } from 'node:fs';
import { formatSpecError, loadSpec } from '../src/load.js';

/** examples/NAME/hagate.yaml as text. */
export function exampleText(name: string): string {
  return readFileSync(new URL(`../../../examples/${name}/hagate.yaml`, import.meta.url), 'utf8');
}

/** Replaces exactly one occurrence of `from` (the test fails loudly if the fixture drifted). */
export function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`fixture edit: "${from}" must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The located errors of a spec that must be refused, as `hagate` prints them. */
export function errorsOf(text: string, file: string): string[] {
  const r = loadSpec(text, file);
  if (r.ok) throw new Error('expected the spec to be refused');
  return r.errors.map(formatSpecError);
}

/** `file:line:col` of the `|` inside `needle`, which must occur exactly once in `text` (without the `|`). */
export function locate(file: string, text: string, needle: string): string {
  const bare = needle.replace('|', '');
  const start = text.indexOf(bare);
  if (start < 0 || text.indexOf(bare, start + 1) >= 0)
    throw new Error(`needle "${bare}" must occur exactly once`);
  const before = text.slice(0, start + needle.indexOf('|')).split('\n');
  return `${file}:${before.length}:${(before.at(-1) ?? '').length + 1}`;
}
