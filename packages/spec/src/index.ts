export {
  type AddressState,
  type AgentConfig,
  AgentConfigError,
  type AnnounceState,
  agentConfigJsonSchema,
  type ClaimState,
  type ConntrackState,
  type DemoteState,
  type FirewallState,
  type HandoverState,
  type LinkState,
  type OwnedObjects,
  parseAgentConfig,
  type RoleState,
  type RouteState,
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
export { dottedPath, formatSpecError, type LoadResult, loadSpec, type SpecError } from './load.js';
export {
  peerOf,
  routerNames,
  routerSegments,
  segmentInterface,
  vrrpMasterDownMs,
  vrrpSegment,
  vrrpSkewMs,
} from './model.js';
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
