import { describe, expect, it } from 'vitest';
import { shortDiff } from './check.js';

describe('shortDiff', () => {
  it('shows a changed line as removed (its line in a) and added (its line in b)', () => {
    expect(shortDiff('a\nb\nc\n', 'a\nB\nc\n')).toBe('2- "b"\n2+ "B"');
  });

  it('shows an inserted line alone: the lines after it are not reported as changed', () => {
    expect(shortDiff('a\nc\nd\n', 'a\nb\nc\nd\n')).toBe('2+ "b"');
    expect(shortDiff('a\nb\nc\nd\n', 'a\nc\nd\n')).toBe('2- "b"');
  });

  it('stops after max lines, and is empty for equal texts', () => {
    expect(shortDiff('1\n2\n3\n4\n', 'x\ny\nz\nw\n', 3).split('\n')).toHaveLength(3);
    expect(shortDiff('same\n', 'same\n')).toBe('');
  });
});
