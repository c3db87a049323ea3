/**
 * Maintenance mode, `status --json` and the metrics file against two real keepalived daemons, one per router
 * namespace, their LAN NICs joined by a veth pair, each running the real agent bundle as its fifo hook.
 * Everything is checked from keepalived's own view (its JSON dump, read here directly), the kernel (`ip`)
 * and the files, never only from the agent's report.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, missing, type Netns, needs } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, kernel, type Lab, makeLab, quietEnv, readJson } from '../test/ns-agent.js';
import { parseKeepalivedDump } from './status-keepalived.js';

const why = missing('root', 'ip', 'nft', 'keepalived');
const VIP = '10.10.1.254';

interface Router {
  name: 'a' | 'b';
  ns: Netns;
  cfg: string;
  dir: string;
  priority: number;
  keepalived?: ChildProcess;
  log: string[];
}

let lab: Lab | undefined;
const routers: Router[] = [];
const extra: Netns[] = [];
beforeAll(() => {
  if (!why) lab = makeLab('ops');
});
afterAll(async () => {
  for (const r of routers) await stopKeepalived(r, 'SIGTERM');
  for (const ns of extra) ns.remove();
  lab?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (ok()) return Date.now() - start;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A keepalived.conf like the generated one (fifo hook, demotion track file, unicast), paths in `dir`. */
function keepalivedConf(l: Lab, r: Router, self: string, peer: string): string {
  const agent = (...args: string[]) => [process.execPath, l.bundle, '--config', r.cfg, ...args].join(' ');
  return `global_defs {
  router_id ${r.name}
  enable_script_security
  script_user root
  vrrp_notify_fifo ${join(r.dir, 'keepalived.fifo')}
  vrrp_notify_fifo_script "${agent('fifo')}"
  shutdown_script "${agent('shutdown')}"
  vrrp_higher_prio_send_advert
}
vrrp_track_file hagate_demote {
  file ${join(r.dir, 'demote')}
  weight 1
  init_file 1 overwrite
}
vrrp_instance ROUTEUR_1 {
  state BACKUP
  interface eth1
  virtual_router_id 51
  priority ${r.priority}
  advert_int 1
  preempt
  unicast_src_ip ${self}
  unicast_peer {
    ${peer}
  }
  virtual_ipaddress {
    ${VIP}/24 dev eth1
  }
  notify_stop "${agent('shutdown')}"
  track_file {
    hagate_demote weight -${r.priority - 1}
  }
}
`;
}

function startKeepalived(r: Router): void {
  const args = [
    'netns',
    'exec',
    r.ns.name,
    'keepalived',
    '-n',
    '-l',
    '-P',
    '-f',
    join(r.dir, 'keepalived.conf'),
  ];
  args.push('-p', join(r.dir, 'keepalived.pid'), '-r', join(r.dir, 'vrrp.pid'));
  const child = spawn(IP, args, { env: { ...quietEnv, TMPDIR: r.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [child.stdout, child.stderr])
    s?.setEncoding('utf8').on('data', (d: string) => r.log.push(d));
  r.keepalived = child;
}

async function stopKeepalived(r: Router, signal: NodeJS.Signals): Promise<void> {
  const k = r.keepalived;
  if (!k || k.exitCode !== null || k.signalCode !== null) return;
  const exited = new Promise((res) => k.once('exit', res));
  k.kill(signal);
  await exited;
  r.keepalived = undefined;
}

/** keepalived's own state of the instance, from its JSON dump (read here, not through the agent). */
async function keepalivedState(r: Router): Promise<string | undefined> {
  const pid = Number(readFileSync(join(r.dir, 'keepalived.pid'), 'utf8'));
  const file = join(r.dir, 'keepalived.json');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  process.kill(pid, Number(r.ns.exec(['keepalived', '--signum=JSON']).stdout));
  for (let i = 0; i < 50; i++) {
    await sleep(20);
    try {
      const text = readFileSync(file, 'utf8');
      if (text === before && i < 10) continue;
      return parseKeepalivedDump(text).find((x) => x.name === 'ROUTEUR_1')?.state;
    } catch {}
  }
  return undefined;
}

/** The role the kernel shows: the external NIC up with the failover IP and forwarding on, or neither. */
function kernelRole(ns: Netns): 'master' | 'backup' | 'mixed' {
  const k = kernel(ns);
  if (k.eth2Up && k.eth2Addresses.join() === '203.0.113.10/32' && k.ipForward === '1') return 'master';
  if (!k.eth2Up && k.eth2Addresses.length === 0 && k.ipForward === '0') return 'backup';
  return 'mixed';
}

function agentRole(r: Router): string | undefined {
  try {
    return (readJson(join(r.dir, 'state', 'state.json')) as { role?: string }).role;
  } catch {
    return undefined;
  }
}

function makeRouter(l: Lab, name: 'a' | 'b', priority: number, other?: Router): Router {
  const ns = l.router(`ops${name}`);
  const dir = join(l.dir, name);
  mkdirSync(dir, { recursive: true });
  const self = name === 'a' ? '10.10.1.1' : '10.10.1.2';
  const peer = name === 'a' ? '10.10.1.2' : '10.10.1.1';
  const cfg = l.config(name, (c) => {
    c.router = name;
    c.roles.backup.routes = [{ dst: 'default', via: peer, dev: 'eth1', src: self }];
    c.handover = { vip: VIP, dev: 'eth1', timeoutMs: 4000 };
    c.maintenance = { file: join(dir, 'var', 'maintenance.json') };
    c.keepalived = { pidFile: join(dir, 'keepalived.pid'), tmpDir: dir, dumpTimeoutMs: 2000 };
    c.metrics = { file: join(dir, 'metrics', 'hagate.prom') };
  });
  // The LAN: this router's eth1 joined to the other one's (the lab made a veth eth1/eth1p in each).
  if (name === 'a') {
    ns.exec([IP, 'address', 'flush', 'dev', 'eth1']);
    ns.exec([IP, 'address', 'add', '10.10.1.1/24', 'dev', 'eth1']);
  }
  if (other) {
    ns.exec([IP, 'link', 'del', 'eth1']);
    other.ns.exec([IP, 'link', 'del', 'eth1']);
    other.ns.exec([IP, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'peer1']);
    other.ns.exec([IP, 'link', 'set', 'peer1', 'netns', ns.name]);
    ns.exec([IP, 'link', 'set', 'peer1', 'name', 'eth1']);
    for (const [n, addr] of [
      [other.ns, '10.10.1.1/24'],
      [ns, '10.10.1.2/24'],
    ] as const) {
      n.exec([IP, 'address', 'add', addr, 'dev', 'eth1']);
      n.exec([IP, 'link', 'set', 'eth1', 'up']);
    }
  }
  const r: Router = { name, ns, cfg, dir, priority, log: [] };
  chmodSync(dir, 0o755);
  routers.push(r);
  return r;
}

const json = (l: Lab, r: Router, args: string[]) => {
  const out = l.agent(r.ns, r.cfg, args);
  return { code: out.status, view: JSON.parse(out.stdout) as Record<string, unknown>, stderr: out.stderr };
};

describe('maintenance, status and metrics with real keepalived (root, network namespaces)', () => {
  it('status --json agrees with keepalived; maintenance hands over, survives a keepalived restart, and off preempts back; a killed keepalived is reported', async (ctx) => {
    needs(ctx, 'root', 'ip', 'nft', 'keepalived');
    const l = lab as Lab;
    const a = makeRouter(l, 'a', 200);
    const b = makeRouter(l, 'b', 50, a);
    for (const r of [a, b]) {
      writeFileSync(
        join(r.dir, 'keepalived.conf'),
        keepalivedConf(l, r, r === a ? '10.10.1.1' : '10.10.1.2', r === a ? '10.10.1.2' : '10.10.1.1'),
      );
      startKeepalived(r);
    }
    await until('a master, b backup', () => agentRole(a) === 'master' && agentRole(b) === 'backup');
    await until('the demotion lifted on a', () => readFileSync(join(a.dir, 'demote'), 'utf8').trim() === '0');

    // status --json: keepalived's own view next to the agent's and the kernel's, all agreeing.
    const s1 = json(l, a, ['status', '--json']);
    const ka1 = s1.view.keepalived as {
      running: boolean;
      pid: number;
      instance: { state: string; effectivePriority: number };
    };
    expect(ka1.running).toBe(true);
    expect(ka1.instance.state).toBe('MASTER');
    expect(ka1.instance.effectivePriority).toBe(200);
    expect(s1.view.disagreements).toEqual([]);
    expect(s1.view.maintenance).toBeNull();
    expect(await keepalivedState(a)).toBe('MASTER');

    // metrics: the file is written (atomically: no temporary file left), keepalived's state in it.
    expect(l.agent(a.ns, a.cfg, ['metrics']).status).toBe(0);
    const prom = readFileSync(join(a.dir, 'metrics', 'hagate.prom'), 'utf8');
    expect(prom).toContain('hagate_keepalived_up{router="a",instance="ROUTEUR_1"} 1');
    expect(prom).toContain('hagate_keepalived_state{router="a",instance="ROUTEUR_1",state="MASTER"} 1');
    expect(prom).toContain('hagate_agent_role{router="a",instance="ROUTEUR_1",role="master"} 1');
    expect(prom).toContain('hagate_maintenance{router="a",instance="ROUTEUR_1"} 0');
    expect(prom).toMatch(
      /hagate_agent_transitions_total\{router="a",instance="ROUTEUR_1",result="applied"\} [1-9]/,
    );
    expect(readFileSync(join(a.dir, 'metrics', 'hagate.prom'), 'utf8')).toBe(prom);

    // maintenance on: the peer takes over (it ignores a's lower-priority adverts until its master-down
    // timer expires); a goes BACKUP when it hears b's higher priority.
    const on = l.agent(a.ns, a.cfg, ['maintenance', 'on']);
    expect(on.stdout).toMatch(/the peer took over: backup state applied after \d+ ms/);
    expect(on.status).toBe(0);
    expect(kernelRole(a.ns)).toBe('backup');
    expect(kernelRole(b.ns)).toBe('master');
    expect(await keepalivedState(a)).toBe('BACKUP');
    expect(await keepalivedState(b)).toBe('MASTER');
    const s2 = json(l, a, ['status', '--json']);
    expect((s2.view.maintenance as { since: string }).since).toMatch(/^\d{4}-/);
    expect(
      (s2.view.keepalived as { instance: { effectivePriority: number } }).instance.effectivePriority,
    ).toBe(1);
    expect(s2.view.disagreements).toEqual([]);
    expect(l.agent(a.ns, a.cfg, ['status']).stdout).toContain('MAINTENANCE since');

    // keepalived restarts (its init_file writes 1 again, as at boot): a stays backup.
    await stopKeepalived(a, 'SIGTERM');
    startKeepalived(a);
    await until('keepalived back on a', () => existsSync(join(a.dir, 'keepalived.pid')));
    await sleep(6000); // longer than a's master-down interval: it would have preempted by now
    expect(await keepalivedState(a)).toBe('BACKUP');
    expect(await keepalivedState(b)).toBe('MASTER');
    expect(readFileSync(join(a.dir, 'demote'), 'utf8').trim()).toBe('1');
    expect(kernelRole(a.ns)).toBe('backup');

    // maintenance off: a's priority comes back and, with preemption, it takes the master role back.
    const off = l.agent(a.ns, a.cfg, ['maintenance', 'off']);
    expect(off.status).toBe(0);
    expect(off.stdout).toContain('maintenance off');
    await until('a master again', () => agentRole(a) === 'master' && agentRole(b) === 'backup');
    expect(await keepalivedState(a)).toBe('MASTER');
    expect(kernelRole(a.ns)).toBe('master');

    // keepalived killed outright, its VRRP process too (stopped first, so the SIGTERM its parent's death
    // sends it never runs): no shutdown hook runs. status says so, and that a still holds the master state.
    const vrrpPid = Number(readFileSync(join(a.dir, 'vrrp.pid'), 'utf8'));
    process.kill(vrrpPid, 'SIGSTOP');
    await stopKeepalived(a, 'SIGKILL');
    process.kill(vrrpPid, 'SIGKILL');
    await sleep(300);
    const s3 = json(l, a, ['status', '--json']);
    expect(s3.code).toBe(1);
    expect((s3.view.keepalived as { running: boolean }).running).toBe(false);
    const dis = s3.view.disagreements as string[];
    expect(dis.some((d) => d.startsWith('keepalived is not running'))).toBe(true);
    expect(dis).toContain('keepalived is not running, but this router still holds the master state');
    expect(l.agent(a.ns, a.cfg, ['status']).stdout).toContain('keepalived: NOT RUNNING');
    expect(l.agent(a.ns, a.cfg, ['metrics']).status).toBe(0);
    const prom2 = readFileSync(join(a.dir, 'metrics', 'hagate.prom'), 'utf8');
    expect(prom2).toContain('hagate_keepalived_up{router="a",instance="ROUTEUR_1"} 0');
    expect(prom2).not.toContain('hagate_keepalived_state{');
    expect(prom2).toMatch(/hagate_status_disagreements\{router="a",instance="ROUTEUR_1"\} [1-9]/);
  }, 120_000);

  it('health: the master pings the gateway through the external NIC; a backup repeats its failure for holdMs', async (ctx) => {
    needs(ctx, 'root', 'ip', 'nft', 'ping');
    const l = lab as Lab;
    const r = l.router('opshealth');
    // The provider: eth2's peer in its own namespace, holding the gateway's address.
    const gw = createNetns('opsgw');
    extra.push(gw);
    expect(r.exec([IP, 'link', 'set', 'eth2p', 'netns', gw.name]).status).toBe(0);
    for (const cmd of [
      ['address', 'add', '198.51.100.1/24', 'dev', 'eth2p'],
      ['link', 'set', 'eth2p', 'up'],
      ['route', 'add', '203.0.113.10/32', 'dev', 'eth2p'],
    ])
      expect(gw.exec([IP, ...cmd]).status).toBe(0);
    const health = { gateway: '198.51.100.1', dev: 'eth2', timeoutMs: 1000, holdMs: 60_000, fall: 2 };
    const cfg = l.config('health', (c) => {
      c.health = health;
    });
    const stateDir = join(l.dir, 'health', 'state');
    expect(l.agent(r, cfg, ['master']).status).toBe(0);
    const ok = l.agent(r, cfg, ['health']);
    expect(ok.stdout).toBe('ok: gateway 198.51.100.1 answered on eth2\n');
    expect(ok.status).toBe(0);
    // The gateway stops answering.
    expect(gw.exec([IP, 'link', 'set', 'eth2p', 'down']).status).toBe(0);
    // Two failed probes in a row (fall): keepalived lowers the router, and the failure is held once backup.
    for (let i = 0; i < 2; i++) {
      const bad = l.agent(r, cfg, ['health']);
      expect(bad.stdout).toBe('FAIL: gateway 198.51.100.1 did not answer on eth2\n');
      expect(bad.status).toBe(1);
    }
    expect(readJson(join(stateDir, 'health.json'))).toMatchObject({ lastProbe: { ok: false, streak: 2 } });
    // Backup (its external NIC down): it cannot probe, and repeats the failure it saw as master.
    expect(l.agent(r, cfg, ['backup']).status).toBe(0);
    expect(gw.exec([IP, 'link', 'set', 'eth2p', 'up']).status).toBe(0);
    const held = l.agent(r, cfg, ['health']);
    expect(held.stdout).toMatch(/^FAIL: backup: the upstream failed while this router was master \d+ s ago/);
    expect(held.status).toBe(1);
    expect(readJson(join(stateDir, 'health.json'))).toMatchObject({
      ok: false,
      probed: false,
      lastProbe: { ok: false },
    });
    // Past the hold time it is trusted again.
    const cfg0 = l.config('health', (c) => {
      c.health = { ...health, holdMs: 0 };
    });
    const trusted = l.agent(r, cfg0, ['health']);
    expect(trusted.stdout).toBe('ok: backup: the last failure as master is older than the hold time\n');
    expect(trusted.status).toBe(0);
    // The metrics carry the verdict.
    expect(l.agent(r, cfg0, ['metrics']).stdout).toContain(
      'hagate_health_up{router="extrout2",instance="ROUTEUR_1",probed="no"} 1',
    );
  }, 120_000);
});
