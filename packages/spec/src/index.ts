export {
  type AddressState,
  type AgentConfig,
  AgentConfigError,
  type AnnounceState,
  agentConfigJsonSchema,
  type ConntrackState,
  type DemoteState,
  type FirewallState,
  type HandoverState,
  type LinkState,
  type OwnedObjects,
  parseAgentConfig,
  type RoleState,
  type RouteState,
  type SyncGroupState,
  type SysctlState,
} from './agent-config.js';
export {
  CIDR_RE,
  IPV4_RE,
  inSubnet,
  intToIpv4,
  ipv4ToInt,
  isNetworkOrBroadcast,
  netmaskOf,
  parseCidr,
} from './ipv4.js';
export {
  canonicalIpv6,
  inSubnet6,
  isCidr6,
  isIpv6,
  isLinkLocal6,
  parseCidr6,
  parseIpv6,
  sameIpv6,
} from './ipv6.js';
export { dottedPath, formatSpecError, type LoadResult, loadSpec, type SpecError } from './load.js';
export {
  hasIpv6,
  peerOf,
  routerNames,
  routerSegments,
  routerSegments6,
  segmentInterface,
  syncGroupName,
  type VrrpInstanceFacts,
  vrrpInstances,
  vrrpMasterDownMs,
  vrrpSegment,
  vrrpSkewMs,
} from './model.js';
export { type RaSegment, raSegments } from './ra.js';
export { checkRules, type RuleIssue } from './rules.js';
export { failoverWeight } from './rules-ops.js';
export {
  type Nic,
  type Router,
  type Segment,
  type Spec,
  type SpecInput,
  SpecSchema,
  specJsonSchema,
} from './schema.js';
