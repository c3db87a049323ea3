/** status, check and --dry-run: loaded only when asked for. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from '@hagate/spec/agent-config';
import type { CacheOutcome } from './code-cache.js';
import { unsafeMode } from './config.js';
import { Demotion, FAULT_PULSE } from './demote.js';
import { exec, which } from './exec.js';
import { IpSession } from './ip-session.js';
import { Maintenance } from './maintenance.js';
import { describeOwned, type OwnedLink, readOwned } from './owned.js';
import { describePlan, type Role } from './plan.js';
import { PlanError, preflight, reconcile } from './reconcile.js';
import { probeStateDir, readState, statePath, type TransitionRecord } from './state.js';
import { describeView, statusView } from './status-view.js';

export async function dryRunPlan(config: AgentConfig, role: Role, event: string): Promise<number> {
  try {
    const r = await reconcile(config, role, readState(config.stateDir), { dryRun: true });
    // exit 1 below when the plan cannot run (a PlanError: unknown interface, role rules nft rejects...)
    const lines = describePlan(r.plan);
    process.stdout.write(`(${config.instance}) ${event}: ${role} state, ${r.changes} changes (dry run)\n`);
    for (const l of lines) process.stdout.write(`  ${l}\n`);
    if (r.plan.probe) process.stdout.write(`  then probe ${r.plan.probe.address} (${r.plan.probe.method})\n`);
    return 0;
  } catch (e) {
    process.stderr.write(
      `hagate-agent: ${(e as Error).message}${e instanceof PlanError ? '; nothing changed' : ''}\n`,
    );
    return 1;
  }
}

/** The state file, the kernel's owned objects and the drift; exit 1 when the last transition failed or
 * the kernel drifted from the role. Never throws on a malformed state file (readState validates it). */
export async function status(config: AgentConfig, opts: { json: boolean }): Promise<number> {
  const state = readState(config.stateDir);
  // Stale events changed nothing: the last transition that did something (or tried to).
  const last = state.transitions.filter((t) => t.result !== 'stale').at(-1);
  const failed = last?.result === 'failed' ? last : undefined;
  // After a failed run the role is unknown: compare with the role it was going to.
  const target = state.role ?? failed?.role;
  let drift: string[] | string = 'unknown (no role applied yet)';
  if (target) {
    try {
      const r = await reconcile(config, target, state, { dryRun: true });
      drift = describePlan(r.plan);
    } catch (e) {
      drift = `cannot compute: ${(e as Error).message}`;
    }
  }
  let kernel: OwnedLink[] | string;
  try {
    kernel = readOwned(config);
  } catch (e) {
    kernel = `cannot read: ${(e as Error).message}`;
  }
  const d = new Demotion(config);
  const demotion = config.demote
    ? { file: config.demote.file, value: d.trackValue() ?? null, marker: d.marker() ?? null }
    : undefined;
  const fw = config.firewall;
  const table = await exec(['nft', 'list', 'table', fw.table.family, fw.table.name], {
    timeoutMs: config.commandTimeoutMs,
  }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  const firewall = { table: `${fw.table.family} ${fw.table.name}`, loaded: table.code === 0 };
  // keepalived's own view next to the agent's and the kernel's (status-view.ts).
  const view = await statusView(config, state);
  // In maintenance the demotion file says 1 on purpose: not a problem by itself.
  const demoted = demotion?.marker || (demotion?.value === '1' && !view.maintenance);
  const code =
    failed ||
    demoted ||
    !firewall.loaded ||
    (Array.isArray(drift) && drift.length > 0) ||
    view.disagreements.length > 0
      ? 1
      : 0;
  if (opts.json) {
    const { keepalived, kernel: kernelView, maintenance, health, disagreements, totals } = view;
    const more = { keepalived, kernelView, maintenance, health, disagreements, totals };
    process.stdout.write(
      `${JSON.stringify({ ...state, lastFailed: failed !== undefined, kernel, drift, firewall, demotion, ...more }, null, 2)}\n`,
    );
    return code;
  }
  const out: string[] = [];
  out.push(`router ${config.router}, instance ${config.instance}, state file ${statePath(config.stateDir)}`);
  out.push(
    `role: ${state.role ?? (failed ? 'unknown (the last transition failed)' : 'unknown')}${state.since ? ` since ${state.since}` : ''}`,
  );
  if (failed)
    out.push(
      `last transition FAILED: ${failed.at} ${failed.event} -> ${failed.role}: ${failed.error ?? 'no error text'}`,
    );
  out.push(`kernel: ${typeof kernel === 'string' ? kernel : kernel.map(describeOwned).join('; ')}`);
  out.push(
    `firewall: table ${firewall.table} ${firewall.loaded ? 'loaded' : 'NOT loaded (nftables.service loads it at boot; hagate-agent check)'}`,
  );
  if (demotion?.marker)
    out.push(`DEMOTED since ${demotion.marker.at}: ${demotion.marker.reason} (hagate-agent repair lifts it)`);
  else if (demotion?.value === '1' && !view.maintenance)
    out.push(
      `DEMOTED: ${demotion.file} says 1 (keepalived's start-up value until a transition succeeds here)`,
    );
  out.push(...describeView(view));
  const warned = last?.warnings;
  if (warned?.length) out.push(`last transition's warnings: ${warned.join('; ')}`);
  const against = state.role ? 'the role' : `the ${target} state`;
  out.push(
    typeof drift === 'string'
      ? `drift: ${drift}`
      : drift.length === 0
        ? `drift: none, the kernel matches ${against}`
        : `drift: ${drift.length} changes needed for ${against}\n${drift.map((d) => `  ${d}`).join('\n')}`,
  );
  out.push('last transitions:');
  for (const t of state.transitions.slice(-10).reverse()) {
    const steps = Object.entries(t.steps)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const handover = t.handover ? `, handover: ${t.handover.outcome} after ${t.handover.ms} ms` : '';
    out.push(
      `  ${t.at} ${t.event} -> ${t.role}: ${t.result}, ${changesText(t)}${steps ? ` (${steps} ms)` : ''}${handover}${t.error ? `: ${t.error}` : ''}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return code;
}

function changesText(t: TransitionRecord): string {
  if (t.result !== 'failed') return `${t.changes ?? 0} changes`;
  const planned = t.planned !== undefined ? ` of ${t.planned} planned` : '';
  return t.changes !== undefined
    ? `${t.changes}${planned} changes made`
    : `unknown how many${planned} changes made`;
}

/** Reasons keepalived's script security would refuse `file` (it and its directories writable by non-root). */
function scriptSecurity(file: string): string[] {
  const problems: string[] = [];
  for (let p = file; ; p = dirname(p)) {
    try {
      const why = unsafeMode(p);
      if (why) problems.push(why);
    } catch (e) {
      problems.push(`${p}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    if (p === '/' || p === '.') break;
  }
  return problems;
}

const CACHE_TEXT: Record<CacheOutcome, string> = {
  used: 'used (the agent starts from its compiled code)',
  missing: 'none yet (written when this run ends)',
  rejected: 'rejected by V8 (another Node; rewritten when this run ends)',
  off: 'off (no state directory)',
};

/** What the loader did with the V8 code cache (code-cache.ts); unknown when not run from the bundle. */
function codeCacheText(): string {
  const get = (globalThis as Record<symbol, unknown>)[Symbol.for('hagate-agent.code-cache')];
  return typeof get === 'function' ? CACHE_TEXT[(get as () => CacheOutcome)()] : 'not the bundle (no cache)';
}

export async function check(config: AgentConfig, configPath: string): Promise<number> {
  const results: [boolean, string][] = [];
  results.push([true, `config ${configPath}: valid (router ${config.router}, instance ${config.instance})`]);
  for (const tool of ['ip', 'nft']) {
    const p = which(tool);
    results.push([p !== undefined, p ? `${tool}: ${p}` : `${tool}: not found in PATH`]);
  }
  const ping = Object.values(config.roles).some((r) => r.announce.probe?.method === 'ping');
  if (ping)
    results.push([
      which('ping') !== undefined,
      `ping: ${which('ping') ?? 'not found (announce.probe.method is ping)'}`,
    ]);
  results.push([true, `logger: ${which('logger') ?? 'not found (syslog lines go to stderr only)'}`]);
  results.push([true, `code cache: ${codeCacheText()}`]);
  const ip = new IpSession(config.commandTimeoutMs);
  try {
    const kernel = await ip.read();
    const names = new Set<string>([...config.owned.links, ...config.owned.addressesOn]);
    for (const role of ['master', 'backup'] as const) {
      for (const r of config.roles[role].routes) names.add(r.dev);
    }
    // The handover watches the VIP's neighbour entry on this interface.
    if (config.handover) names.add(config.handover.dev);
    for (const n of names)
      results.push([kernel.links.has(n), `interface ${n}: ${kernel.links.has(n) ? 'present' : 'missing'}`]);
  } catch (e) {
    results.push([false, `cannot read interfaces: ${(e as Error).message}`]);
  } finally {
    ip.close();
  }
  const nftFile = async (what: string, file: string) => {
    try {
      const unsafe = unsafeMode(file);
      readFileSync(file);
      const r = await exec(['nft', '-c', '-f', file], { timeoutMs: config.commandTimeoutMs });
      const ok = !unsafe && r.code === 0;
      results.push([
        ok,
        `${what} ${file}: ${unsafe ?? (r.code === 0 ? 'accepted by nft -c' : r.stderr.trim().split('\n')[0])}`,
      ]);
    } catch (e) {
      results.push([false, `${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
    }
  };
  const fw = config.firewall;
  await nftFile('firewall', fw.ruleset);
  const listed = await exec(['nft', 'list', 'table', fw.table.family, fw.table.name], {
    timeoutMs: config.commandTimeoutMs,
  }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  results.push([
    listed.code === 0,
    `firewall table ${fw.table.family} ${fw.table.name}: ${listed.code === 0 ? 'loaded' : `not loaded (${listed.stderr.trim().split('\n')[0]}): nftables.service loads it at boot`}`,
  ]);
  for (const role of ['master', 'backup'] as const) {
    const rr = config.roles[role].nftRoleRules;
    if (rr) await nftFile(`${role} role rules`, rr);
    for (const s of config.roles[role].sysctls) {
      let ok = true;
      try {
        accessSync(`/proc/sys/${s.key}`, constants.W_OK);
      } catch {
        ok = false;
      }
      results.push([ok, `sysctl ${s.key}: ${ok ? 'writable' : 'missing or not writable'}`]);
    }
  }
  if (config.demote) {
    const d = new Demotion(config);
    const m = d.marker();
    const v = d.trackValue();
    const maint = new Maintenance(config).read();
    if (maint)
      results.push([
        true,
        `maintenance on since ${maint.since}: the demotion file stays 1, the peer holds the master role (hagate-agent maintenance off)`,
      ]);
    results.push([
      !m && ((v !== '1' && v !== FAULT_PULSE) || maint !== undefined),
      m
        ? `demoted since ${m.at}: ${m.reason} (hagate-agent repair lifts it)`
        : `demotion file ${config.demote.file}: ${v === undefined ? 'absent (keepalived creates it)' : v === '1' ? '1, keepalived keeps this router demoted until the agent has run' : v === FAULT_PULSE ? `${v}, keepalived holds this router in FAULT until its next backup transition` : v}`,
    ]);
  }
  const self = process.argv[1];
  if (self) {
    const problems = scriptSecurity(self);
    results.push([
      problems.length === 0,
      `script security for ${self}: ${problems.length ? problems.join('; ') : 'ok'}`,
    ]);
  }
  // State dir (issue 16.9): a read-only or full one loses the event order and the record.
  results.push(probeStateDir(config.stateDir));
  const cfgProblems = scriptSecurity(configPath);
  results.push([
    cfgProblems.length === 0,
    `config permissions: ${cfgProblems.length ? cfgProblems.join('; ') : 'ok'}`,
  ]);
  for (const [ok, line] of results) process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${line}\n`);
  return results.every(([ok]) => ok) ? 0 : 1;
}

/**
 * `hagate-agent repair`: lifts a demotion once the master role can run again (its preflight passes):
 * keepalived then restores this router's priority (and, with preemption, gives it the master role back).
 */
export async function repair(config: AgentConfig): Promise<number> {
  const d = new Demotion(config);
  const was = d.marker();
  try {
    preflight(config, 'master');
  } catch (e) {
    process.stdout.write(`still demoted: the master role cannot run here: ${(e as Error).message}\n`);
    return 1;
  }
  const problem = d.clear();
  if (problem) {
    process.stdout.write(`cannot lift the demotion: ${problem}\n`);
    return 1;
  }
  process.stdout.write(
    was
      ? `demotion lifted (it was: ${was.reason}, since ${was.at}); keepalived restores this router's priority\n`
      : 'not demoted; the demotion file says 0\n',
  );
  return 0;
}
