/** Patching an existing domain (e.g. `virsh dumpxml` output): add or update NICs, set a portgroup. */
import type { Domain, Interface } from './model.js';

/** How an existing NIC is recognised: by its target dev, else by its MAC address. */
export interface NicKey {
  target?: string;
  mac?: string;
}

function matches(i: Interface, key: NicKey): boolean {
  if (key.target !== undefined && i.target?.dev === key.target) return true;
  return key.mac !== undefined && key.target === undefined && i.mac?.toLowerCase() === key.mac.toLowerCase();
}

/** Index of the NIC matching `key` (target dev first, MAC when no target is given), or -1. */
export function findInterface(d: Domain, key: NicKey): number {
  return d.devices.interfaces.findIndex((i) => matches(i, key));
}

/**
 * Returns a copy of the domain where `nic` is merged into the NIC with the same target dev (or MAC when
 * the NIC has no target), or appended after the last NIC. When merging into a NIC of the same type, the
 * properties `nic` leaves out (e.g. its PCI address) keep their old values, and what the model does not
 * know about that NIC (alias, rom, boot order...) is kept; a NIC of another type is replaced. Nothing
 * else in the domain changes.
 */
export function upsertInterface(d: Domain, nic: Interface): Domain {
  const key: NicKey = { target: nic.target?.dev, mac: nic.mac };
  const idx = findInterface(d, key);
  const interfaces = [...d.devices.interfaces];
  if (idx < 0) interfaces.push(nic);
  else {
    const prev = interfaces[idx] as Interface;
    // Keep the old element (unknown children) unless the new NIC brings its own source element.
    interfaces[idx] =
      prev.type === nic.type
        ? ({ ...prev, ...nic, xml: nic.xml ?? prev.xml } as Interface)
        : { ...nic, xml: nic.xml ?? prev.xml };
  }
  return { ...d, devices: { ...d.devices, interfaces } };
}

/** Returns a copy of the domain with the portgroup of the network NIC `target` set (or removed with undefined). */
export function setPortgroup(d: Domain, target: string, portgroup: string | undefined): Domain {
  const idx = findInterface(d, { target });
  const nic = d.devices.interfaces[idx];
  if (!nic)
    throw new Error(
      `setPortgroup: no interface with target dev ${JSON.stringify(target)} in domain ${JSON.stringify(d.name)}`,
    );
  if (nic.type !== 'network') {
    throw new Error(
      `setPortgroup: interface ${JSON.stringify(target)} is of type ${JSON.stringify(nic.type)}, expected "network"`,
    );
  }
  const { portgroup: _old, ...source } = nic.source;
  const updated: Interface = { ...nic, source: portgroup === undefined ? source : { ...source, portgroup } };
  return upsertInterface(d, updated);
}
