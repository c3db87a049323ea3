/**
 * One line per transition and per failure: to stderr, and to syslog through `logger` (spawned detached
 * after the change is made, never waited for, so logging never delays or blocks a transition).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface LogTarget {
  ident: string;
  facility: string;
}

let target: LogTarget = { ident: 'hagate-agent', facility: 'daemon' };

export function setLogTarget(t: LogTarget): void {
  target = t;
}

export function log(level: 'info' | 'err' | 'warning', message: string): void {
  process.stderr.write(`${target.ident}: ${message}\n`);
  if (process.env.HAGATE_AGENT_NO_SYSLOG === '1' || !existsSync('/dev/log')) return;
  try {
    const child = spawn(
      'logger',
      ['-t', target.ident, '--id', String(process.pid), '-p', `${target.facility}.${level}`, '--', message],
      { stdio: 'ignore', detached: true },
    );
    child.on('error', () => {});
    child.unref();
  } catch {}
}
