import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fmtMain, type Io, lintMain } from './cli.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function capture(): Io & { stdout: string; stderr: string } {
  const c = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (c.stdout += t),
    err: (t: string) => void (c.stderr += t),
  };
  return c;
}

const good =
  'vrrp_instance VI {\n  state BACKUP\n  interface eth1\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.9/24\n  }\n}\n';

function files(map: Record<string, string>): Record<string, string> {
  dir = mkdtempSync(join(tmpdir(), 'hgt-cli-'));
  return Object.fromEntries(
    Object.entries(map).map(([k, v]) => {
      writeFileSync(join(dir, k), v);
      return [k, join(dir, k)];
    }),
  );
}

describe('keepalived-fmt', () => {
  it('prints the canonical form and a summary on stderr', () => {
    const f = files({ a: 'a { b }\n' });
    const io = capture();
    expect(fmtMain([f.a!], io)).toBe(0);
    expect(io.stdout).toBe('a {\n  b\n}\n');
    expect(io.stderr).toBe('1 passed, 0 failed\n');
  });

  it('--check lists files that are not canonical and fails', () => {
    const f = files({ ok: good, bad: 'a { b }\n' });
    const io = capture();
    expect(fmtMain(['--check', f.ok!, f.bad!], io)).toBe(1);
    expect(io.stdout).toBe(`${f.bad}: not canonical\n1 passed, 1 failed\n`);
  });

  it('--write rewrites in place', () => {
    const f = files({ bad: 'a { b }\n' });
    expect(fmtMain(['--write', f.bad!], capture())).toBe(0);
    expect(readFileSync(f.bad!, 'utf8')).toBe('a {\n  b\n}\n');
  });

  it('reports syntax errors as file:line:col and unreadable files without a stack trace', () => {
    const f = files({ bad: 'a\n}\n' });
    const io = capture();
    expect(fmtMain([f.bad!, join(dir, 'nope')], io)).toBe(1);
    expect(io.stderr).toContain(`${f.bad}:2:1: error KA000 unexpected '}': no block is open here`);
    expect(io.stderr).toContain('nope: cannot read: ENOENT');
    expect(io.stderr.trimEnd().split('\n').pop()).toBe('0 passed, 2 failed');
  });
});

describe('keepalived-lint', () => {
  it('passes a clean file and fails one with findings, one line per finding', () => {
    const f = files({ ok: good, bad: good.replace('priority 100', 'priority 0') });
    const io = capture();
    expect(lintMain(['--config-id', 'x', f.ok!, f.bad!], io)).toBe(1);
    expect(io.stdout).toBe(
      `${f.bad}:5:3: error KA005 (VI) priority '0' is not an integer in 1-255; keepalived uses 100 (fix: use 1-254 (255 only for the address owner))\n1 passed, 1 failed\n`,
    );
  });

  it('--pair runs the cross-node rules', () => {
    const f = files({ a: good.replace('BACKUP', 'MASTER'), b: good });
    const io = capture();
    expect(lintMain(['--pair', f.a!, f.b!], io)).toBe(1);
    expect(io.stdout).toContain('warning KA108 (VI) both nodes have priority 100');
    expect(io.stdout.trimEnd().split('\n').pop()).toBe('1 passed, 1 failed');
  });

  it('--json prints machine-readable findings', () => {
    const f = files({ bad: good.replace('priority 100', 'priority 0') });
    const io = capture();
    lintMain(['--json', f.bad!], io);
    const j = JSON.parse(io.stdout) as {
      passed: number;
      failed: number;
      files: Array<{ diagnostics: Array<{ code: string }> }>;
    };
    expect([j.passed, j.failed, j.files[0]?.diagnostics[0]?.code]).toEqual([0, 1, 'KA005']);
    expect(io.stderr).toBe('0 passed, 1 failed\n');
  });

  it('rejects bad usage with exit code 2', () => {
    const io = capture();
    expect(lintMain(['--pair', 'a'], io)).toBe(2);
    expect(io.stderr).toContain('--pair needs two files');
  });

  it('--disable CODE,... skips rules; an unknown code is bad usage', () => {
    const f = files({
      bad: good.replace('priority 100', 'priority 0\n  prority 1'),
      main: `${good}include missing/*.conf # keepalived-lint disable=KA040\n`,
    });
    const all = capture();
    expect(lintMain(['--config-id', 'x', f.bad!], all)).toBe(1);
    expect(all.stdout).toContain('KA005');
    const some = capture();
    expect(lintMain(['--config-id', 'x', '--disable', 'KA005', f.bad!], some)).toBe(1);
    expect(some.stdout).not.toContain('KA005');
    expect(some.stdout).toContain('KA001');
    const none = capture();
    expect(lintMain(['--config-id', 'x', '--disable', 'ka005,KA001', f.bad!], none)).toBe(0);
    expect(none.stdout).toBe('1 passed, 0 failed\n');
    expect(lintMain(['--config-id', 'x', f.main!], capture())).toBe(0);
    const bad = capture();
    expect(lintMain(['--disable', 'KA5', f.bad!], bad)).toBe(2);
    expect(bad.stderr).toContain("--disable expects rule codes (e.g. KA012,KA030), found 'KA5'");
  });

  it('reads its arguments with parseArgs: unknown options, missing values, --pair=A B', () => {
    const unknown = capture();
    expect(lintMain(['--nope', 'x.conf'], unknown)).toBe(2);
    expect(unknown.stderr).toContain('keepalived-lint: unknown option --nope');
    const missing = capture();
    expect(lintMain(['x.conf', '--config-id'], missing)).toBe(2);
    expect(missing.stderr).toContain('keepalived-lint: --config-id needs a value');
    const f = files({ a: good.replace('BACKUP', 'MASTER'), b: good });
    const io = capture();
    expect(lintMain([`--pair=${f.a!}`, f.b!], io)).toBe(1);
    expect(io.stdout).toContain('warning KA108 (VI) both nodes have priority 100');
    const fmt = capture();
    expect(fmtMain(['--chek', f.a!], fmt)).toBe(2);
    expect(fmt.stderr).toContain('keepalived-fmt: unknown option --chek');
  });
});

describe('keepalived-lint --interfaces (KA035: virtual address inside the interface subnet)', () => {
  /** Router A (10.10.1.1) and B (10.10.1.2) of one pair, VIP 10.10.1.254/24 on eth1. */
  const router = (me: number, peer: number, state: string, priority: number) =>
    `vrrp_instance VI {\n  state ${state}\n  interface eth1\n  virtual_router_id 1\n  priority ${priority}\n  advert_int 1\n  unicast_src_ip 10.10.1.${me}\n  unicast_peer {\n    10.10.1.${peer}\n  }\n  virtual_ipaddress {\n    10.10.1.254/24\n  }\n}\n`;
  const ifaces = (addr: string) =>
    `auto lo\niface lo inet loopback\n\nauto eth1\niface eth1 inet static\n\taddress ${addr}\n`;
  const KA035 = (file: string, subnets: string) =>
    `${file}:12:5: warning KA035 (VI) 10.10.1.254/24 is outside the subnets of eth1 (${subnets}) (fix: use an address of the interface subnet, or fix the interface)`;

  it('--interfaces FILE reads the static addresses of an ifupdown file', () => {
    const f = files({
      a: router(1, 2, 'MASTER', 200),
      good: ifaces('10.10.1.1/24'),
      wrong: ifaces('10.20.1.1\n\tnetmask 255.255.255.0'),
    });
    const ok = capture();
    expect(lintMain(['--config-id', 'x', '--interfaces', f.good!, f.a!], ok)).toBe(0);
    expect(ok.stdout).toBe('1 passed, 0 failed\n');
    const bad = capture();
    expect(lintMain(['--config-id', 'x', '--interfaces', f.wrong!, f.a!], bad)).toBe(1);
    expect(bad.stdout).toBe(`${KA035(f.a!, '10.20.1.1/24')}\n0 passed, 1 failed\n`);
  });

  it('--interface NAME=ADDR/LEN gives addresses on the command line, repeatable', () => {
    const f = files({ a: router(1, 2, 'MASTER', 200) });
    const io = capture();
    expect(lintMain(['--interface', 'eth1=10.20.1.1/24', '--interface', 'eth1=10.30.1.1/16', f.a!], io)).toBe(
      1,
    );
    expect(io.stdout).toContain(KA035(f.a!, '10.20.1.1/24, 10.30.1.1/16'));
    expect(
      lintMain(['--interface', 'eth1=10.20.1.1/24', '--interface', 'eth1=10.10.1.1/24', f.a!], capture()),
    ).toBe(0);
  });

  it('with --pair, --interfaces-a / -b give each router its own file, and replace --interfaces per interface', () => {
    const f = files({
      a: router(1, 2, 'MASTER', 200),
      b: router(2, 1, 'BACKUP', 100),
      ia: ifaces('10.10.1.1/24'),
      ib: ifaces('10.10.2.2/24'),
      shared: ifaces('10.99.0.1/24'),
    });
    const io = capture();
    expect(lintMain(['--pair', f.a!, f.b!, '--interfaces-a', f.ia!, '--interfaces-b', f.ib!], io)).toBe(1);
    expect(io.stdout).toBe(`${KA035(f.b!, '10.10.2.2/24')}\n1 passed, 1 failed\n`);
    const mixed = capture();
    const argv = ['--pair', f.a!, f.b!, '--interfaces', f.shared!, '--interface-b', 'eth1=10.10.1.2/24'];
    expect(lintMain(argv, mixed)).toBe(1);
    expect(mixed.stdout).toBe(`${KA035(f.a!, '10.99.0.1/24')}\n1 passed, 1 failed\n`);
  });

  it('interfaces the file does not know are not checked (dhcp, or absent)', () => {
    const f = files({
      a: router(1, 2, 'MASTER', 200),
      i: 'iface eth1 inet dhcp\niface eth0 inet static\n address 10.0.0.1/24\n',
    });
    expect(lintMain(['--interfaces', f.i!, f.a!], capture())).toBe(0);
  });

  it.each([
    [['--interface', 'eth1'], '--interface expects NAME=ADDR/LEN (e.g. eth1=10.10.1.1/24), found eth1'],
    [
      ['--interface-a', 'eth1=10.0.0.1/24', 'x.conf'],
      '--interfaces-a / -b and --interface-a / -b need --pair A B',
    ],
    [
      ['--interfaces', '/nonexistent/interfaces', 'x.conf'],
      '--interfaces /nonexistent/interfaces: cannot read: ENOENT',
    ],
    [['--interfaces'], '--interfaces needs a file'],
  ])('bad usage %j exits 2', (argv, message) => {
    const io = capture();
    expect(lintMain(argv, io)).toBe(2);
    expect(io.stderr).toContain(`keepalived-lint: ${message}`);
  });

  it('a bad address in the interfaces file is reported with file:line:col', () => {
    const f = files({ a: router(1, 2, 'MASTER', 200), i: ifaces('10.10.1.1/99') });
    const io = capture();
    expect(lintMain(['--interfaces', f.i!, f.a!], io)).toBe(2);
    expect(io.stderr).toContain(`--interfaces: ${f.i}:6:10: expected a prefix length 0-32`);
  });

  it('the shipped bin (dist/bin/lint.js) does the same', () => {
    const bin = fileURLToPath(new URL('../dist/bin/lint.js', import.meta.url));
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first (pnpm test does)`);
    const f = files({
      a: router(1, 2, 'MASTER', 200),
      b: router(2, 1, 'BACKUP', 100),
      i: ifaces('10.20.1.1/24'),
    });
    const r = spawnSync(process.execPath, [bin, '--pair', f.a!, f.b!, '--interfaces-b', f.i!], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe(`${KA035(f.b!, '10.20.1.1/24')}\n1 passed, 1 failed\n`);
    expect(r.status).toBe(1);
  });
});
