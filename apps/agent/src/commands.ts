/** status, check and --dry-run: loaded only when asked for. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { unsafeMode } from './config.js';
import { Demotion } from './demote.js';
import { exec, which } from './exec.js';
import { IpSession } from './ip-session.js';
import { describePlan, type Role } from './plan.js';
import { PlanError, reconcile } from './reconcile.js';
import { readState, statePath } from './state.js';

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

export async function status(config: AgentConfig, opts: { json: boolean }): Promise<number> {
  const state = readState(config.stateDir);
  let drift: string[] | string = 'unknown (no role applied yet)';
  if (state.role) {
    try {
      const r = await reconcile(config, state.role, state, { dryRun: true });
      drift = describePlan(r.plan);
    } catch (e) {
      drift = `cannot compute: ${(e as Error).message}`;
    }
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...state, drift }, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(`router ${config.router}, instance ${config.instance}, state file ${statePath(config.stateDir)}`);
  out.push(`role: ${state.role ?? 'unknown'}${state.since ? ` since ${state.since}` : ''}`);
  out.push(
    typeof drift === 'string'
      ? `drift: ${drift}`
      : drift.length === 0
        ? 'drift: none, the kernel matches the role'
        : `drift: ${drift.length} changes needed\n${drift.map((d) => `  ${d}`).join('\n')}`,
  );
  out.push('last transitions:');
  for (const t of state.transitions.slice(-10).reverse()) {
    const steps = Object.entries(t.steps)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const handover = t.handover ? `, handover: ${t.handover.outcome} after ${t.handover.ms} ms` : '';
    out.push(
      `  ${t.at} ${t.event} -> ${t.role}: ${t.result}, ${t.changes} changes${steps ? ` (${steps} ms)` : ''}${handover}${t.error ? `: ${t.error}` : ''}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
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
    results.push([
      !m && v !== '1',
      m
        ? `demoted since ${m.at}: ${m.reason} (hagate-agent repair lifts it)`
        : `demotion file ${config.demote.file}: ${v === undefined ? 'absent (keepalived creates it)' : v === '1' ? '1, keepalived keeps this router demoted until the agent has run' : v}`,
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
  const cfgProblems = scriptSecurity(configPath);
  results.push([
    cfgProblems.length === 0,
    `config permissions: ${cfgProblems.length ? cfgProblems.join('; ') : 'ok'}`,
  ]);
  for (const [ok, line] of results) process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${line}\n`);
  return results.every(([ok]) => ok) ? 0 : 1;
}
