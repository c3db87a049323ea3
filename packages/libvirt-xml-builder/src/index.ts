export {
  assertValidDomain,
  assertValidInterface,
  assertValidNetwork,
  type CheckOptions,
  checkDomain,
  checkInterface,
  checkNetwork,
} from './check.js';
export { type Diagnostic, formatDiagnostic, type Position } from './diagnostic.js';
export {
  type ParseOptions,
  type PrintOptions,
  parseDomain,
  parseInterface,
  printDomain,
  printInterface,
} from './domain.js';
export type {
  BridgeInterface,
  Console,
  CrashAction,
  DeviceAddress,
  DirectInterface,
  Disk,
  DiskDriver,
  Domain,
  DomainClock,
  DomainCpu,
  DomainDevices,
  DomainFeatures,
  DomainOs,
  DriveAddress,
  EthernetInterface,
  ForwardMode,
  HasDocument,
  HasSource,
  Interface,
  LifecycleAction,
  Memory,
  MemoryUnit,
  Network,
  NetworkInterface,
  OpenvswitchVirtualport,
  PciAddress,
  Portgroup,
  Serial,
  Virtualport,
  Vlan,
  VlanTag,
} from './model.js';
export { parseNetwork, printNetwork } from './network.js';
export { findInterface, type NicKey, setPortgroup, upsertInterface } from './patch.js';
export { toKiB, withoutSource } from './util.js';
export {
  BUILD_CHECKS,
  type BuildCheckCode,
  isMac,
  isUuid,
  LibvirtModelError,
  MAX_IFNAME,
  type ValidationIssue,
  validateDomain,
  validateInterface,
  validateNetwork,
} from './validate.js';
export { LibvirtXmlError, type XmlElement, type XmlNode } from './xml.js';
