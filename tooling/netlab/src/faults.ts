/**
 * Faults the lab injects into one router for the agent's own scenarios: an `ip` that refuses one step of the
 * agent's batch (a real failure, through the real agent), a network that passes no traffic for a while, the
 * router's firewall reloaded. Each fault is undone by the object that made it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk, runSync, runSyncOk } from './exec.js';
import type { Lab } from './lab.js';

/**
 * An `ip` in the router's /run/netlab-bin (first in its PATH, over the real /usr/sbin/ip): the agent's
 * batch lines starting with `failing` become an unknown command while the flag file exists. Written through
 * the router's own mount namespace (its /run is a writable overlay; a file put into a layer of a mounted
 * overlay from outside may stay unseen), before the router's keepalived starts; removing the flag repairs it
 * without restarting anything.
 */
export class BrokenIp {
  readonly flag: string;

  constructor(
    private readonly lab: Lab,
    readonly router: string,
    failing: string,
  ) {
    const rd = lab.routerDir(lab.router(router));
    this.flag = join(rd, 'ip-broken');
    const script = [
      '#!/bin/sh',
      '# netlab fault: the agent batch line below fails while the flag file exists.',
      'case " $* " in *" -batch "*) ;; *) exec /usr/sbin/ip "$@" ;; esac',
      'while IFS= read -r line; do',
      `  if [ -e ${q(this.flag)} ] && [ "\${line#${failing}}" != "$line" ]; then echo frobnicate`,
      `  else printf '%s\\n' "$line"; fi`,
      'done | /usr/sbin/ip "$@"',
      '',
    ].join('\n');
    const dir = '/run/netlab-bin';
    runSyncOk(
      lab.inRouter(lab.router(router), [
        'sh',
        '-c',
        `mkdir -p ${dir} && cat > ${dir}/ip && chmod 755 ${dir}/ip`,
      ]),
      { input: script },
    );
    writeFileSync(this.flag, '');
  }

  get broken(): boolean {
    return existsSync(this.flag);
  }

  /** The operator's repair: the step works again. */
  fix(): void {
    rmSync(this.flag, { force: true });
  }

  /** Removes the wrapper itself (after the scenario). */
  remove(): void {
    this.fix();
    runSync(this.lab.inRouter(this.lab.router(this.router), ['rm', '-f', '/run/netlab-bin/ip']));
  }
}

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** The value of a router's demotion file (keepalived's track_file), or undefined when absent. */
export function demoteValue(lab: Lab, router: string): string | undefined {
  const f = join(lab.routerDir(lab.router(router)), 'run-up', 'hagate-agent.demote');
  try {
    return readFileSync(f, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Runs `hagate-agent ARGS` in the router: beside its keepalived when it runs (what the agent writes, such
 * as the demotion file, is then seen by keepalived's watch), else in the router's files and namespace. */
export function agentIn(lab: Lab, router: string, args: string[]) {
  const cmd = ['hagate-agent', ...args];
  return runSync(lab.inKeepalived(router, cmd) ?? lab.inRouter(lab.router(router), cmd));
}

/** The "switch" drops every frame to and from a router's port on a bridge: the link stays up, nothing passes. */
export class SilentPort {
  private readonly table: string;
  constructor(
    private readonly lab: Lab,
    private readonly hvPort: string,
  ) {
    this.table = `hgl_silent_${hvPort.replace(/\W/g, '_')}`.slice(0, 60);
  }

  async block(): Promise<void> {
    await runOk(['ip', 'netns', 'exec', this.lab.plan.hv, 'nft', '-f', '-'], {
      input: `table bridge ${this.table} {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n    iifname "${this.hvPort}" drop\n    oifname "${this.hvPort}" drop\n  }\n}\n`,
    });
  }

  async unblock(): Promise<void> {
    await run(['ip', 'netns', 'exec', this.lab.plan.hv, 'nft', 'delete', 'table', 'bridge', this.table]);
  }
}
