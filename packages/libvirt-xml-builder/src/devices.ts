/** Shared pieces (vlan, virtualport, addresses) and the domain devices the model knows. */
import {
  at,
  bool,
  defined,
  fail,
  hex,
  num,
  optBool,
  optNum,
  optStr,
  reqNum,
  reqStr,
  type Where,
} from './codec.js';
import type {
  Console,
  DeviceAddress,
  Disk,
  DiskDriver,
  Interface,
  PciAddress,
  Serial,
  Virtualport,
  Vlan,
} from './model.js';
import {
  type ChildSpec,
  childElements,
  firstChild,
  mergeElement,
  textContent,
  type XmlElement,
} from './xml.js';

const one = <T>(v: T | undefined, make: (v: T, old: XmlElement | undefined) => XmlElement) =>
  v === undefined ? [] : [(old: XmlElement | undefined) => make(v, old)];

// ---- vlan ------------------------------------------------------------------------------------------

export function readVlan(e: XmlElement, w: Where): Vlan {
  const tags = childElements(e, 'tag').map((t, i) => {
    const tw = at(w, `tag[${i + 1}]`);
    const nativeMode = optStr(t, 'nativeMode');
    if (nativeMode !== undefined && nativeMode !== 'tagged' && nativeMode !== 'untagged') {
      fail(at(tw, '@nativeMode'), "'tagged' or 'untagged'", nativeMode, t);
    }
    return defined({ id: reqNum(t, 'id', tw), nativeMode: nativeMode as 'tagged' | 'untagged' | undefined });
  });
  return defined({ trunk: optBool(e, 'trunk', w), tags });
}

export function vlanXml(v: Vlan, old: XmlElement | undefined): XmlElement {
  return mergeElement(
    old,
    'vlan',
    [bool(old, 'trunk', v.trunk)],
    [
      {
        name: 'tag',
        items: v.tags.map(
          (t) => (o: XmlElement | undefined) =>
            mergeElement(o, 'tag', [num(o, 'id', t.id), ['nativeMode', t.nativeMode]], []),
        ),
      },
    ],
  );
}

// ---- virtualport -----------------------------------------------------------------------------------

export const isOvsPort = (e: XmlElement) => e.attrs.type === 'openvswitch';

export function readVirtualport(e: XmlElement): Virtualport {
  const p = firstChild(e, 'parameters');
  return defined({
    type: 'openvswitch' as const,
    interfaceId: optStr(p, 'interfaceid'),
    profileId: optStr(p, 'profileid'),
    xml: e,
  });
}

export function virtualportXml(v: Virtualport): XmlElement {
  const old = v.xml;
  const hasParams = v.interfaceId !== undefined || v.profileId !== undefined;
  return mergeElement(
    old,
    'virtualport',
    [['type', v.type]],
    [
      {
        name: 'parameters',
        items: hasParams
          ? [
              (o) =>
                mergeElement(
                  o,
                  'parameters',
                  [
                    ['interfaceid', v.interfaceId],
                    ['profileid', v.profileId],
                  ],
                  [],
                ),
            ]
          : [],
      },
    ],
  );
}

// ---- address ---------------------------------------------------------------------------------------

export const isKnownAddress = (e: XmlElement) => e.attrs.type === 'pci' || e.attrs.type === 'drive';

export function readAddress(e: XmlElement, w: Where): DeviceAddress {
  if (e.attrs.type === 'pci') {
    return defined({
      type: 'pci' as const,
      domain: optNum(e, 'domain', w),
      bus: reqNum(e, 'bus', w),
      slot: reqNum(e, 'slot', w),
      function: optNum(e, 'function', w) ?? 0,
      multifunction: optBool(e, 'multifunction', w),
    });
  }
  return defined({
    type: 'drive' as const,
    controller: optNum(e, 'controller', w),
    bus: optNum(e, 'bus', w),
    target: optNum(e, 'target', w),
    unit: optNum(e, 'unit', w),
  });
}

/** Prints a PCI address the way libvirt does: domain='0x0000' bus='0x01' slot='0x00' function='0x0'. */
export function addressXml(a: DeviceAddress, old: XmlElement | undefined): XmlElement {
  if (a.type === 'pci') {
    return mergeElement(
      old,
      'address',
      [
        ['type', 'pci'],
        num(old, 'domain', a.domain ?? 0, hex(4)),
        num(old, 'bus', a.bus, hex(2)),
        num(old, 'slot', a.slot, hex(2)),
        num(old, 'function', a.function, hex(1)),
        bool(old, 'multifunction', a.multifunction),
      ],
      [],
    );
  }
  return mergeElement(
    old,
    'address',
    [
      ['type', 'drive'],
      num(old, 'controller', a.controller),
      num(old, 'bus', a.bus),
      num(old, 'target', a.target),
      num(old, 'unit', a.unit),
    ],
    [],
  );
}

// ---- interface -------------------------------------------------------------------------------------

export const INTERFACE_TYPES = ['network', 'bridge', 'direct', 'ethernet'] as const;
export const isKnownInterface = (e: XmlElement) =>
  (INTERFACE_TYPES as readonly string[]).includes(e.attrs.type ?? '');

export function readInterface(e: XmlElement, w: Where): Interface {
  const type = e.attrs.type;
  const source = firstChild(e, 'source');
  const target = firstChild(e, 'target');
  const driver = firstChild(e, 'driver');
  const vp = childElements(e, 'virtualport').find(isOvsPort);
  const vlan = firstChild(e, 'vlan');
  const address = childElements(e, 'address').find((a) => a.attrs.type === 'pci');
  const link = optStr(firstChild(e, 'link'), 'state');
  const common = defined({
    mac: optStr(firstChild(e, 'mac'), 'address'),
    target: target
      ? defined({
          dev: reqStr(target, 'dev', at(w, 'target')),
          managed: optBool(target, 'managed', at(w, 'target')),
        })
      : undefined,
    model: optStr(firstChild(e, 'model'), 'type'),
    driver: driver
      ? defined({
          name: optStr(driver, 'name') as 'vhost' | 'qemu' | undefined,
          queues: optNum(driver, 'queues', at(w, 'driver')),
        })
      : undefined,
    virtualport: vp ? readVirtualport(vp) : undefined,
    vlan: vlan ? readVlan(vlan, at(w, 'vlan')) : undefined,
    link: link as 'up' | 'down' | undefined,
    mtu: optNum(firstChild(e, 'mtu'), 'size', at(w, 'mtu')),
    address: address ? (readAddress(address, at(w, 'address')) as PciAddress) : undefined,
    xml: e,
  });
  const sw = at(w, 'source');
  switch (type) {
    case 'network':
      if (!source) fail(sw, "a <source network='...'/>", undefined, e);
      return {
        type,
        source: defined({ network: reqStr(source, 'network', sw), portgroup: optStr(source, 'portgroup') }),
        ...common,
      };
    case 'bridge':
      if (!source) fail(sw, "a <source bridge='...'/>", undefined, e);
      return { type, source: { bridge: reqStr(source, 'bridge', sw) }, ...common };
    case 'direct': {
      if (!source) fail(sw, "a <source dev='...'/>", undefined, e);
      const mode = optStr(source, 'mode') as 'vepa' | 'bridge' | 'private' | 'passthrough' | undefined;
      return { type, source: defined({ dev: reqStr(source, 'dev', sw), mode }), ...common };
    }
    case 'ethernet':
      return { type, ...common };
    default:
      return fail(at(w, '@type'), `one of ${INTERFACE_TYPES.join(', ')}`, type, e);
  }
}

function interfaceSource(i: Interface): ChildSpec {
  // Every attribute a source of the modelled types can have: when the NIC changes type, the old type's
  // ones go. A NIC of the same type keeps the attributes the model does not hold (a running VM's
  // `portid` and `bridge` on a network source, for instance).
  const all = ['network', 'portgroup', 'bridge', 'dev', 'mode'];
  const sameType = i.xml?.attrs.type === i.type;
  const make = (attrs: Array<[string, string | undefined]>) => [
    (o: XmlElement | undefined) =>
      mergeElement(
        o,
        'source',
        [
          ...attrs,
          ...(sameType ? [] : all)
            .filter((a) => !attrs.some(([k]) => k === a))
            .map((a): [string, undefined] => [a, undefined]),
        ],
        [],
      ),
  ];
  switch (i.type) {
    case 'network':
      return {
        name: 'source',
        items: make([
          ['network', i.source.network],
          ['portgroup', i.source.portgroup],
        ]),
      };
    case 'bridge':
      return { name: 'source', items: make([['bridge', i.source.bridge]]) };
    case 'direct':
      return {
        name: 'source',
        items: make([
          ['dev', i.source.dev],
          ['mode', i.source.mode],
        ]),
      };
    case 'ethernet':
      // An ethernet interface may carry <source type='udp'...> for tunnels: not modelled, kept as is.
      return { name: 'source', match: () => false, items: [] };
  }
}

/** Builds the `<interface>` element of a model (merged into `iface.xml` when it was parsed). */
export function interfaceXml(i: Interface): XmlElement {
  const old = i.xml;
  return mergeElement(
    old,
    'interface',
    [['type', i.type]],
    [
      { name: 'mac', items: one(i.mac, (mac, o) => mergeElement(o, 'mac', [['address', mac]], [])) },
      interfaceSource(i),
      { name: 'vlan', items: one(i.vlan, vlanXml) },
      { name: 'virtualport', match: isOvsPort, items: one(i.virtualport, (v) => virtualportXml(v)) },
      {
        name: 'target',
        items: one(i.target, (t, o) =>
          mergeElement(o, 'target', [['dev', t.dev], bool(o, 'managed', t.managed)], []),
        ),
      },
      { name: 'model', items: one(i.model, (m, o) => mergeElement(o, 'model', [['type', m]], [])) },
      {
        name: 'driver',
        items: one(i.driver, (d, o) =>
          mergeElement(o, 'driver', [['name', d.name], num(o, 'queues', d.queues)], []),
        ),
      },
      { name: 'link', items: one(i.link, (l, o) => mergeElement(o, 'link', [['state', l]], [])) },
      { name: 'mtu', items: one(i.mtu, (m, o) => mergeElement(o, 'mtu', [num(o, 'size', m)], [])) },
      { name: 'address', match: (e) => e.attrs.type === 'pci', items: one(i.address, addressXml) },
    ],
  );
}

// ---- disk ------------------------------------------------------------------------------------------

export const isKnownDisk = (e: XmlElement) => e.attrs.type === 'block' || e.attrs.type === 'file';

export function readDisk(e: XmlElement, w: Where): Disk {
  const target = firstChild(e, 'target');
  if (!target) fail(at(w, 'target'), "a <target dev='...'/>", undefined, e);
  const driver = firstChild(e, 'driver');
  const source = firstChild(e, 'source');
  const address = childElements(e, 'address').find(isKnownAddress);
  return defined({
    type: e.attrs.type as 'block' | 'file',
    device: optStr(e, 'device') as Disk['device'],
    driver: driver
      ? (defined({
          name: reqStr(driver, 'name', at(w, 'driver')),
          type: optStr(driver, 'type'),
          cache: optStr(driver, 'cache'),
          io: optStr(driver, 'io'),
          discard: optStr(driver, 'discard'),
        }) as DiskDriver)
      : undefined,
    source: source ? defined({ dev: optStr(source, 'dev'), file: optStr(source, 'file') }) : undefined,
    target: defined({
      dev: reqStr(target, 'dev', at(w, 'target')),
      bus: optStr(target, 'bus') as Disk['target']['bus'],
    }),
    readonly: firstChild(e, 'readonly') ? true : undefined,
    address: address ? readAddress(address, at(w, 'address')) : undefined,
    xml: e,
  });
}

export function diskXml(d: Disk): XmlElement {
  return mergeElement(
    d.xml,
    'disk',
    [
      ['type', d.type],
      ['device', d.device],
    ],
    [
      {
        name: 'driver',
        items: one(d.driver, (dr, o) =>
          mergeElement(
            o,
            'driver',
            [
              ['name', dr.name],
              ['type', dr.type],
              ['cache', dr.cache],
              ['io', dr.io],
              ['discard', dr.discard],
            ],
            [],
          ),
        ),
      },
      {
        name: 'source',
        items: one(d.source, (s, o) =>
          mergeElement(
            o,
            'source',
            [
              ['dev', s.dev],
              ['file', s.file],
            ],
            [],
          ),
        ),
      },
      {
        name: 'target',
        items: [
          (o) =>
            mergeElement(
              o,
              'target',
              [
                ['dev', d.target.dev],
                ['bus', d.target.bus],
              ],
              [],
            ),
        ],
      },
      { name: 'readonly', items: d.readonly ? [(o) => mergeElement(o, 'readonly', [], [])] : [] },
      { name: 'address', match: isKnownAddress, items: one(d.address, addressXml) },
    ],
  );
}

// ---- serial / console ------------------------------------------------------------------------------

export function readSerial(e: XmlElement, w: Where): Serial {
  const t = firstChild(e, 'target');
  const model = firstChild(t ?? { name: '', attrs: {}, children: [] }, 'model');
  return defined({
    type: (e.attrs.type ?? 'pty') as Serial['type'],
    target: t
      ? defined({
          type: optStr(t, 'type'),
          port: optNum(t, 'port', at(w, 'target')),
          model: optStr(model, 'name'),
        })
      : undefined,
    xml: e,
  });
}

export function serialXml(s: Serial): XmlElement {
  return mergeElement(
    s.xml,
    'serial',
    [['type', s.type]],
    [
      {
        name: 'target',
        items: one(s.target, (t, o) =>
          mergeElement(
            o,
            'target',
            [['type', t.type], num(o, 'port', t.port)],
            [{ name: 'model', items: one(t.model, (m, mo) => mergeElement(mo, 'model', [['name', m]], [])) }],
          ),
        ),
      },
    ],
  );
}

export function readConsole(e: XmlElement, w: Where): Console {
  const t = firstChild(e, 'target');
  return defined({
    type: (e.attrs.type ?? 'pty') as Console['type'],
    target: t
      ? defined({
          type: optStr(t, 'type') as NonNullable<Console['target']>['type'],
          port: optNum(t, 'port', at(w, 'target')),
        })
      : undefined,
    xml: e,
  });
}

export function consoleXml(c: Console): XmlElement {
  return mergeElement(
    c.xml,
    'console',
    [['type', c.type]],
    [
      {
        name: 'target',
        items: one(c.target, (t, o) =>
          mergeElement(o, 'target', [['type', t.type], num(o, 'port', t.port)], []),
        ),
      },
    ],
  );
}

/** `<name>text</name>`-style leaf. */
export function readText(e: XmlElement | undefined): string | undefined {
  return e ? textContent(e) : undefined;
}
