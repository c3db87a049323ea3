/**
 * Typed models of libvirt XML, shaped like libvirt's schemas (domaincommon.rng, network.rng,
 * networkcommon.rng) and the formatdomain / formatnetwork documentation. Property names are the
 * XML names in camelCase. Every object parsed from XML keeps its source element in `xml`, so the
 * parts the model does not know are printed back in place.
 */
import type { XmlElement, XmlNode } from './xml.js';

/** The source element an object was parsed from (absent for objects built in code). */
export interface HasSource {
  xml?: XmlElement;
}

/** Comments and processing instructions before and after the root element of a parsed document. */
export interface HasDocument {
  prolog?: XmlNode[];
  epilog?: XmlNode[];
}

/** Units libvirt accepts for memory sizes (`unit='...'`); KiB when absent. */
export type MemoryUnit =
  | 'b'
  | 'bytes'
  | 'KB'
  | 'k'
  | 'KiB'
  | 'MB'
  | 'M'
  | 'MiB'
  | 'GB'
  | 'G'
  | 'GiB'
  | 'TB'
  | 'T'
  | 'TiB';

export interface Memory {
  value: number;
  unit?: MemoryUnit;
}

/** `<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>` */
export interface PciAddress {
  type: 'pci';
  domain?: number;
  bus: number;
  slot: number;
  function: number;
  multifunction?: boolean;
}

/** `<address type='drive' controller='0' bus='0' target='0' unit='0'/>` */
export interface DriveAddress {
  type: 'drive';
  controller?: number;
  bus?: number;
  target?: number;
  unit?: number;
}

export type DeviceAddress = PciAddress | DriveAddress;

/** `<vlan trunk='yes'><tag id='99'/><tag id='250' nativeMode='untagged'/></vlan>` */
export interface Vlan {
  trunk?: boolean;
  tags: VlanTag[];
}

export interface VlanTag {
  /** 0..4095 */
  id: number;
  nativeMode?: 'tagged' | 'untagged';
}

/**
 * `<virtualport type='openvswitch'><parameters interfaceid='...' profileid='...'/></virtualport>`.
 * Other virtualport types (802.1Qbg, 802.1Qbh, midonet) are kept through `xml` untouched.
 */
export interface OpenvswitchVirtualport extends HasSource {
  type: 'openvswitch';
  interfaceId?: string;
  profileId?: string;
}

export type Virtualport = OpenvswitchVirtualport;

export type LifecycleAction = 'destroy' | 'restart' | 'preserve' | 'rename-restart';
export type CrashAction = LifecycleAction | 'coredump-destroy' | 'coredump-restart';

export interface DomainOs extends HasSource {
  /** `<type>` text: hvm for a full virtual machine. */
  type: 'hvm' | 'xen' | 'linux' | 'xenpvh' | 'exe';
  arch?: string;
  machine?: string;
  /** `<boot dev='...'/>` in order. */
  boot?: Array<'hd' | 'cdrom' | 'fd' | 'network'>;
}

/** Presence flags of `<features>`; features the model does not know stay in `xml`. */
export interface DomainFeatures extends HasSource {
  acpi?: boolean;
  apic?: boolean;
  pae?: boolean;
}

export interface DomainCpu extends HasSource {
  mode?: 'custom' | 'host-model' | 'host-passthrough' | 'maximum';
  match?: 'minimum' | 'exact' | 'strict';
  check?: 'none' | 'partial' | 'full';
  migratable?: boolean;
  /** `<model>` text (custom mode). */
  model?: string;
}

export interface DomainClock extends HasSource {
  offset: 'utc' | 'localtime' | 'timezone' | 'variable' | 'absolute';
}

export interface DiskDriver {
  name: string;
  type?: string;
  cache?: 'default' | 'none' | 'writethrough' | 'writeback' | 'directsync' | 'unsafe';
  io?: 'threads' | 'native' | 'io_uring';
  discard?: 'unmap' | 'ignore';
}

/** A disk backed by a block device (an LVM volume such as /dev/vg1/extrout1) or a file. */
export interface Disk extends HasSource {
  type: 'block' | 'file';
  device?: 'disk' | 'cdrom' | 'floppy' | 'lun';
  driver?: DiskDriver;
  /** `<source dev=.../>` for block disks, `<source file=.../>` for file disks. */
  source?: { dev?: string; file?: string };
  target: { dev: string; bus?: 'virtio' | 'scsi' | 'sata' | 'ide' | 'usb' | 'fdc' | 'sd' | 'xen' };
  readonly?: boolean;
  address?: DeviceAddress;
}

/** `<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>` */
export interface Serial extends HasSource {
  type: 'pty' | 'file' | 'null' | 'vc' | 'stdio' | 'unix' | 'tcp' | 'udp' | 'dev' | 'pipe' | 'spicevmc';
  target?: { type?: string; port?: number; model?: string };
}

/** `<console type='pty'><target type='serial' port='0'/></console>` */
export interface Console extends HasSource {
  type: Serial['type'];
  target?: {
    type?: 'serial' | 'virtio' | 'xen' | 'uml' | 'lxc' | 'openvz' | 'sclp' | 'sclplm';
    port?: number;
  };
}

interface InterfaceCommon extends HasSource {
  /** `<mac address='52:54:00:aa:bb:cc'/>`: unicast, lower-case is what libvirt prints. */
  mac?: string;
  /** `<target dev='extrout1.0'/>`: the host-side device name, at most 15 characters. */
  target?: { dev: string; managed?: boolean };
  /** `<model type='virtio'/>` */
  model?: string;
  /** `<driver name='vhost' queues='2'/>` */
  driver?: { name?: 'vhost' | 'qemu'; queues?: number };
  virtualport?: Virtualport;
  vlan?: Vlan;
  /** `<link state='up'/>` */
  link?: 'up' | 'down';
  mtu?: number;
  address?: PciAddress;
}

/** `<interface type='network'>`: plugged into a libvirt network, optionally through a portgroup. */
export interface NetworkInterface extends InterfaceCommon {
  type: 'network';
  source: { network: string; portgroup?: string };
}

/** `<interface type='bridge'>`: plugged into a host bridge (Linux or Open vSwitch). */
export interface BridgeInterface extends InterfaceCommon {
  type: 'bridge';
  source: { bridge: string };
}

/** `<interface type='direct'>`: macvtap on a host NIC. */
export interface DirectInterface extends InterfaceCommon {
  type: 'direct';
  source: { dev: string; mode?: 'vepa' | 'bridge' | 'private' | 'passthrough' };
}

/** `<interface type='ethernet'>`: a tap device the host configures itself. */
export interface EthernetInterface extends InterfaceCommon {
  type: 'ethernet';
}

/** An `<interface>` device, a union by `type`. Interfaces of other types are kept through the domain's `xml`. */
export type Interface = NetworkInterface | BridgeInterface | DirectInterface | EthernetInterface;

export interface DomainDevices extends HasSource {
  emulator?: string;
  disks: Disk[];
  interfaces: Interface[];
  serials: Serial[];
  consoles: Console[];
}

/** `<domain>`: a virtual machine definition. */
export interface Domain extends HasSource, HasDocument {
  /** Hypervisor driver: kvm, qemu, test, xen, lxc... */
  type: string;
  name: string;
  uuid?: string;
  title?: string;
  description?: string;
  memory: Memory;
  currentMemory?: Memory;
  vcpu?: { count: number; placement?: 'static' | 'auto'; current?: number };
  os: DomainOs;
  features?: DomainFeatures;
  cpu?: DomainCpu;
  clock?: DomainClock;
  onPoweroff?: LifecycleAction;
  onReboot?: LifecycleAction;
  onCrash?: CrashAction;
  devices: DomainDevices;
}

/** `<portgroup name='vlan10' default='yes'><vlan><tag id='10'/></vlan></portgroup>` */
export interface Portgroup extends HasSource {
  name: string;
  default?: boolean;
  vlan?: Vlan;
  virtualport?: Virtualport;
}

export type ForwardMode =
  | 'nat'
  | 'route'
  | 'open'
  | 'bridge'
  | 'private'
  | 'vepa'
  | 'passthrough'
  | 'hostdev';

/** `<network>`: a libvirt virtual network. */
export interface Network extends HasSource, HasDocument {
  name: string;
  uuid?: string;
  forward?: { mode?: ForwardMode; dev?: string };
  bridge?: { name?: string; stp?: boolean; delay?: number };
  mac?: string;
  mtu?: number;
  virtualport?: Virtualport;
  vlan?: Vlan;
  portgroups: Portgroup[];
}
