import { isIPv4, isIPv6 } from 'node:net';
import {
  addressesByInterface,
  formatDiagnostic,
  parseInterfaces,
  readAddresses,
} from '@hagate/debian-interfaces';

/** Addresses per interface name, as `lint({ interfaces })` takes them (`eth1` -> [`10.10.1.1/24`]). */
export type InterfaceAddresses = Record<string, string[]>;

/** Thrown for an address or netmask that cannot be read; the message starts with `file:line:col`. */
export class InterfacesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterfacesFileError';
  }
}

/**
 * Reads the static addresses of a Debian `/etc/network/interfaces` text, for the linter's KA035, through
 * @hagate/debian-interfaces' own address reader (checked against ifquery: `netmask` over `/LEN`, the
 * address class without either, templates applied). Only interfaces with a static IPv4 address are
 * listed, their IPv6 addresses after; one whose IPv4 subnet is not known (dhcp, manual) is left out.
 * `source` lines are not followed here (use `loadInterfaces` and `readAddresses` for that). Throws
 * {@link InterfacesFileError} with every problem, each `file:line:col: ...`.
 */
export function readInterfaceAddresses(text: string, options: { file?: string } = {}): InterfaceAddresses {
  const file = options.file ?? 'interfaces';
  let report: ReturnType<typeof readAddresses>;
  try {
    report = readAddresses(parseInterfaces(text, { file }), { file });
  } catch (e) {
    throw new InterfacesFileError((e as Error).message);
  }
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new InterfacesFileError(errors.map(formatDiagnostic).join('\n'));
  const v4 = addressesByInterface(report, 'inet');
  const v6 = addressesByInterface(report, 'inet6');
  const out: InterfaceAddresses = {};
  for (const [name, list] of Object.entries(v4)) out[name] = [...list, ...(v6[name] ?? [])];
  return out;
}

/** Reads `NAME=ADDR/LEN` (the CLI's `--interface`); returns undefined when it is not of that form. */
export function parseInterfaceAssignment(text: string): { name: string; address: string } | undefined {
  const m = /^([^=\s/]+)=([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const [, name = '', addr = '', len = ''] = m;
  const max = isIPv4(addr) ? 32 : isIPv6(addr) ? 128 : -1;
  if (max < 0) return undefined;
  const bits = prefixLength(len, max);
  if (bits === undefined) return undefined;
  return { name, address: `${addr}/${bits}` };
}

function prefixLength(text: string, max: number): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}
