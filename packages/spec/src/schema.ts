/**
 * The schema of hagate.yaml: the single source of truth for the spec's types, validation, defaults and
 * the JSON Schema editors use. Cross-field rules live in ./rules.ts.
 */
import { z } from 'zod';
import { CIDR_RE, IPV4_RE } from './ipv4.js';
import { isCidr6, isIpv6 } from './ipv6.js';

const ipv4 = z.string().regex(IPV4_RE, { error: 'expected an IPv4 address like 10.10.1.1' });
const cidr = z.string().regex(CIDR_RE, { error: 'expected an IPv4 subnet like 10.10.1.0/24' });
const ipv6 = z.string().refine(isIpv6, { error: 'expected an IPv6 address like 2001:db8:10::1' });
const cidr6 = z.string().refine(isCidr6, { error: 'expected an IPv6 prefix like 2001:db8:10::/64' });
const ipAny = z
  .string()
  .refine((s) => IPV4_RE.test(s) || isIpv6(s), { error: 'expected an IPv4 or IPv6 address' });
const mac = z
  .string()
  .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, { error: 'expected a MAC address like 52:54:00:aa:bb:cc' })
  .transform((m) => m.toLowerCase());
/** A Linux interface name: 1-15 bytes, no whitespace, '/' or ':'. */
const ifname = z
  .string()
  .regex(/^[^\s/:]{1,15}$/, {
    error: 'expected a Linux interface name (1-15 characters, no space, "/" or ":")',
  })
  .refine((s) => s !== '.' && s !== '..', { error: 'expected a Linux interface name' });
const vlanId = z.int({ error: 'expected a VLAN id (integer 1-4094)' }).min(1).max(4094);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  error: 'expected a name of letters, digits, ".", "_" or "-"',
});

export const PortgroupSchema = z
  .strictObject({
    vlan: vlanId.optional().describe('Access VLAN: frames are tagged on the switch, untagged in the guest.'),
    trunk: z.array(vlanId).min(1).optional().describe('Trunk VLANs: the guest sees tagged frames.'),
    default: z.boolean().default(false).describe("libvirt's default portgroup of the network."),
  })
  .describe('A libvirt portgroup of an Open vSwitch network.');

export const NetworkSchema = z
  .strictObject({
    bridge: ifname.describe('Open vSwitch bridge of the hypervisor.'),
    portgroups: z.record(name, PortgroupSchema).default({}),
  })
  .describe('A libvirt network backed by an Open vSwitch bridge.');

export const NicSchema = z
  .strictObject({
    target: ifname.describe('Name of the tap device on the hypervisor (libvirt <target dev>).'),
    network: name.describe('libvirt network the NIC is attached to.'),
    portgroup: name.optional().describe('Portgroup of that network (VLAN access or trunk).'),
    mac: mac,
    model: z.enum(['virtio', 'e1000', 'rtl8139']).default('virtio'),
  })
  .describe('A router NIC, keyed by its name inside the guest (eth0, eth1...).');

export const RouterSchema = z
  .strictObject({
    id: z.int().min(1).max(255).describe('Router number (the how-to create script -i).'),
    volumeGroup: name.describe('LVM volume group holding the VM disks.'),
    priority: z.int({ error: 'expected an integer priority 1-254' }),
    preferredMaster: z.boolean().default(false).describe('Starts as keepalived `state MASTER`.'),
    uuid: z.uuid().optional().describe('libvirt domain UUID; derived from the name when absent.'),
    existingDomainXml: z
      .string()
      .optional()
      .describe('Path (relative to the spec) of this VM `virsh dumpxml`, to patch instead of defining anew.'),
    nics: z.record(ifname, NicSchema),
    addresses: z.record(name, ipv4).describe('This router address on each segment.'),
    addresses6: z
      .record(name, ipv6)
      .default({})
      .describe(
        "This router's IPv6 address on each segment that has a subnet6 (the IPv6 instances' unicast source and the backup's IPv6 route through its peer).",
      ),
  })
  .describe('One router VM of the pair.');

export const RouterAdvertisementsSchema = z
  .strictObject({
    interval: z
      .int({ error: 'expected a number of seconds (integer 4-1800)' })
      .min(4)
      .max(1800)
      .default(30)
      .describe(
        "The longest time between two unsolicited advertisements, seconds (radvd's MaxRtrAdvInterval; it sends them at random between a third of it and it).",
      ),
    routerLifetime: z
      .int({ error: 'expected a number of seconds (integer 4-9000)' })
      .min(4)
      .max(9000)
      .default(1800)
      .describe(
        "How long hosts keep the VIP's link-local address as a default router without a new advertisement, seconds (radvd's AdvDefaultLifetime; at least interval).",
      ),
    slaac: z
      .boolean()
      .default(true)
      .describe(
        "Hosts build their own addresses in the segment's subnet6 (the prefix's autonomous flag); false announces the prefix as on-link only.",
      ),
    rdnss: z
      .array(ipv6)
      .default([])
      .describe('DNS servers announced to the hosts (RFC 8106 RDNSS option), at most 3.'),
  })
  .describe(
    "IPv6 router advertisements on the segment: radvd runs on both routers and advertises from the segment's link-local VIP only, so only the master (which holds it) announces, and hosts' one default router is that VIP.",
  );

export const SegmentSchema = z
  .strictObject({
    nic: ifname.describe('Guest NIC that reaches the segment.'),
    vlan: vlanId
      .optional()
      .describe('VLAN id when the segment is a tagged VLAN of a trunk NIC (guest sees nic.vlan).'),
    subnet: cidr,
    subnet6: cidr6
      .optional()
      .describe(
        "The segment's IPv6 prefix (e.g. a /64 of the provider's routed prefix); the routers' addresses6 and the IPv6 VIPs of the segment lie in it.",
      ),
    routerAdvertisements: z
      .union([z.boolean(), RouterAdvertisementsSchema], {
        error: 'expected true, false or an object of router advertisement settings',
      })
      .optional()
      .describe(
        "IPv6 router advertisements from the master only, with the segment's link-local VIP as their source (true: the defaults). Needs a subnet6 and an IPv6 VRRP instance on the segment.",
      ),
  })
  .describe('A segment the routers sit on: IPv4, and IPv6 when it has a subnet6.');

export const VrrpInstanceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, {
        error: 'expected an instance name of letters, digits, "_", "." or "-"',
      })
      .describe('keepalived vrrp_instance name, unique in the spec.'),
    segment: name.describe('Segment carrying this instance and its VIPs.'),
    vrid: z
      .int({ error: 'expected a VRID (integer 1-255)' })
      .describe('Virtual router id: unique per interface and address family.'),
    vips: z
      .array(ipAny)
      .min(1)
      .describe(
        'The floating addresses of the instance, all of one family (keepalived runs one instance per family). IPv4 VIPs lie in the segment subnet; an IPv6 instance lists its link-local VIP (fe80::/10) first, as RFC 5798 requires, then addresses of the segment subnet6; IPv6 needs vrrp.version 3.',
      ),
  })
  .describe(
    'One more VRRP instance: it moves with the main instance (one vrrp_sync_group), with the same priorities, advert interval and preemption.',
  );

/**
 * fastDetection: the longest master-down interval allowed, ms. The lab's hard kill (plain, 3 runs each) lost
 * the pings for that interval plus 25-160 ms (the new master's apply and announce, on a busy machine): 304 ms
 * gave 290-417 ms, 190 ms gave 174-206 ms, so 250 ms keeps the outage within 400 ms.
 */
export const FAST_MASTER_DOWN_MAX_MS = 250;
/** fastDetection: the advert interval range, s (from 0.08 up, no priority keeps the master-down interval
 * within its bound; 0.05 is what the lab measured). */
export const FAST_ADVERT_RANGE = [0.05, 0.08] as const;

export const VrrpSchema = z.strictObject({
  instance: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
    error: 'expected an instance name of letters, digits, "_", "." or "-"',
  }),
  vrid: z.int({ error: 'expected a VRID (integer 1-255)' }),
  segment: name.describe('Segment carrying VRRP and the VIP.'),
  vip: ipv4.describe('The floating gateway address of the segment.'),
  advertInt: z.number().positive().max(255).default(1).describe('Seconds between adverts.'),
  version: z.union([z.literal(2), z.literal(3)]).default(2),
  preempt: z.boolean().default(true),
  unicast: z.boolean().default(true).describe('unicast_src_ip / unicast_peer instead of multicast.'),
  auth: z
    .strictObject({
      type: z.literal('PASS'),
      password: z.string().min(1),
    })
    .optional()
    .describe('VRRPv2 PASS authentication: cleartext, at most 8 characters.'),
  hooks: z
    .enum(['notify', 'fifo'])
    .default('fifo')
    .describe(
      'How keepalived runs hagate-agent: fifo (default: ordered events, one long-lived agent process) or notify (one process per event).',
    ),
  instances: z
    .array(VrrpInstanceSchema)
    .default([])
    .describe(
      'More VRRP instances (another LAN segment, the IPv6 VIPs of a segment...). With any, every instance is in one vrrp_sync_group, so the external side, NAT and every VIP are always on the same router.',
    ),
  syncGroup: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a group name of letters, digits, "_", "." or "-"' })
    .optional()
    .describe('Name of the vrrp_sync_group when there are several instances (default: <instance>_GROUP).'),
  startupDelay: z
    .number()
    .min(0)
    .max(60)
    .default(2)
    .describe(
      'Seconds keepalived waits after it starts before running VRRP (vrrp_startup_delay), so a network that passes traffic late at boot does not make this router a spurious MASTER. 0 turns it off.',
    ),
  fastDetection: z
    .boolean()
    .default(false)
    .describe(
      `Sub-second detection of a dead master (hard kill: outage under 400 ms): checks that the timers can deliver it, i.e. version: 3, advertInt 0.05-0.08 (0.05 recommended), no auth, and each router's master-down interval (3 x advertInt + its skew) at most ${FAST_MASTER_DOWN_MAX_MS} ms.`,
    ),
  preemptDelay: z
    .number()
    .min(0)
    .max(1000)
    .optional()
    .describe(
      'Seconds a recovered higher-priority router waits, as BACKUP, before it preempts the master (keepalived preempt_delay), e.g. after a reboot or `hagate-agent maintenance off`. keepalived only honours it from state BACKUP and with preemption: every router then starts as BACKUP. Absent: no delay.',
    ),
  trackSegments: z
    .array(name)
    .optional()
    .describe(
      "More LAN segments whose interface keepalived watches (track_interface): one that goes down lowers the router by the health weight (external.health.weight, else the routers' priority gap + 1), so the peer takes over, and when it is down on both routers one of them stays master (a weighted track never puts both in FAULT). The VRRP segment's own interface is always watched by keepalived.",
    ),
});

export const HealthSchema = z
  .strictObject({
    interval: z
      .number()
      .min(0.5)
      .max(60)
      .default(2)
      .describe('Seconds between two probes (vrrp_script interval).'),
    timeout: z.int().min(1).max(10).default(1).describe("Seconds a probe waits for the gateway's answer."),
    fall: z
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe('Consecutive failed probes before the router is lowered.'),
    rise: z.int().min(1).max(20).default(3).describe('Consecutive good probes before it is restored.'),
    weight: z
      .int()
      .min(1)
      .max(253)
      .optional()
      .describe(
        "How much a failing router's priority is lowered: more than the two routers' priority gap, so the healthy peer takes over. Absent: the gap + 1.",
      ),
    hold: z
      .number()
      .min(0)
      .max(86_400)
      .default(300)
      .describe(
        'Seconds a router whose upstream failed while it was master keeps reporting the failure once it is backup (its external NIC is down: it cannot probe). When both upstreams fail, both routers are lowered alike and the current master stays master; after hold the backup is trusted again.',
      ),
  })
  .describe(
    'Upstream health check: keepalived runs `hagate-agent health` (vrrp_script); the master pings the provider gateway on the external NIC and, after fall failures, loses weight so the healthy peer takes over.',
  );

export const ExternalSchema = z.strictObject({
  nic: ifname.describe('Guest NIC toward the provider; only ever up on the MASTER.'),
  failoverMac: mac.optional().describe('Provider virtual MAC shared by both routers external NICs.'),
  failoverIp: ipv4,
  prefixLength: z.int().min(0).max(32).default(32),
  gateway: ipv4.describe('Provider gateway, reached with a host route on the external NIC.'),
  ipv6: z
    .strictObject({
      address: cidr6.describe(
        "The router's IPv6 address on the provider link, with its prefix length (2001:db8:ff::10/64), held by the MASTER only, like the failover IP.",
      ),
      gateway: ipv6.describe(
        "The provider's IPv6 gateway: link-local (fe80::1, the usual case) or global (then reached with a host route on the external NIC).",
      ),
    })
    .optional()
    .describe(
      'The provider side in IPv6: the address and default route the agent sets on the external NIC of the MASTER.',
    ),
  health: HealthSchema.optional(),
});

export const ExtraRuleSchema = z.strictObject({
  chain: z.enum(['input', 'forward', 'output', 'prerouting', 'postrouting']),
  rule: z.string().min(1).describe('One nft rule statement, as in `nft add rule`.'),
  roles: z.array(z.enum(['master', 'backup'])).default(['master', 'backup']),
});

export const FirewallSchema = z.strictObject({
  profile: z.enum(['hardened', 'seed']).default('hardened'),
  sshFrom: name.optional().describe('Segment allowed to reach the routers over SSH (hardened).'),
  extraRules: z.array(ExtraRuleSchema).default([]),
});

export const ConntrackSyncSchema = z
  .strictObject({
    segment: name.describe(
      "Segment carrying the sync traffic (UDP unicast between the routers' addresses there), e.g. the monitoring VLAN.",
    ),
    port: z.int().min(1).max(65535).default(3780).describe('UDP port of the sync traffic.'),
    tableSize: z
      .int()
      .min(1024)
      .max(16_777_216)
      .default(262_144)
      .describe(
        "The routers' conntrack table size (net.netfilter.nf_conntrack_max): conntrackd's cache limit is twice it, its hash size a quarter of it.",
      ),
    ignore: z
      .array(ipAny)
      .default([])
      .describe(
        "More addresses (IPv4 or IPv6) whose connections are not synced: conntrackd skips a connection whose original source or reply source is one of them. The routers' own addresses (IPv4 and IPv6, ::1, link-local), every VIP and the provider-side addresses always are.",
      ),
  })
  .describe(
    'Stateful failover: conntrackd (FTFW over UDP unicast) keeps the connection table of both routers in step, and hagate-agent commits it on takeover, so connections survive a failover.',
  );

export const AgentSettingsSchema = z.strictObject({
  path: z
    .string()
    .regex(/^\/[^\s]*$/, { error: 'expected an absolute path without spaces' })
    .default('/usr/local/sbin/hagate-agent'),
  configPath: z
    .string()
    .regex(/^\/[^\s]*$/, { error: 'expected an absolute path without spaces' })
    .default('/etc/hagate/agent.json'),
  stateDir: z
    .string()
    .regex(/^\/[^\s]*$/, { error: 'expected an absolute path without spaces' })
    .default('/run/hagate'),
  metricsFile: z
    .string()
    .regex(/^\/[^\s]*\.prom$/, { error: 'expected an absolute path ending in .prom, without spaces' })
    .optional()
    .describe(
      "Where `hagate-agent metrics` writes the Prometheus text file (node_exporter's textfile collector folder, e.g. /var/lib/prometheus/node-exporter/hagate.prom).",
    ),
});

export const VmSchema = z.strictObject({
  memoryMiB: z.int().min(64).default(256),
  vcpus: z.int().min(1).default(1),
  disks: z
    .strictObject({
      rootGiB: z.number().positive().default(3),
      varGiB: z.number().positive().default(3),
      swapGiB: z.number().nonnegative().default(1),
    })
    .prefault({}),
});

export const SpecSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }),
    name: name.default('hagate'),
    hypervisor: z.strictObject({
      name: name,
      networks: z.record(name, NetworkSchema),
    }),
    vm: VmSchema.prefault({}),
    segments: z.record(name, SegmentSchema),
    routers: z.record(name, RouterSchema),
    vrrp: VrrpSchema,
    external: ExternalSchema,
    firewall: FirewallSchema.prefault({}),
    agent: AgentSettingsSchema.prefault({}),
    conntrackSync: ConntrackSyncSchema.optional(),
  })
  .describe(
    'hagate.yaml: a highly available router pair (keepalived VRRP) on a KVM + Open vSwitch hypervisor.',
  );

/** A validated spec with every default applied. */
export type Spec = z.output<typeof SpecSchema>;
/** What a user may write in hagate.yaml. */
export type SpecInput = z.input<typeof SpecSchema>;
export type Router = Spec['routers'][string];
export type Segment = Spec['segments'][string];
export type Nic = Router['nics'][string];

/** JSON Schema of hagate.yaml (draft 2020-12), for editors. */
export function specJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
