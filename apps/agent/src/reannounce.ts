/**
 * keepalived's `MASTER_RX_LOWER_PRI` (a master received an advert of lower priority: a split brain is
 * healing and this router stays master), or the `reannounce` command (`notify_master_rx_lower_pri`). Not a
 * role change: the master re-announces itself so switches and neighbours that followed the other router
 * come back (the gateway's ARP entry dropped and asked again, a broadcast every switch port sees).
 */
import type { AgentConfig } from '@hagate/spec/agent-config';
import { type ReannounceResult, reannounce } from './announce.js';
import { IpSession } from './ip-session.js';

/** Re-announces this router as the master (nothing when it does not hold the master state). */
export async function onReannounce(config: AgentConfig, ip?: IpSession): Promise<ReannounceResult> {
  const session = ip ?? new IpSession(config.commandTimeoutMs);
  try {
    // A one-shot run waits for the repeats (it exits after); the fifo process goes on with its events.
    return await reannounce(config, session, { wait: !ip });
  } catch (e) {
    return { sent: false, detail: `cannot re-announce: ${(e as Error).message}` };
  } finally {
    if (!ip) session.close();
  }
}
