/** The pure parts of status, metrics and health: no router, no keepalived. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupVerdict } from './health.js';
import { renderMetrics, writeAtomically } from './metrics.js';
import { readState, type TransitionRecord, writeState } from './state.js';
import { parseKeepalivedDump } from './status-keepalived.js';
import { disagreements, type StatusView } from './status-view.js';

const dir = mkdtempSync(join(tmpdir(), 'hagate-ops-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A view where everything agrees: master everywhere. */
function view(edit: (v: Omit<StatusView, 'disagreements'>) => void = () => {}): StatusView {
  const v: Omit<StatusView, 'disagreements'> = {
    router: 'extrout1',
    instance: 'ROUTEUR_1',
    agent: { role: 'master', since: '2026-12-06T23:00:00.000Z', lastFailed: false },
    keepalived: {
      running: true,
      pid: 42,
      pidFile: '/run/keepalived.pid',
      instances: [{ name: 'ROUTEUR_1', state: 'MASTER', effectivePriority: 200, basePriority: 200 }],
      instance: { name: 'ROUTEUR_1', state: 'MASTER', effectivePriority: 200, basePriority: 200 },
    },
    kernel: { externalUp: true, vipHeld: true },
    maintenance: null,
    maintenanceFile: '/var/lib/hagate/maintenance.json',
    demoted: { marker: null, trackValue: '0' },
    health: null,
    totals: { applied: 3, stale: 0, superseded: 0, failed: 1 },
  };
  edit(v);
  return { ...v, disagreements: disagreements(v) };
}

describe('status: the views side by side', () => {
  it('finds nothing when keepalived, the kernel and the agent agree', () => {
    expect(view().disagreements).toEqual([]);
  });

  it('says when keepalived is not running, and when the router still holds the master state then', () => {
    const v = view((x) => {
      x.keepalived = {
        running: false,
        pidFile: '/run/keepalived.pid',
        problem: 'no pid file /run/keepalived.pid (ENOENT)',
      };
    });
    expect(v.disagreements).toEqual([
      'keepalived is not running (no pid file /run/keepalived.pid (ENOENT)): nothing elects this router or its peer',
      'keepalived is not running, but this router still holds the master state',
    ]);
  });

  it("says when keepalived's state, the agent's role and the kernel differ", () => {
    const v = view((x) => {
      const i = { name: 'ROUTEUR_1', state: 'BACKUP' };
      x.keepalived.instances = [i];
      x.keepalived.instance = i;
    });
    expect(v.disagreements).toEqual([
      'keepalived says BACKUP, the agent last applied the master state',
      'keepalived says BACKUP, but the kernel holds the VIP',
    ]);
    const fault = view((x) => {
      const i = { name: 'ROUTEUR_1', state: 'FAULT' };
      x.keepalived.instance = i;
      x.agent.role = 'backup';
      x.kernel = { externalUp: false, vipHeld: false };
    });
    expect(fault.disagreements).toEqual(['keepalived holds instance ROUTEUR_1 in FAULT']);
  });

  it('says when maintenance is on but this router is still master, or the demotion file was rewritten', () => {
    const v = view((x) => {
      x.maintenance = { since: '2026-12-06T23:00:00.000Z' };
    });
    expect(v.disagreements).toEqual([
      'in maintenance, but still MASTER: the peer is not taking over (down, demoted or in maintenance too?)',
      'in maintenance, but the demotion file says 0 (hagate-agent maintenance on writes it again)',
    ]);
  });

  it('says when keepalived runs but cannot be asked, or has no such instance', () => {
    expect(
      view((x) => {
        x.keepalived = {
          running: true,
          pid: 42,
          pidFile: '/p',
          problem: 'keepalived (pid 42) did not answer',
        };
      }).disagreements,
    ).toEqual(['keepalived runs but its view is unknown: keepalived (pid 42) did not answer']);
    expect(
      view((x) => {
        x.keepalived = { running: true, pid: 42, pidFile: '/p', instances: [] };
      }).disagreements,
    ).toEqual(['keepalived has no instance ROUTEUR_1 (its config does not match agent.json)']);
  });
});

describe("keepalived's JSON dump", () => {
  it('reads the state, the priorities and the counters of each instance', () => {
    const dump = JSON.stringify([
      {
        data: {
          iname: 'ROUTEUR_1',
          state: 2,
          wantstate: 2,
          base_priority: 200,
          effective_priority: 1,
          master_priority: 0,
        },
        stats: { become_master: 2, release_master: 1, advert_rcvd: 10, advert_sent: 30 },
      },
      { data: { iname: 'OTHER', state: 3 }, stats: {} },
      { nothing: true },
    ]);
    expect(parseKeepalivedDump(dump)).toEqual([
      {
        name: 'ROUTEUR_1',
        state: 'MASTER',
        wantState: 'MASTER',
        basePriority: 200,
        effectivePriority: 1,
        masterPriority: 0,
        becameMaster: 2,
        releasedMaster: 1,
        advertsReceived: 10,
        advertsSent: 30,
      },
      { name: 'OTHER', state: 'FAULT' },
    ]);
    expect(() => parseKeepalivedDump('{"half":')).toThrow();
    expect(() => parseKeepalivedDump('{}')).toThrow('not a JSON array');
  });
});

describe('metrics', () => {
  it('renders every series in the Prometheus text format, with HELP and TYPE', () => {
    const text = renderMetrics(
      view((x) => {
        x.agent.last = {
          at: '2026-12-06T23:00:00.000Z',
          event: 'INSTANCE ROUTEUR_1 MASTER 200',
          role: 'master',
          seq: { t: 1, pid: 1 },
          result: 'applied',
          changes: 7,
          steps: { total: 9.5 },
        };
        x.health = { ok: false, at: '2026-12-06T23:00:01.000Z', probed: true, detail: 'no answer' };
      }),
    );
    const lines = text.trimEnd().split('\n');
    for (const l of lines)
      expect(l).toMatch(/^(# (HELP|TYPE) hagate_\w+ .+|hagate_\w+\{[^}]*\} -?[\d.e+-]+)$/);
    expect(lines).toContain('hagate_agent_role{router="extrout1",instance="ROUTEUR_1",role="master"} 1');
    expect(lines).toContain('hagate_agent_role{router="extrout1",instance="ROUTEUR_1",role="backup"} 0');
    expect(lines).toContain(
      'hagate_keepalived_state{router="extrout1",instance="ROUTEUR_1",state="MASTER"} 1',
    );
    expect(lines).toContain(
      'hagate_keepalived_state{router="extrout1",instance="ROUTEUR_1",state="FAULT"} 0',
    );
    expect(lines).toContain(
      'hagate_agent_transitions_total{router="extrout1",instance="ROUTEUR_1",result="applied"} 3',
    );
    expect(lines).toContain(
      'hagate_agent_transition_failures_total{router="extrout1",instance="ROUTEUR_1"} 1',
    );
    expect(lines).toContain(
      'hagate_agent_last_apply_duration_seconds{router="extrout1",instance="ROUTEUR_1"} 0.0095',
    );
    expect(lines).toContain(
      'hagate_agent_last_transition_timestamp_seconds{router="extrout1",instance="ROUTEUR_1"} 1796598000',
    );
    expect(lines).toContain('hagate_health_up{router="extrout1",instance="ROUTEUR_1",probed="yes"} 0');
    expect(lines).toContain('# TYPE hagate_agent_transitions_total counter');
    // Every metric is declared once.
    const types = lines.filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
    expect(new Set(types).size).toBe(types.length);
  });

  it('escapes label values', () => {
    const text = renderMetrics(view((x) => (x.router = 'a"b\\c')));
    expect(text).toContain('router="a\\"b\\\\c"');
  });

  it('writes the file atomically: only the final file is left, never a temporary one', () => {
    const file = join(dir, 'prom', 'hagate.prom');
    writeAtomically(file, 'a 1\n');
    writeAtomically(file, 'a 2\n');
    expect(readFileSync(file, 'utf8')).toBe('a 2\n');
    expect(readdirSync(join(dir, 'prom'))).toEqual(['hagate.prom']);
    expect(() => writeAtomically('/proc/hagate.prom', 'x')).toThrow(
      /cannot write the metrics file \/proc\/hagate.prom/,
    );
  });
});

describe('health on a backup', () => {
  const now = Date.parse('2026-12-06T23:10:00.000Z');
  it('repeats a failure it saw as master while younger than the hold time, then reports healthy', () => {
    const failed = {
      ok: false,
      at: '2026-12-06T23:09:00.000Z',
      detail: 'gateway 198.51.100.1 did not answer on eth2',
    };
    expect(backupVerdict(failed, 300_000, now).ok).toBe(false);
    expect(backupVerdict(failed, 300_000, now).detail).toContain('60 s ago');
    expect(backupVerdict(failed, 30_000, now).ok).toBe(true);
    expect(backupVerdict({ ...failed, ok: true }, 300_000, now).ok).toBe(true);
    expect(backupVerdict(undefined, 300_000, now).ok).toBe(true);
    // A clock that went back, or a malformed time: not trusted.
    expect(backupVerdict({ ...failed, at: '2026-12-07T00:00:00.000Z' }, 300_000, now).ok).toBe(true);
    expect(backupVerdict({ ...failed, at: 'garbage' }, 300_000, now).ok).toBe(true);
  });

  it('holds only a failure that lasted fall probes, not one probe lost while the role moved', () => {
    const failed = { ok: false, at: '2026-12-06T23:09:50.000Z', detail: 'no answer' };
    expect(backupVerdict({ ...failed, streak: 1 }, 300_000, now, 2).ok).toBe(true);
    expect(backupVerdict({ ...failed, streak: 2 }, 300_000, now, 2).ok).toBe(false);
    expect(backupVerdict({ ...failed, streak: 5 }, 300_000, now, 3).ok).toBe(false);
  });
});

describe('state totals', () => {
  it('counts the transitions that leave the kept window, so the counters never go back', () => {
    const stateDir = join(dir, 'state');
    const t = (i: number, result: TransitionRecord['result']): TransitionRecord => ({
      at: new Date(i * 1000).toISOString(),
      event: `e${i}`,
      role: 'backup',
      seq: { t: i, pid: 1 },
      result,
      changes: 0,
      steps: {},
    });
    const s = readState(stateDir);
    for (let i = 0; i < 25; i++) s.transitions.push(t(i, i % 5 === 0 ? 'failed' : 'applied'));
    writeState(stateDir, s);
    const back = readState(stateDir);
    expect(back.transitions).toHaveLength(20);
    expect(back.totals).toEqual({ failed: 1, applied: 4 });
    back.transitions.push(t(25, 'stale'));
    writeState(stateDir, back);
    expect(readState(stateDir).totals).toEqual({ failed: 2, applied: 4 });
  });
});
