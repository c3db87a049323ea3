/** One reconciliation: read the kernel, compute the plan, apply it (nft, sysctls, one ip batch), announce. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { exec, execOk, which } from './exec.js';
import { readIpState, readSysctl } from './kernel.js';
import { changeCount, computePlan, type Plan, type Role } from './plan.js';
import type { AgentState } from './state.js';

export interface ReconcileResult {
  plan: Plan;
  changes: number;
  steps: Record<string, number>;
  /** The nft entry of the state file after this run. */
  nft?: AgentState['nft'];
  /** The nft entry once the loaded ruleset is hashed (set when this run loaded one). */
  nftPending?: Promise<AgentState['nft'] | undefined>;
  /** Epoch ms (sub-ms) the reconciliation started: the first step of the transition. */
  startedAt: number;
  /** Set when the run failed; `changed` tells whether anything was changed before the failure. */
  error?: string;
  changed: boolean;
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const now = () => performance.now();
const round = (ms: number) => Math.round(ms * 100) / 100;

/** Something that forbids the run before any change (bad config for this machine, missing tool...). */
export class PlanError extends Error {}

/**
 * Checks everything that can be checked without changing anything: tools, ruleset file, interfaces
 * (/sys/class/net of this namespace), sysctl paths. Throws a PlanError.
 */
export function preflight(config: AgentConfig, role: Role): Buffer {
  const want = config.roles[role];
  const problems: string[] = [];
  for (const tool of ['ip', 'nft']) if (!which(tool)) problems.push(`${tool}: not found in PATH`);
  let ruleset = Buffer.alloc(0);
  try {
    ruleset = readFileSync(want.nftRuleset);
  } catch (e) {
    problems.push(
      `cannot read the ${role} ruleset ${want.nftRuleset}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
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
  return ruleset;
}

export async function reconcile(
  config: AgentConfig,
  role: Role,
  previous: AgentState,
  opts: { dryRun?: boolean; announce?: boolean } = {},
): Promise<ReconcileResult> {
  const timeoutMs = config.commandTimeoutMs;
  const want = config.roles[role];
  const steps: Record<string, number> = {};
  const t0 = now();
  const fileSha = sha(preflight(config, role));
  // Where the ruleset goes: to master, first (its NAT is in place before the external NIC comes up and
  // forwarding starts: no connection leaves un-NATed); to backup, last (forwarding off and the NIC down
  // before the master's NAT goes). A role change to master starts the load at once, next to the kernel
  // read (nothing else changes before it succeeded); to backup, the ruleset is checked (`nft -c`) there
  // instead, so a ruleset nft rejects still changes nothing. Same role: compare what is loaded with what
  // this agent loaded.
  const nftFirst = role === 'master';
  const roleChange = !opts.dryRun && (previous.role !== role || previous.nft?.file !== want.nftRuleset);
  const loadNow = roleChange && nftFirst;
  const checkNow = roleChange && !nftFirst;
  const nftCheck = () => exec(['nft', '-c', '-f', want.nftRuleset], { timeoutMs });
  const rejected = (why: string) =>
    `nft rejected ${want.nftRuleset}, the previous ruleset stays loaded: ${why}`;
  const nftStep = loadNow
    ? exec(['nft', '-f', want.nftRuleset], { timeoutMs })
    : checkNow
      ? nftCheck()
      : exec(['nft', '-s', 'list', 'ruleset'], { timeoutMs });
  const [kernelR, nftR] = await Promise.allSettled([readIpState(timeoutMs), nftStep]);
  steps.read = round(now() - t0);
  const result: ReconcileResult = {
    plan: {
      role,
      errors: [],
      nft: { load: false, file: want.nftRuleset },
      sysctlsPre: [],
      ip: [],
      sysctlsPost: [],
    },
    changes: 0,
    steps,
    changed: false,
    startedAt: round(performance.timeOrigin + t0),
  };
  let listAfter: Promise<string> | undefined;
  if (loadNow) {
    if (nftR.status === 'rejected' || nftR.value.code !== 0) {
      const why = nftR.status === 'rejected' ? (nftR.reason as Error).message : firstLines(nftR.value.stderr);
      result.error = rejected(why);
      steps.total = round(now() - t0);
      return result;
    }
    result.changed = true;
    steps.nft = steps.read;
    // Hash what is loaded now, while the rest of the transition runs.
    listAfter = execOk(['nft', '-s', 'list', 'ruleset'], { timeoutMs });
    listAfter.catch(() => {});
  }
  if (kernelR.status === 'rejected') {
    if (!result.changed) throw new PlanError((kernelR.reason as Error).message);
    result.error = `read: ${(kernelR.reason as Error).message}`;
    return result;
  }
  let loaded = loadNow;
  if (checkNow) {
    if (nftR.status === 'rejected' || nftR.value.code !== 0) {
      const why = nftR.status === 'rejected' ? (nftR.reason as Error).message : firstLines(nftR.value.stderr);
      throw new PlanError(rejected(why));
    }
  } else if (!loadNow) {
    if (nftR.status === 'rejected' || nftR.value.code !== 0) {
      const why = nftR.status === 'rejected' ? (nftR.reason as Error).message : firstLines(nftR.value.stderr);
      throw new PlanError(`nft -s list ruleset failed: ${why}`);
    }
    const listSha = sha(nftR.value.stdout);
    loaded =
      previous.nft?.file === want.nftRuleset &&
      previous.nft.fileSha === fileSha &&
      previous.nft.listSha === listSha;
    if (loaded) result.nft = previous.nft;
  }
  const plan = computePlan(config, role, kernelR.value, readSysctl, loaded);
  if (loadNow) plan.nft.load = true;
  result.plan = plan;
  result.changes = changeCount(plan);
  if (plan.errors.length > 0) {
    if (!result.changed) throw new PlanError(plan.errors.join('; '));
    result.error = plan.errors.join('; ');
    return result;
  }
  if (opts.dryRun) return result;
  if (plan.nft.load && !nftFirst && !checkNow) {
    // Drift repaired in the backup role: the check comes first here too.
    const c = await nftCheck();
    if (c.code !== 0) {
      throw new PlanError(rejected(firstLines(c.stderr)));
    }
  }

  let step = 'nft';
  const loadRuleset = async () => {
    step = 'nft';
    const t = now();
    const r = await exec(['nft', '-f', plan.nft.file], { timeoutMs });
    if (r.code !== 0) throw new Error(rejected(firstLines(r.stderr)));
    result.changed = true;
    listAfter = execOk(['nft', '-s', 'list', 'ruleset'], { timeoutMs });
    listAfter.catch(() => {});
    steps.nft = round(now() - t);
  };
  try {
    if (plan.nft.load && !loadNow && nftFirst) await loadRuleset();
    step = 'sysctl';
    let t = now();
    for (const s of plan.sysctlsPre) {
      writeFileSync(`/proc/sys/${s.key}`, s.to);
      result.changed = true;
    }
    steps.sysctl = round(now() - t);
    step = 'ip';
    if (plan.ip.length > 0) {
      t = now();
      result.changed = true;
      await execOk(['ip', '-batch', '-'], { input: `${plan.ip.join('\n')}\n`, timeoutMs });
      steps.ip = round(now() - t);
    }
    step = 'sysctl';
    t = now();
    for (const s of plan.sysctlsPost) {
      writeFileSync(`/proc/sys/${s.key}`, s.to);
      result.changed = true;
    }
    steps.sysctl = round((steps.sysctl ?? 0) + now() - t);
    if (plan.nft.load && !nftFirst) await loadRuleset();
    step = 'announce';
    if (plan.probe && opts.announce !== false) {
      t = now();
      await probe(plan.probe.address, plan.probe.method);
      steps.announce = round(now() - t);
    }
  } catch (e) {
    result.error = `${step}: ${(e as Error).message}`;
  }
  if (listAfter) {
    // Resolved after the transition is reported: hashing the new ruleset is bookkeeping, not the change.
    result.nftPending = listAfter.then(
      (out) => ({ file: plan.nft.file, fileSha, listSha: sha(out) }),
      () => undefined,
    );
  }
  steps.total = round(now() - t0);
  return result;
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 6).join(' | ');
}

/** Makes the switch and the gateway learn this router now: one datagram (the kernel ARPs for the gateway
 * first) or one background ping. Never waits for an answer. */
async function probe(address: string, method: 'udp' | 'ping'): Promise<void> {
  if (method === 'ping') {
    const { spawn } = await import('node:child_process');
    const child = spawn('ping', ['-c1', '-W1', '-n', '-q', address], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return;
  }
  const { createSocket } = await import('node:dgram');
  await new Promise<void>((resolve) => {
    const sock = createSocket('udp4');
    sock.on('error', () => resolve());
    sock.send(Buffer.alloc(0), 9, address, () => {
      sock.close();
      resolve();
    });
  });
}
