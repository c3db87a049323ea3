import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from '../parse.js';
import { LINT_RULES, lint, RULES } from './index.js';
import type { FileInfo, FileReader } from './reader.js';

describe('rule modules', () => {
  it('each rule declares a unique code, a severity, a title and a scope; RULES is derived from them', () => {
    const codes = LINT_RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(codes);
    for (const r of LINT_RULES) {
      expect(r.code).toMatch(/^KA\d{3}$/);
      expect(['error', 'warning', 'info']).toContain(r.severity);
      expect(r.title.length).toBeGreaterThan(5);
      if (r.scope === 'source') expect(['tryParse', 'loadConfig']).toContain(r.reportedBy);
      else expect(typeof r.check).toBe('function');
    }
    expect(Object.keys(RULES)).toEqual(codes);
    expect(RULES.KA005).toBe('priority outside 1-255');
  });

  it('every finding carries the code and severity its rule declares', () => {
    const text =
      'vrrp_instance VI {\n  state PRIMARY\n  interface eth1\n  priority 0\n  virtual_ipaddress {\n    10.0.0.300/24\n  }\n}\n';
    const found = lint(parse(text), { configId: 'x' });
    expect(found.length).toBeGreaterThan(2);
    for (const d of found) expect(LINT_RULES.find((r) => r.code === d.code)?.severity).toBe(d.severity);
  });

  it('KA034 and KA041 read files through the injected reader', () => {
    const files: Record<string, FileInfo & { head?: string }> = {
      '/': { isFile: false, isDirectory: true, uid: 0, mode: 0o755 },
      '/opt': { isFile: false, isDirectory: true, uid: 1000, mode: 0o755 },
      '/opt/notify.sh': { isFile: true, isDirectory: false, uid: 0, mode: 0o755, head: '#!/b' },
      '/usr': { isFile: false, isDirectory: true, uid: 0, mode: 0o755 },
      '/usr/bin': { isFile: false, isDirectory: true, uid: 0, mode: 0o755 },
      '/usr/bin/ok': { isFile: true, isDirectory: false, uid: 0, mode: 0o755, head: '\x7fELF' },
    };
    const seen: string[] = [];
    const reader: FileReader = {
      stat: (p) => {
        seen.push(p);
        return files[p];
      },
      lstat: (p) => files[p],
      head: (p, n) => Uint8Array.from((files[p]?.head ?? '').slice(0, n), (c) => c.charCodeAt(0)),
      executable: (p) => files[p] !== undefined,
    };
    const text = `global_defs {\n  enable_script_security\n  script_user root\n  vrrp_notify_fifo /run/nodir/k.fifo\n}\nvrrp_instance VI {\n  state BACKUP\n  interface eth1\n  virtual_router_id 7\n  priority 100\n  virtual_ipaddress {\n    10.0.0.9/24\n  }\n  notify /opt/notify.sh\n  notify_master /usr/bin/ok\n}\n`;
    const found = lint(parse(text), { checkScripts: true, reader });
    expect(found.map((d) => [d.code, d.pos.line, d.message])).toEqual([
      [
        'KA041',
        4,
        'vrrp_notify_fifo /run/nodir/k.fifo: directory /run/nodir does not exist; keepalived cannot create the FIFO',
      ],
      ['KA034', 14, 'notify /opt/notify.sh: directory /opt is writable by a non-root user'],
    ]);
    expect(seen).toContain('/usr/bin/ok');
    expect(lint(parse(text), { reader })).toEqual([]);
  });
});

describe('README', () => {
  it('lists every rule with its code, severity and title', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| (KA\d{3}) \| (\w+) +\| (.+?) +\|$/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    expect(rows).toEqual(LINT_RULES.map((r) => [r.code, r.severity, r.title]));
  });
});
