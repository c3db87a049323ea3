#!/usr/bin/env node
// `pnpm hagate ARGS...`: this checkout's hagate CLI, built first if a source changed (turbo; its output is
// shown only when the build fails), run from the folder pnpm was called in (pnpm runs scripts from the
// repository root and passes the caller's folder as INIT_CWD), so `--spec` and `--out` are the user's paths.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const build = spawnSync('turbo', ['run', 'build', '--output-logs=errors-only'], {
  cwd: repo,
  encoding: 'utf8',
  env: { ...process.env, PATH: `${repo}node_modules/.bin:${process.env.PATH ?? ''}` },
});
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  process.stderr.write(`pnpm hagate: the build failed${build.error ? ` (${build.error.message})` : ''}\n`);
  process.exit(1);
}
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm for this script, not an input of a turbo task
const callerDir = process.env.INIT_CWD;
if (callerDir) process.chdir(callerDir);
await import('../../apps/cli/dist/bin.js');
