/**
 * The bundle's V8 code cache (src/code-cache.ts): written into the state directory after a run, used by the
 * next one, ignored when it cannot be trusted (mode, owner) and compiled over when V8 rejects it. What the
 * loader did is what `hagate-agent check` reports; the cache files are read from the disk.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suiteTempDir } from '@hagate/testkit/temp-dir';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheFileName, configPathOf, stateDirOf } from '../src/code-cache.js';
import { DEFAULT_CONFIG } from '../src/defaults.js';
import { appDir, testConfig } from './ns-agent.js';

const work = suiteTempDir('agent-code-cache');
const bundle = join(work, 'hagate-agent');
beforeAll(() => copyFileSync(join(appDir, 'dist/hagate-agent'), bundle));

function setup(name: string): { config: string; state: string } {
  const config = testConfig(work, name, 'hagate-agent-code-cache-test');
  mkdirSync(config.stateDir, { recursive: true });
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return { config: file, state: config.stateDir };
}

/** The `code cache:` line of `hagate-agent check` (the rest of check does not matter here). */
function cacheLine(config: string): string {
  const r = spawnSync(process.execPath, [bundle, '--config', config, 'check'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HAGATE_AGENT_NO_SYSLOG: '1' },
  });
  const line = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.includes('code cache:'));
  if (!line) throw new Error(`no code cache line in: ${r.stdout}${r.stderr}`);
  return line;
}

const caches = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('code-cache-'));

describe('the code cache', () => {
  it('is written after the first run (mode 0600) and used by the next', () => {
    const { config, state } = setup('fresh');
    expect(cacheLine(config)).toContain('none yet');
    const [file, ...more] = caches(state);
    expect(more).toEqual([]);
    expect(file).toBe(cacheFileName((file as string).slice('code-cache-'.length, 'code-cache-'.length + 16)));
    expect(statSync(join(state, file as string)).mode & 0o777).toBe(0o600);
    expect(cacheLine(config)).toContain('used');
    expect(readdirSync(state).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('is not used when others can write it, and is rewritten safe', () => {
    const { config, state } = setup('unsafe');
    cacheLine(config);
    const file = join(state, caches(state)[0] as string);
    chmodSync(file, 0o666);
    expect(cacheLine(config)).toContain('none yet');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(cacheLine(config)).toContain('used');
  });

  it('is compiled over when V8 rejects it, the run unchanged', () => {
    const { config, state } = setup('garbage');
    cacheLine(config);
    const name = caches(state)[0] as string;
    writeFileSync(join(state, name), Buffer.alloc(4096, 7), { mode: 0o600 });
    expect(cacheLine(config)).toContain('rejected by V8');
    expect(cacheLine(config)).toContain('used');
  });

  it('replaces the cache of another build', () => {
    const { config, state } = setup('old-build');
    const old = join(state, 'code-cache-0000000000000000-1.0-x64.bin');
    writeFileSync(old, 'old', { mode: 0o600 });
    cacheLine(config);
    const left = caches(state);
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe('code-cache-0000000000000000-1.0-x64.bin');
  });

  it('is off without a state directory, and the agent runs the same', () => {
    const file = join(work, 'no-state.json');
    writeFileSync(file, '{ "not": "an agent config" }');
    const r = spawnSync(process.execPath, [bundle, '--config', file, 'check'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no-state.json');
  });
});

describe('finding the state directory before the agent runs', () => {
  it('reads the config path as the agent does', () => {
    expect(configPathOf([])).toBe(DEFAULT_CONFIG);
    expect(configPathOf(['--config', '/a.json', 'check'])).toBe('/a.json');
    expect(configPathOf(['--config=/b.json'])).toBe('/b.json');
    expect(configPathOf(['-c', '/c.json', 'status'])).toBe('/c.json');
    expect(configPathOf(['-c/d.json'])).toBe('/d.json');
    expect(configPathOf(['--', '--config', '/e.json'])).toBe(DEFAULT_CONFIG);
  });

  it('takes only an absolute stateDir from a readable JSON file', () => {
    const ok = join(work, 'sd-ok.json');
    writeFileSync(ok, JSON.stringify({ stateDir: '/var/lib/hagate-agent' }));
    expect(stateDirOf(ok)).toBe('/var/lib/hagate-agent');
    const rel = join(work, 'sd-rel.json');
    writeFileSync(rel, JSON.stringify({ stateDir: 'state' }));
    expect(stateDirOf(rel)).toBeUndefined();
    const bad = join(work, 'sd-bad.json');
    writeFileSync(bad, '{ stateDir: ');
    expect(stateDirOf(bad)).toBeUndefined();
    expect(stateDirOf(join(work, 'missing.json'))).toBeUndefined();
  });
});
