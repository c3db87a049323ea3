/**
 * Maintenance mode: an operator takes this router out of the master role on purpose, and it stays out
 * (across keepalived restarts and reboots) until they take it back.
 *
 * The marker lives in a folder that survives reboots (`maintenance.file`, default
 * /var/lib/hagate/maintenance.json), not in keepalived's track file: keepalived's `init_file 1 overwrite`
 * rewrites that one at every start. The track file is derived from it instead: while the marker exists, the
 * agent keeps the track file at 1 (see demote.ts), so keepalived runs this router at the demoted priority
 * and the peer holds (or takes) the master role. keepalived's own start-up value is 1 as well, so a
 * restarted keepalived never wins an election in between.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from '@hagate/spec/agent-config';

export const DEFAULT_MAINTENANCE_FILE = '/var/lib/hagate/maintenance.json';

export interface MaintenanceMarker {
  /** ISO time maintenance was turned on. */
  since: string;
  /** Who asked (the login name running the command, when known). */
  by?: string;
}

/** The persistent maintenance marker of one router. */
export class Maintenance {
  readonly file: string;

  constructor(config: AgentConfig) {
    this.file = config.maintenance?.file ?? DEFAULT_MAINTENANCE_FILE;
  }

  /** The marker, or undefined when the router is not in maintenance. An unreadable or malformed marker
   * still counts as maintenance (an operator wrote something there): only `off` removes it. */
  read(): MaintenanceMarker | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return { since: 'unknown (the marker cannot be read)' };
    }
    try {
      const m = JSON.parse(text) as Partial<MaintenanceMarker>;
      if (m && typeof m.since === 'string')
        return { since: m.since, ...(typeof m.by === 'string' ? { by: m.by } : {}) };
    } catch {}
    return { since: 'unknown (malformed marker)' };
  }

  on(): boolean {
    return this.read() !== undefined;
  }

  /** Writes the marker atomically; throws a message on failure. Keeps the first `since`. */
  enable(by: string | undefined): MaintenanceMarker {
    const was = this.read();
    if (was) return was;
    const m: MaintenanceMarker = { since: new Date().toISOString(), ...(by ? { by } : {}) };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o755 });
      writeFileSync(tmp, `${JSON.stringify(m)}\n`, { mode: 0o644 });
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new Error(
        `cannot write the maintenance marker ${this.file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
    return m;
  }

  disable(): void {
    try {
      rmSync(this.file, { force: true });
    } catch (e) {
      throw new Error(
        `cannot remove the maintenance marker ${this.file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
  }
}
