/**
 * One reconciliation: read the kernel, compute the plan, apply it (sysctls, one ip batch through the ip
 * session, the role rules when the spec has any), check the result against the plan, announce. The router's
 * firewall is loaded at boot and right in both roles, so a role change runs no nft unless role rules exist.
 *
 * Failures never leave a router half-configured:
 * - to BACKUP: the external NIC goes down first and every line runs even after a failing one; if the check
 *   still finds the NIC up or holding an address, it is given up again on its own (nothing else in the way);
 * - to MASTER: a transition that cannot be completed gives the external side up at once (the backup state)
 *   and demotes the router (see demote.ts), so keepalived hands the master role to the healthy peer.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { Announcer } from './announce.js';
import { claimExternal, nicUp } from './claim.js';
import { unsafeMode } from './config.js';
import { commitPeerTable, conntrackdSteps } from './conntrack.js';
import { Demotion } from './demote.js';
import { exec, which } from './exec.js';
import { type IpResult, IpSession } from './ip-session.js';
import { type KernelState, readSysctl } from './kernel.js';
import { changeCount, computePlan, type Plan, type Role } from './plan.js';
import type { AgentState } from './state.js';

export interface ReconcileResult {
  plan: Plan;
  /** Changes made (planned ones that the check found done). */
  changes: number;
  steps: Record<string, number>;
  /** The role rules entry of the state file after this run (file and hash), when the role has any. */
  nft?: AgentState['nft'];
  /** Epoch ms (sub-ms) the reconciliation started: the first step of the transition. */
  startedAt: number;
  /** Set when the run failed; `changed` tells whether anything was changed before the failure. */
  error?: string;
  changed: boolean;
  /** Set when a failed MASTER transition demoted the router (the backup state was applied instead). */
  demoted?: string;
  /** What went wrong around the transition without failing it (conntrackd unreachable...). */
  warnings: string[];
}

export interface ReconcileOptions {
  dryRun?: boolean;
  announce?: boolean;
  /** The long-lived ip session of a fifo process; a one-shot run makes its own and closes it. */
  ip?: IpSession;
  /** To BACKUP: called as soon as an ip batch has left the external NIC down (before the rest of the
   * transition), so the peer waiting to raise its own hears it at once (claim.ts). */
  externalDown?: () => void;
}

/** Loaded only when the role has rules to hash: node:crypto costs ~1.6 ms of a notify run's start. */
const sha = async (s: string | Buffer) =>
  (await import('node:crypto')).createHash('sha256').update(s).digest('hex');
const now = () => performance.now();
const round = (ms: number) => Math.round(ms * 100) / 100;

/** Something that forbids the run before any change (bad config for this machine, missing tool...). */
export class PlanError extends Error {}

/**
 * Checks everything that can be checked without changing anything: tools, the role rules file (readable,
 * not writable by non-root: root loads it), interfaces (/sys/class/net of this namespace), sysctl paths.
 * Throws a PlanError; returns the role rules file's contents when the role has one.
 */
export function preflight(config: AgentConfig, role: Role): Buffer | undefined {
  const want = config.roles[role];
  const problems: string[] = [];
  if (!which('ip')) problems.push('ip: not found in PATH');
  let roleRules: Buffer | undefined;
  if (want.nftRoleRules) {
    if (!which('nft')) problems.push('nft: not found in PATH (the role rules need it)');
    try {
      const unsafe = unsafeMode(want.nftRoleRules);
      if (unsafe) problems.push(`the ${role} role rules ${unsafe}`);
      roleRules = readFileSync(want.nftRoleRules);
    } catch (e) {
      problems.push(
        `cannot read the ${role} role rules ${want.nftRoleRules}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
  }
  const names = new Set([
    ...config.owned.links,
    ...config.owned.addressesOn,
    ...want.links.map((l) => l.name),
    ...want.addresses.map((a) => a.dev),
    ...want.routes.map((r) => r.dev),
  ]);
  for (const n of names) {
    if (!existsSync(`/sys/class/net/${n}`))
      problems.push(`unknown interface ${n}: no such link in this network namespace`);
  }
  for (const s of want.sysctls) {
    if (!existsSync(`/proc/sys/${s.key}`)) problems.push(`unknown sysctl /proc/sys/${s.key}`);
  }
  if (problems.length > 0) throw new PlanError(problems.join('; '));
  return roleRules;
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 6).join(' | ');
}

export async function reconcile(
  config: AgentConfig,
  role: Role,
  previous: AgentState,
  opts: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const t0 = now();
  // keepalived's FAULT event after a demotion's pulse (demote.ts): it may leave FAULT, as a demoted BACKUP.
  if (role === 'backup' && !opts.dryRun && config.demote) new Demotion(config).endPulse();
  const ip = opts.ip ?? new IpSession(config.commandTimeoutMs);
  try {
    return await new Run(config, role, previous, opts, ip, t0).go();
  } catch (e) {
    // A MASTER that cannot even start (a tool or the NIC missing, role rules refused) changes nothing, and
    // keepalived must still learn that this router cannot serve.
    if (e instanceof PlanError && role === 'master' && !opts.dryRun && config.demote) {
      const problem = new Demotion(config).demote(`MASTER failed: ${e.message}`);
      throw new PlanError(`${e.message}; demoted${problem ? ` (${problem})` : ''}`);
    }
    throw e;
  } finally {
    if (!opts.ip) ip.close();
  }
}

/** One reconciliation's state: the plan, the steps' timings, what was changed. */
class Run {
  readonly steps: Record<string, number> = {};
  readonly result: ReconcileResult;
  private readonly want: AgentConfig['roles']['master'];
  private readonly timeoutMs: number;

  constructor(
    private readonly config: AgentConfig,
    private readonly role: Role,
    private readonly previous: AgentState,
    private readonly opts: ReconcileOptions,
    private readonly ip: IpSession,
    private readonly t0: number,
  ) {
    this.want = config.roles[role];
    this.timeoutMs = config.commandTimeoutMs;
    this.result = {
      plan: { role, errors: [], sysctlsPre: [], ip: [], sysctlsPost: [] },
      changes: 0,
      steps: this.steps,
      changed: false,
      startedAt: round(performance.timeOrigin + t0),
      warnings: [],
    };
  }

  private time(step: string, since: number): void {
    this.steps[step] = round((this.steps[step] ?? 0) + now() - since);
  }

  async go(): Promise<ReconcileResult> {
    const { config, role, result } = this;
    const roleRules = preflight(config, role);
    const roleRulesSha = roleRules ? await sha(roleRules) : undefined;
    const read = async (): Promise<KernelState> => {
      try {
        return await this.ip.read();
      } catch (e) {
        throw new PlanError(`read: ${(e as Error).message}`);
      }
    };
    // A long-lived session (fifo) plans from the state its last request read: no round trip before the
    // change. The check after the change reads the kernel, and plans again if something else changed it.
    let remembered = this.opts.dryRun ? undefined : this.ip.lastState();
    let kernel = remembered ?? (await read());
    if (!remembered) this.time('read', this.t0);
    const loaded =
      this.previous.role === role &&
      this.previous.nft?.file === this.want.nftRoleRules &&
      this.previous.nft?.fileSha === roleRulesSha;
    let plan = computePlan(config, role, kernel, readSysctl, loaded);
    if (remembered && plan.errors.length > 0) {
      // Only the kernel itself can say the plan is impossible.
      remembered = undefined;
      kernel = await read();
      this.time('read', this.t0);
      plan = computePlan(config, role, kernel, readSysctl, loaded);
    }
    result.plan = plan;
    result.changes = changeCount(plan);
    if (plan.errors.length > 0) throw new PlanError(plan.errors.join('; '));
    if (plan.roleRules?.load) {
      // A file nft rejects changes nothing, in a dry run too.
      const c = await exec(['nft', '-c', '-f', plan.roleRules.file], { timeoutMs: this.timeoutMs });
      if (c.code !== 0) throw new PlanError(`nft rejected ${plan.roleRules.file}: ${firstLines(c.stderr)}`);
    } else if (plan.roleRules && roleRulesSha) {
      result.nft = { file: plan.roleRules.file, fileSha: roleRulesSha, listSha: '' };
    }
    if (this.opts.dryRun) return result;

    const errors: string[] = [];
    const writeSysctls = (list: Plan['sysctlsPre']) => {
      const t = now();
      for (const s of list) {
        try {
          writeFileSync(`/proc/sys/${s.key}`, s.to);
          result.changed = true;
        } catch (e) {
          errors.push(`sysctl ${s.key}: ${(e as NodeJS.ErrnoException).code ?? e}`);
        }
      }
      this.time('sysctl', t);
    };
    const loadRoleRules = async () => {
      if (!plan.roleRules?.load || !roleRulesSha) return;
      const t = now();
      const r = await exec(['nft', '-f', plan.roleRules.file], { timeoutMs: this.timeoutMs }).catch(
        (e: Error) => ({ code: -1, stdout: '', stderr: e.message }),
      );
      this.time('nft', t);
      if (r.code !== 0) errors.push(`nft -f ${plan.roleRules.file}: ${firstLines(r.stderr)}`);
      else {
        result.changed = true;
        result.nft = { file: plan.roleRules.file, fileSha: roleRulesSha, listSha: '' };
      }
    };

    const roleChange = this.previous.role !== role || changeCount(plan) > 0;
    // The announce socket is set up while the ip lines run: once the check holds, the announce is one send.
    const announcer =
      role === 'master' && plan.probe && this.opts.announce !== false
        ? await Announcer.prepare(plan.probe.address, plan.probe.method)
        : undefined;
    try {
      // Each step runs whatever the one before did: a failed step never skips the safety steps after it.
      writeSysctls(plan.sysctlsPre);
      let lines = plan.ip;
      if (role === 'master') {
        // The peer's NIC (the same MAC) is down before this one comes up (claim.ts). While the peer gives it
        // up, the lines before this NIC's `link set up` run (addresses on the NIC still down): once it is
        // free, only the NIC and the routes through it are left.
        const claim = this.claimExternal();
        let staged: Promise<IpResult> | undefined;
        const upAt = lines.indexOf(`link set dev ${config.externalNic} up`);
        if (claim && upAt > 0) {
          staged = this.runIp(lines.slice(0, upAt), kernel, errors);
          lines = lines.slice(upAt);
        }
        await Promise.all([claim, staged]);
        // The peer's connections are in the kernel before the external NIC comes up.
        if (roleChange) await this.conntrack('conntrack', commitPeerTable);
        await loadRoleRules();
      }
      let after = await this.runIp(lines, kernel, errors);
      let replanned = 0;
      if (remembered) {
        const again = computePlan(config, role, after.state, readSysctl, true);
        if (again.ip.length > 0) {
          // The remembered state was not the kernel's: the lines that were missing, before forwarding starts.
          // The first lines' failures were about a state that was not there.
          const t = now();
          errors.splice(0, errors.length, ...errors.filter((e) => !e.startsWith('ip ')));
          after = await this.runIp(again.ip, after.state, errors);
          replanned = again.ip.length;
          this.time('replan', t);
        }
      }
      writeSysctls(plan.sysctlsPost);
      if (role === 'backup') await loadRoleRules();

      let left = computePlan(config, role, after.state, readSysctl, true);
      if (role === 'backup' && !this.externalGivenUp(after.state)) {
        // The NIC whose MAC both routers share must never stay up here: give it up on its own.
        after = await this.runIp(this.giveUpLines(after.state), after.state, errors);
        left = computePlan(config, role, after.state, readSysctl, true);
      }
      if (left.ip.length > 0 && !errors.some((e) => e.startsWith('ip '))) {
        errors.push(...(await this.ip.lateErrors(50)).map((e) => `ip ${e}`));
      }
      const undone = [...left.sysctlsPre, ...left.sysctlsPost].map((s) => `sysctl ${s.key}`);
      undone.push(...left.ip.map((l) => `ip ${l}`));
      result.changes = Math.max(
        0,
        changeCount(plan) + replanned - changeCount(left) - (plan.roleRules?.load && !result.nft ? 1 : 0),
      );
      if (undone.length > 0 || errors.some((e) => e.startsWith('nft '))) {
        result.error = [undone.length > 0 ? `not done: ${undone.join(', ')}` : '', ...errors]
          .filter(Boolean)
          .join('; ');
      }
      if (result.error && role === 'master') await this.demote(after.state, result.error, errors);
      else if (!result.error) this.syncDemotion();
      if (!result.error && announcer) {
        const t = now();
        await announcer.send();
        this.time('announce', t);
      }
    } finally {
      announcer?.close();
    }
    this.time('total', this.t0);
    // Bookkeeping once the state holds: the new master's table becomes the reference; a backup lets the
    // new master's connections go and asks it for its table.
    if (roleChange && !result.error) {
      await this.conntrack(
        'conntrackSync',
        role === 'master' ? ['flushCaches', 'resync', 'sendBulk'] : ['resetTimers', 'requestDump'],
      );
    } else if (result.demoted) await this.conntrack('conntrackSync', ['resetTimers', 'requestDump']);
    return result;
  }

  /** Waits until the peer's external NIC is down, when this one is about to come up (see claim.ts);
   * undefined when there is nothing to wait for. */
  private claimExternal(): Promise<void> | undefined {
    const c = this.config.claim;
    const ext = this.config.externalNic;
    const wantUp = this.want.links.some((l) => l.name === ext && l.up);
    if (!c || !wantUp || nicUp(ext)) return undefined;
    return this.claimFrom(c);
  }

  private async claimFrom(c: NonNullable<AgentConfig['claim']>): Promise<void> {
    const t = now();
    const r = await claimExternal(c, this.config.instance);
    this.time('claim', t);
    if (r.outcome === 'overridden')
      this.result.warnings.push(
        `the peer still held its external NIC after ${r.ms} ms: brought up here all the same (both up until it gives it up)`,
      );
  }

  /** conntrackd requests, when configured; problems are warnings, never a failed transition. */
  private async conntrack(
    step: string,
    requests: Parameters<typeof conntrackdSteps>[1] | typeof commitPeerTable,
  ): Promise<void> {
    const c = this.config.conntrack;
    if (!c) return;
    const t = now();
    const problems = await (typeof requests === 'function' ? requests(c) : conntrackdSteps(c, requests));
    this.time(step, t);
    for (const p of problems) this.result.warnings.push(p);
  }

  /** Runs `lines` (even none: the check's read) and records what ip said about the failed ones. To BACKUP,
   * the peer hears the external NIC is down right after its `link set down` line (a fence), else after the
   * batch when the NIC is found down. */
  private async runIp(lines: string[], before: KernelState, errors: string[]): Promise<IpResult> {
    const t = now();
    try {
      const told = this.role === 'backup' ? this.opts.externalDown : undefined;
      const downAt = lines.indexOf(`link set dev ${this.config.externalNic} down`);
      const r = await this.ip.run(lines, told && downAt >= 0 ? { after: downAt, onFence: told } : undefined);
      if (lines.length > 0) this.result.changed = true;
      errors.push(...r.errors.map((e) => `ip ${e}`));
      if (told && !r.state.links.get(this.config.externalNic)?.up) told();
      return r;
    } catch (e) {
      errors.push(`ip: ${(e as Error).message}`);
      return { state: before, errors: [] };
    } finally {
      if (lines.length > 0) this.time('ip', t);
    }
  }

  /** True when no link the backup wants down is up, and no owned address is left on such a link. */
  private externalGivenUp(state: KernelState): boolean {
    return this.config.roles.backup.links.every((l) => {
      if (l.up) return true;
      const k = state.links.get(l.name);
      return !k || (!k.up && (!this.config.owned.addressesOn.includes(l.name) || k.addresses.length === 0));
    });
  }

  private giveUpLines(state: KernelState): string[] {
    return this.config.roles.backup.links
      .filter((l) => !l.up && state.links.has(l.name))
      .flatMap((l) => [
        `link set dev ${l.name} down`,
        ...(this.config.owned.addressesOn.includes(l.name) ? [`address flush dev ${l.name}`] : []),
      ]);
  }

  /**
   * A MASTER transition that could not be completed: give the external side up now (the backup state, so
   * the shared-MAC NIC is not left half up) and demote, so keepalived lets the healthy peer take over.
   */
  private async demote(state: KernelState, why: string, errors: string[]): Promise<void> {
    const backup = computePlan(this.config, 'backup', state, readSysctl, true);
    const t = now();
    for (const s of backup.sysctlsPre) {
      try {
        writeFileSync(`/proc/sys/${s.key}`, s.to);
      } catch {}
    }
    let after = await this.runIp(backup.ip, state, errors);
    if (!this.externalGivenUp(after.state))
      after = await this.runIp(this.giveUpLines(after.state), after.state, errors);
    this.time('giveup', t);
    const problem = new Demotion(this.config).demote(`MASTER failed: ${why}`);
    this.result.demoted = this.config.demote
      ? `demoted (keepalived lowers this router's priority)${problem ? `, but ${problem}` : ''}`
      : 'no demotion configured: keepalived keeps this router MASTER';
  }

  /** After a good transition: keepalived hears that this router can hold the master state (unless it is
   * demoted, or the master role's own preflight fails). */
  private syncDemotion(): void {
    if (!this.config.demote) return;
    const d = new Demotion(this.config);
    if (this.role === 'master') {
      if (d.marker()) d.clear();
      else d.sync();
      return;
    }
    try {
      preflight(this.config, 'master');
      d.sync();
    } catch {
      // The master role cannot run here: keep keepalived's start-up value (demoted).
    }
  }
}
