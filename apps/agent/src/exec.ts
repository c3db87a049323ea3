/** Spawning tools: argv arrays only (never a shell), always with a timeout. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A tool could not be run, failed, or timed out. */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly result?: ExecResult,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Absolute path of `tool` in $PATH (the default system PATH when unset), or undefined. */
export function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? DEFAULT_PATH).split(':')) {
    if (!dir) continue;
    const p = `${dir}/${tool}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** Runs argv with `input` on stdin; resolves with its output whatever the exit status, rejects when it
 * cannot start or times out. */
export function exec(
  argv: readonly string[],
  opts: { input?: string; timeoutMs: number },
): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    if (!cmd) return reject(new ExecError('empty command'));
    const env = process.env.PATH === undefined ? { ...process.env, PATH: DEFAULT_PATH } : process.env;
    const child = spawn(cmd, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new ExecError(e.code === 'ENOENT' ? `${cmd}: not found in PATH` : `${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (signal) {
        reject(new ExecError(`${argv.join(' ')}: killed by ${signal} (timeout ${opts.timeoutMs} ms)`));
      } else resolve({ code: code ?? -1, stdout, stderr });
    });
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(opts.input);
    }
  });
}
