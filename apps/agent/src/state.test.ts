/** Event order across a pid wrap and reboots, and a state file that holds garbage (issue 16.3, 16.4). */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareSeq, currentBoot, processSeq, validSeq } from './seq.js';
import { readState, writeState } from './state.js';

const dir = mkdtempSync(join(tmpdir(), 'hagate-agent-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stateWith(name: string, content: unknown): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  writeState(d, { version: 1, transitions: [] });
  writeFileSync(join(d, 'state.json'), typeof content === 'string' ? content : JSON.stringify(content));
  return d;
}

const boot = currentBoot();
const transition = {
  at: '2026-01-01T00:00:00.000Z',
  event: 'INSTANCE ROUTEUR_1 MASTER 200',
  role: 'master',
  seq: { t: 10, pid: 100, boot },
  result: 'applied',
  changes: 7,
  steps: { total: 9.4 },
};

describe('event order', () => {
  it('in the same clock tick, a pid handed out after the wrap is newer', () => {
    const older = { t: 500, pid: 4_194_303 };
    const newer = { t: 500, pid: 300 };
    expect(compareSeq(newer, older, 4_194_304)).toBeGreaterThan(0);
    expect(compareSeq(older, newer, 4_194_304)).toBeLessThan(0);
    // With a small pid_max (32768), the same rule.
    expect(compareSeq({ t: 1, pid: 12 }, { t: 1, pid: 32_700 }, 32_768)).toBeGreaterThan(0);
  });

  it('without a wrap, the bigger pid is newer, and a later tick always wins', () => {
    expect(compareSeq({ t: 500, pid: 1001 }, { t: 500, pid: 1000 }, 4_194_304)).toBeGreaterThan(0);
    expect(compareSeq({ t: 501, pid: 5 }, { t: 500, pid: 4_000_000 }, 4_194_304)).toBeGreaterThan(0);
    expect(compareSeq({ t: 7, pid: 9 }, { t: 7, pid: 9 }, 4_194_304)).toBe(0);
  });

  it("a process's seq carries this boot's id", () => {
    const s = processSeq();
    expect(validSeq(s)).toEqual(s);
    expect(s.pid).toBe(process.pid);
    expect(s.boot).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('reading a state file that holds garbage', () => {
  it('null, partial or mistyped transitions are dropped, valid ones kept', () => {
    const d = stateWith('transitions', {
      version: 1,
      role: 'master',
      transitions: [null, 'x', { ...transition, seq: { t: '1', pid: 2 } }, { at: 1 }, transition],
    });
    const s = readState(d);
    expect(s.role).toBe('master');
    expect(s.transitions).toEqual([transition]);
  });

  it('a malformed lastSeq is absent (so the next event sets a valid one and stale-dropping goes on)', () => {
    for (const lastSeq of [{ t: 'x', pid: 1 }, { t: 1 }, 'abc', [1, 2], { t: 1.5, pid: 3 }, null]) {
      const d = stateWith('malformed', { version: 1, lastSeq, transitions: [] });
      expect(readState(d).lastSeq).toBeUndefined();
    }
  });

  it("another boot's lastSeq and pendingSeq are ignored; this boot's are kept", () => {
    const other = { t: 9_999_999, pid: 1, boot: '00000000-0000-0000-0000-000000000000' };
    const mine = { t: 9_999_999, pid: 1, boot };
    const d = stateWith('boot', { version: 1, lastSeq: other, pendingSeq: other, transitions: [] });
    expect(readState(d).lastSeq).toBeUndefined();
    expect(readState(d).pendingSeq).toBeUndefined();
    const e = stateWith('boot2', { version: 1, lastSeq: mine, pendingSeq: mine, transitions: [] });
    expect(readState(e).lastSeq).toEqual(mine);
    expect(readState(e).pendingSeq).toEqual(mine);
  });

  it('not JSON, not an object, another version: an empty state', () => {
    for (const content of ['{', '[]', '42', JSON.stringify({ version: 2, transitions: [transition] })]) {
      const d = stateWith('junk', content);
      expect(readState(d)).toEqual({ version: 1, transitions: [] });
    }
  });

  it('writes leave no temporary file behind', () => {
    const d = join(dir, 'clean');
    writeState(d, { version: 1, transitions: [] });
    writeState(d, { version: 1, role: 'backup', transitions: [] });
    expect(readdirSync(d)).toEqual(['state.json']);
  });
});
