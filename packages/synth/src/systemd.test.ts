import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missing, run } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { KEEPALIVED_DROPIN, synthSystemd } from './systemd.js';

describe('synthSystemd', () => {
  it('orders keepalived after the firewall on each router', () => {
    const files = synthSystemd(input());
    expect(files.map((f) => f.path)).toEqual([
      `extrout1${KEEPALIVED_DROPIN}`,
      `extrout2${KEEPALIVED_DROPIN}`,
    ]);
    expect(files[0]?.contents).toMatch(/^\[Unit\]\nWants=nftables\.service\nAfter=nftables\.service\n$/m);
  });

  it('is a drop-in systemd reads (systemd-analyze cat-config parses it)', (ctx) => {
    const why = missing('systemd-analyze');
    if (why) ctx.skip(why);
    const root = mkdtempSync(join(tmpdir(), 'hgt-systemd-'));
    try {
      const f = synthSystemd(input())[0]!;
      const path = join(root, KEEPALIVED_DROPIN);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, f.contents);
      const r = run([
        'systemd-analyze',
        '--root',
        root,
        'cat-config',
        'systemd/system/keepalived.service.d/hagate.conf',
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('After=nftables.service');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
