/** Running the lab's tools: argv arrays only (no shell), synchronous for setup, async while measuring. */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs argv and returns status and output; never throws for a non-zero exit. */
export function runSync(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('runSync: empty argv');
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 30_000 });
  if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs argv and throws (with its stderr) when it fails. */
export function runSyncOk(
  argv: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): string {
  const r = runSync(argv, opts);
  if (r.status !== 0)
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Async variant of runSync, so probes and log readers keep running while it waits. */
export function run(
  argv: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new Error('run: empty argv'));
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code =
          err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 0;
        resolve({
          status: err ? code || -1 : 0,
          stdout,
          stderr: stderr || (err && !code ? err.message : ''),
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function runOk(
  argv: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await run(argv, opts);
  if (r.status !== 0)
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with ping -D and ip -ts). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts a long-running process and calls onLine for each line of its stdout and stderr, stamped with the
 * time it arrived.
 */
export function spawnLines(
  argv: readonly string[],
  onLine: (line: string, t: number, stream: 'out' | 'err') => void,
  /** Give the child a stdin pipe (default: none). */
  withStdin = false,
): ChildProcess {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('spawnLines: empty argv');
  const child = spawn(cmd, args, { stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  for (const [stream, name] of [
    [child.stdout, 'out'],
    [child.stderr, 'err'],
  ] as const) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const t = nowMs();
      buf += chunk;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine(buf.slice(0, i), t, name);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
    stream?.on('end', () => {
      if (buf) onLine(buf, nowMs(), name);
      buf = '';
    });
  }
  child.on('error', (e) => onLine(`spawn error: ${e.message}`, nowMs(), 'err'));
  return child;
}

/** Resolves when the child has exited and its output is read (immediately when it already has). */
export function exited(child: ChildProcess, timeoutMs = 15_000): Promise<boolean> {
  if ((child.exitCode !== null || child.signalCode !== null) && !child.stdout?.readable)
    return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** True when a process with that pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
