/**
 * The bundle's V8 code cache: what Node 22's `module.enableCompileCache()` does, for Node 18 and 20.
 *
 * A notify run is one process per keepalived event, and compiling the agent's code is a fixed part of its
 * start (about 7 ms on a small router, a tenth of the whole run). The bundle's outer file (loader.ts) holds
 * the agent's code as a string and compiles it with `vm.Script` (the code has no `import()`: build.mjs has
 * esbuild turn them into lazy requires); after the first run the compiled code is
 * kept in the state directory, and later runs deserialize it instead of compiling.
 *
 * Safety: the cache is keyed by the build's content hash, the V8 version and the architecture (V8 also
 * checks its version, flags and the source length, and rejects what does not match: the code is then
 * compiled as usual and the cache rewritten). It lives in the agent's own state directory (root's) and is
 * used only when it is a regular file owned by this user and writable by nobody else. Anything unusual
 * (no config, no state directory, a read-only disk) only means no cache: the agent runs the same.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { Script } from 'node:vm';
import { DEFAULT_CONFIG } from './defaults.js';

const MAX_CONFIG_BYTES = 1 << 20;
const MAX_CACHE_BYTES = 16 << 20;
const PREFIX = 'code-cache-';

/** The cache in this process, for `hagate-agent check`: used; missing or rejected by V8 (written when the
 * process exits); off (no state directory to keep it in). */
export type CacheOutcome = 'used' | 'missing' | 'rejected' | 'off';

/** The config file the agent will read: `--config FILE`, `--config=FILE`, `-c FILE`, `-cFILE`, else the
 * default. */
export function configPathOf(argv: readonly string[]): string {
  let path = DEFAULT_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if ((a === '--config' || a === '-c') && i + 1 < argv.length) path = argv[++i] as string;
    else if (a.startsWith('--config=')) path = a.slice('--config='.length);
    else if (a.startsWith('-c') && a.length > 2) path = a.slice(2);
  }
  return path;
}

/** The state directory named by the config file, or undefined when it cannot be read cheaply. */
export function stateDirOf(configPath: string): string | undefined {
  try {
    const fd = openSync(configPath, 'r');
    try {
      if (fstatSync(fd).size > MAX_CONFIG_BYTES) return undefined;
      const dir = (JSON.parse(readFileSync(fd, 'utf8')) as { stateDir?: unknown }).stateDir;
      return typeof dir === 'string' && dir.startsWith('/') && !dir.includes('\0') ? dir : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** The cache file for this build on this Node: `<stateDir>/code-cache-<build>-<v8>-<arch>.bin`. */
export function cacheFileName(buildId: string): string {
  const v8 = process.versions.v8.replace(/[^A-Za-z0-9.]/g, '_');
  return `${PREFIX}${buildId}-${v8}-${process.arch}.bin`;
}

/** The cache's bytes when the file is safe to trust: a regular file of this user, writable by no one else. */
export function readTrusted(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.() ?? 0;
    if (!st.isFile() || st.uid !== uid || (st.mode & 0o022) !== 0 || st.size > MAX_CACHE_BYTES)
      return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache atomically (mode 0600) and removes the caches of other builds; never throws. */
export function writeCache(dir: string, name: string, data: Buffer): boolean {
  const tmp = `${dir}/${name}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, `${dir}/${name}`);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {}
    return false;
  }
  try {
    for (const f of readdirSync(dir)) {
      if (f.startsWith(PREFIX) && f !== name && f.endsWith('.bin')) unlinkSync(`${dir}/${f}`);
    }
  } catch {}
  return true;
}

/** The agent's code as a function of (require, module, exports), compiled from the cache when it can be. */
export interface CompiledBundle {
  run: (req: NodeJS.Require, mod: { exports: unknown }, exp: unknown) => unknown;
  outcome: () => CacheOutcome;
}

/**
 * Compiles `body` (the bundled agent) with the cache of `stateDir` when there is a trusted one; when there
 * was none, or V8 rejected it, the cache is written when the process exits (the code the run compiled is
 * then in it).
 */
export function compileBundle(
  body: string,
  buildId: string,
  filename: string,
  stateDir: string | undefined,
): CompiledBundle {
  const name = cacheFileName(buildId);
  const cached = stateDir ? readTrusted(`${stateDir}/${name}`) : undefined;
  const script = new Script(`(function (require, module, exports) {${body}\n})`, {
    filename,
    ...(cached ? { cachedData: cached } : {}),
  });
  const outcome: CacheOutcome = !stateDir
    ? 'off'
    : !cached
      ? 'missing'
      : script.cachedDataRejected
        ? 'rejected'
        : 'used';
  if (stateDir && outcome !== 'used') {
    process.once('exit', () => writeCache(stateDir, name, script.createCachedData()));
  }
  const fn = script.runInThisContext() as (req: unknown, mod: unknown, exp: unknown) => unknown;
  return { run: (req, mod, exp) => fn(req, mod, exp), outcome: () => outcome };
}
