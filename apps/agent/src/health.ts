/**
 * `hagate-agent health`: keepalived's vrrp_script for the upstream (see @hagate/synth's keepalived.conf).
 * Exit 0 healthy, 1 failing; keepalived counts rise/fall and, on failure, lowers this router's priority by
 * the script's weight so a healthy peer takes over.
 *
 * Only the master can probe: a backup's external NIC is down (both routers share its MAC). So:
 * - master (external NIC up): one `ping` of the provider gateway through the external NIC; the verdict is
 *   recorded in `<stateDir>/health.json`.
 * - backup: it repeats the last verdict it had as master for `holdMs`, then reports healthy. A router whose
 *   upstream failed stays lowered after it handed over. When both upstreams fail, the preferred router
 *   hands over, the peer fails too and is lowered by the same weight, and the preferred one, above it again,
 *   takes the role back once; then nothing moves (a backup never preempts an equal or higher priority): no
 *   double FAULT (a weight never means FAULT), no flapping. After holdMs the backup is trusted again and may
 *   take the role once to test its own upstream (at most once per holdMs while both stay down).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { exec } from './exec.js';

export interface HealthVerdict {
  /** What this run reported to keepalived. */
  ok: boolean;
  at: string;
  /** true: a probe of the gateway; false: a backup repeating its last verdict as master (or healthy). */
  probed: boolean;
  detail: string;
  /** The last probe this router made as master; `streak`: how many failed in a row up to it. */
  lastProbe?: { ok: boolean; at: string; detail: string; streak?: number };
}

/** `<stateDir>/health.json`, written atomically. */
export class HealthRecord {
  readonly file: string;
  constructor(config: AgentConfig) {
    this.file = `${config.stateDir}/health.json`;
  }

  read(): HealthVerdict | undefined {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as HealthVerdict;
      if (v && typeof v.ok === 'boolean' && typeof v.at === 'string' && typeof v.detail === 'string')
        return v;
    } catch {}
    return undefined;
  }

  write(v: HealthVerdict, stateDir: string): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o755 });
      writeFileSync(tmp, `${JSON.stringify(v)}\n`, { mode: 0o644 });
      renameSync(tmp, this.file);
    } catch {
      rmSync(tmp, { force: true });
    }
  }
}

/** Whether `dev` is administratively up (IFF_UP in /sys/class/net/DEV/flags). */
export function linkUp(dev: string): boolean {
  try {
    return (Number.parseInt(readFileSync(`/sys/class/net/${dev}/flags`, 'utf8').trim(), 16) & 1) === 1;
  } catch {
    return false;
  }
}

/**
 * A backup's verdict: the failure it had as master while younger than holdMs, else healthy. Only a failure
 * that lasted `fall` probes (what made keepalived lower the router) is held: one probe lost while the role
 * moved (the peer already holds the shared MAC, the routes are not there yet) is not. Pure.
 */
export function backupVerdict(
  lastProbe: HealthVerdict['lastProbe'],
  holdMs: number,
  now: number,
  fall = 1,
): { ok: boolean; detail: string } {
  if (!lastProbe || lastProbe.ok) return { ok: true, detail: 'backup: nothing to probe (external NIC down)' };
  if ((lastProbe.streak ?? 1) < fall)
    return {
      ok: true,
      detail: `backup: the last ${lastProbe.streak ?? 1} failed probe(s) as master were fewer than fall (${fall})`,
    };
  const age = now - Date.parse(lastProbe.at);
  if (Number.isFinite(age) && age >= 0 && age < holdMs)
    return {
      ok: false,
      detail: `backup: the upstream failed while this router was master ${Math.round(age / 1000)} s ago (${lastProbe.detail}); held for ${Math.round(holdMs / 1000)} s`,
    };
  return { ok: true, detail: 'backup: the last failure as master is older than the hold time' };
}

export async function health(config: AgentConfig): Promise<number> {
  const h = config.health;
  if (!h) {
    process.stderr.write('hagate-agent: health: agent.json has no health section (spec external.health)\n');
    return 2;
  }
  const record = new HealthRecord(config);
  const before = record.read();
  const at = new Date().toISOString();
  let verdict: HealthVerdict;
  if (linkUp(h.dev)) {
    const seconds = String(Math.max(1, Math.ceil(h.timeoutMs / 1000)));
    let ok = false;
    let detail: string;
    try {
      const r = await exec(['ping', '-n', '-q', '-c', '1', '-W', seconds, '-I', h.dev, h.gateway], {
        timeoutMs: h.timeoutMs + 1000,
      });
      ok = r.code === 0;
      detail = ok
        ? `gateway ${h.gateway} answered on ${h.dev}`
        : `gateway ${h.gateway} did not answer on ${h.dev}`;
    } catch (e) {
      detail = `cannot ping ${h.gateway}: ${(e as Error).message}`;
    }
    // Failures in a row: only while every run in between was a probe as master.
    const prev =
      before?.probed && before.lastProbe && !before.lastProbe.ok ? (before.lastProbe.streak ?? 1) : 0;
    const streak = ok ? 0 : prev + 1;
    verdict = { ok, at, probed: true, detail, lastProbe: { ok, at, detail, streak } };
  } else {
    const b = backupVerdict(before?.lastProbe, h.holdMs, Date.now(), h.fall);
    verdict = { ...b, at, probed: false, ...(before?.lastProbe ? { lastProbe: before.lastProbe } : {}) };
  }
  record.write(verdict, config.stateDir);
  process.stdout.write(`${verdict.ok ? 'ok' : 'FAIL'}: ${verdict.detail}\n`);
  return verdict.ok ? 0 : 1;
}
