/**
 * systemd ordering on each router: keepalived starts only once nftables.service has loaded the router's
 * firewall (/etc/nftables.conf includes hagate's), so a router never becomes MASTER without it, and
 * starting keepalived pulls nftables.service in even where it was not enabled.
 */
import { routerNames } from '@hagate/spec';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** The drop-in's path on a router. */
export const KEEPALIVED_DROPIN = '/etc/systemd/system/keepalived.service.d/hagate.conf';

export function synthSystemd(input: SynthInput): GeneratedFile[] {
  // With conntrackSync, conntrackd runs before keepalived too: the agent's first transition talks to it.
  const units = input.spec.conntrackSync ? 'nftables.service conntrackd.service' : 'nftables.service';
  const text = [
    `# ${generatedMarker(input)}`,
    `# keepalived starts after the firewall is loaded (nftables.service reads /etc/nftables.conf)${input.spec.conntrackSync ? ' and conntrackd runs' : ''}.`,
    '[Unit]',
    `Wants=${units}`,
    `After=${units}`,
    '',
  ].join('\n');
  return routerNames(input.spec).map((router) => ({ path: `${router}${KEEPALIVED_DROPIN}`, contents: text }));
}
