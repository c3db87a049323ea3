import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from './schema.js';

describe('JSON Schema of hagate.yaml', () => {
  it('is the committed hagate.schema.json (run the spec build to refresh it)', () => {
    const committed = JSON.parse(readFileSync(new URL('../hagate.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(specJsonSchema());
  });

  it('describes the top-level keys and refuses unknown ones', () => {
    const schema = specJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual([
      'version',
      'name',
      'hypervisor',
      'vm',
      'segments',
      'routers',
      'vrrp',
      'external',
      'firewall',
      'agent',
      'conntrackSync',
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'routers', 'vrrp', 'external']));
  });
});
