// The CPU stages of `hagate gen` on a fleet, in a fresh Node process, one thread, nothing written:
// `node gen-stages.mjs SPEC...` prints on stderr how long importing the generators, reading and validating
// every spec, and synthesizing every pair took.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const t0 = performance.now();
const { loadSpec } = await import('@hagate/spec');
const { synth } = await import('@hagate/synth');
const agentBundle = readFileSync(createRequire(import.meta.url).resolve('@hagate/agent/hagate-agent'));
const t1 = performance.now();
const specs = process.argv.slice(2).map((file) => {
  const r = loadSpec(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new Error(`${file}: ${r.errors[0]?.message}`);
  return { file, spec: r.spec };
});
const t2 = performance.now();
let files = 0;
for (const { file, spec } of specs) files += synth({ spec, source: file, agentBundle }).length;
const t3 = performance.now();
process.stderr.write(
  `hagate-bench-stages import=${(t1 - t0).toFixed(0)} load=${(t2 - t1).toFixed(0)} synth=${(t3 - t2).toFixed(0)} files=${files}\n`,
);
