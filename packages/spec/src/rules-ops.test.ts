import { describe, expect, it } from 'vitest';
import { edit, errorsOf as errorsOfSpec, exampleText } from '../test/spec-fixtures.js';
import { formatSpecError, loadSpec } from './load.js';
import { failoverWeight } from './rules-ops.js';

const FILE = 'examples/dedibox/hagate.yaml';
const dedibox = exampleText('dedibox');

const GATEWAY = /\n {2}gateway: [^\n]*/;
const withHealth = (health: string) => dedibox.replace(GATEWAY, (g) => `${g}\n  health: ${health}`);
const withVrrp = (text: string, line: string) =>
  edit(text, '\n  preempt: true', `\n  preempt: true\n  ${line}`);

const errorsOf = (text: string) => errorsOfSpec(text, FILE);

describe('external.health, vrrp.trackSegments, vrrp.preemptDelay', () => {
  it('are absent from the dedibox example, which loads unchanged', () => {
    const r = loadSpec(dedibox, FILE);
    if (!r.ok) throw new Error('dedibox refused');
    expect(r.spec.external.health).toBeUndefined();
    expect(r.spec.vrrp.trackSegments).toBeUndefined();
    expect(r.spec.vrrp.preemptDelay).toBeUndefined();
    // Without a health weight, a failure costs the priority gap + 1 (200 - 50 + 1).
    expect(failoverWeight(r.spec)).toBe(151);
  });

  it('fill the health defaults and take a weight above the priority gap', () => {
    const r = loadSpec(withVrrp(withHealth('{ weight: 160 }'), 'preemptDelay: 30'), FILE);
    if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
    expect(r.spec.external.health).toEqual({
      interval: 2,
      timeout: 1,
      fall: 3,
      rise: 3,
      weight: 160,
      hold: 300,
    });
    expect(r.spec.vrrp.preemptDelay).toBe(30);
    expect(failoverWeight(r.spec)).toBe(160);
  });

  it('refuse a weight that does not cover the priority gap, located', () => {
    const text = withHealth('{ weight: 150 }');
    const line = text.split('\n').findIndex((l) => l.includes('health: { weight: 150 }')) + 1;
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${FILE}:${line}:\\d+: external\\.health\\.weight: expected a weight above the routers' priority gap 150 \\(so a failing master falls below a healthy peer\\), found 150`,
        ),
      ),
    ]);
  });

  it('refuse a health check, tracked segments or a preempt delay without preemption', () => {
    let text = edit(withHealth('{}'), 'preempt: true', 'preempt: false');
    text = edit(
      text,
      '\n  preempt: false',
      '\n  preempt: false\n  preemptDelay: 10\n  trackSegments: [admin]',
    );
    const errors = errorsOf(text);
    const byPath = new Map(errors.map((e) => [e.replace(/^[^:]+:\d+:\d+: /, '').split(':')[0], e]));
    expect([...byPath.keys()].sort()).toEqual([
      'external.health',
      'vrrp.preemptDelay',
      'vrrp.trackSegments[0]',
    ]);
    expect(byPath.get('external.health')).toContain('expected vrrp.preempt: true with a health check');
    expect(byPath.get('vrrp.preemptDelay')).toContain('keepalived ignores it with nopreempt');
    expect(byPath.get('vrrp.trackSegments[0]')).toContain('a lowered master keeps the role without it');
  });

  it('refuse an unknown tracked segment and the VRRP segment itself', () => {
    const errors = errorsOf(withVrrp(dedibox, 'trackSegments: [office, lan]'));
    expect(errors.map((e) => e.replace(/^[^:]+:\d+:\d+: /, ''))).toEqual([
      'vrrp.trackSegments[0]: expected a segment name (admin, monitoring, lan), found "office"',
      'vrrp.trackSegments[1]: expected a segment other than the VRRP segment (keepalived always watches its interface), found "lan"',
    ]);
  });

  it('refuse out-of-range values through the schema', () => {
    expect(errorsOf(withHealth('{ interval: 0.1 }')).join('\n')).toMatch(/external\.health\.interval/);
    expect(errorsOf(withVrrp(dedibox, 'preemptDelay: 5000')).join('\n')).toMatch(/vrrp\.preemptDelay/);
  });
});
