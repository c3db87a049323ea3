/**
 * Demotion: how keepalived learns that this router cannot hold the master state. keepalived tracks a file
 * (`track_file`, see @hagate/synth's keepalived.conf) whose number, times the weight, lowers the instance's
 * priority below any healthy peer (or puts it in FAULT without preemption), so the peer takes over.
 *
 * - keepalived writes `1` into it when it starts (`init_file 1 overwrite`): a router whose agent cannot run
 *   at all stays demoted.
 * - The agent writes `0` once a transition succeeded and the master role's preflight passes, unless the
 *   router is demoted: a failed MASTER transition leaves a marker (`<stateDir>/demoted.json`, with why and
 *   when) and writes `1`. It stays so until `hagate-agent repair` (or a MASTER transition that succeeds,
 *   e.g. once the peer is gone).
 * - The first demotion (no marker yet) writes `254` first: any weight times 254 is below keepalived's
 *   -253 fault threshold (and weight 0 counts any non-zero value as a fault), so keepalived enters FAULT at
 *   once and sends a priority-0 advert: the healthy peer takes over after its skew time (about 0.6 s with
 *   a 1 s advert interval) instead of the whole master-down interval it would wait for a master that only
 *   lowered its priority (a backup discards a lower-priority advert when it preempts). The next backup
 *   transition (keepalived's FAULT event) writes `1`: the router leaves FAULT as a demoted BACKUP, still
 *   ready to take over should the peer die. A router already demoted never pulses again, so two broken
 *   routers settle with one of them master instead of handing the role to each other.
 * - Maintenance (`hagate-agent maintenance on`, maintenance.ts) keeps the file at 1 the same way, from a
 *   marker that survives reboots.
 * Writes are atomic (temporary file + rename, which keepalived's inotify watch sees) and skipped when the
 * file already holds the value.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { Maintenance } from './maintenance.js';

/** The value that puts keepalived in FAULT whatever the tracking weight (see the file's comment). */
export const FAULT_PULSE = '254';

export interface DemotedMarker {
  at: string;
  reason: string;
}

export class Demotion {
  constructor(private readonly config: AgentConfig) {}

  private get markerPath(): string {
    return `${this.config.stateDir}/demoted.json`;
  }

  /** Why this router is demoted, or undefined. */
  marker(): DemotedMarker | undefined {
    try {
      const m = JSON.parse(readFileSync(this.markerPath, 'utf8')) as DemotedMarker;
      if (m && typeof m.reason === 'string' && typeof m.at === 'string') return m;
    } catch {}
    return undefined;
  }

  /** The value keepalived reads now (`undefined` when there is no file). */
  trackValue(): string | undefined {
    const file = this.config.demote?.file;
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  /** Demotes: keeps the reason and tells keepalived (in FAULT for a moment, the first time). Never throws;
   * returns a problem, if any. */
  demote(reason: string): string | undefined {
    const first = this.marker() === undefined;
    const marker: DemotedMarker = { at: new Date().toISOString(), reason };
    let problem: string | undefined;
    try {
      mkdirSync(this.config.stateDir, { recursive: true, mode: 0o755 });
      atomicWrite(this.markerPath, `${JSON.stringify(marker)}\n`);
    } catch (e) {
      problem = `cannot keep the demotion in ${this.markerPath}: ${(e as NodeJS.ErrnoException).code ?? e}`;
    }
    return this.write(first && !problem ? FAULT_PULSE : '1') ?? problem;
  }

  /** A backup transition: a FAULT pulse has done its job, keepalived may leave FAULT as a demoted BACKUP. */
  endPulse(): string | undefined {
    return this.trackValue() === FAULT_PULSE ? this.write('1') : undefined;
  }

  /** Lifts the demotion (repair, or a MASTER transition that succeeded). */
  clear(): string | undefined {
    try {
      rmSync(this.markerPath, { force: true });
    } catch (e) {
      return `cannot remove ${this.markerPath}: ${(e as NodeJS.ErrnoException).code ?? e}`;
    }
    return this.write(new Maintenance(this.config).on() ? '1' : '0');
  }

  /** Makes the track file say what the markers say (0 when neither demoted nor in maintenance). */
  sync(): string | undefined {
    return this.write(this.marker() || new Maintenance(this.config).on() ? '1' : '0');
  }

  /** Writes 1 at once (maintenance on). */
  hold(): string | undefined {
    return this.write('1');
  }

  private write(value: '0' | '1' | typeof FAULT_PULSE): string | undefined {
    const file = this.config.demote?.file;
    if (!file || this.trackValue() === value) return undefined;
    try {
      atomicWrite(file, `${value}\n`);
      return undefined;
    } catch (e) {
      return `cannot write ${value} to the demotion file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`;
    }
  }
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
