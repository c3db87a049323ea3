/**
 * The long-lived `ip -batch` session against a real kernel (root, a scratch network namespace: the session's
 * `ip` is a wrapper that runs in it): a fence reports the lines before it as done before the request ends,
 * and neither the state read nor a failed line's message is shifted by it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, missing, type Netns } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP } from '../test/ns-agent.js';
import { IpSession } from './ip-session.js';

const why = missing('root', 'ip');
let ns: Netns | undefined;
let dir: string | undefined;
const savedPath = process.env.PATH;

beforeAll(() => {
  if (why) return;
  ns = createNetns('ipsess');
  expect(ns.exec([IP, 'link', 'add', 'eth2', 'type', 'veth', 'peer', 'name', 'eth2p']).status).toBe(0);
  expect(ns.exec([IP, 'link', 'set', 'eth2', 'up']).status).toBe(0);
  expect(ns.exec([IP, 'address', 'add', '203.0.113.10/32', 'dev', 'eth2']).status).toBe(0);
  dir = mkdtempSync(join(tmpdir(), 'hagate-ipsess-'));
  writeFileSync(join(dir, 'ip'), `#!/bin/sh\nexec ${IP} -n ${ns.name} "$@"\n`);
  chmodSync(join(dir, 'ip'), 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  ns?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const linkUp = (n: Netns) =>
  (
    JSON.parse(n.exec([IP, '-json', 'link', 'show', 'dev', 'eth2']).stdout) as { flags: string[] }[]
  )[0]?.flags.includes('UP');

describe('IpSession (root, a network namespace)', () => {
  it('a fence runs its callback once the lines before it have run, before the rest and the read', async (ctx) => {
    if (why || !ns) return ctx.skip(why);
    const n = ns;
    const ip = new IpSession(5000);
    try {
      const seen: { up: boolean | undefined; settled: boolean }[] = [];
      let settled = false;
      const r = ip.run(
        [
          'link set dev eth2 down',
          'address flush dev eth2',
          // Fails (no such route): its message must still name this line, not the fence's.
          'route del 192.0.2.99/32 dev eth2',
        ],
        { after: 0, onFence: () => seen.push({ up: linkUp(n), settled }) },
      );
      const out = await r.then((x) => {
        settled = true;
        return x;
      });
      expect(seen).toEqual([{ up: false, settled: false }]);
      expect(out.state.links.get('eth2')?.up).toBe(false);
      expect(out.state.links.get('eth2')?.addresses).toEqual([]);
      // ip's message can come after the answer: the session keeps it for lateErrors().
      const errors = out.errors.length > 0 ? out.errors : await ip.lateErrors(200);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^route del 192\.0\.2\.99\/32 dev eth2: /);
      // Without a fence (or one past the last line) the request is as before.
      let called = false;
      const plain = await ip.run(['link set dev eth2 up'], { after: 5, onFence: () => (called = true) });
      expect(called).toBe(false);
      expect(plain.state.links.get('eth2')?.up).toBe(true);
      expect(plain.errors).toEqual([]);
    } finally {
      ip.close();
    }
  });
});
