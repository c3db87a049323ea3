// Bundles the agent into one executable file: dist/hagate-agent (Node 18+, no runtime dependency).
//
// The file must run however Node decides to load it. Installed as /usr/local/sbin/hagate-agent (no
// package.json above it), an extensionless file is loaded as CommonJS; copied under a `"type": "module"`
// package (e.g. a checkout's out/, this repository's root being ESM) it is loaded as an ES module. So the
// bundle is esbuild's CommonJS output inside a function that is given `require`, `module` and `exports`:
// by Node itself when loaded as CommonJS (the fast path, nothing more than a plain CJS bundle), or, when
// loaded as an ES module, a `require` made with `createRequire` (the bundle only requires Node builtins,
// which this script checks). The wrapper uses no syntax that only one of the two module systems accepts.
//
// Byte-reproducible: esbuild runs with this folder as its working directory, whatever the caller's, so the
// path comments it writes (`// src/main.ts`) do not depend on where the build was started.
//
// Usage: node build.mjs [DIR]   bundles into DIR/hagate-agent (default dist/), with DIR/package.json
// pinning CommonJS for the copy inside a package; tests build their own copy, never racing on dist/.

import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const pkg = JSON.parse(await readFile(here('./package.json'), 'utf8'));
const result = await build({
  absWorkingDir: here('.'),
  entryPoints: ['src/main.ts'],
  write: false,
  outfile: 'dist/hagate-agent',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  define: { AGENT_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'none',
  minifySyntax: true,
  // The body runs inside vm.Script (the code cache), which has no loader for import(): builtins are
  // required lazily instead.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
const body = result.outputFiles[0].text.replace(/^"use strict";\n/, '');

const buildId = createHash('sha256').update(body).digest('hex').slice(0, 16);
// The outer file: compiles the body above with the V8 code cache (src/loader.ts, src/code-cache.ts).
const loaderResult = await build({
  absWorkingDir: here('.'),
  entryPoints: ['src/loader.ts'],
  write: false,
  outfile: 'dist/loader.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  define: { AGENT_BODY: JSON.stringify(body), AGENT_BUILD_ID: JSON.stringify(buildId) },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
});
const loader = loaderResult.outputFiles[0].text.replace(/^"use strict";\n/, '');

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
for (const [what, code] of [
  ['the bundle', body],
  ['the loader', loader.replace(JSON.stringify(body), '""')],
]) {
  const required = [...code.matchAll(/\brequire\(("[^"]*"|'[^']*')\)/g)].map((m) => m[1].slice(1, -1));
  const foreign = required.filter((m) => !builtins.has(m));
  if (foreign.length > 0) {
    console.error(`build.mjs: ${what} requires ${foreign.join(', ')}: only Node builtins can be required`);
    process.exit(1);
  }
  if (what === 'the bundle' && /\bimport\(/.test(code)) {
    console.error('build.mjs: the bundle calls import(): it runs in vm.Script, which cannot load modules');
    process.exit(1);
  }
  if (/\bimport\.meta\b|\b__(?:file|dir)name\b/.test(code)) {
    console.error(`build.mjs: ${what} uses import.meta, __filename or __dirname (one module system only)`);
    process.exit(1);
  }
}

const text = `#!/usr/bin/env node
"use strict";
// hagate-agent ${pkg.version}, bundled by apps/agent/build.mjs: runs when loaded as CommonJS or as an ES module.
(function (bundle) {
  if (typeof require === "function") return bundle(require, module, exports);
  const mod = { exports: {} };
  // Only Node builtins are required: the path createRequire is given does not matter.
  return import("node:module").then((m) => bundle(m.createRequire(process.execPath), mod, mod.exports));
})(function (require, module, exports) {
${loader}});
`;
const outDir = process.argv[2] ? resolve(process.argv[2]) : here('./dist');
const outfile = join(outDir, 'hagate-agent');
await mkdir(outDir, { recursive: true });
// Replaced atomically: a process running the bundle never reads half a file.
const partial = `${outfile}.${process.pid}.partial`;
await writeFile(partial, text, { mode: 0o755 });
await chmod(partial, 0o755);
await rename(partial, outfile);
// The copy inside this (type: module) package loads as CommonJS, as it does on a router.
await writeFile(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
