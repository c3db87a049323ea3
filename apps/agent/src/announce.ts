/**
 * Announcing this router as the master: the switch must learn the shared MAC's new port and the gateway its
 * ARP entry, at once (no sleep, no waiting for traffic). On a transition the gratuitous ARP comes from
 * `arp_notify` as the NIC comes up, and one datagram to the gateway makes the kernel ARP for it. When a split
 * brain heals (keepalived's MASTER_RX_LOWER_PRI: the other router was master too), the rightful master does
 * it again: its neighbour entry for the gateway is dropped first, so the kernel ARPs (a broadcast every
 * switch port sees) instead of using the cached entry.
 */

import type { Socket } from 'node:dgram';
import type { AgentConfig } from '@hagate/spec/agent-config';
import type { IpSession } from './ip-session.js';
import type { KernelState } from './kernel.js';
import { literalUdp4 } from './udp.js';

/**
 * The announce datagram's socket, opened and bound before the transition's ip lines run so that sending it
 * once the check confirms the master state costs one send, not a socket's set-up (the first `send` on a
 * fresh socket binds it and resolves the address, about 2 ms on a small router). The address is always an
 * IP literal: the socket's lookup hands it back as is (no dns module).
 */
export class Announcer {
  private readonly sock: Socket | undefined;
  private readonly bound: Promise<boolean>;

  private constructor(
    private readonly address: string,
    private readonly method: 'udp' | 'ping',
  ) {
    if (method === 'udp') {
      const sock = literalUdp4();
      this.sock = sock;
      this.bound = new Promise<boolean>((resolve) => {
        sock.once('error', () => resolve(false));
        sock.bind(0, () => resolve(true));
      });
    } else {
      this.bound = Promise.resolve(method === 'ping');
    }
  }

  /** Opens the socket for a datagram to `address` (a ping spawns nothing until `send`). */
  static async prepare(address: string, method: 'udp' | 'ping'): Promise<Announcer> {
    return new Announcer(address, method);
  }

  /** Makes the switch and the gateway learn this router now: one datagram (the kernel ARPs for the gateway
   * first) or one background ping. Never waits for an answer; never throws. */
  async send(): Promise<void> {
    if (this.method === 'ping') {
      const { spawn } = await import('node:child_process');
      const child = spawn('ping', ['-c1', '-W1', '-n', '-q', this.address], {
        stdio: 'ignore',
        detached: true,
      });
      child.on('error', () => {});
      child.unref();
      return;
    }
    const sock = this.sock;
    if (!sock || !(await this.bound)) return;
    await new Promise<void>((resolve) => {
      try {
        sock.send(Buffer.alloc(0), 9, this.address, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  close(): void {
    try {
      this.sock?.close();
    } catch {}
  }
}

/** One announce, set up and sent at once (a re-announce; a transition prepares its Announcer early). */
export async function probe(address: string, method: 'udp' | 'ping'): Promise<void> {
  const a = await Announcer.prepare(address, method);
  try {
    await a.send();
  } finally {
    a.close();
  }
}

export interface ReannounceResult {
  /** false when this router does not hold the master state (nothing sent). */
  sent: boolean;
  detail: string;
}

/** Re-announces the master: only when this router holds the master state (its external NIC up with the
 * failover IP); never changes anything else. */
/** Pauses before the repeated re-announces (ms, one after the other). */
const REANNOUNCE_AGAIN_MS = [300, 1000];

/** True when this router holds the master state as `state` shows it (its external NIC up with its
 * addresses). */
function holdsMaster(config: AgentConfig, state: KernelState): boolean {
  const master = config.roles.master;
  return (
    master.links.every((l) => state.links.get(l.name)?.up === l.up) &&
    master.addresses.every((a) => state.links.get(a.dev)?.addresses.some((h) => h.cidr === a.cidr))
  );
}

export async function reannounce(
  config: AgentConfig,
  ip: IpSession,
  opts: { wait: boolean } = { wait: true },
): Promise<ReannounceResult> {
  const master = config.roles.master;
  const p = master.announce.probe;
  const state = await ip.read();
  if (!holdsMaster(config, state))
    return { sent: false, detail: 'not holding the master state: nothing to announce' };
  if (!p) return { sent: false, detail: 'no announce probe configured' };
  const dev = master.routes.find((r) => r.via === p.address)?.dev ?? config.externalNic;
  const once = async () => {
    await ip.run([`neigh del ${p.address} dev ${dev}`]);
    await probe(p.address, p.method);
  };
  await once();
  // The other router gives up its NIC (the same MAC) only once its own transition ran: its last frames may
  // reach the switch after ours. Again a little later, so the switch ends pointing here.
  const later = async () => {
    for (const ms of REANNOUNCE_AGAIN_MS) {
      await new Promise((r) => setTimeout(r, ms));
      await once().catch(() => {});
    }
  };
  if (opts.wait) await later();
  else void later();
  return {
    sent: true,
    detail: `master re-announced (ARP for ${p.address} on ${dev}, a probe sent, again after ${REANNOUNCE_AGAIN_MS.join(' and ')} ms)`,
  };
}

/**
 * After a MASTER transition of the fifo process, the announce again 300 ms later and 1 s after that: the other
 * router gives its NIC (the same MAC) up in its own transition, which runs at the same time as this one
 * when it was preempted, and a frame it sent last would leave the switch pointing at it. Each repeat first
 * reads the kernel and sends only while this router holds the master state; the next role event cancels
 * them. Nothing is spawned.
 */
export class AnnounceRepeats {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly config: AgentConfig,
    private readonly ip: IpSession,
  ) {}

  schedule(): void {
    this.cancel();
    const p = this.config.roles.master.announce.probe;
    if (!p) return;
    let at = 0;
    for (const ms of REANNOUNCE_AGAIN_MS) {
      at += ms;
      this.timers.push(
        setTimeout(() => {
          this.ip
            .read()
            .then((state) => (holdsMaster(this.config, state) ? probe(p.address, p.method) : undefined))
            .catch(() => {});
        }, at),
      );
    }
  }

  cancel(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
