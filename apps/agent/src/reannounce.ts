/**
 * keepalived's `MASTER_RX_LOWER_PRI` (a master received an advert of lower priority: a split brain is
 * healing and this router stays master). Not a role change: the master re-announces itself so switches
 * and neighbours that followed the other router come back (gratuitous ARP for the failover IP, the
 * switch refresh). Called by fifo mode and by a notify run for that state.
 */
import type { AgentConfig } from '@hagate/spec/agent-config';

/** Re-announces this router as the master. A no-op for now: the hot-path work fills it. */
export async function onReannounce(_config: AgentConfig): Promise<void> {}
