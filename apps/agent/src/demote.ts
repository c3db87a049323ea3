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
 * - Maintenance (`hagate-agent maintenance on`, maintenance.ts) keeps the file at 1 the same way, from a
 *   marker that survives reboots.
 * Writes are atomic (temporary file + rename, which keepalived's inotify watch sees) and skipped when the
 * file already holds the value.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { Maintenance } from './maintenance.js';

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

  /** Demotes: keeps the reason and tells keepalived. Never throws; returns a problem, if any. */
  demote(reason: string): string | undefined {
    const marker: DemotedMarker = { at: new Date().toISOString(), reason };
    let problem: string | undefined;
    try {
      mkdirSync(this.config.stateDir, { recursive: true, mode: 0o755 });
      atomicWrite(this.markerPath, `${JSON.stringify(marker)}\n`);
    } catch (e) {
      problem = `cannot keep the demotion in ${this.markerPath}: ${(e as NodeJS.ErrnoException).code ?? e}`;
    }
    return this.write('1') ?? problem;
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

  private write(value: '0' | '1'): string | undefined {
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
