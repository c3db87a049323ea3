/**
 * Talking to conntrackd without spawning `conntrackd -c` & co: its control socket is a local UNIX stream
 * socket; a client sends one native int (the request) and reads the answer until conntrackd closes the
 * connection, which it does once the request is done (a commit answers when the kernel has the entries).
 *
 * The order no peer guarantees, and the agent does:
 * - to MASTER: commit the peer's connections (external cache) into the kernel before the external NIC comes
 *   up and forwarding starts; once the master state holds, flush the caches, resync from the kernel and send
 *   the whole table to the peer;
 * - to BACKUP / FAULT: once the NIC is down, have conntrackd purge the kernel table after its PurgeTimeout
 *   (what the new master now owns goes) and ask the peer for its table.
 * Availability wins over state: a failure or a timeout is reported, never stops a transition.
 */
import { createConnection } from 'node:net';
import { endianness } from 'node:os';
import type { ConntrackState } from '@hagate/spec/agent-config';

/** conntrackd's request numbers (its UNIX socket protocol). */
export const CONNTRACKD = {
  /** -c: commit the external cache (connections and expectations) into the kernel. */
  commit: 46,
  /** -f: flush the internal and external caches. */
  flushCaches: 45,
  /** -R: resync the internal cache with the kernel table. */
  resync: 44,
  /** -B: send the whole internal cache to the peer. */
  sendBulk: 22,
  /** -n: ask the peer for its table. */
  requestDump: 23,
  /** -t: flush the kernel's conntrack table after PurgeTimeout (the zombie entries of a former master). */
  resetTimers: 26,
  /** -s: statistics (is it running?). */
  stats: 21,
} as const;

export type ConntrackRequest = keyof typeof CONNTRACKD;

/** Sends one request; resolves with conntrackd's answer text, rejects when it cannot be reached in time. */
export function conntrackdRequest(
  socket: string,
  request: ConntrackRequest,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const buf = Buffer.alloc(4);
    if (endianness() === 'LE') buf.writeInt32LE(CONNTRACKD[request]);
    else buf.writeInt32BE(CONNTRACKD[request]);
    let answer = '';
    let settled = false;
    const conn = createConnection({ path: socket });
    const done = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      if (e) reject(e);
      else resolve(answer);
    };
    const timer = setTimeout(
      () => done(new Error(`conntrackd ${request}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    conn.setEncoding('utf8');
    conn.on('data', (d: string) => {
      if (answer.length < 65536) answer += d;
    });
    conn.on('error', (e: NodeJS.ErrnoException) =>
      done(
        new Error(
          `conntrackd ${request}: ${e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `not running (${socket}: ${e.code})` : e.message}`,
        ),
      ),
    );
    conn.on('close', () => done());
    conn.on('connect', () => conn.write(buf));
  });
}

/** Runs requests in order; returns one problem per failed request (none when all went through). */
export async function conntrackdSteps(c: ConntrackState, requests: ConntrackRequest[]): Promise<string[]> {
  const problems: string[] = [];
  for (const r of requests) {
    try {
      await conntrackdRequest(c.socket, r, c.timeoutMs);
    } catch (e) {
      problems.push((e as Error).message);
      // Not running: the next requests would fail the same way.
      if (/not running/.test((e as Error).message)) break;
    }
  }
  return problems;
}

/** How many connections conntrackd's external cache (the peer's table) holds, from its `stats` answer. */
export function peerTableSize(stats: string): number | undefined {
  const m = /cache external:\s*\ncurrent active connections:\s*(\d+)/.exec(stats);
  return m ? Number(m[1]) : undefined;
}

/**
 * To MASTER: commits the peer's table into the kernel, then reads its size (the external cache stays until
 * the flush after the transition). Problems are returned as warnings; an empty table is one too (nothing
 * came from the peer: its conntrackd or the sync link is down, so its connections are lost here), which is
 * what `hagate-agent status` then shows.
 */
export async function commitPeerTable(c: ConntrackState): Promise<string[]> {
  const problems = await conntrackdSteps(c, ['commit']);
  if (problems.length > 0) return problems;
  try {
    const size = peerTableSize(await conntrackdRequest(c.socket, 'stats', c.timeoutMs));
    if (size === 0)
      problems.push(
        "conntrackd: the peer's table was empty at takeover (nothing synced from the peer: its conntrackd or the sync link is down), its connections are lost",
      );
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}
