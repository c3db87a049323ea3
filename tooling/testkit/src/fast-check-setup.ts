/**
 * vitest setup for every project: under CI=true, property tests run with a fixed seed (FC_SEED, or a
 * default), so a gate run is reproducible; elsewhere each run draws a new seed and keeps exploring.
 * A failure prints its seed either way: rerun with FC_SEED=<seed> to reproduce it.
 */
import fc from 'fast-check';

const fixed = process.env.FC_SEED ?? (process.env.CI === 'true' ? '20261126' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
