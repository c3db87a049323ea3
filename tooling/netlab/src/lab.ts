/**
 * A running lab: the namespaces of a plan, real keepalived per router (in a private mount namespace where
 * the router's generated files sit at their real paths), and the event log every measurement reads.
 */
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { removeNamespace } from './cleanup.js';
import { alive, exited, nowMs, run, runSync, runSyncOk, sleep, spawnLines } from './exec.js';
import { LabConntrackd } from './lab-conntrackd.js';
import { monitorEvent } from './monitor.js';
import { buildMulti, multiNamespaces } from './multi.js';
import type { LabPlan, RouterPlan } from './plan.js';
import { LabRadvd } from './ra.js';
import { type RouterSnapshot, routerSnapshot } from './snapshot.js';
import { ipBatch, plugIntoBridge } from './veth.js';

export type { RouterSnapshot } from './snapshot.js';

export type EventSource = 'keepalived' | 'kernel' | 'lab' | 'agent';

export interface LabEvent {
  /** Wall-clock ms. */
  t: number;
  router?: string;
  source: EventSource;
  /** Normalised kind: `state:MASTER`, `ext:up`, `fip:add`, `vip:del`, `default:add`, `action:...` */
  kind: string;
  text: string;
}

/** The routers' PATH: /run/netlab-bin first, where the lab's faults put their tools (faults.ts). */
const PATH = '/run/netlab-bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function q(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class Lab {
  readonly events: LabEvent[] = [];
  private readonly keepalived = new Map<string, ChildProcess>();
  private readonly monitors = new Map<string, ChildProcess>();
  /** Each router's conntrackd, when its tree has one. */
  readonly conntrackd = new LabConntrackd(this);
  /** Each router's radvd and the hosts that take its advertisements, when its tree has a radvd.conf. */
  readonly radvd = new LabRadvd(this);
  /** The pid holding each router's mount namespace. */
  private readonly holders = new Map<string, number>();
  /** When each router's keepalived was last started (ms). */
  private readonly startedAt = new Map<string, number>();
  private readonly lastState = new Map<string, string>();
  readonly logs = new Map<string, string[]>();
  /** Rewrites the argv starting a router's keepalived (the constrained lab: into the router's cgroup). */
  enter?: (router: string, argv: string[]) => string[];

  /**
   * @param plan the topology
   * @param dir this variant's directory (holds out/ from `hagate gen` and one working folder per router)
   * @param tree the generated tree (one folder per host)
   * @param prepareRoot optional rewrite of a router's root before it boots (the baseline installs its scripts)
   */
  constructor(
    readonly plan: LabPlan,
    readonly dir: string,
    readonly tree: string,
    private readonly prepareRoot?: (router: RouterPlan, root: string) => void,
  ) {}

  routerDir(r: RouterPlan): string {
    return join(this.dir, r.name);
  }

  router(name: string): RouterPlan {
    const r = this.plan.routers.find((x) => x.name === name);
    if (!r) throw new Error(`no router ${name}`);
    return r;
  }

  log(kind: string, text: string, router?: string): void {
    this.events.push({ t: nowMs(), source: 'lab', kind, text, ...(router ? { router } : {}) });
  }

  /** Creates the hypervisor, the hosts and both routers (keepalived not started). */
  build(): void {
    const p = this.plan;
    for (const ns of [p.hv, p.lan.ns, p.provider.ns, p.inet.ns]) runSyncOk(['ip', 'netns', 'add', ns]);
    ipBatch(p.hv, [
      'link set lo up',
      ...p.bridges.flatMap((b) => [`link add ${b} type bridge`, `link set ${b} up`]),
    ]);
    for (const b of p.bridges) this.sysctlWrite(p.hv, `/sys/class/net/${b}/bridge/multicast_snooping`, '0');
    // Hosts: a veth from each host namespace into the hypervisor's bridge.
    const host = (h: {
      ns: string;
      ifname: string;
      hvPort: string;
      bridge: string;
      addr: string;
      prefix: number;
    }) => {
      plugIntoBridge(p.hv, h);
      ipBatch(h.ns, [
        'link set lo up',
        `addr add ${h.addr}/${h.prefix} dev ${h.ifname}`,
        `link set ${h.ifname} up`,
      ]);
    };
    host(p.lan);
    ipBatch(p.lan.ns, [`route add default via ${p.lan.gateway}`]);
    host(p.provider);
    runSyncOk([
      'ip',
      '-n',
      p.provider.ns,
      'link',
      'add',
      p.provider.upIfname,
      'type',
      'veth',
      'peer',
      'name',
      p.inet.ifname,
      'netns',
      p.inet.ns,
    ]);
    ipBatch(p.provider.ns, [
      `addr add ${p.provider.upAddr}/${p.provider.upPrefix} dev ${p.provider.upIfname}`,
      `link set ${p.provider.upIfname} up`,
      // The provider routes the failover IP to its br0 side (on-link, ARP decides which port).
      `route add ${p.failoverIp}/32 dev ${p.provider.ifname}`,
    ]);
    this.sysctlWrite(p.provider.ns, '/proc/sys/net/ipv4/ip_forward', '1');
    ipBatch(p.inet.ns, [
      'link set lo up',
      `addr add ${p.inet.addr}/${p.inet.prefix} dev ${p.inet.ifname}`,
      `link set ${p.inet.ifname} up`,
      `route add default via ${p.inet.gateway}`,
    ]);
    buildMulti(p);
    this.radvd.buildHosts();
    for (const r of p.routers) this.createRouter(r);
  }

  private sysctlWrite(ns: string, path: string, value: string, ifExists = false): void {
    const cmd = `echo ${q(value)} > ${q(path)}`;
    runSyncOk([
      'ip',
      'netns',
      'exec',
      ns,
      'sh',
      '-c',
      ifExists ? `if [ -e ${q(path)} ]; then ${cmd}; fi` : cmd,
    ]);
  }

  /** The router "VM": namespace, NICs, its root folder from the generated tree, ifup of its interfaces file.
   * keepDisk: its /var/lib survives (a reboot, see reboot.ts); everything else is new. */
  createRouter(r: RouterPlan, keepDisk = false): void {
    const p = this.plan;
    runSyncOk(['ip', 'netns', 'add', r.ns]);
    const cmds = ['link set lo up'];
    const hvCmds: string[] = [];
    for (const l of r.links) {
      runSyncOk([
        'ip',
        '-n',
        r.ns,
        'link',
        'add',
        l.ifname,
        'type',
        'veth',
        'peer',
        'name',
        l.hvPort,
        'netns',
        p.hv,
      ]);
      if (l.mac) cmds.push(`link set ${l.ifname} address ${l.mac}`);
      if (l.bridge) hvCmds.push(`link set ${l.hvPort} master ${l.bridge}`);
      hvCmds.push(`link set ${l.hvPort} up`);
    }
    const e = r.ext;
    runSyncOk([
      'ip',
      '-n',
      r.ns,
      'link',
      'add',
      e.lower,
      'type',
      'veth',
      'peer',
      'name',
      e.hvPort,
      'netns',
      p.hv,
    ]);
    hvCmds.push(`link set ${e.hvPort} master ${e.bridge}`, `link set ${e.hvPort} up`);
    cmds.push(
      `link set ${e.lower} up`,
      `link add link ${e.lower} name ${e.ifname} address ${e.mac} type macvlan mode bridge`,
    );
    ipBatch(p.hv, hvCmds);
    ipBatch(r.ns, cmds);
    // No IPv6 on the provider link unless the spec has it: its chatter (DAD, MLD) would teach the switch the
    // shared MAC's new port as soon as the NIC comes up and hide the stale MAC table problem.
    if (!p.ipv6) this.sysctlWrite(r.ns, `/proc/sys/net/ipv6/conf/${e.ifname}/disable_ipv6`, '1', true);

    // The router's filesystem: its generated folder, mounted over the real paths in a private mount namespace.
    const rd = this.routerDir(r);
    const disk = keepDisk ? ['varlib-up', 'varlib-work'] : [];
    for (const f of existsSync(rd) ? readdirSync(rd) : [])
      if (!disk.includes(f)) rmSync(join(rd, f), { recursive: true, force: true });
    const root = join(rd, 'root');
    mkdirSync(rd, { recursive: true, mode: 0o755 });
    cpSync(join(this.tree, r.name), root, { recursive: true });
    this.prepareRoot?.(r, root);
    lockDown(root);
    mkdirSync(join(rd, 'run-up'), { mode: 0o755 });
    mkdirSync(join(rd, 'run-work'), { mode: 0o755 });
    // /var/lib too (hagate-agent's maintenance marker): written in the router's folder, never the host's.
    for (const d of ['varlib-up', 'varlib-work']) mkdirSync(join(rd, d), { recursive: true, mode: 0o755 });
    mkdirSync(join(rd, 'ifstate'), { mode: 0o755 });
    if (p.stateDir.startsWith('/run/'))
      mkdirSync(join(rd, 'run-up', p.stateDir.slice(5)), { recursive: true, mode: 0o755 });
    this.logs.set(r.name, this.logs.get(r.name) ?? []);
    this.mountHolder(r);

    this.startMonitor(r);
    const iface = join(root, 'etc/network/interfaces');
    if (existsSync(iface)) {
      const out = runSync(
        this.inRouter(r, [
          'ifup',
          '-i',
          '/etc/network/interfaces',
          '--state-dir',
          join(rd, 'ifstate'),
          '-a',
          '--no-scripts',
        ]),
      );
      if (out.status !== 0) throw new Error(`ifup in ${r.name} failed: ${(out.stderr || out.stdout).trim()}`);
    }
    this.loadBootFirewall(r);
    this.conntrackd.start(r);
    this.radvd.start(r);
    this.log('action:boot', `${r.name}: namespace up, interfaces applied with ifup, firewall loaded`, r.name);
  }

  /** Boot: nftables.service loads the router's firewall (its /etc/nftables.conf) before keepalived starts. */
  private loadBootFirewall(r: RouterPlan): void {
    if (!existsSync(join(this.routerDir(r), 'root', 'etc/nftables.conf'))) return;
    const out = runSync(this.inRouter(r, ['nft', '-f', '/etc/nftables.conf']));
    if (out.status !== 0)
      throw new Error(`nft -f /etc/nftables.conf in ${r.name} failed: ${(out.stderr || out.stdout).trim()}`);
  }

  /**
   * The router's one mount namespace, like a VM's single filesystem: its generated folders mounted over the
   * real paths and /run an overlay of its own, held by a sleeping process in the router's network namespace.
   * Every process of the router (ifup, conntrackd, keepalived and the agent) enters it, so they see the same
   * files (conntrackd's control socket, the agent's state). One overlay per process on the same upper
   * directory instead was undefined behaviour for the kernel: a restored router's keepalived, mounting it
   * while conntrackd was, sometimes exited at once.
   */
  private mountHolder(r: RouterPlan): void {
    const rd = this.routerDir(r);
    const root = join(rd, 'root');
    const mounts = readdirSync(root)
      .filter((d) => statSync(join(root, d)).isDirectory() && d !== 'run')
      .map((d) => `mount -t overlay hgl -o lowerdir=${join(root, d)}:/${d} /${d}`);
    mounts.push(
      `mount -t overlay hgl -o lowerdir=/run,upperdir=${join(rd, 'run-up')},workdir=${join(rd, 'run-work')} /run`,
      `mount -t overlay hgl -o lowerdir=/var/lib,upperdir=${join(rd, 'varlib-up')},workdir=${join(rd, 'varlib-work')} /var/lib`,
    );
    // The holder outlives the shell (killed with the router on a hard kill or by the lab's cleanup).
    const out = runSyncOk([
      'ip',
      'netns',
      'exec',
      r.ns,
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `${mounts.join(' && ')} && { sleep infinity </dev/null >/dev/null 2>&1 & echo $!; }`,
    ]);
    const pid = Number.parseInt(out.trim(), 10);
    if (!Number.isFinite(pid)) throw new Error(`${r.name}: no mount namespace holder (${out.trim()})`);
    this.holders.set(r.name, pid);
  }

  /** argv that runs `cmd` in the router: its network namespace and its mount namespace (see mountHolder). */
  inRouter(r: RouterPlan, cmd: string[]): string[] {
    const pid = this.holders.get(r.name);
    if (pid === undefined || !alive(pid)) throw new Error(`${r.name} is not running (no mount namespace)`);
    return ['nsenter', '-t', String(pid), '-m', '-n', '--', 'env', `PATH=${PATH}`, ...cmd];
  }

  private startMonitor(r: RouterPlan): void {
    const names = { ext: r.ext.ifname, failoverIp: this.plan.failoverIp, vip: this.plan.vip };
    const child = spawnLines(['ip', '-n', r.ns, '-ts', 'monitor', 'link', 'address', 'route'], (line) => {
      const e = monitorEvent(line, r.name, names);
      if (e) this.events.push(e);
    });
    this.monitors.set(r.name, child);
  }

  /** argv that runs `cmd` inside the router's running keepalived (its namespaces: files, network), so what
   * it writes is seen by keepalived's own watches (track files); undefined when keepalived is not running. */
  inKeepalived(name: string, cmd: string[]): string[] | undefined {
    const c = this.keepalived.get(name);
    if (!c?.pid || !this.keepalivedRunning(name)) return undefined;
    return ['nsenter', '-t', String(c.pid), '-m', '-n', '--', 'env', `PATH=${PATH}`, ...cmd];
  }

  /** Waits until every running keepalived is past its start-up delay (its VRRP runs): a scenario measures
   * a pair at work, not one still starting. */
  async vrrpRunning(): Promise<void> {
    const delay = this.plan.startupDelay * 1000 + 500;
    const ready = Math.max(0, ...[...this.startedAt.values()].map((t) => t + delay));
    while (nowMs() < ready) await sleep(50);
  }

  keepalivedRunning(name: string): boolean {
    const c = this.keepalived.get(name);
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  /** Starts keepalived in the router (`-n -l -D -P`), its pid files where Debian's are, in the router's own
   * /run (so `hagate-agent status` finds it as on a router). */
  startKeepalived(name: string): void {
    const r = this.router(name);
    if (this.keepalivedRunning(name)) return;
    // keepalived's stdout is a pipe here: line-buffer it so each line is stamped when it is written.
    const inner = this.inRouter(r, [
      'stdbuf',
      '-oL',
      '-eL',
      'keepalived',
      '-n',
      '-l',
      '-D',
      '-P',
      '-f',
      '/etc/keepalived/keepalived.conf',
      '-p',
      '/run/keepalived.pid',
      '-r',
      '/run/keepalived_vrrp.pid',
      '-c',
      '/run/keepalived_checkers.pid',
    ]);
    const argv = this.enter ? this.enter(name, inner) : inner;
    const log = this.logs.get(name) ?? [];
    this.logs.set(name, log);
    this.log('action:start', `${name}: keepalived start`, name);
    this.startedAt.set(name, nowMs());
    const child = spawnLines(argv, (line, t) => {
      const text = line.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, '');
      log.push(`${new Date(t).toISOString()} ${text}`);
      // A FAULT from the start (interface down, track file) is logged in lower case: `(NAME) entering FAULT state`.
      const st = /\) (?:Entering (\w+) STATE|entering (FAULT) state)/.exec(text);
      const state = st?.[1] ?? st?.[2];
      if (state) {
        this.lastState.set(name, state);
        this.events.push({ t, router: name, source: 'keepalived', kind: `state:${state}`, text });
      } else if (/^Stopped Keepalived/.test(text) || /^Stopping$/.test(text)) {
        this.events.push({
          t,
          router: name,
          source: 'keepalived',
          kind: text === 'Stopping' ? 'stopping' : 'stopped',
          text,
        });
      } else if (/Script user|Invalid|SECURITY|unsafe|WARNING|error/i.test(text)) {
        this.events.push({ t, router: name, source: 'keepalived', kind: 'warning', text });
      }
    });
    child.on('exit', () => {
      this.lastState.set(name, 'STOPPED');
      this.events.push({
        t: nowMs(),
        router: name,
        source: 'keepalived',
        kind: 'state:STOPPED',
        text: 'keepalived exited',
      });
    });
    this.keepalived.set(name, child);
  }

  /** `service keepalived stop`: SIGTERM, keepalived runs its shutdown script; resolves when it has exited. */
  async stopKeepalived(name: string): Promise<void> {
    const c = this.keepalived.get(name);
    if (!c || !this.keepalivedRunning(name)) return;
    this.log('action:stop', `${name}: keepalived stop (SIGTERM)`, name);
    c.kill('SIGTERM');
    if (!(await exited(c, 20_000))) {
      c.kill('SIGKILL');
      await exited(c, 5000);
    }
  }

  /**
   * `virsh destroy`: every process of the router killed and its ports gone at once (the namespace is deleted,
   * which removes its veths and so the hypervisor's ports: the switch loses carrier and forgets its MACs).
   */
  async hardKill(name: string): Promise<void> {
    const r = this.router(name);
    this.log('action:destroy', `${name}: destroyed (SIGKILL + ports down)`, name);
    const hvPorts = [...r.links.map((l) => l.hvPort), r.ext.hvPort];
    // Ports first: nothing the dying processes send may leave the "VM" (keepalived's VRRP child gets
    // SIGTERM when its parent dies and would otherwise send a priority-0 advert, turning this into a
    // graceful stop).
    runSync(['ip', '-n', this.plan.hv, '-batch', '-'], {
      input: `${hvPorts.map((p) => `link set ${p} down`).join('\n')}\n`,
    });
    const pids = runSync(['ip', 'netns', 'pids', r.ns])
      .stdout.split('\n')
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => n > 1)
      .sort((a, b) => b - a);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const c = this.keepalived.get(name);
    if (c) await exited(c, 5000);
    this.monitors.get(name)?.kill('SIGKILL');
    removeNamespace(r.ns);
    // The namespace's devices go away asynchronously: wait until the hypervisor's ports are gone.
    for (let i = 0; i < 200; i++) {
      const r2 = await run(['ip', '-n', this.plan.hv, '-o', 'link', 'show']);
      if (!hvPorts.some((p) => r2.stdout.includes(` ${p}@`) || r2.stdout.includes(` ${p}:`))) break;
      await sleep(25);
    }
  }

  /** `virsh start` after a destroy: a fresh router (namespace, NICs, ifup) and keepalived. */
  restore(name: string): void {
    const r = this.router(name);
    this.log('action:restore', `${name}: restored (fresh boot)`, name);
    this.createRouter(r);
    this.startKeepalived(name);
  }

  vrrpState(name: string): string | undefined {
    return this.lastState.get(name);
  }

  /** What the kernel of each router says right now. */
  snapshot(name: string): Promise<RouterSnapshot> {
    return routerSnapshot(this, name);
  }

  /** The agent's state folder of a router (host path), e.g. <router>/run-up/hagate. */
  stateDirOf(name: string): string | undefined {
    const sd = this.plan.stateDir;
    if (!sd.startsWith('/run/')) return undefined;
    return join(this.routerDir(this.router(name)), 'run-up', sd.slice(5));
  }

  /** The JSON files of the agent's state folder, parsed (unparseable ones skipped). */
  agentState(name: string): Record<string, unknown>[] {
    const d = this.stateDirOf(name);
    if (!d || !existsSync(d)) return [];
    return readdirSync(d)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => {
        try {
          return [JSON.parse(readFileSync(join(d, f), 'utf8')) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Stops keepalived everywhere (SIGTERM), the monitors, and removes the lab's namespaces. */
  async destroy(): Promise<void> {
    await Promise.all(this.plan.routers.map((r) => this.stopKeepalived(r.name)));
    for (const m of this.monitors.values()) m.kill('SIGKILL');
    await this.conntrackd.stopAll();
    await this.radvd.stopAll();
    for (const ns of [
      ...this.plan.routers.map((r) => r.ns),
      this.plan.lan.ns,
      this.plan.provider.ns,
      this.plan.inet.ns,
      ...multiNamespaces(this.plan),
      this.plan.hv,
    ]) {
      removeNamespace(ns);
    }
  }
}

/** keepalived's script security: everything root-owned and not writable by group or others. */
function lockDown(dir: string): void {
  const st = statSync(dir);
  chmodSync(dir, st.mode & 0o7755);
  if (st.isDirectory()) for (const f of readdirSync(dir)) lockDown(join(dir, f));
}
