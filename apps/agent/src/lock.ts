/**
 * Serializing agent runs: the lock is an abstract unix socket (`\0<lockName>`). Binding it succeeds for one
 * process at a time in a network namespace, and the kernel releases it when that process exits or is
 * killed, so a crashed agent never leaves a stale lock behind (no lock file, no pid guessing).
 */
import { createServer, type Server } from 'node:net';

export interface Lock {
  release(): Promise<void>;
}

function tryBind(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(undefined);
      else reject(e);
    });
    server.listen({ path: `\0${name}` }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Waits for the lock, polling every 1 to 5 ms, for at most `timeoutMs`. */
export async function acquireLock(name: string, timeoutMs: number): Promise<Lock> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    const server = await tryBind(name);
    if (server) {
      return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    }
    if (Date.now() > deadline)
      throw new Error(`lock ${name}: still held by another hagate-agent after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay + 1, 5);
  }
}
