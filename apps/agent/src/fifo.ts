/**
 * fifo mode (`vrrp_notify_fifo_script`): one long-lived process reads keepalived's event lines from the
 * FIFO and applies them strictly in order. The FIFO is opened read-write, so it never reports end-of-file
 * when keepalived closes it on a reload. Lines are sorted as they are read (fifo-lines.ts): this instance's
 * role events are queued; `MASTER_RX_LOWER_PRI` re-announces; malformed lines, unknown states and other
 * instances' lines are logged (rate-limited) and dropped. SIGTERM/SIGINT: stop reading, apply the newest
 * queued role event (the rest are superseded), exit 0.
 */
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { AnnounceRepeats } from './announce.js';
import { ClaimResponder } from './claim.js';
import { classify, LineSplitter, MAX_LINE, type ParsedEvent, RateLimit } from './fifo-lines.js';
import { FirewallWatch } from './firewall-watch.js';
import { IpSession } from './ip-session.js';
import { log, setLogStream } from './log.js';
import type { Role } from './plan.js';
import { onReannounce } from './reannounce.js';
import { handleEvent } from './run.js';
import { nowSeq, type Seq } from './seq.js';

export { parseFifoLine } from './fifo-lines.js';

interface Item {
  event: ParsedEvent;
  /** undefined: a re-announce (MASTER_RX_LOWER_PRI), not a role change. */
  role?: Role;
  seq: Seq;
}

const eventText = (e: ParsedEvent) => [e.type, e.name, e.state, e.priority].filter(Boolean).join(' ');

export function runFifo(config: AgentConfig, path: string): Promise<number> {
  setLogStream(true);
  return new Promise((resolve) => {
    const queue: Item[] = [];
    let busy = false;
    let stopping = false;
    const tag = `(${config.instance}) fifo ${path}`;
    const limit = new RateLimit();
    const note = (kind: string, text: string) => {
      const suffix = limit.allow(kind);
      if (suffix !== undefined) log('warning', `${tag}: ${text}${suffix}`);
    };
    // One ip child for the process's whole life: an event spawns nothing.
    const ip = new IpSession(config.commandTimeoutMs);
    const repeats = new AnnounceRepeats(config, ip);
    // Answers the peer taking the master role (claim.ts): is this router's external NIC down yet?
    let current: Item | undefined;
    const responder = config.claim
      ? new ClaimResponder(config.claim, config.instance, config.externalNic, () =>
          [current, ...queue].some((i) => i?.role === 'backup'),
        )
      : undefined;
    responder?.start(500);
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
    const finish = () => {
      stream.destroy();
      repeats.cancel();
      responder?.stop();
      ip.close();
      firewall.stop();
      log('info', `${tag}: stopped`);
      setLogStream(false);
      resolve(0);
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      while (queue.length > 0) {
        if (stopping) {
          // Only the newest role event still matters.
          const roles = queue.filter((i) => i.role !== undefined);
          queue.splice(0, queue.length, ...roles.slice(-1));
        }
        const item = queue.shift();
        if (!item) break;
        const text = eventText(item.event);
        if (!item.role) {
          const r = await onReannounce(config, ip);
          log('info', `(${config.instance}) ${text}: a lower-priority advert was received: ${r.detail}`);
          continue;
        }
        current = item;
        const out = await handleEvent(config, item.role, text, item.seq, {
          dropStale: false,
          handover: item.event.state === 'STOP',
          signal: stopSignal.signal,
          leaveOnInterrupt: true,
          ip,
          ...(responder ? { responder } : {}),
        }).finally(() => {
          current = undefined;
        });
        if (item.role === 'master' && out.result === 'applied' && !stopping && queue.length === 0)
          repeats.schedule();
      }
      busy = false;
      if (stopping) finish();
    };
    const onLine = (line: string, seq: Seq) => {
      if (!line.trim()) return;
      const c = classify(config, line);
      switch (c.kind) {
        case 'role':
        case 'reannounce':
          if (c.torn) note('torn', `torn line, recovered its last event "${eventText(c.event)}"`);
          if (c.kind === 'role') repeats.cancel();
          queue.push(c.kind === 'role' ? { event: c.event, role: c.role, seq } : { event: c.event, seq });
          return;
        case 'quiet':
          return;
        default:
          note(c.kind, `line ignored (${c.why}): ${JSON.stringify(line.slice(0, 200))}`);
      }
    };
    let seq = nowSeq();
    const lines = new LineSplitter(
      (line) => onLine(line, seq),
      () => note('too-long', `a line over ${MAX_LINE} characters was discarded`),
    );
    stream.on('data', (chunk: string) => {
      seq = nowSeq();
      lines.push(chunk);
      void pump();
    });
    stream.on('error', (e) => {
      log('err', `${tag}: ${e.message}`);
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
    log('info', `${tag}: waiting for events`);
  });
}
