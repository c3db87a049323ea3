/**
 * What the deploy scenario needs around a running lab: an sshd of its own in each router (own config, own
 * host key, listening on the router's admin address, inside the router's mount namespace so it sees the
 * router's files), a client key, and `labctl`, the routers' stand-in for systemctl: the lab owns the
 * keepalived processes (it reads their output), so a `labctl stop keepalived` run over SSH is a request the
 * lab carries out, answered when done.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, runSyncOk, sleep, spawnLines } from './exec.js';
import type { Lab } from './lab.js';

export class LabSsh {
  private readonly sshd = new Map<string, ChildProcess>();
  readonly logs: string[] = [];
  readonly clientKey: string;

  constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.clientKey = join(dir, 'client_ed25519');
    runSyncOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'hagate-lab', '-f', this.clientKey]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${this.clientKey}.pub`), { mode: 0o600 });
  }

  /** Starts sshd in the router, listening on `address`:22. Resolves once it accepts connections. */
  async start(router: string, address: string): Promise<void> {
    const r = this.lab.router(router);
    const key = join(this.dir, `${router}_host_ed25519`);
    runSyncOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', router, '-f', key]);
    const config = join(this.dir, `${router}_sshd_config`);
    writeFileSync(
      config,
      [
        `ListenAddress ${address}`,
        'Port 22',
        `HostKey ${key}`,
        `PidFile ${join(this.dir, `${router}_sshd.pid`)}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The keys sit under the lab's folder in /tmp (sticky, world-writable): not a home directory.
        'StrictModes no',
        'Subsystem sftp internal-sftp',
        'PrintMotd no',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // sshd's privilege separation folder, in the router's own /run.
    mkdirSync(join(this.lab.routerDir(r), 'run-up', 'sshd'), { recursive: true, mode: 0o755 });
    const argv = this.lab.inRouter(r, ['/usr/sbin/sshd', '-D', '-e', '-f', config]);
    const child = spawnLines(argv, (line) => this.logs.push(`${router} sshd: ${line}`));
    this.sshd.set(router, child);
    for (let i = 0; i < 100; i++) {
      const ss = runSyncOk(['ip', 'netns', 'exec', r.ns, 'ss', '-Hltn', `src ${address}`]);
      if (ss.includes(':22')) return;
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`sshd in ${router} did not start: ${this.logs.join('\n')}`);
  }

  async stop(): Promise<void> {
    for (const c of this.sshd.values()) {
      c.kill('SIGTERM');
      await exited(c, 5000);
    }
    this.sshd.clear();
  }
}

/**
 * The routers' `systemctl`: `labctl-<router> ACTION SERVICE` writes a request into the lab's folder and
 * waits for the answer. Only keepalived is managed (stop, start, restart, is-active); daemon-reload,
 * enable and is-enabled have nothing to do in the lab.
 */
export class LabServices {
  private running = false;
  private loop: Promise<void> | undefined;
  readonly requests: string[] = [];

  constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {
    mkdirSync(join(dir, 'req'), { recursive: true, mode: 0o755 });
  }

  /** Writes the script for one router; returns its path. */
  script(router: string): string {
    const path = join(this.dir, `labctl-${router}`);
    const req = join(this.dir, 'req');
    writeFileSync(
      path,
      `#!/bin/sh
# The lab's systemctl for ${router}: asks the lab, waits for its answer (exit status, then a message).
id="$$.$(date +%s%N)"
echo "${router} $*" > "${req}/$id.tmp" && mv "${req}/$id.tmp" "${req}/$id.req"
i=0
while [ ! -e "${req}/$id.done" ]; do
  i=$((i + 1)); [ $i -gt 1200 ] && { echo "labctl: no answer from the lab" >&2; exit 1; }
  sleep 0.05
done
status=$(head -n 1 "${req}/$id.done")
tail -n +2 "${req}/$id.done"
rm -f "${req}/$id.done"
exit "$status"
`,
      { mode: 0o755 },
    );
    return path;
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      const req = join(this.dir, 'req');
      while (this.running) {
        for (const f of readdirSync(req).filter((x) => x.endsWith('.req'))) {
          const path = join(req, f);
          const text = readFileSync(path, 'utf8').trim();
          rmSync(path);
          const [router = '', action = '', service = ''] = text.split(/\s+/);
          this.requests.push(text);
          const [status, message] = await this.handle(router, action, service);
          const done = join(req, f.replace(/\.req$/, '.done'));
          writeFileSync(`${done}.tmp`, `${status}\n${message}`);
          renameSync(`${done}.tmp`, done);
        }
        await sleep(25);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async handle(router: string, action: string, service: string): Promise<[number, string]> {
    if (action === 'daemon-reload' || action === 'enable') return [0, ''];
    // The lab's routers have no boot: every unit counts as enabled.
    if (action === 'is-enabled') return [0, 'enabled\nenabled\n'];
    if (service !== 'keepalived') return [1, `labctl: ${service} is not managed in the lab\n`];
    switch (action) {
      case 'stop':
        await this.lab.stopKeepalived(router);
        return [0, ''];
      case 'start':
        this.lab.startKeepalived(router);
        return [0, ''];
      case 'restart':
        await this.lab.stopKeepalived(router);
        this.lab.startKeepalived(router);
        return [0, ''];
      case 'is-active':
        return this.lab.keepalivedRunning(router) ? [0, 'active\n'] : [3, 'inactive\n'];
      default:
        return [1, `labctl: unknown action ${action}\n`];
    }
  }
}
