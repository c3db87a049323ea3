/**
 * Background CPU load for the constrained lab: N busy processes competing for the same cores as the
 * routers (the other VMs of a busy hypervisor). Each is bounded: it exits by itself after `maxMs`, or as
 * soon as the lab that started it is gone (its parent pid changes), and `stop()` kills it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { exited } from './exec.js';

/**
 * The busy loop (argv: longest life in ms, the pid of the lab): spins in 50 ms slices, checking between
 * slices whether it should stop. Its parent pid comes from /proc (Node's process.ppid is fixed at start).
 */
export const BUSY_SCRIPT = `const fs = require('node:fs');
const ppid = () => Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[1]);
const end = Date.now() + Number(process.argv[1]);
const parent = Number(process.argv[2]);
for (;;) {
  const s = Date.now();
  while (Date.now() - s < 50) {}
  if (Date.now() > end || ppid() !== parent) process.exit(0);
}`;

export class CpuLoad {
  private readonly children: ChildProcess[] = [];

  /**
   * @param count busy processes (0: none)
   * @param wrap optional argv rewrite (the lab puts them in their own cgroup)
   * @param maxMs longest life of each process, whatever happens to the lab
   */
  constructor(
    readonly count: number,
    private readonly wrap: (argv: string[]) => string[] = (a) => a,
    private readonly maxMs = 4 * 3600_000,
  ) {}

  start(): void {
    for (let i = 0; i < this.count; i++) {
      const [cmd, ...args] = this.wrap([
        process.execPath,
        '-e',
        BUSY_SCRIPT,
        String(this.maxMs),
        String(process.pid),
      ]);
      this.children.push(spawn(cmd!, args, { stdio: 'ignore' }));
    }
  }

  get pids(): number[] {
    return this.children.flatMap((c) => (c.pid !== undefined && c.exitCode === null ? [c.pid] : []));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        c.kill('SIGKILL');
        await exited(c, 5000);
      }),
    );
    this.children.length = 0;
  }
}
