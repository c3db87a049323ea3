import type { IfaceNode, InterfacesFile, Location, OptionNode } from './ast.js';
import type { Position } from './diagnostic.js';

/** One interface named on a line that brings it up without anyone asking for it by name. */
export interface AutoEntry {
  /** The name or pattern as written (`eth0`, `/eth*=eth`). */
  name: string;
  /** `auto`, or `allow-CLASS`. */
  keyword: string;
  /** Where the line naming it starts. */
  pos?: Position;
  /** @deprecated The same place as `pos`, as `{ line, column }`. */
  loc?: Location;
}

export interface FindAutoOptions {
  /**
   * The allow- classes that count as "automatic" besides `auto` / `allow-auto`. Default `['hotplug']`:
   * udev raises allow-hotplug interfaces at boot when the NIC is present.
   */
  classes?: readonly string[];
}

/**
 * The interfaces a file brings up by itself: names on `auto` and `allow-auto` lines, plus `allow-CLASS`
 * lines for the given classes (default: hotplug). Files named by `source` lines are not read: pass
 * `loadInterfaces(path).file` to include them.
 */
export function findAutoInterfaces(file: InterfacesFile, options: FindAutoOptions = {}): AutoEntry[] {
  const classes = new Set(['auto', ...(options.classes ?? ['hotplug'])]);
  const out: AutoEntry[] = [];
  for (const node of file.nodes) {
    if (node.kind === 'auto' || (node.kind === 'allow' && classes.has(node.class))) {
      const keyword = node.kind === 'auto' ? 'auto' : `allow-${node.class}`;
      for (const name of node.names) {
        const e: AutoEntry = { name, keyword };
        if (node.pos) e.pos = node.pos;
        if (node.loc) e.loc = node.loc;
        out.push(e);
      }
    }
  }
  return out;
}

/**
 * Whether `nic` may be raised at boot by this file: an automatic line names it, a VLAN on it
 * (`eth2.10` needs eth2 up) or a pattern that may match it (`/eth*`, `/mac/...`).
 */
export function bringsUpAtBoot(
  file: InterfacesFile,
  nic: string,
  options: FindAutoOptions = {},
): AutoEntry[] {
  return findAutoInterfaces(file, options).filter(({ name }) => {
    const physical = name.split('=')[0] ?? name;
    if (physical === nic || physical.startsWith(`${nic}.`)) return true;
    return physical.startsWith('/');
  });
}

/** The iface stanzas for a logical name (an interface may have several: inet and inet6...). */
export function findIfaces(file: InterfacesFile, name: string): IfaceNode[] {
  return file.nodes.filter((n): n is IfaceNode => n.kind === 'iface' && n.name === name);
}

/** The options of a stanza, in order (comments and blank lines left out). */
export function ifaceOptions(node: IfaceNode): OptionNode[] {
  return node.items.filter((i): i is OptionNode => i.kind === 'option');
}
