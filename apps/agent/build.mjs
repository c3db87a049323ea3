// Bundles the agent into one executable file: dist/hagate-agent (Node 18+, no runtime dependency).
// CommonJS on purpose: an extensionless file outside any package.json (e.g. /usr/local/sbin/hagate-agent)
// is loaded as CommonJS by Node 18+, and CJS starts faster than the ESM loader. dist/package.json pins the
// type for the copy inside this (type: module) package.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const pkg = JSON.parse(await readFile(here('./package.json'), 'utf8'));
// `node build.mjs DIR` bundles into DIR instead (tests build their own copy, never racing on dist/).
const outDir = process.argv[2] ? resolve(process.argv[2]) : here('./dist');
await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [here('./src/main.ts')],
  outfile: `${outDir}/hagate-agent`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  banner: { js: '#!/usr/bin/env node' },
  alias: { '@hagate/spec/agent-config': here('../../packages/spec/src/agent-config.ts') },
  define: { AGENT_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
});
await writeFile(`${outDir}/package.json`, '{ "type": "commonjs" }\n');
await chmod(`${outDir}/hagate-agent`, 0o755);
