/** Pure parts of the session measurement and the constrained lab: flow classification, tables, cgroup lookup. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CgroupHostView,
  detectCgroups,
  LabCgroups,
  labCgroupDirs,
  parseMountinfo,
  parseProcCgroup,
} from './cgroup.js';
import type { LabReport, VariantReport } from './run.js';
import type { ScenarioResult } from './scenarios.js';
import { analyseSessions, bucketRuns, countAttempts, countFlows, QUIET_MS } from './sessions.js';
import type { PeerFlow } from './sessions-peer.js';
import { pairRows, summaryTables } from './table.js';

const T0 = 1_000_000;
const END = T0 + 10_000;
const flow = (over: Partial<PeerFlow>): PeerFlow => ({
  id: 0,
  intervalMs: 80,
  sent: 100,
  replies: 100,
  firstReply: T0 - 3000,
  lastReply: END - 50,
  gaps: [],
  ...over,
});

describe('session flows', () => {
  const flows: PeerFlow[] = [
    // Survived, with a 2 s silence across the event.
    flow({ id: 0, gaps: [[T0 - 20, T0 + 1980]] }),
    // Reset by the new master.
    flow({ id: 1, lastReply: T0 + 10, error: { t: T0 + 900, code: 'ECONNRESET' } }),
    // Stalled: no echo since shortly after the event.
    flow({ id: 2, lastReply: T0 + 30 }),
    // Never up before the event: not counted.
    flow({ id: 3, firstReply: T0 + 500 }),
    // A silence before the event only: not a stall of this scenario.
    flow({ id: 4, gaps: [[T0 - 2000, T0 - 1000]] }),
  ];

  it('counts survived, reset and stalled among the flows up before the event, adding up', () => {
    const c = countFlows(flows, T0, END, false);
    expect(c).toMatchObject({ flows: 5, establishedBeforeEvent: 4, survived: 2, reset: 1, stalled: 1 });
    expect(c.survived + c.reset + c.stalled).toBe(c.establishedBeforeEvent);
    expect(c.resetReasons).toEqual({ ECONNRESET: 1 });
    // The stalled flow's silence runs to the end: longer than the survivor's 2 s.
    expect(c.longestStallMs).toBe(Math.round(END - (T0 + 30) - 80));
  });

  it('a UDP flow whose echoes resume after an ICMP error survived; one that never resumes is reset', () => {
    const udp = [
      flow({ id: 0, error: { t: T0 + 100, code: 'ECONNREFUSED' }, gaps: [[T0, T0 + 900]] }),
      flow({ id: 1, lastReply: T0 + 50, error: { t: T0 + 100, code: 'ECONNREFUSED' } }),
    ];
    const c = countFlows(udp, T0, END, true);
    expect(c).toMatchObject({ establishedBeforeEvent: 2, survived: 1, reset: 1, stalled: 0 });
    expect(c.longestStallMs).toBe(900 - 80);
  });

  it('a flow quiet for less than the quiet time at the end still survived', () => {
    const c = countFlows([flow({ lastReply: END - QUIET_MS + 10 })], T0, END, false);
    expect(c).toMatchObject({ survived: 1, stalled: 0 });
  });

  it('counts new connections inside the outage windows (relative to the event)', () => {
    const attempts = [
      { t: T0 - 100, ok: true, ms: 1 },
      { t: T0 + 100, ok: false, ms: 3000, error: 'timeout' },
      { t: T0 + 200, ok: true, ms: 1100 },
      { t: T0 + 5000, ok: true, ms: 1 },
    ];
    expect(countAttempts(attempts, T0, [[0, 1000]])).toEqual({
      attempted: 4,
      succeeded: 3,
      duringOutage: { attempted: 2, succeeded: 1 },
    });
  });

  it('turns "flows answering" buckets into runs of all / some / none', () => {
    expect(bucketRuns([4, 4, 2, 0, 0, 4], 100, T0 - 200, T0, 4, T0 + 400)).toEqual([
      [-200, 0, 1],
      [0, 100, 0.5],
      [100, 300, 0],
      [300, 400, 1],
    ]);
  });

  it('analyses a whole client record', () => {
    const r = analyseSessions(
      {
        type: 'result',
        start: T0 - 4000,
        stop: END,
        tcp: flows,
        udp: [flow({})],
        attempts: [{ t: T0 + 100, ok: true, ms: 2 }],
        buckets: { ms: 100, tcp: [1, 2], udp: [1] },
      },
      T0,
      [[0, 500]],
    );
    expect(r.tcp.establishedBeforeEvent).toBe(4);
    expect(r.udp).toMatchObject({ survived: 1 });
    expect(r.newConnections.duringOutage).toEqual({ attempted: 1, succeeded: 1 });
    expect(r.attempts).toEqual([[100, true]]);
    // 1 and 2 of the 4 flows up before the event: "some" for both buckets, merged.
    expect(r.timeline.tcp[0]).toEqual([-4000, -3800, 0.5]);
    expect(r.push).toBeUndefined();
  });

  it('counts push flows (server to client only) like UDP ones, when the client had some', () => {
    const r = analyseSessions(
      {
        type: 'result',
        start: T0 - 4000,
        stop: END,
        tcp: [],
        udp: [],
        // One kept its mapping; the other's last push arrived before the event: lost with the old master.
        push: [flow({}), flow({ id: 1, lastReply: T0 - 20 })],
        attempts: [],
        buckets: { ms: 100, tcp: [], udp: [], push: [2] },
      },
      T0,
      [],
    );
    expect(r.push).toMatchObject({ establishedBeforeEvent: 2, survived: 1, reset: 0, stalled: 1 });
    expect(r.push?.longestStallMs).toBe(END - (T0 - 20) - 80);
  });
});

describe('cgroup lookup', () => {
  const hybrid = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');
  const view = (files: Record<string, string>, mountinfo = hybrid, procCgroup = ''): CgroupHostView => ({
    mountinfo,
    procCgroup,
    read: (p) => files[p],
    writable: () => true,
  });

  it('parses mountinfo and /proc/self/cgroup', () => {
    expect(parseMountinfo(hybrid).map((m) => [m.mountPoint, m.fsType])).toEqual([
      ['/sys/fs/cgroup', 'tmpfs'],
      ['/sys/fs/cgroup/cpu', 'cgroup'],
      ['/sys/fs/cgroup/memory', 'cgroup'],
      ['/sys/fs/cgroup/unified', 'cgroup2'],
    ]);
    expect([...parseProcCgroup('4:memory:/a/b\n1:cpu:/\n0::/\n')]).toEqual([
      ['memory', '/a/b'],
      ['cpu', '/'],
      ['', '/'],
    ]);
  });

  it('uses cgroup v2 when its root enables cpu and memory for children', () => {
    const d = detectCgroups(
      view(
        {
          '/sys/fs/cgroup/cgroup.subtree_control': 'cpuset cpu io memory pids\n',
          '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
        },
        '30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
      ),
    );
    expect(d).toEqual({ ok: true, plan: { backend: 'v2', root: '/sys/fs/cgroup' } });
  });

  it('falls back to cgroup v1 under its own cgroups on a hybrid host, and says why', () => {
    const d = detectCgroups(
      view(
        {
          '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n',
          '/sys/fs/cgroup/unified/cgroup.subtree_control': '',
        },
        hybrid,
        '4:memory:/process_api/x\n1:cpu:/\n0::/\n',
      ),
    );
    expect(d.ok && d.plan).toMatchObject({
      backend: 'v1',
      cpu: '/sys/fs/cgroup/cpu',
      memory: '/sys/fs/cgroup/memory/process_api/x',
    });
    expect(d.ok && d.plan.backend === 'v1' && d.plan.v2Unavailable).toMatch(
      /cgroup\.subtree_control enables nothing, not cpu, memory \(cpu, memory not in its cgroup\.controllers/,
    );
  });

  it('says precisely why when no hierarchy can hold the limits', () => {
    const d = detectCgroups(view({}, '31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw'));
    expect(d).toEqual({
      ok: false,
      reason:
        'cgroup v2: no cgroup2 file system is mounted; cgroup v1: no cgroup v1 hierarchy has the cpu controller; no cgroup v1 hierarchy has the memory controller',
    });
  });

  it('writes the cgroup v2 files: controllers on the parent it creates, cpu.max and memory.max per router', () => {
    // A directory standing for the unified root (the files the kernel would offer are not there).
    const root = mkdtempSync(join(tmpdir(), 'hgl-cgv2-'));
    try {
      const cg = new LabCgroups({ backend: 'v2', root }, 'abc123', root);
      cg.add('extrout1', true);
      cg.add('load', false);
      const parent = join(root, 'hgl-abc123');
      const read = (...p: string[]) => readFileSync(join(parent, ...p), 'utf8');
      expect(read('cgroup.subtree_control')).toBe('+cpu +memory');
      expect(read('extrout1', 'cpu.max')).toBe('100000 100000');
      expect(read('extrout1', 'memory.max')).toBe(String(256 * 1024 * 1024));
      expect(() => read('load', 'cpu.max')).toThrow();
      expect(cg.dirs('extrout1')).toEqual([join(parent, 'extrout1')]);
      expect(cg.wrap('extrout1', ['keepalived', '-n'])).toEqual([
        'sh',
        '-c',
        expect.stringContaining('exec "$@"'),
        'hgl-cgroup',
        join(parent, 'extrout1', 'cgroup.procs'),
        '--',
        'keepalived',
        '-n',
      ]);
      // Recorded for crash cleanup, parent first.
      expect(readFileSync(join(root, 'cgroups'), 'utf8').split('\n').filter(Boolean)).toEqual([
        parent,
        join(parent, 'extrout1'),
        join(parent, 'load'),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds only hgl-<run id> directories for the given runs', () => {
    expect(
      labCgroupDirs(['abc123'], () => ['/sys/fs/cgroup/cpu/other', '/nonexistent/hgl-abc123/r1']),
    ).toEqual([]);
  });
});

describe('side-by-side tables', () => {
  const scenario = (variant: string, outage: number, stall: number): ScenarioResult =>
    ({
      scenario: 'hard-kill',
      variant,
      ok: true,
      directions: {
        lanToInternet: { outageMs: outage, recovered: true },
        internetToFailover: { outageMs: outage + 5, recovered: true },
      },
      sessions: {
        tcp: {
          flows: 50,
          establishedBeforeEvent: 50,
          survived: 49,
          reset: 0,
          stalled: 1,
          longestStallMs: stall,
          resetReasons: {},
        },
        udp: {
          flows: 50,
          establishedBeforeEvent: 50,
          survived: 50,
          reset: 0,
          stalled: 0,
          longestStallMs: 4000,
          resetReasons: {},
        },
        newConnections: { attempted: 80, succeeded: 60, duringOutage: { attempted: 40, succeeded: 20 } },
        timeline: { tcp: [], udp: [] },
        attempts: [],
      },
    }) as unknown as ScenarioResult;
  const v = (name: string, base: string, constrained: boolean, outage: number): VariantReport =>
    ({
      name,
      base,
      hooks: 'notify',
      tuned: false,
      scenarios: [scenario(name, outage, outage + 2000)],
      ...(constrained
        ? {
            constrained: {
              backend: 'v1',
              cpu: '100000 100000',
              memoryBytes: 268435456,
              load: 0,
              routers: {},
            },
          }
        : {}),
    }) as unknown as VariantReport;
  const report = {
    variants: [
      v('hagate-notify', 'hagate-notify', false, 3600),
      v('hagate-notify-constrained', 'hagate-notify', true, 3900),
    ],
  } as unknown as LabReport;

  it('pairs plain and constrained results of the same variant and scenario', () => {
    const rows = pairRows(report);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.plain?.variant).toBe('hagate-notify');
    expect(rows[0]!.constrained?.variant).toBe('hagate-notify-constrained');
  });

  it('prints pings and sessions, plain and constrained in one row', () => {
    const t = summaryTables(report);
    expect(t.pings[2]).toMatch(/^hagate-notify\s+hard-kill\s+3600 \/ 3605 ms\s+3900 \/ 3905 ms$/);
    expect(t.sessions[0]).toContain('constrained: TCP s/r/st longest');
    expect(t.sessions[2]).toMatch(
      /49\/0\/1 5600 ms\s+50\/0\/0 4000 ms\s+20\/40 \(all 60\/80\)\s+49\/0\/1 5900 ms/,
    );
  });
});
