import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, withNetns } from '@hagate/testkit';
import { describe, expect, it } from 'vitest';
import { buildConfig, buildVrrpInstance, quote } from './build.js';
import { lint } from './lint.js';
import { parse, unquote } from './parse.js';
import { print } from './print.js';

describe('builder', () => {
  it.each([
    ['plain', 'plain'],
    ['/bin/x arg', '"/bin/x arg"'],
    ['a"b', '"a\\"b"'],
    ['#x', '"#x"'],
    ['', '""'],
  ])('quote(%j) = %s, read back by the parser as the same string', (input, expected) => {
    expect(quote(input)).toBe(expected);
    expect(unquote(quote(input))).toBe(input);
  });

  it('refuses nopreempt with state MASTER', () => {
    expect(() =>
      buildVrrpInstance({
        name: 'V',
        state: 'MASTER',
        interface: 'e',
        virtualRouterId: 1,
        priority: 1,
        advertInt: 1,
        preempt: false,
        virtualIpaddress: [],
      }),
    ).toThrow('nopreempt requires state BACKUP');
  });

  it('builds every block hagate uses, lint-clean and canonical', async (ctx) => {
    const text = print(
      buildConfig({
        header: ['example'],
        globalDefs: {
          routerId: 'r1',
          enableScriptSecurity: true,
          scriptUser: 'root',
          vrrpVersion: 3,
          vrrpNotifyFifo: '/run/x.fifo',
          vrrpNotifyFifoScript: '/usr/sbin/agent fifo',
          shutdownScript: '/usr/sbin/agent shutdown',
        },
        scripts: [
          {
            name: 'chk',
            script: '/usr/sbin/chk',
            interval: 2,
            timeout: 1,
            weight: -20,
            rise: 2,
            fall: 2,
            user: 'root',
          },
        ],
        trackFiles: [{ name: 'tf', file: '/run/hgt-build.tf', weight: 1, init: { value: 0 } }],
        syncGroups: [
          {
            name: 'G',
            group: ['A', 'B'],
            trackFile: [{ name: 'tf', weight: -50 }],
            notify: '/usr/sbin/agent',
          },
        ],
        instances: ['A', 'B'].map((name, i) => ({
          name,
          state: 'BACKUP' as const,
          interface: `eth${i}`,
          virtualRouterId: 10 + i,
          priority: 150,
          advertInt: 0.5,
          version: 3 as const,
          preempt: false,
          garpMasterDelay: 1,
          unicastSrcIp: `10.${i}.0.1`,
          unicastPeers: [`10.${i}.0.2`],
          virtualIpaddress: [
            { address: `10.${i}.0.254/24`, dev: `eth${i}`, label: `eth${i}:vip`, scope: 'global' },
          ],
          virtualRoutes: [{ to: 'default', via: `10.${i}.0.9`, dev: `eth${i}`, table: 10, metric: 5 }],
          trackInterface: [{ name: `eth${1 - i}` }],
          notifyMaster: '/usr/sbin/agent master',
        })),
      }),
    );
    await expect(text).toMatchFileSnapshot('__snapshots__/builder.full.conf');
    expect(print(parse(text))).toBe(text);
    expect(lint(parse(text))).toEqual([]);
    needs(ctx, 'root', 'keepalived', 'ip');
    await withNetns('build', (ns) => {
      ns.addVeth('eth0', 'eth1');
      const dir = mkdtempSync(join(tmpdir(), 'hgt-build-'));
      try {
        writeFileSync(join(dir, 'k.conf'), text);
        const r = ns.exec(['keepalived', '-t', '-l', '-D', '-n', '-f', join(dir, 'k.conf')]);
        // The only remark is about this host: /usr/sbin/chk does not exist here.
        expect(`${r.stdout}${r.stderr}`.trim()).toBe('Disabling track script chk since not found/accessible');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
