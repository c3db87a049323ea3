import { describe, expect, it } from 'vitest';
import {
  analyzeRule,
  checkRules,
  type Diagnostic,
  formatDiagnostic,
  type Position,
  parse,
  parseRules,
  tryParse,
} from './index.js';

function strict(text: string, family = 'inet') {
  const [st] = parseRules(text, { file: 'r.nft' });
  if (!st) throw new Error(`no rule in ${text}`);
  return analyzeRule(st, { file: 'r.nft', strict: true, family }).diagnostics;
}

describe('diagnostics: one shape (code, severity, message, pos, expected, found, hint)', () => {
  it('a value problem is NFT001, located with file, line, col and offset', () => {
    const [d] = strict('tcp dport 70000 accept');
    expect(d).toMatchObject({
      code: 'NFT001',
      severity: 'error',
      message: "expected a port number 0-65535, found '70000'",
      pos: { file: 'r.nft', line: 1, col: 11, offset: 10 },
      expected: 'a port number 0-65535',
      found: "'70000'",
    });
    expect(d?.hint).toBeUndefined();
    expect(formatDiagnostic(d as Diagnostic)).toBe(
      "r.nft:1:11: expected a port number 0-65535, found '70000'",
    );
  });

  it('a grammar problem is NFT002, with the did-you-mean as hint (and in found, as in the message)', () => {
    const [d] = strict('tcp dport 22 acept');
    expect(d).toMatchObject({
      code: 'NFT002',
      pos: { line: 1, col: 14 },
      expected: 'a match or a statement',
      found: "'acept'; did you mean 'accept'?",
      hint: "did you mean 'accept'?",
      message: "expected a match or a statement, found 'acept'; did you mean 'accept'?",
    });
  });

  it("a whole-rule check is NFT003, a command's NFT004", () => {
    expect(strict('tcp dport 22 accept accept').map((d) => d.code)).toEqual(['NFT003']);
    const text = 'table inet t {\n}\nadd tabel inet t\n';
    const [d] = checkRules(parse(text, { file: 'c.nft' }), { file: 'c.nft', strict: true });
    expect(d).toMatchObject({
      code: 'NFT004',
      pos: { file: 'c.nft', line: 3, col: 5 },
      hint: "did you mean 'table'?",
    });
  });

  it('keeps the flat file, line and col of 0.1 on every diagnostic (deprecated)', () => {
    const [d] = strict('tcp dport 70000');
    expect(d && [d.file, d.line, d.col]).toEqual(['r.nft', 1, 11]);
  });

  it('a strict parse error carries the position too, and the located message', () => {
    const r = tryParse('table inet t {\n\tchain c {\n\t\ttcp dport 22 acept\n\t}\n}\n', {
      file: 'f.nft',
      strict: true,
    });
    if (r.ok) throw new Error('parsed');
    const pos: Position = r.error.pos;
    expect(pos).toMatchObject({ file: 'f.nft', line: 3, col: 16 });
    expect(r.error.message).toBe(
      "f.nft:3:16: expected a match or a statement, found 'acept'; did you mean 'accept'?",
    );
  });
});
