/** How the fifo reader reads keepalived's lines (issue 16.5): torn lines, caps, classification. */
import type { AgentConfig } from '@hagate/spec/agent-config';
import { describe, expect, it } from 'vitest';
import { classify, eventOfLine, LineSplitter, RateLimit } from './fifo-lines.js';

const config = { instance: 'ROUTEUR_1' } as AgentConfig;

describe('eventOfLine', () => {
  it.each([
    // A writer killed mid-line, the rest glued to the next line: the next line's event is recovered.
    ['INSTANCE "ROUTEUR_1" MASTINSTANCE "ROUTEUR_1" BACKUP 50', 'BACKUP', '50', true],
    ['INSTANCE "ROUINSTANCE "ROUTEUR_1" MASTER 200', 'MASTER', '200', true],
    ['INSTANCE "ROUTEUR_1" BACKUP 5INSTANCE "ROUTEUR_1" MASTER 200', 'MASTER', '200', true],
    ['xx\u0000INSTANCE "ROUTEUR_1" FAULT 0', 'FAULT', '0', true],
    ['INSTANCE "ROUTEUR_1" MASTER 200', 'MASTER', '200', false],
    ['INSTANCE ROUTEUR_1 STOP', 'STOP', undefined, false],
  ])('%s -> %s', (line, state, priority, torn) => {
    const r = eventOfLine(line);
    expect(r?.event.state).toBe(state);
    expect(r?.event.name).toBe('ROUTEUR_1');
    expect(r?.event.priority).toBe(priority);
    expect(r?.torn).toBe(torn);
  });

  it('garbage is no event', () => {
    for (const line of ['garbage', 'INSTANCE', 'INSTANCE "ROUTEUR_1" MASTER 2x', 'VS 1.2.3.4 UP 1'])
      expect(eventOfLine(line)).toBeUndefined();
  });
});

describe('classify', () => {
  it.each([
    ['INSTANCE "ROUTEUR_1" MASTER 200', 'role'],
    ['INSTANCE "ROUTEUR_1" DELETED', 'role'],
    ['INSTANCE "ROUTEUR_1" MASTER_RX_LOWER_PRI 200', 'reannounce'],
    ['INSTANCE "OTHER" MASTER 200', 'other-instance'],
    ['INSTANCE "ROUTEUR_1" WEIRD 200', 'unknown-state'],
    ['GROUP "G1" MASTER', 'quiet'],
    ['hello world', 'malformed'],
  ])('%s: %s', (line, kind) => {
    expect(classify(config, line).kind).toBe(kind);
  });

  it("the other members of the agent's sync group are expected, not another instance", () => {
    const grouped = { ...config, syncGroup: { name: 'G1', instances: ['ROUTEUR_1', 'LAN2_V4'] } };
    expect(classify(grouped, 'INSTANCE "LAN2_V4" MASTER 200').kind).toBe('quiet');
    expect(classify(grouped, 'INSTANCE "OTHER" MASTER 200').kind).toBe('other-instance');
    expect(classify(grouped, 'INSTANCE "ROUTEUR_1" BACKUP 100').kind).toBe('role');
  });

  it('MASTER_RX_LOWER_PRI is not a role change', () => {
    expect(classify(config, 'INSTANCE "ROUTEUR_1" MASTER_RX_LOWER_PRI 200')).not.toHaveProperty('role');
  });
});

describe('LineSplitter', () => {
  it('splits lines across chunks', () => {
    const lines: string[] = [];
    const s = new LineSplitter(
      (l) => lines.push(l),
      () => lines.push('TOO LONG'),
    );
    s.push('INSTANCE "A" MAS');
    s.push('TER 1\nINSTANCE "A" BACKUP 2\nINST');
    s.push('ANCE "A" FAULT 0\n');
    expect(lines).toEqual(['INSTANCE "A" MASTER 1', 'INSTANCE "A" BACKUP 2', 'INSTANCE "A" FAULT 0']);
  });

  it('a 32 MB line with no newline is dropped as it streams, never held whole; the next line is read', () => {
    const lines: string[] = [];
    let tooLong = 0;
    const s = new LineSplitter(
      (l) => lines.push(l),
      () => tooLong++,
      4096,
    );
    const chunk = 'x'.repeat(65536);
    let maxHeld = 0;
    for (let i = 0; i < 512; i++) {
      s.push(chunk);
      maxHeld = Math.max(maxHeld, (s as unknown as { held: string }).held.length);
    }
    s.push('yyy\nINSTANCE "A" MASTER 1\n');
    expect(maxHeld).toBeLessThanOrEqual(4096);
    expect(tooLong).toBe(1);
    expect(lines).toEqual(['INSTANCE "A" MASTER 1']);
  });

  it('a complete line over the cap in one chunk is dropped too', () => {
    const lines: string[] = [];
    let tooLong = 0;
    const s = new LineSplitter(
      (l) => lines.push(l),
      () => tooLong++,
      10,
    );
    s.push('0123456789ABC\nok\n');
    expect(tooLong).toBe(1);
    expect(lines).toEqual(['ok']);
  });
});

describe('RateLimit', () => {
  it('lets a burst through per kind and window, then reports what it left out', () => {
    let t = 0;
    const r = new RateLimit(2, 1000, () => t);
    expect([r.allow('a'), r.allow('a'), r.allow('a'), r.allow('b')]).toEqual(['', '', undefined, '']);
    t = 1000;
    expect(r.allow('a')).toBe(' (1 similar lines not logged before)');
    expect(r.allow('a')).toBe('');
  });
});
