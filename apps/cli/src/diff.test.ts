import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y')).toBe('');
  });

  it('shows a change with its context, as diff -u does', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n');
    const b = a.replace('5', 'five');
    expect(unifiedDiff(`${a}\n`, `${b}\n`, 'a/f', 'b/f')).toBe(
      ['--- a/f', '+++ b/f', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join(
        '\n',
      ),
    );
  });

  it('diffs against a missing file as all additions', () => {
    expect(unifiedDiff('', 'x\ny\n', '/dev/null', 'b/f')).toBe(
      ['--- /dev/null', '+++ b/f', '@@ -0,0 +1,2 @@', '+x', '+y', ''].join('\n'),
    );
  });

  it('keeps far-apart changes in separate hunks', () => {
    const a = Array.from({ length: 30 }, (_, i) => String(i)).join('\n');
    const b = a.replace(/^2$/m, 'two').replace(/^27$/m, 'twenty-seven');
    const d = unifiedDiff(a, b, 'a', 'b');
    expect(d.match(/^@@/gm)).toHaveLength(2);
  });
});
