import { describe, expect, it } from 'vitest';
import { parse } from '../parse.js';
import { lint, lintPair } from './index.js';

const inst = (extra: string, priority = '0') =>
  `vrrp_instance VI {\n  state BACKUP\n  interface eth1\n  virtual_router_id 7\n  priority ${priority}\n  virtual_ipaddress {\n    10.0.0.9/24\n  }\n${extra}}\n`;
const codes = (text: string, disable?: string[]) =>
  lint(parse(text, { file: 'k.conf' }), { configId: 'x', ...(disable ? { disable } : {}) }).map(
    (d) => `${d.code}@${d.pos.line}`,
  );

describe('disabling rules', () => {
  it('options.disable does not run the named rules (any case)', () => {
    const text = inst('  prority 5\n');
    expect(codes(text)).toEqual(['KA005@5', 'KA001@9']);
    expect(codes(text, ['KA005'])).toEqual(['KA001@9']);
    expect(codes(text, ['ka001', 'KA005'])).toEqual([]);
  });

  it('a trailing `# keepalived-lint disable=...` silences its own line only', () => {
    const text = inst('  prority 5 # keepalived-lint disable=KA001\n').replace(
      'priority 0',
      'priority 0 ! keepalived-lint disable=KA012,KA005',
    );
    expect(codes(text)).toEqual([]);
    expect(codes(inst('  prority 5 # keepalived-lint disable=KA005\n'))).toEqual(['KA005@5', 'KA001@9']);
  });

  it('a comment on a line of its own silences the next line (not the one after)', () => {
    const text = inst('  # keepalived-lint disable=KA001\n  prority 5\n  prority 6\n');
    expect(codes(text)).toEqual(['KA005@5', 'KA001@11']);
  });

  it('applies to the cross-node rules too', () => {
    const a = parse(inst('', '100'), { file: 'a.conf' });
    const b = parse(inst('', '100 # keepalived-lint disable=KA108'), { file: 'b.conf' });
    expect(lintPair(a, parse(inst('', '100'), { file: 'b.conf' })).map((d) => d.code)).toContain('KA108');
    expect(lintPair(a, b).map((d) => d.code)).not.toContain('KA108');
    expect(lintPair(a, parse(inst('', '100'), { file: 'b.conf' }), { disable: ['KA108', 'KA109'] })).toEqual(
      [],
    );
  });
});
