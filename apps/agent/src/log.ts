/**
 * One line per transition and per failure: to stderr, and to syslog through `logger`, tagged with this
 * process's pid (`--id=PID`: logger's `--id` takes an optional argument, so only the `=` form passes it).
 *
 * - one-shot runs (notify, shutdown...): one `logger` per line, spawned detached after the change is made
 *   and never waited for, so logging never delays or blocks a transition;
 * - the fifo process (`setLogStream(true)`): one long-lived `logger --prio-prefix` fed `<PRI>message`
 *   lines on its stdin (no process start per line), started again if it dies.
 *
 * Control characters (a newline in an argument or an event) are escaped: nothing can forge a log line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface LogTarget {
  ident: string;
  facility: string;
}

type Level = 'info' | 'err' | 'warning';

const FACILITY: Record<string, number> = {
  user: 1,
  daemon: 3,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
const SEVERITY: Record<Level, number> = { err: 3, warning: 4, info: 6 };

let target: LogTarget = { ident: 'hagate-agent', facility: 'daemon' };
let streaming = false;
let stream: ChildProcess | undefined;
/** logger is not installed: stop trying (stderr still gets every line). */
let noLogger = false;

export function setLogTarget(t: LogTarget): void {
  target = t;
}

/** fifo mode: one long-lived logger for every line. */
export function setLogStream(on: boolean): void {
  streaming = on;
  if (!on && stream) {
    stream.stdin?.end();
    stream = undefined;
  }
}

/** `\n`, `\r`, `\t`, other C0/C1 controls, DEL and the Unicode line separators, written as escapes. */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

function syslogEnabled(): boolean {
  return !noLogger && process.env.HAGATE_AGENT_NO_SYSLOG !== '1' && existsSync('/dev/log');
}

function loggerArgs(level: Level): string[] {
  return ['-t', target.ident, `--id=${process.pid}`, '-p', `${target.facility}.${level}`];
}

function onSpawnError(e: NodeJS.ErrnoException): void {
  if (e.code === 'ENOENT') noLogger = true;
}

function streamLine(level: Level, line: string): void {
  if (!stream) {
    const child = spawn('logger', [...loggerArgs('info'), '--prio-prefix'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', onSpawnError);
    child.stdin?.on('error', () => {});
    child.once('exit', () => {
      if (stream === child) stream = undefined;
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    stream = child;
  }
  const pri = (FACILITY[target.facility] ?? 3) * 8 + SEVERITY[level];
  stream.stdin?.write(`<${pri}>${line}\n`);
}

export function log(level: Level, message: string): void {
  const line = escapeControls(message);
  process.stderr.write(`${target.ident}: ${line}\n`);
  if (!syslogEnabled()) return;
  try {
    if (streaming) {
      streamLine(level, line);
      return;
    }
    const child = spawn('logger', [...loggerArgs(level), '--', line], { stdio: 'ignore', detached: true });
    child.on('error', onSpawnError);
    child.unref();
  } catch {}
}
