/**
 * The fifo process keeps the router's firewall in place: one long-lived `nft monitor tables` child reports
 * every table change as it is committed (no polling). When hagate's table is deleted and not back shortly
 * after (a `flush ruleset` by hand, a reload of another nftables.conf: hagate's own nftables.conf deletes and
 * re-adds it in one transaction), the agent loads the router's ruleset again; if nft refuses it, the router
 * is demoted so the healthy peer serves (a master without its firewall would route without NAT).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AgentConfig } from '@hagate/spec/agent-config';
import { Demotion } from './demote.js';
import { exec } from './exec.js';

export interface FirewallWatchEvents {
  /** One line per repair or failure, for the log. */
  log(level: 'info' | 'err', message: string): void;
}

export class FirewallWatch {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Repairs made (the table was reloaded), for status and tests. */
  repairs = 0;

  constructor(
    private readonly config: AgentConfig,
    private readonly events: FirewallWatchEvents,
    /** How long a deleted table may stay absent before the agent reloads it, ms. */
    private readonly graceMs = 200,
  ) {}

  private get tableWords(): string {
    const t = this.config.firewall.table;
    return `${t.family} ${t.name}`;
  }

  start(): void {
    if (this.stopped || this.child) return;
    const child = spawn('nft', ['monitor', 'tables'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    let buf = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      if (buf.length > 4096) buf = '';
      for (const line of lines) {
        if (line.trim() === `delete table ${this.tableWords}`) this.schedule();
      }
    });
    child.on('error', () => {});
    child.on('exit', () => {
      this.child = undefined;
      // nft died (killed, upgraded): watch again a moment later, unless stopping.
      if (!this.stopped) setTimeout(() => this.start(), 1000).unref();
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), this.graceMs);
    this.timer.unref();
  }

  /** Reloads the ruleset when hagate's table is missing. */
  async check(): Promise<void> {
    this.timer = undefined;
    const t = this.config.firewall.table;
    const timeoutMs = this.config.commandTimeoutMs;
    const listed = await exec(['nft', 'list', 'table', t.family, t.name], { timeoutMs }).catch(
      () => undefined,
    );
    if (!listed || listed.code === 0) return;
    const file = this.config.firewall.ruleset;
    const r = await exec(['nft', '-f', file], { timeoutMs }).catch((e: Error) => ({
      code: -1,
      stdout: '',
      stderr: e.message,
    }));
    if (r.code === 0) {
      this.repairs++;
      this.events.log('info', `firewall: table ${this.tableWords} was removed; ${file} loaded again`);
      return;
    }
    const why = `firewall: table ${this.tableWords} was removed and nft refuses ${file}: ${r.stderr.trim().split('\n')[0]}`;
    const problem = new Demotion(this.config).demote(why);
    this.events.log('err', `${why}; demoted${problem ? ` (${problem})` : ''}`);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.child?.kill();
    this.child = undefined;
  }
}
