import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const f = files({ bad: 'a {\n' });
    const io = capture();
    expect(fmtMain([f.bad!, join(dir, 'nope')], io)).toBe(1);
    expect(io.stderr).toContain(`${f.bad}:2:1: error KA000 expected '}' to close 'a'`);
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
});
