/**
 * fifo mode (`vrrp_notify_fifo_script`): one long-lived process reads keepalived's event lines from the
 * FIFO and applies them strictly in order. The FIFO is opened read-write, so it never reports end-of-file
 * when keepalived closes it on a reload. SIGTERM/SIGINT: stop reading, apply the newest queued event (the
 * rest are superseded), exit 0.
 */
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { FirewallWatch } from './firewall-watch.js';
import { IpSession } from './ip-session.js';
import { log } from './log.js';
import type { Role } from './plan.js';
import { handleEvent } from './run.js';
import { nowSeq, type Seq } from './seq.js';

export interface ParsedEvent {
  type: string;
  name: string;
  state: string;
  priority?: string;
}

/** `INSTANCE "ROUTEUR_1" MASTER 200` -> its fields; undefined for a line that is not an event. */
export function parseFifoLine(line: string): ParsedEvent | undefined {
  const m =
    /^\s*(\S+)\s+"((?:[^"\\]|\\.)*)"\s+(\S+)(?:\s+(\S+))?\s*$/.exec(line) ??
    /^\s*(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/.exec(line);
  if (!m) return undefined;
  const e: ParsedEvent = { type: m[1] as string, name: m[2] as string, state: m[3] as string };
  if (m[4] !== undefined) e.priority = m[4];
  return e;
}

/** The role an event asks for; undefined for events this agent ignores. */
export function roleOf(config: AgentConfig, e: ParsedEvent): Role | undefined {
  if (e.type !== 'INSTANCE' || e.name !== config.instance) return undefined;
  switch (e.state) {
    case 'MASTER':
      return 'master';
    case 'BACKUP':
    case 'FAULT':
    case 'STOP':
    case 'DELETED':
      return 'backup';
    default:
      return undefined;
  }
}

export function runFifo(config: AgentConfig, path: string): Promise<number> {
  return new Promise((resolve) => {
    const queue: { line: string; seq: Seq }[] = [];
    let busy = false;
    let stopping = false;
    let failures = 0;
    // One ip child for the process's whole life: an event spawns nothing.
    const ip = new IpSession(config.commandTimeoutMs);
    // The firewall is loaded at boot; this process puts it back if something removes it.
    const firewall = new FirewallWatch(config, {
      log: (level, message) => log(level, `(${config.instance}) ${message}`),
    });
    firewall.start();
    // Aborted on SIGTERM: a STOP line's handover wait ends, and the master state is left to the
    // `notify_stop` / `shutdown_script` run that follows (its own handover waits for the peer).
    const stopSignal = new AbortController();
    // Non-blocking and read-write: epoll-driven like a socket (no thread blocked in read), no EOF on reload.
    const stream = new Socket({
      fd: openSync(path, constants.O_RDWR | constants.O_NONBLOCK),
      readable: true,
      writable: false,
    });
    stream.setEncoding('utf8');
    let buffered = '';
    const finish = () => {
      stream.destroy();
      ip.close();
      firewall.stop();
      log('info', `(${config.instance}) fifo ${path}: stopped`);
      resolve(0);
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      while (queue.length > 0) {
        if (stopping) queue.splice(0, queue.length - 1);
        const item = queue.shift();
        if (!item) break;
        const e = parseFifoLine(item.line);
        const role = e && roleOf(config, e);
        if (!e || !role) continue;
        const out = await handleEvent(
          config,
          role,
          [e.type, e.name, e.state, e.priority].filter(Boolean).join(' '),
          item.seq,
          {
            dropStale: false,
            handover: e.state === 'STOP',
            signal: stopSignal.signal,
            leaveOnInterrupt: true,
            ip,
          },
        );
        if (out.status !== 0) failures++;
      }
      busy = false;
      if (stopping) finish();
    };
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const seq = nowSeq();
      for (const line of lines) if (line.trim()) queue.push({ line, seq });
      void pump();
    });
    stream.on('error', (e) => {
      log('err', `(${config.instance}) fifo ${path}: ${e.message}`);
      resolve(1);
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      stopSignal.abort();
      stream.pause();
      if (!busy) {
        if (queue.length > 0) void pump();
        else finish();
      }
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {}); // keepalived reloads: keep going
    log('info', `(${config.instance}) fifo ${path}: waiting for events (${failures} failures so far)`);
  });
}
