/** The kernel's view of a router as lab events: one `ip -ts monitor link address route` line at a time. */
import type { LabEvent } from './lab.js';

/** What a router's monitor lines are about: its external NIC, the failover IP and the VIP. */
export interface MonitorNames {
  ext: string;
  failoverIp: string;
  vip: string;
}

/** The event a monitor line is (`ext:up`, `fip:add`, `vip:del`, `default:add`...), or undefined. */
export function monitorEvent(line: string, router: string, n: MonitorNames): LabEvent | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT[\d:.]+)\]\s*(.*)$/.exec(line);
  if (!m) return undefined;
  const t = new Date(m[1]!.slice(0, 23)).getTime() + Number(`0.${m[1]!.slice(23) || '0'}`);
  const text = m[2]!;
  const del = text.startsWith('Deleted ');
  const body = del ? text.slice(8) : text;
  let kind: string | undefined;
  const link = /^\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>/.exec(body);
  if (link && link[1] === n.ext && !del) kind = link[2]!.split(',').includes('UP') ? 'ext:up' : 'ext:down';
  else if (body.includes(` inet ${n.failoverIp}/`)) kind = del ? 'fip:del' : 'fip:add';
  else if (body.includes(` inet ${n.vip}/`)) kind = del ? 'vip:del' : 'vip:add';
  else if (/^default /.test(body)) kind = del ? 'default:del' : 'default:add';
  return kind ? { t, router, source: 'kernel', kind, text: body.trim() } : undefined;
}
