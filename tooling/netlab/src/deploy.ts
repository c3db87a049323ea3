/**
 * The deploy scenario: the pair runs the tree of the example spec; the generated Ansible playbook of a
 * changed spec is run from the hypervisor's namespace over SSH (an sshd in each router, on its admin
 * address, through the router's own firewall) while the probes measure the rolling update. Then the same
 * playbook again (nothing may change), then a tree whose firewall the backup refuses (nothing may change on
 * either router, the playbook must fail).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '@hagate/spec';
import { claimRun, cleanup, newRunId } from './cleanup.js';
import { LabServices, LabSsh } from './deploy-ssh.js';
import { nowMs, run, runSyncOk } from './exec.js';
import { Lab, type LabEvent } from './lab.js';
import { planLab, skewMs } from './plan.js';
import { type ScenarioResult, ScenarioRunner } from './scenarios.js';
import { DEFAULT_SPEC, generate, readSpec } from './tree.js';

export interface PlaybookRun {
  name: string;
  status: number;
  durationMs: number;
  /** PLAY RECAP per host. */
  recap: Record<string, { ok: number; changed: number; unreachable: number; failed: number }>;
  /** The end of the playbook's output (the failure, when it failed). */
  tail: string;
}

export interface DeployReport {
  runId: string;
  /** The rolling update, measured like every scenario (probes, transitions, invariants). */
  rolling: ScenarioResult;
  /** Longest time no router held the VIP during the rolling update (ms, from the kernel's events). */
  vipLessMs: number;
  /** The bound of a graceful handover: the new master's skew time + 250 ms. */
  handoverBoundMs: number;
  runs: PlaybookRun[];
  /** Each router's files after each run equal the tree that run deployed (or, for the failing run, the one before). */
  filesMatch: Record<string, boolean>;
  /** keepalived state changes during the idempotent and the failing run (none expected). */
  transitionsAfter: { idempotent: number; failing: number };
  /** The lab's requests to its stand-in systemctl, in order. */
  serviceRequests: string[];
}

/** The changed spec: a firewall rule more on both routers, and the backup's priority raised. */
export function changedSpec(spec: Spec): Spec {
  const s = structuredClone(spec);
  const names = Object.keys(s.routers);
  const backup = names.find((n) => !s.routers[n]?.preferredMaster) ?? (names[1] as string);
  const r = s.routers[backup];
  if (r) r.priority += 10;
  const seg = Object.values(s.segments).find((x) => x.vlan !== undefined && x.vlan !== 99);
  const iface = seg ? `${seg.nic}.${seg.vlan}` : 'lo';
  s.firewall.extraRules = [
    ...s.firewall.extraRules,
    { chain: 'input', rule: `iifname "${iface}" tcp dport 9100 accept`, roles: ['master', 'backup'] },
  ];
  return s;
}

function parseRecap(out: string): PlaybookRun['recap'] {
  const recap: PlaybookRun['recap'] = {};
  const at = out.lastIndexOf('PLAY RECAP');
  for (const line of out.slice(at < 0 ? out.length : at).split('\n')) {
    const m = /^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (m)
      recap[m[1] as string] = {
        ok: Number(m[2]),
        changed: Number(m[3]),
        unreachable: Number(m[4]),
        failed: Number(m[5]),
      };
  }
  return recap;
}

/** Whether every file of `tree/<router>` is in the router's root with the same bytes. */
function sameFiles(lab: Lab, tree: string, router: string, files: string[]): boolean {
  const root = join(lab.routerDir(lab.router(router)), 'root');
  return files.every((f) => {
    const p = join(root, f);
    return existsSync(p) && readFileSync(p).equals(readFileSync(join(tree, router, f)));
  });
}

/** The files of a router in the tree (paths relative to its root), from the generated host_vars. */
function routerFiles(tree: string, router: string): string[] {
  const text = readFileSync(join(tree, 'ansible', 'host_vars', `${router}.yml`), 'utf8');
  return [...text.matchAll(/\{ path: "([^"]+)"/g)].map((m) => m[1] as string);
}

/** Appends an unfinished chain to the router's firewall in `tree` (the playbook deploys the tree as it is). */
function breakFirewall(tree: string, router: string): void {
  writeFileSync(join(tree, router, 'etc/nftables/hagate.nft'), 'table inet hagate {\n\tchain broken {\n', {
    flag: 'a',
  });
}

/** Longest stretch with no router holding the VIP, from the kernel's vip:add / vip:del events. */
export function vipLessMs(events: readonly LabEvent[], routers: string[], holder: string): number {
  const has = new Map(routers.map((r) => [r, r === holder]));
  let since: number | undefined;
  let worst = 0;
  for (const e of events) {
    if (!e.router || (e.kind !== 'vip:add' && e.kind !== 'vip:del')) continue;
    has.set(e.router, e.kind === 'vip:add');
    const any = [...has.values()].some(Boolean);
    if (!any && since === undefined) since = e.t;
    if (any && since !== undefined) {
      worst = Math.max(worst, e.t - since);
      since = undefined;
    }
  }
  return Math.round(worst);
}

export async function runDeploy(opts: { progress?: (line: string) => void } = {}): Promise<DeployReport> {
  const progress = opts.progress ?? (() => {});
  // Only this run's own leftovers are removed (at the end): a sweep of other runs' leftovers here would race
  // with the tests that set such leftovers up on purpose.
  const runId = newRunId();
  const runDir = claimRun(runId);
  const spec = readSpec(DEFAULT_SPEC);
  const treeA = generate(spec, join(runDir, 'spec-a'));
  const specB = changedSpec(spec);
  const treeB = generate(specB, join(runDir, 'spec-b'));
  // The failing tree: one more change, and a firewall the backup's kernel refuses.
  const treeC = generate(changedSpec(specB), join(runDir, 'spec-c'));
  const plan = planLab(spec, runId);
  const lab = new Lab(plan, join(runDir, 'lab'), treeA);
  const ssh = new LabSsh(lab, join(runDir, 'ssh'));
  const services = new LabServices(lab, join(runDir, 'services'));
  const names = plan.routers.map((r) => r.name);
  try {
    lab.build();
    const runner = new ScenarioRunner(lab, 'deploy', {
      hooks: spec.vrrp.hooks,
      quick: true,
      flapCycles: 0,
      progress,
    });
    await runner.steady();
    const master = names.find((n) => spec.routers[n]?.preferredMaster) ?? (names[0] as string);
    const backup = names.find((n) => n !== master) as string;
    breakFirewall(treeC, backup);

    // The hypervisor's admin port: an address on the admin VLAN's bridge (the lab's stand-in for hv-admin).
    const adminSeg = spec.segments[spec.firewall.sshFrom ?? 'admin'];
    if (!adminSeg) throw new Error('the spec has no admin segment (firewall.sshFrom)');
    const adminBridge = plan.bridges.find((b) => b.endsWith(`-${adminSeg.vlan}`));
    if (!adminBridge) throw new Error(`no lab bridge for VLAN ${adminSeg.vlan}`);
    const prefix = adminSeg.subnet.split('/')[1];
    const hvAddr = `${adminSeg.subnet.split('.').slice(0, 3).join('.')}.254`;
    runSyncOk(['ip', '-n', plan.hv, 'addr', 'add', `${hvAddr}/${prefix}`, 'dev', adminBridge]);
    for (const n of names) {
      const addr = spec.routers[n]?.addresses[spec.firewall.sshFrom ?? 'admin'];
      if (!addr) throw new Error(`${n} has no admin address`);
      await ssh.start(n, addr);
    }
    services.start();

    const home = join(runDir, 'ansible-home');
    for (const d of ['remote', 'local', 'async', 'cp']) mkdirSync(join(home, d), { recursive: true });
    const labVars = {
      ansible_ssh_private_key_file: ssh.clientKey,
      ansible_ssh_common_args:
        '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR',
      lab_roots: Object.fromEntries(names.map((n) => [n, join(lab.routerDir(lab.router(n)), 'root')])),
      lab_dirs: Object.fromEntries(names.map((n) => [n, lab.routerDir(lab.router(n))])),
      lab_ctl: Object.fromEntries(names.map((n) => [n, services.script(n)])),
      hagate_root: '{{ lab_roots[hagate_router] }}',
      hagate_stage_dir: `${runDir}/stage/{{ hagate_router }}`,
      hagate_service_cmd: ['{{ lab_ctl[hagate_router] }}'],
      hagate_firewall_cmd: ['nft', '-f', '{{ lab_roots[hagate_router] }}/etc/nftables/hagate.nft'],
      hagate_initramfs_cmd: [],
      hagate_ifupdown_options: ['--state-dir', '{{ lab_dirs[hagate_router] }}/ifstate', '--no-scripts'],
    };
    const varsFile = join(runDir, 'lab-vars.json');
    writeFileSync(varsFile, JSON.stringify(labVars));
    const playbook = async (name: string, tree: string): Promise<PlaybookRun> => {
      const t = nowMs();
      const r = await run(
        [
          'env',
          `ANSIBLE_CONFIG=${join(tree, 'ansible', 'ansible.cfg')}`,
          `ANSIBLE_HOME=${home}`,
          `ANSIBLE_REMOTE_TEMP=${join(home, 'remote')}`,
          `ANSIBLE_LOCAL_TEMP=${join(home, 'local')}`,
          `ANSIBLE_ASYNC_DIR=${join(home, 'async')}`,
          `ANSIBLE_SSH_CONTROL_PATH_DIR=${join(home, 'cp')}`,
          'ANSIBLE_NOCOLOR=1',
          'ANSIBLE_HOST_KEY_CHECKING=False',
          'ip',
          'netns',
          'exec',
          plan.hv,
          'ansible-playbook',
          '-i',
          join(tree, 'ansible', 'inventory.yml'),
          '-e',
          `@${varsFile}`,
          join(tree, 'ansible', 'site.yml'),
        ],
        { timeoutMs: 300_000 },
      );
      const out = `${r.stdout}${r.stderr}`;
      const res: PlaybookRun = {
        name,
        status: r.status,
        durationMs: Math.round(nowMs() - t),
        recap: parseRecap(r.stdout),
        tail: out.split('\n').slice(-40).join('\n'),
      };
      progress(`${name}: exit ${res.status} in ${res.durationMs} ms ${JSON.stringify(res.recap)}`);
      return res;
    };

    const runs: PlaybookRun[] = [];
    const filesMatch: Record<string, boolean> = {};
    const bound = skewMs(plan.advertInt, specB.routers[backup]?.priority ?? 50, plan.version) + 250;
    const rolling = await runner.measure(
      'rolling-update',
      async () => {
        const r = await playbook('rolling-update', treeB);
        runs.push(r);
        if (r.status !== 0) throw new Error(`ansible-playbook failed (exit ${r.status}):\n${r.tail}`);
      },
      { expect: master, boundMs: bound },
    );
    const t0 = Date.parse(rolling.startedAt);
    const vipLess = vipLessMs(
      lab.events.filter((e) => e.t >= t0),
      names,
      master,
    );
    for (const n of names)
      filesMatch[`rolling-update ${n}`] = sameFiles(lab, treeB, n, routerFiles(treeB, n));

    const states = () => lab.events.filter((e) => e.kind.startsWith('state:')).length;
    let before = states();
    runs.push(await playbook('idempotent', treeB));
    const idempotent = states() - before;
    for (const n of names) filesMatch[`idempotent ${n}`] = sameFiles(lab, treeB, n, routerFiles(treeB, n));

    before = states();
    runs.push(await playbook('failing-validation', treeC));
    const failing = states() - before;
    for (const n of names)
      filesMatch[`failing-validation ${n}`] = sameFiles(lab, treeB, n, routerFiles(treeB, n));

    return {
      runId,
      rolling,
      vipLessMs: vipLess,
      handoverBoundMs: Math.round(bound),
      runs,
      filesMatch,
      transitionsAfter: { idempotent, failing },
      serviceRequests: services.requests,
    };
  } finally {
    await services.stop();
    await ssh.stop();
    await lab.destroy();
    cleanup({ runId });
    rmSync(runDir, { recursive: true, force: true });
  }
}
