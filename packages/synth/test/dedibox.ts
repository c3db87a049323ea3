/** The dedibox example as synth's tests use it: loaded once per call, cloned so a test may patch it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSpec, type Spec } from '@hagate/spec';
import type { SynthInput } from '../src/types.js';

/** The spec as `hagate gen --out out` names it in the headers (relative to the output folder), so the
 * generators' output is the repository's one golden tree (test/golden/dedibox). */
export const DEDIBOX_SOURCE = '../examples/dedibox/hagate.yaml';
/** The golden tree, from a test file in src/. */
export const GOLDEN = '../../../test/golden/dedibox';
const specFile = fileURLToPath(new URL('../../../examples/dedibox/hagate.yaml', import.meta.url));

export function dedibox(): Spec {
  const r = loadSpec(readFileSync(specFile, 'utf8'), DEDIBOX_SOURCE);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.spec;
}

/** A synth input of the dedibox spec, after `patch` edits a copy of it. */
export function input(patch: (s: Spec) => void = () => {}): SynthInput {
  const spec = structuredClone(dedibox());
  patch(spec);
  return { spec, source: DEDIBOX_SOURCE };
}
