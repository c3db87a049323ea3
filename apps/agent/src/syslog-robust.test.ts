/**
 * syslog lines (issue 16.6) through a private /dev/log (a unix datagram socket the test reads): the tag
 * carries the agent's pid, control characters cannot forge a line, and the fifo process feeds one
 * long-lived logger (restarted when it dies) instead of starting one per line.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missing, which } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP, kernelRole, type Lab, makeLab, until } from '../test/ns-agent.js';

const why = missing('root', 'ip', 'nft', 'unshare', 'logger', 'python3', 'mkfifo');
let lab: Lab;
let sink: ChildProcess | undefined;
let sock = '';
let received = '';

beforeAll(async () => {
  if (why) return;
  lab = makeLab('syslog');
  sock = join(lab.dir, 'syslog.sock');
  received = join(lab.dir, 'syslog.txt');
  writeFileSync(received, '');
  // A syslog daemon stand-in: a unix datagram socket that appends each message to a file, one per line.
  sink = spawn(which('python3') ?? 'python3', [
    '-c',
    [
      'import socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.bind(sys.argv[1])',
      'f = open(sys.argv[2], "a", buffering=1)',
      'print("ready", flush=True)',
      'while True:',
      '    f.write(s.recv(65536).decode("utf-8", "replace").rstrip("\\n") + "\\n")',
    ].join('\n'),
    sock,
    received,
  ]);
  await new Promise<void>((resolve, reject) => {
    sink?.stdout?.once('data', () => resolve());
    sink?.once('error', reject);
  });
});
afterAll(() => {
  sink?.kill();
  lab?.cleanup();
});

// In a private mount namespace, /dev is a tmpfs holding the few devices node needs plus our /dev/log.
const WITH_DEV_LOG = [
  'set -e',
  // The real /dev stays reachable from a folder next to the socket, in the test's own scratch dir.
  'old="$(dirname "$1")/dev-old"; mkdir -p "$old"',
  'mount --bind /dev "$old"',
  'mount -t tmpfs -o mode=0755 hagate-test-dev /dev',
  'for d in null zero random urandom; do touch /dev/$d; mount --bind "$old/$d" /dev/$d; done',
  'touch /dev/log',
  'mount --bind "$1" /dev/log',
  'shift',
  'exec "$@"',
].join('\n');

/** The agent with the private /dev/log; `unshare` and `sh` exec in place: the child's pid is the agent's. */
function start(nsName: string, cfg: string, args: string[]) {
  const argv = [
    IP,
    'netns',
    'exec',
    nsName,
    'unshare',
    '-m',
    '--propagation',
    'private',
    'sh',
    '-c',
    WITH_DEV_LOG,
    'sh',
    sock,
    process.execPath,
    lab.bundle,
    '--config',
    cfg,
    ...args,
  ];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((r) =>
    child.once('close', (code) => r({ code, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

const lines = () => readFileSync(received, 'utf8').split('\n').filter(Boolean);

/** Live `logger` processes whose parent is `pid` (from /proc). */
function loggerChildren(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat = '';
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === 'logger' && ppid === pid) out.push(Number(d));
  }
  return out;
}

describe('syslog (root, private /dev/log)', () => {
  it("notify: the tag carries the agent's pid; a newline in an argument cannot forge a line", async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('notify');
    const cfg = lab.config('notify');
    const before = lines().length;
    const a = start(ns.name, cfg, ['INSTANCE', 'ROUTEUR_1', 'MASTER', '200']);
    const pid = a.child.pid as number;
    expect((await a.done).code).toBe(0);
    const b = start(ns.name, cfg, ['INSTANCE', 'OTHER\nhagate-agent[1]: forged', 'MASTER', '200']);
    expect((await b.done).code).toBe(0);
    await until(() => lines().length >= before + 2, 'two syslog lines');
    const got = lines().slice(before);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(
      new RegExp(`^<30>.* hagate-agent\\[${pid}\\]: \\(ROUTEUR_1\\) .*MASTER 200: master state applied`),
    );
    expect(got[1]).toContain(`hagate-agent[${b.child.pid}]: (OTHER\\nhagate-agent[1]: forged)`);
    expect(got.some((l) => l.startsWith('hagate-agent[1]'))).toBe(false);
    expect(kernelRole(ns)).toBe('master');
  }, 240_000);

  it('fifo: one long-lived logger for every line, started again when it dies', async (ctx) => {
    if (why) ctx.skip(why);
    const ns = lab.router('fifo');
    const cfg = lab.config('fifo');
    const fifo = join(lab.dir, 'syslog.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const before = lines().length;
    const a = start(ns.name, cfg, [fifo]);
    const pid = a.child.pid as number;
    await until(() => a.stderr().includes('waiting for events'), 'fifo reader up');
    for (let i = 0; i < 6; i++)
      writeFileSync(fifo, `INSTANCE "ROUTEUR_1" ${i % 2 === 0 ? 'MASTER' : 'BACKUP'} ${i}\n`);
    await until(
      () =>
        lines()
          .slice(before)
          .some((l) => l.includes('BACKUP 5:')),
      'six transitions logged',
    );
    const first = loggerChildren(pid);
    expect(first).toHaveLength(1);
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" MASTER 6\n');
    await until(() => lines().some((l) => l.includes('MASTER 6:')), 'seventh line');
    expect(loggerChildren(pid)).toEqual(first);
    // The logger dies: the next line starts a new one.
    process.kill(first[0] as number, 'SIGKILL');
    await until(() => !loggerChildren(pid).includes(first[0] as number), 'logger gone');
    writeFileSync(fifo, 'INSTANCE "ROUTEUR_1" BACKUP 7\n');
    await until(() => lines().some((l) => l.includes('BACKUP 7:')), 'a line after the restart');
    const second = loggerChildren(pid);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
    const got = lines().slice(before);
    // Every line carries the agent's pid and its own priority (daemon.info = 30).
    expect(got.every((l) => l.includes(`hagate-agent[${pid}]:`))).toBe(true);
    expect(got.filter((l) => /^<30>.*state applied/.test(l))).toHaveLength(8);
    expect(kernelRole(ns)).toBe('backup');
  }, 240_000);
});
