/**
 * Checks for *building* a definition: the values libvirt refuses or rewrites when it defines a new domain
 * or network. Opt-in: the printers never run them (a dump of a running VM legitimately has `vnet0`
 * targets, which a new definition should not ask for). See check.ts for the same findings as Diagnostics.
 */
import type { Domain, Interface, Network, PciAddress, Virtualport, Vlan } from './model.js';

/** One problem: where in the model (`devices.interfaces[1].mac`), what was expected, what was found. */
export interface ValidationIssue {
  path: string;
  /** `expected X, found Y`. */
  message: string;
  /** Stable id of the rule (`LV001`...), listed in the README. */
  code: string;
  expected: string;
  found: string;
}

/** The build checks, by code: what each one is about (the README lists them). */
export const BUILD_CHECKS = {
  LV001: 'domain, network or portgroup name empty or with a slash',
  LV002: 'UUID (domain, network, OVS interfaceid) not in UUID syntax',
  LV003: 'memory not a positive integer',
  LV004: 'vcpu count or current vcpus out of range',
  LV005: 'MAC address not in 52:54:00:aa:bb:cc syntax or not unicast',
  LV006: 'interface target dev longer than 15 characters or with a slash or blank',
  LV007: 'interface target dev named vnet*/macvtap*/macvlan* (libvirt discards such names on define)',
  LV008: 'two interfaces with one target dev',
  LV009: 'PCI address out of range, or used by two devices',
  LV010: 'VLAN tags: none, out of 0-4095, repeated, several native, or several without trunk',
  LV011: 'interface without its network, bridge or host device',
  LV012: 'driver queues or MTU out of range',
  LV013: 'disk: block disk without a device path, or two disks with one target',
  LV014: 'portgroups: a name used twice, or several defaults',
  LV015: 'network bridge name longer than 15 characters',
} as const;

export type BuildCheckCode = keyof typeof BUILD_CHECKS;

function issue(code: BuildCheckCode, path: string, expected: string, found: string): ValidationIssue {
  return { code, path, expected, found, message: `expected ${expected}, found ${found}` };
}

/** Thrown by `assertBuildable`: lists every issue at once. */
export class LibvirtModelError extends Error {
  constructor(
    readonly what: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`invalid ${what}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'LibvirtModelError';
  }
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
/** Linux IFNAMSIZ is 16 including the final NUL. */
export const MAX_IFNAME = 15;

const show = (v: unknown) => JSON.stringify(v);

/** True for `52:54:00:aa:bb:cc`-style addresses. */
export function isMac(s: string): boolean {
  return MAC.test(s);
}

/** True for a UUID in libvirt's accepted spelling (with or without dashes). */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

function checkInt(
  issues: ValidationIssue[],
  code: BuildCheckCode,
  path: string,
  v: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(v) || v < min || v > max)
    issues.push(issue(code, path, `an integer from ${min} to ${max}`, show(v)));
}

function checkMac(issues: ValidationIssue[], path: string, mac: string | undefined): void {
  if (mac === undefined) return;
  if (!isMac(mac)) {
    issues.push(issue('LV005', path, 'a MAC address like 52:54:00:aa:bb:cc', show(mac)));
  } else if (Number.parseInt(mac.slice(0, 2), 16) & 1) {
    issues.push(issue('LV005', path, 'a unicast MAC address (first octet even)', show(mac)));
  }
}

function checkUuid(issues: ValidationIssue[], path: string, uuid: string | undefined): void {
  if (uuid !== undefined && !isUuid(uuid)) {
    issues.push(issue('LV002', path, 'a UUID like 4dea22b3-1d52-d8f3-2516-782e98ab3fa0', show(uuid)));
  }
}

function checkName(issues: ValidationIssue[], path: string, name: string): void {
  if (name.length === 0 || name.includes('/')) {
    issues.push(issue('LV001', path, "a non-empty name without '/'", show(name)));
  }
}

export function checkVlan(issues: ValidationIssue[], path: string, vlan: Vlan | undefined): void {
  if (!vlan) return;
  if (vlan.tags.length === 0) issues.push(issue('LV010', `${path}.tags`, 'at least one tag', 'none'));
  if (vlan.trunk === false && vlan.tags.length > 1)
    issues.push(issue('LV010', `${path}.trunk`, `trunk true with ${vlan.tags.length} tags`, 'false'));
  const seen = new Set<number>();
  vlan.tags.forEach((t, i) => {
    checkInt(issues, 'LV010', `${path}.tags[${i}].id`, t.id, 0, 4095);
    if (seen.has(t.id))
      issues.push(issue('LV010', `${path}.tags[${i}].id`, 'distinct tags', `${t.id} twice`));
    seen.add(t.id);
  });
  if (vlan.tags.filter((t) => t.nativeMode !== undefined).length > 1)
    issues.push(issue('LV010', `${path}.tags`, 'at most one tag with nativeMode', 'several'));
}

function checkVirtualport(issues: ValidationIssue[], path: string, vp: Virtualport | undefined): void {
  if (vp?.interfaceId !== undefined) checkUuid(issues, `${path}.interfaceId`, vp.interfaceId);
}

function checkPci(issues: ValidationIssue[], path: string, a: PciAddress): void {
  checkInt(issues, 'LV009', `${path}.domain`, a.domain ?? 0, 0, 0xffff);
  checkInt(issues, 'LV009', `${path}.bus`, a.bus, 0, 0xff);
  checkInt(issues, 'LV009', `${path}.slot`, a.slot, 0, 0x1f);
  checkInt(issues, 'LV009', `${path}.function`, a.function, 0, 7);
}

/** Checks one `<interface>`; `path` prefixes the issue paths. */
export function validateInterface(iface: Interface, path = 'interface'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkMac(issues, `${path}.mac`, iface.mac);
  if (iface.target) {
    const dev = iface.target.dev;
    if (dev.length === 0 || dev.length > MAX_IFNAME || /[\s/]/.test(dev)) {
      issues.push(
        issue(
          'LV006',
          `${path}.target.dev`,
          `a device name of 1 to ${MAX_IFNAME} characters without '/' or spaces`,
          show(dev),
        ),
      );
    } else if (/^(vnet|macvtap|macvlan)/.test(dev)) {
      issues.push(
        issue(
          'LV007',
          `${path}.target.dev`,
          'a name not starting with vnet/macvtap/macvlan (libvirt discards those)',
          show(dev),
        ),
      );
    }
  }
  if (iface.type === 'network') {
    if (!iface.source.network) issues.push(issue('LV011', `${path}.source.network`, 'a network name', '""'));
  } else if (iface.type === 'bridge') {
    if (!iface.source.bridge) issues.push(issue('LV011', `${path}.source.bridge`, 'a bridge name', '""'));
  } else if (iface.type === 'direct') {
    if (!iface.source.dev) issues.push(issue('LV011', `${path}.source.dev`, 'a host device', '""'));
  }
  if (iface.driver?.queues !== undefined)
    checkInt(issues, 'LV012', `${path}.driver.queues`, iface.driver.queues, 1, 256);
  if (iface.mtu !== undefined) checkInt(issues, 'LV012', `${path}.mtu`, iface.mtu, 68, 65535);
  checkVirtualport(issues, `${path}.virtualport`, iface.virtualport);
  checkVlan(issues, `${path}.vlan`, iface.vlan);
  if (iface.address) checkPci(issues, `${path}.address`, iface.address);
  return issues;
}

/** Checks a domain model against the rules libvirt applies when it defines it. */
export function validateDomain(d: Domain): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkName(issues, 'name', d.name);
  checkUuid(issues, 'uuid', d.uuid);
  if (!(d.memory.value > 0) || !Number.isInteger(d.memory.value))
    issues.push(issue('LV003', 'memory.value', 'a positive integer', show(d.memory.value)));
  if (d.vcpu) checkInt(issues, 'LV004', 'vcpu.count', d.vcpu.count, 1, 16384);
  if (d.vcpu?.current !== undefined)
    checkInt(issues, 'LV004', 'vcpu.current', d.vcpu.current, 1, d.vcpu.count);
  const targets = new Map<string, string>();
  const pci = new Map<string, string>();
  const seenAddress = (path: string, a: PciAddress | undefined) => {
    if (!a) return;
    const key = `${a.domain ?? 0}:${a.bus}:${a.slot}.${a.function}`;
    const prev = pci.get(key);
    if (prev) issues.push(issue('LV009', path, 'a free PCI address', `the one of ${prev}`));
    pci.set(key, path);
  };
  d.devices.disks.forEach((disk, i) => {
    const p = `devices.disks[${i}]`;
    if (disk.type === 'block' && disk.source && !disk.source.dev)
      issues.push(issue('LV013', `${p}.source.dev`, 'a block device path for a block disk', 'none'));
    const prev = targets.get(disk.target.dev);
    if (prev)
      issues.push(
        issue('LV013', `${p}.target.dev`, 'a unique disk target', `${show(disk.target.dev)} also at ${prev}`),
      );
    targets.set(disk.target.dev, p);
    if (disk.address?.type === 'pci') {
      checkPci(issues, `${p}.address`, disk.address);
      seenAddress(`${p}.address`, disk.address);
    }
  });
  const ifTargets = new Map<string, string>();
  d.devices.interfaces.forEach((iface, i) => {
    const p = `devices.interfaces[${i}]`;
    issues.push(...validateInterface(iface, p));
    if (iface.target) {
      const prev = ifTargets.get(iface.target.dev);
      if (prev)
        issues.push(
          issue('LV008', `${p}.target.dev`, 'a unique target', `${show(iface.target.dev)} also at ${prev}`),
        );
      ifTargets.set(iface.target.dev, p);
    }
    seenAddress(`${p}.address`, iface.address);
  });
  return issues;
}

/** Checks a network model against the rules libvirt applies when it defines it. */
export function validateNetwork(n: Network): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkName(issues, 'name', n.name);
  checkUuid(issues, 'uuid', n.uuid);
  checkMac(issues, 'mac', n.mac);
  if (n.bridge?.name !== undefined && (n.bridge.name.length === 0 || n.bridge.name.length > MAX_IFNAME)) {
    issues.push(issue('LV015', 'bridge.name', `1 to ${MAX_IFNAME} characters`, show(n.bridge.name)));
  }
  checkVirtualport(issues, 'virtualport', n.virtualport);
  checkVlan(issues, 'vlan', n.vlan);
  const names = new Set<string>();
  let defaults = 0;
  n.portgroups.forEach((pg, i) => {
    const p = `portgroups[${i}]`;
    checkName(issues, `${p}.name`, pg.name);
    if (names.has(pg.name))
      issues.push(issue('LV014', `${p}.name`, 'a unique portgroup name', `${show(pg.name)} twice`));
    names.add(pg.name);
    if (pg.default) defaults++;
    if (pg.default && defaults > 1)
      issues.push(issue('LV014', `${p}.default`, 'at most one default portgroup', 'several'));
    checkVlan(issues, `${p}.vlan`, pg.vlan);
    checkVirtualport(issues, `${p}.virtualport`, pg.virtualport);
  });
  return issues;
}
