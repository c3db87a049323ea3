// Bundles the agent into one executable file: dist/hagate-agent (Node 18+, no runtime dependency).
// CommonJS on purpose: an extensionless file outside any package.json (e.g. /usr/local/sbin/hagate-agent)
// is loaded as CommonJS by Node 18+, and CJS starts faster than the ESM loader. dist/package.json pins the
// type for the copy inside this (type: module) package.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const pkg = JSON.parse(await readFile(here('./package.json'), 'utf8'));
await mkdir(here('./dist'), { recursive: true });
await build({
  entryPoints: [here('./src/main.ts')],
  outfile: here('./dist/hagate-agent'),
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
await writeFile(here('./dist/package.json'), '{ "type": "commonjs" }\n');
await chmod(here('./dist/hagate-agent'), 0o755);
