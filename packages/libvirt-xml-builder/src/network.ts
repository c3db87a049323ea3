/** `<network>`: parse to the typed model, print back (losslessly for parsed input). */
import { at, bool, defined, fail, num, optBool, optNum, optStr, type Where } from './codec.js';
import { isOvsPort, readText, readVirtualport, readVlan, virtualportXml, vlanXml } from './devices.js';
import { documentOf, type ParseOptions, type PrintOptions, withDocument } from './domain.js';
import type { ForwardMode, Network, Portgroup } from './model.js';
import {
  childElements,
  firstChild,
  LibvirtXmlError,
  mergeElement,
  parseXml,
  printXml,
  textElement,
  type XmlElement,
} from './xml.js';

const one = <T>(v: T | undefined, make: (v: T, old: XmlElement | undefined) => XmlElement) =>
  v === undefined ? [] : [(old: XmlElement | undefined) => make(v, old)];

function readPortgroup(e: XmlElement, w: Where): Portgroup {
  const vlan = firstChild(e, 'vlan');
  const vp = childElements(e, 'virtualport').find(isOvsPort);
  const name = e.attrs.name;
  if (name === undefined) fail(at(w, '@name'), 'a portgroup name', undefined, e);
  return defined({
    name,
    default: optBool(e, 'default', w),
    vlan: vlan ? readVlan(vlan, at(w, 'vlan')) : undefined,
    virtualport: vp ? readVirtualport(vp) : undefined,
    xml: e,
  });
}

function portgroupXml(p: Portgroup): XmlElement {
  const old = p.xml;
  return mergeElement(
    old,
    'portgroup',
    [['name', p.name], bool(old, 'default', p.default)],
    [
      { name: 'vlan', items: one(p.vlan, vlanXml) },
      { name: 'virtualport', match: isOvsPort, items: one(p.virtualport, (v) => virtualportXml(v)) },
    ],
  );
}

/** Converts a parsed `<network>` element to the model. */
export function networkFromXml(root: XmlElement, file = '<input>'): Network {
  const w: Where = { file, path: '/network' };
  if (root.name !== 'network')
    throw new LibvirtXmlError(`expected a <network> root element, found <${root.name}>`, file, 1, 1);
  const name = readText(firstChild(root, 'name'));
  if (name === undefined) fail(at(w, 'name'), 'a <name> element', undefined, root);
  const forward = firstChild(root, 'forward');
  const bridge = firstChild(root, 'bridge');
  const vp = childElements(root, 'virtualport').find(isOvsPort);
  const vlan = firstChild(root, 'vlan');
  return defined({
    name,
    uuid: readText(firstChild(root, 'uuid'))?.trim(),
    forward: forward
      ? defined({ mode: optStr(forward, 'mode') as ForwardMode | undefined, dev: optStr(forward, 'dev') })
      : undefined,
    bridge: bridge
      ? defined({
          name: optStr(bridge, 'name'),
          stp: optBool(bridge, 'stp', at(w, 'bridge')),
          delay: optNum(bridge, 'delay', at(w, 'bridge')),
        })
      : undefined,
    mac: optStr(firstChild(root, 'mac'), 'address'),
    mtu: optNum(firstChild(root, 'mtu'), 'size', at(w, 'mtu')),
    virtualport: vp ? readVirtualport(vp) : undefined,
    vlan: vlan ? readVlan(vlan, at(w, 'vlan')) : undefined,
    portgroups: childElements(root, 'portgroup').map((p, i) =>
      readPortgroup(p, at(w, `portgroup[${i + 1}]`)),
    ),
    xml: root,
  });
}

/** Builds the `<network>` element of a model, merged into `network.xml` when it was parsed. Never refuses. */
export function networkToXml(n: Network): XmlElement {
  return mergeElement(
    n.xml,
    'network',
    [],
    [
      { name: 'name', items: [(o) => textElement(o, 'name', n.name)] },
      { name: 'uuid', items: one(n.uuid, (u, o) => textElement(o, 'uuid', u)) },
      {
        name: 'forward',
        items: one(n.forward, (f, o) =>
          mergeElement(
            o,
            'forward',
            [
              ['mode', f.mode],
              ['dev', f.dev],
            ],
            [],
          ),
        ),
      },
      {
        name: 'bridge',
        items: one(n.bridge, (b, o) =>
          mergeElement(o, 'bridge', [['name', b.name], bool(o, 'stp', b.stp), num(o, 'delay', b.delay)], []),
        ),
      },
      { name: 'mac', items: one(n.mac, (m, o) => mergeElement(o, 'mac', [['address', m]], [])) },
      { name: 'mtu', items: one(n.mtu, (m, o) => mergeElement(o, 'mtu', [num(o, 'size', m)], [])) },
      { name: 'virtualport', match: isOvsPort, items: one(n.virtualport, (v) => virtualportXml(v)) },
      { name: 'vlan', items: one(n.vlan, vlanXml) },
      { name: 'portgroup', items: n.portgroups.map((p) => () => portgroupXml(p)) },
    ],
  );
}

/** Parses a `<network>` document (e.g. `virsh net-dumpxml` output). */
export function parseNetwork(xml: string, opts: ParseOptions = {}): Network {
  const file = opts.file ?? '<input>';
  const doc = parseXml(xml, file);
  return withDocument(networkFromXml(doc.root, file), doc);
}

/**
 * Prints a network like `virsh net-dumpxml`; a parsed network prints back with everything it had. Does
 * not validate: see `checkNetwork` / `assertValidNetwork`.
 */
export function printNetwork(n: Network, opts: PrintOptions = {}): string {
  return printXml(documentOf(n, networkToXml(n), opts));
}
