import { readFileSync } from 'node:fs';
import { loadSpec } from '@hagate/spec';
import { synth } from '@hagate/synth';
import { describe, expect, it } from 'vitest';
import { raInterfaceNames } from './ra.js';

const spec = (name: string) => {
  const text = readFileSync(new URL(`../../../examples/${name}/hagate.yaml`, import.meta.url), 'utf8');
  const r = loadSpec(text, `${name}.yaml`);
  if (!r.ok) throw new Error(`${name} must load`);
  return r.spec;
};

describe('the lab reads the announcing interfaces from the generated radvd.conf', () => {
  it('finds both LANs of examples/multi, in order', () => {
    const conf = synth({ spec: spec('multi'), source: 'multi.yaml' }).find(
      (f) => f.path === 'gw1/etc/radvd.conf',
    );
    expect(raInterfaceNames(String(conf?.contents))).toEqual(['eth1', 'eth3']);
  });

  it('a tree without router advertisements has no radvd.conf, so no host and no radvd', () => {
    const files = synth({ spec: spec('dedibox'), source: 'dedibox.yaml' });
    expect(files.some((f) => f.path.endsWith('/etc/radvd.conf'))).toBe(false);
    expect(raInterfaceNames('# only a comment\n')).toEqual([]);
  });
});
