// Bundles the agent into one executable file: dist/hagate-agent (Node 18+, no runtime dependency).
import { chmod, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';

await mkdir('dist', { recursive: true });
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/hagate-agent',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
});
await chmod('dist/hagate-agent', 0o755);
