/** Pure parts of the lab: probe parsing and outage arithmetic, the topology plan, the baseline wiring, the report. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adaptScript, baselineKeepalived } from './baseline.js';
import { LAB_PREFIX } from './cleanup.js';
import { monitorEvent } from './monitor.js';
import { extBothUpMs, externalInPlaceAt } from './overlap.js';
import { detectionBoundMs, planLab, skewMs } from './plan.js';
import { parsePingLine, probeStats, type Reply } from './probe.js';
import { renderHtml } from './report.js';
import type { LabReport } from './run.js';
import { closingNote } from './run.js';
import { DEFAULT_SPEC, readSpec, variantSpec } from './tree.js';

const spec = readSpec(DEFAULT_SPEC);

describe('ping -D lines', () => {
  it.each([
    [
      '[1795705383.844614] 64 bytes from 192.0.2.10: icmp_seq=12 ttl=62 time=0.250 ms',
      { seq: 12, rtt: 0.25 },
    ],
    ['[1795705383.844614] 64 bytes from 203.0.113.10: icmp_seq=7 ttl=63 time=12.5 ms', { seq: 7, rtt: 12.5 }],
    // IPv6: the address has colons of its own.
    [
      '[1795705383.844614] 64 bytes from 2001:db8:ee::10: icmp_seq=3 ttl=62 time=0.5 ms',
      { seq: 3, rtt: 0.5 },
    ],
  ])('%s', (line, want) => {
    const r = parsePingLine(line);
    expect(r).toMatchObject(want);
    expect(r!.sent).toBeCloseTo(1795705383844.614 - want.rtt, 3);
  });
  it.each([
    '[1795705383.844614] 64 bytes from 192.0.2.10: icmp_seq=12 ttl=62 time=0.250 ms (DUP!)',
    '[1795705931.854789] From 10.10.1.1 icmp_seq=29 Destination Net Unreachable',
    '[1795705931.854789] From 2001:db8:10::1 icmp_seq=4 Destination unreachable: No route',
    '504 packets transmitted, 453 received, +1 errors, 10.119% packet loss, time 8540ms',
  ])('ignores %s', (line) => expect(parsePingLine(line)).toBeUndefined());
});

describe('probe statistics', () => {
  const replies = (seqs: number[]): Reply[] => seqs.map((seq) => ({ seq, sent: 1000 + seq * 10, rtt: 0.1 }));
  it('measures one outage between the last answered probe and the next', () => {
    const s = probeStats('x', replies([1, 2, 3, 9, 10]), 10, 10);
    expect(s).toMatchObject({
      sent: 10,
      received: 5,
      lost: 5,
      lostBeforeFirst: 0,
      lostAfterLast: 0,
      recovered: true,
    });
    expect(s.gaps).toHaveLength(1);
    expect(s.outageMs).toBe(50); // probes 4..8 lost: 60 ms between 3 and 9, minus one interval
  });
  it('sums several outages, keeps the longest, and ignores duplicates', () => {
    const s = probeStats('x', replies([1, 3, 3, 4, 8]), 8, 10);
    expect(s.gaps.map((g) => g.lost)).toEqual([1, 3]);
    expect(s.outageMs).toBe(30);
    expect(s.totalOutageMs).toBe(40);
  });
  it('separates the time before the first reply (boot) and flags no recovery', () => {
    expect(probeStats('x', replies([5, 6]), 6, 10)).toMatchObject({
      lostBeforeFirst: 4,
      lost: 0,
      outageMs: 0,
    });
    expect(probeStats('x', replies([1, 2]), 100, 10)).toMatchObject({ lostAfterLast: 98, recovered: false });
    expect(probeStats('x', [], 50, 10)).toMatchObject({ received: 0, recovered: false });
  });
});

describe('topology plan of examples/dedibox', () => {
  const plan = planLab(spec, 'abc123');
  it('names every namespace with the lab prefix and the run id', () => {
    for (const ns of [
      plan.hv,
      plan.lan.ns,
      plan.provider.ns,
      plan.inet.ns,
      ...plan.routers.map((r) => r.ns),
    ]) {
      expect(ns.startsWith(`${LAB_PREFIX}abc123-`)).toBe(true);
    }
  });
  it('has one bridge per VLAN of brint and br0', () => {
    expect(plan.bridges).toEqual(['br0', 'brint-10', 'brint-250', 'brint-99']);
  });
  it("gives each router its guest NIC names, VLAN subinterfaces as veths on the VLAN's bridge", () => {
    const r1 = plan.routers[0];
    expect(r1.links.map((l) => [l.ifname, l.bridge ?? null, l.hvPort])).toEqual([
      ['eth0', null, 'extrout1.0'],
      ['eth0.99', 'brint-99', 'extrout1.0.99'],
      ['eth0.250', 'brint-250', 'extrout1.0.250'],
      ['eth1', 'brint-10', 'extrout1.1'],
    ]);
    expect(r1.ext).toEqual({
      ifname: 'eth2',
      lower: 'eth2-tap',
      hvPort: 'extrout1.2',
      bridge: 'br0',
      mac: '52:54:00:ff:ff:ff',
    });
    expect(plan.routers[1].ext.mac).toBe(r1.ext.mac);
  });
  it('puts FrontWeb on the VRRP LAN behind the VIP and the provider gateway on br0', () => {
    expect(plan.lan).toMatchObject({ bridge: 'brint-10', addr: '10.10.1.10', gateway: '10.10.1.254' });
    expect(plan.provider).toMatchObject({ bridge: 'br0', addr: '198.51.100.1' });
    expect(plan.failoverIp).toBe('203.0.113.10');
  });
});

describe('keepalived bounds', () => {
  it('detection = 3 x advert + skew; skew scales with the advert only in VRRPv3', () => {
    expect(skewMs(1, 50, 2)).toBeCloseTo(804.7, 1);
    expect(detectionBoundMs(1, 50, 2)).toBeCloseTo(3804.7, 1);
    expect(skewMs(0.1, 50, 3)).toBeCloseTo(80.5, 1);
    expect(detectionBoundMs(0.1, 50, 3)).toBeCloseTo(380.5, 1);
  });
  it('the tuned variant is the fast detection profile: VRRPv3 with a sub-second advert and no auth', () => {
    const t = variantSpec(spec, { hooks: 'fifo', tuned: true });
    expect(t.vrrp).toMatchObject({ version: 3, hooks: 'fifo', fastDetection: true });
    expect(t.vrrp.advertInt).toBeLessThan(1);
    expect(t.vrrp.auth).toBeUndefined();
    expect(spec.vrrp.version).toBe(2);
  });
});

describe('baseline wiring', () => {
  it("replaces the agent by the how-to's scripts in keepalived.conf", () => {
    const conf = [
      'global_defs {',
      '  shutdown_script "/usr/local/sbin/hagate-agent shutdown"',
      '  vrrp_notify_fifo /run/hagate/keepalived.fifo',
      '}',
      'vrrp_instance R {',
      '  notify /usr/local/sbin/hagate-agent',
      '}',
    ].join('\n');
    const out = baselineKeepalived(conf);
    expect(out).toContain('  shutdown_script /srv/keepdown.sh');
    expect(out).toContain('  notify /srv/keep.sh');
    expect(out).not.toContain('hagate-agent');
    expect(out).not.toContain('vrrp_notify_fifo');
  });
  it("keeps none of hagate's own wiring (fifo, demotion file, notify_stop, start-up delay) for the how-to's pair", () => {
    const conf = readFileSync(
      new URL('../../../test/golden/dedibox/extrout1/etc/keepalived/keepalived.conf', import.meta.url),
      'utf8',
    );
    expect(conf).toMatch(/track_file|notify_stop|vrrp_startup_delay|vrrp_notify_fifo/);
    const out = baselineKeepalived(conf);
    expect(out).not.toMatch(
      /track_file|hagate_demote|notify_stop|vrrp_startup_delay|vrrp_notify_fifo|hagate-agent/,
    );
    expect(out).toContain('  notify /srv/keep.sh');
    expect(out.match(/\{/g)?.length).toBe(out.match(/\}/g)?.length);
  });

  it("adapts the how-to's literal addresses to the spec", () => {
    const up = adaptScript(
      'keepup.sh',
      'ip addr add 123.123.123.123 dev eth2\nping -c 1 IP.GATEWAY\n',
      spec,
      'extrout2',
    );
    expect(up).toBe('ip addr add 203.0.113.10 dev eth2\nping -c 1 198.51.100.1\n');
    const down = adaptScript(
      'keepdown.sh',
      'ip route add 0.0.0.0/0 via 10.10.1.2 dev eth1 src 10.10.1.1\n',
      spec,
      'extrout2',
    );
    expect(down).toBe('ip route add 0.0.0.0/0 via 10.10.1.1 dev eth1 src 10.10.1.2\n');
  });
});

describe('report', () => {
  const dir = {
    name: 'lan->internet',
    intervalMs: 10,
    sent: 100,
    received: 90,
    lost: 10,
    lostBeforeFirst: 0,
    lostAfterLast: 0,
    outageMs: 100,
    totalOutageMs: 100,
    gaps: [{ start: 0, end: 110, lost: 10, outageMs: 100 }],
    runs: [
      [-200, 0, true],
      [0, 110, false],
      [110, 800, true],
    ] as [number, number, boolean][],
    recovered: true,
  };
  const scenario = (variant: string, outage: number) => ({
    scenario: 'hard-kill',
    variant,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 800,
    master: 'extrout2',
    converged: true,
    directions: { lanToInternet: { ...dir, outageMs: outage }, internetToFailover: dir },
    boundMs: 4055,
    withinBound: true,
    transitions: [{ router: 'extrout2', state: 'MASTER', at: 50, kernelAppliedMs: 20 }],
    invariants: [{ name: 'exactly one router holds the VIP', ok: true, detail: 'extrout2' }],
    events: [
      {
        at: 0,
        source: 'lab' as const,
        kind: 'action:destroy',
        text: 'extrout1 <destroyed>',
        router: 'extrout1',
      },
      {
        at: 50,
        source: 'keepalived' as const,
        kind: 'state:MASTER',
        text: 'Entering MASTER STATE',
        router: 'extrout2',
      },
    ],
    ok: true,
  });
  const variant = (name: string, hooks: 'notify' | 'baseline', outage: number) => ({
    name,
    base: name,
    hooks,
    tuned: false,
    advertInt: 1,
    vrrpVersion: 2 as const,
    scenarios: [scenario(name, outage)],
  });
  const report: LabReport = {
    tool: '@hagate/netlab',
    startedAt: 's',
    finishedAt: 'f',
    runId: 'abc',
    host: { kernel: 'k', keepalived: 'Keepalived v2.2.7' },
    spec: 'examples/dedibox/hagate.yaml',
    options: {
      scenarios: ['hard-kill'],
      hooks: 'notify',
      baseline: true,
      quick: false,
      runs: ['plain'],
      load: 0,
      sessions: [],
      flows: 50,
    },
    variants: [variant('hagate-notify', 'notify', 3600), variant('baseline', 'baseline', 4700)],
    ok: true,
    note: [],
  };
  it('quotes hagate and the baseline side by side', () => {
    expect(closingNote(report.variants)).toEqual([
      'hard-kill (LAN->internet / internet->failover IP): hagate-notify 3600 / 100 ms vs baseline 4700 / 100 ms',
    ]);
  });
  it('is one self-contained page with a timeline per scenario, text escaped', () => {
    const html = renderHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('extrout1 &#60;destroyed&#62;');
    expect(html).not.toContain('<destroyed>');
  });
  it('shows sessions on the timeline and plain vs constrained side by side', () => {
    const counts = {
      flows: 50,
      establishedBeforeEvent: 50,
      survived: 48,
      reset: 2,
      stalled: 0,
      longestStallMs: 6600,
      resetReasons: { ECONNRESET: 2 },
    };
    const sessions = {
      tcp: counts,
      udp: { ...counts, survived: 50, reset: 0, resetReasons: {} },
      newConnections: { attempted: 3, succeeded: 2, duringOutage: { attempted: 2, succeeded: 1 } },
      timeline: {
        tcp: [
          [-200, 0, 1],
          [0, 300, 0],
          [300, 800, 0.5],
        ] as [number, number, number][],
        udp: [[-200, 800, 1]] as [number, number, number][],
      },
      attempts: [
        [-100, true],
        [50, false],
        [400, true],
      ] as [number, boolean][],
    };
    const v0 = variant('hagate-notify', 'notify', 3600);
    const plain: LabReport['variants'][number] = { ...v0, scenarios: [{ ...v0.scenarios[0]!, sessions }] };
    const constrained = {
      ...variant('hagate-notify-constrained', 'notify', 3900),
      base: 'hagate-notify',
      constrained: {
        backend: 'v1' as const,
        v2Unavailable: 'no cpu controller',
        cpu: '100000 100000',
        memoryBytes: 268435456,
        load: 1,
        routers: { extrout1: { nrThrottled: 3, throttledMs: 12, maxProcs: 2, commands: ['keepalived'] } },
      },
    };
    const html = renderHtml({ ...report, variants: [plain, constrained] });
    expect(html).toContain('TCP connections (50)');
    expect(html).toContain('UDP flows (50)');
    expect(html).toContain('new connections 2/3');
    expect(html).toContain('Plain vs constrained');
    expect(html).toContain('48/2/0 6600 ms');
    expect(html).toContain('1/2 (all 2/3)');
    expect(html).toContain('cgroup v1 (v2 unavailable: no cpu controller)');
    expect(html.match(/<svg /g)).toHaveLength(2);
  });
});

describe('extBothUpMs', () => {
  const ev = (at: number, router: string, kind: string) => ({ at, router, source: 'kernel', kind });
  it('adds up the time the external NIC was up on both routers', () => {
    // r2 was up (its first event is a down); r1 comes up 3 ms before r2 goes down.
    expect(extBothUpMs([ev(10, 'r1', 'ext:up'), ev(13, 'r2', 'ext:down')])).toBe(3);
    // The old master gives up first: never on both.
    expect(extBothUpMs([ev(10, 'r2', 'ext:down'), ev(12, 'r1', 'ext:up')])).toBe(0);
    // Repeated link events and other kinds do not count twice.
    expect(
      extBothUpMs([
        ev(0, 'r1', 'ext:up'),
        ev(1, 'r1', 'ext:up'),
        { at: 2, router: 'r2', source: 'kernel', kind: 'fip:del' },
        ev(5, 'r2', 'ext:down'),
        ev(20, 'r2', 'ext:up'),
        ev(21.5, 'r1', 'ext:down'),
      ]),
    ).toBe(6.5);
    expect(extBothUpMs([])).toBe(0);
  });
});

describe('monitorEvent', () => {
  const n = { ext: 'eth2', failoverIp: '203.0.113.10', vip: '10.10.1.254' };
  it('reads the kernel events of a router from ip -ts monitor lines', () => {
    const up = monitorEvent(
      '[2026-12-06T23:31:10.492117] 7: eth2@eth2-tap: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP',
      'r1',
      n,
    );
    expect(up).toMatchObject({ router: 'r1', source: 'kernel', kind: 'ext:up' });
    expect(up?.t).toBeCloseTo(Date.parse('2026-12-06T23:31:10.492') + 0.117, 3);
    expect(
      monitorEvent(
        '[2026-12-06T23:31:10.5] Deleted 7: eth2    inet 203.0.113.10/32 scope global eth2',
        'r1',
        n,
      )?.kind,
    ).toBe('fip:del');
    expect(monitorEvent('[2026-12-06T23:31:10.5] default via 198.51.100.1 dev eth2', 'r1', n)?.kind).toBe(
      'default:add',
    );
    expect(
      monitorEvent('[2026-12-06T23:31:10.5] 5: eth1 inet 10.10.1.254/24 scope global', 'r1', n)?.kind,
    ).toBe('vip:add');
    expect(monitorEvent('not a monitor line', 'r1', n)).toBeUndefined();
    expect(monitorEvent('[2026-12-06T23:31:10.5] 3: eth1: <UP> mtu 1500', 'r1', n)).toBeUndefined();
  });
});

describe('externalInPlaceAt', () => {
  const ev = (t: number, router: string, kind: string) => ({ t, router, source: 'kernel', kind });
  it("is the last of the new master's external events around its last NIC up, before the recovery", () => {
    const events = [
      // r1's failed attempt: an address, never the NIC.
      ev(100, 'r1', 'fip:add'),
      // r2's backup route, then its takeover.
      ev(110, 'r2', 'default:add'),
      ev(900, 'r2', 'fip:add'),
      ev(902, 'r2', 'ext:up'),
      ev(903, 'r2', 'default:add'),
      { t: 904, router: 'r2', source: 'keepalived', kind: 'state:MASTER' },
      ev(2000, 'r2', 'ext:up'),
    ];
    expect(externalInPlaceAt(events, 'r2', 1000)).toBe(903);
    expect(externalInPlaceAt(events, 'r1', 1000)).toBeUndefined();
    expect(externalInPlaceAt(events, null, 1000)).toBeUndefined();
  });
});
