/** Value checks libvirt itself makes when it reads the XML, run before printing. */
import type { Domain, Interface, Network, PciAddress, Virtualport, Vlan } from './model.js';

/** One problem: where in the model (`devices.interfaces[1].mac`), what was expected, what was found. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Thrown by the printers when the model breaks a rule libvirt enforces; lists every issue at once. */
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

function checkInt(issues: ValidationIssue[], path: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    issues.push({ path, message: `expected an integer from ${min} to ${max}, found ${show(v)}` });
  }
}

function checkMac(issues: ValidationIssue[], path: string, mac: string | undefined): void {
  if (mac === undefined) return;
  if (!isMac(mac)) {
    issues.push({ path, message: `expected a MAC address like 52:54:00:aa:bb:cc, found ${show(mac)}` });
  } else if (Number.parseInt(mac.slice(0, 2), 16) & 1) {
    issues.push({ path, message: `expected a unicast MAC address (first octet even), found ${show(mac)}` });
  }
}

function checkUuid(issues: ValidationIssue[], path: string, uuid: string | undefined): void {
  if (uuid !== undefined && !isUuid(uuid)) {
    issues.push({
      path,
      message: `expected a UUID like 4dea22b3-1d52-d8f3-2516-782e98ab3fa0, found ${show(uuid)}`,
    });
  }
}

function checkName(issues: ValidationIssue[], path: string, name: string): void {
  if (name.length === 0 || name.includes('/')) {
    issues.push({ path, message: `expected a non-empty name without '/', found ${show(name)}` });
  }
}

export function checkVlan(issues: ValidationIssue[], path: string, vlan: Vlan | undefined): void {
  if (!vlan) return;
  if (vlan.tags.length === 0)
    issues.push({ path: `${path}.tags`, message: 'expected at least one tag, found none' });
  if (vlan.trunk === false && vlan.tags.length > 1) {
    issues.push({
      path: `${path}.trunk`,
      message: `expected trunk true with ${vlan.tags.length} tags, found false`,
    });
  }
  const seen = new Set<number>();
  vlan.tags.forEach((t, i) => {
    checkInt(issues, `${path}.tags[${i}].id`, t.id, 0, 4095);
    if (seen.has(t.id))
      issues.push({ path: `${path}.tags[${i}].id`, message: `expected distinct tags, found ${t.id} twice` });
    seen.add(t.id);
  });
  if (vlan.tags.filter((t) => t.nativeMode !== undefined).length > 1) {
    issues.push({ path: `${path}.tags`, message: 'expected at most one tag with nativeMode, found several' });
  }
}

function checkVirtualport(issues: ValidationIssue[], path: string, vp: Virtualport | undefined): void {
  if (vp?.interfaceId !== undefined) checkUuid(issues, `${path}.interfaceId`, vp.interfaceId);
}

function checkPci(issues: ValidationIssue[], path: string, a: PciAddress): void {
  checkInt(issues, `${path}.domain`, a.domain ?? 0, 0, 0xffff);
  checkInt(issues, `${path}.bus`, a.bus, 0, 0xff);
  checkInt(issues, `${path}.slot`, a.slot, 0, 0x1f);
  checkInt(issues, `${path}.function`, a.function, 0, 7);
}

/** Checks one `<interface>`; `path` prefixes the issue paths. */
export function validateInterface(iface: Interface, path = 'interface'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkMac(issues, `${path}.mac`, iface.mac);
  if (iface.target) {
    const dev = iface.target.dev;
    if (dev.length === 0 || dev.length > MAX_IFNAME || /[\s/]/.test(dev)) {
      issues.push({
        path: `${path}.target.dev`,
        message: `expected a device name of 1 to ${MAX_IFNAME} characters without '/' or spaces, found ${show(dev)}`,
      });
    } else if (/^(vnet|macvtap|macvlan)/.test(dev)) {
      issues.push({
        path: `${path}.target.dev`,
        message: `expected a name not starting with vnet/macvtap/macvlan (libvirt discards those), found ${show(dev)}`,
      });
    }
  }
  if (iface.type === 'network') {
    if (!iface.source.network)
      issues.push({ path: `${path}.source.network`, message: 'expected a network name, found ""' });
  } else if (iface.type === 'bridge') {
    if (!iface.source.bridge)
      issues.push({ path: `${path}.source.bridge`, message: 'expected a bridge name, found ""' });
  } else if (iface.type === 'direct') {
    if (!iface.source.dev)
      issues.push({ path: `${path}.source.dev`, message: 'expected a host device, found ""' });
  }
  if (iface.driver?.queues !== undefined)
    checkInt(issues, `${path}.driver.queues`, iface.driver.queues, 1, 256);
  if (iface.mtu !== undefined) checkInt(issues, `${path}.mtu`, iface.mtu, 68, 65535);
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
  if (!(d.memory.value > 0) || !Number.isInteger(d.memory.value)) {
    issues.push({
      path: 'memory.value',
      message: `expected a positive integer, found ${show(d.memory.value)}`,
    });
  }
  if (d.vcpu) checkInt(issues, 'vcpu.count', d.vcpu.count, 1, 16384);
  if (d.vcpu?.current !== undefined) checkInt(issues, 'vcpu.current', d.vcpu.current, 1, d.vcpu.count);
  const targets = new Map<string, string>();
  const pci = new Map<string, string>();
  const seenAddress = (path: string, a: PciAddress | undefined) => {
    if (!a) return;
    const key = `${a.domain ?? 0}:${a.bus}:${a.slot}.${a.function}`;
    const prev = pci.get(key);
    if (prev) issues.push({ path, message: `expected a free PCI address, found the one of ${prev}` });
    pci.set(key, path);
  };
  d.devices.disks.forEach((disk, i) => {
    const p = `devices.disks[${i}]`;
    if (disk.type === 'block' && disk.source && !disk.source.dev) {
      issues.push({
        path: `${p}.source.dev`,
        message: 'expected a block device path for a block disk, found none',
      });
    }
    const prev = targets.get(disk.target.dev);
    if (prev)
      issues.push({
        path: `${p}.target.dev`,
        message: `expected a unique disk target, found ${show(disk.target.dev)} also at ${prev}`,
      });
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
        issues.push({
          path: `${p}.target.dev`,
          message: `expected a unique target, found ${show(iface.target.dev)} also at ${prev}`,
        });
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
    issues.push({
      path: 'bridge.name',
      message: `expected 1 to ${MAX_IFNAME} characters, found ${show(n.bridge.name)}`,
    });
  }
  checkVirtualport(issues, 'virtualport', n.virtualport);
  checkVlan(issues, 'vlan', n.vlan);
  const names = new Set<string>();
  let defaults = 0;
  n.portgroups.forEach((pg, i) => {
    const p = `portgroups[${i}]`;
    checkName(issues, `${p}.name`, pg.name);
    if (names.has(pg.name))
      issues.push({
        path: `${p}.name`,
        message: `expected a unique portgroup name, found ${show(pg.name)} twice`,
      });
    names.add(pg.name);
    if (pg.default) defaults++;
    if (pg.default && defaults > 1)
      issues.push({ path: `${p}.default`, message: 'expected at most one default portgroup, found several' });
    checkVlan(issues, `${p}.vlan`, pg.vlan);
    checkVirtualport(issues, `${p}.virtualport`, pg.virtualport);
  });
  return issues;
}
