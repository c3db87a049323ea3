/** The Ansible role with radvd (a pair with router advertisements), linted; without, the role is unchanged. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSpec } from '@hagate/spec';
import { needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { input as dedibox } from '../test/dedibox.js';
import { synth } from './index.js';
import type { GeneratedFile } from './types.js';

function multiFiles(): GeneratedFile[] {
  const text = readFileSync(new URL('../../../examples/multi/hagate.yaml', import.meta.url), 'utf8');
  const r = loadSpec(text, 'multi.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return synth({ spec: r.spec, source: 'multi.yaml' });
}
const files = multiFiles();
const get = (fs: GeneratedFile[], p: string) => String(fs.find((x) => x.path === p)?.contents ?? '');
const role = 'ansible/roles/hagate_router';
const tmp = mkdtempSync(join(tmpdir(), 'hgt-ansible-radvd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the Ansible role of a pair with router advertisements', () => {
  it('lists radvd.conf as a radvd file and its drop-in as a systemd one', () => {
    const hv = get(files, 'ansible/host_vars/gw1.yml');
    expect(hv).toContain('- { path: "etc/radvd.conf", mode: "0644", kind: radvd }');
    expect(hv).toContain(
      '- { path: "etc/systemd/system/radvd.service.d/hagate.conf", mode: "0644", kind: systemd }',
    );
  });

  it('installs radvd, validates the staged config with it, enables it, and reloads (never restarts) it', () => {
    const main = get(files, `${role}/tasks/main.yml`);
    expect(main.indexOf('ansible.builtin.apt:')).toBeLessThan(main.indexOf('- name: Stage and validate'));
    expect(main).toContain(
      'argv: [radvd, --configtest, --logmethod, stderr, -C, "{{ hagate_stage_dir }}/etc/radvd.conf"]',
    );
    const install = get(files, `${role}/tasks/install.yml`);
    expect(install).toContain("selectattr('kind', 'equalto', 'radvd')");
    expect(install).toContain("argv: \"{{ hagate_service_cmd + ['enable', 'radvd.service'] }}\"");
    const handlers = get(files, `${role}/handlers/main.yml`);
    expect(handlers).toContain("argv: \"{{ hagate_service_cmd + ['reload-or-restart', 'radvd'] }}\"");
    expect(handlers).not.toMatch(/'restart', 'radvd'/);
    // The handlers run in file order: systemd's daemon-reload (the drop-in) before radvd, radvd before keepalived.
    const order = ['listen: hagate systemd', 'listen: hagate radvd', 'listen: hagate keepalived'];
    const at = order.map((x) => handlers.indexOf(x));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(get(files, `${role}/defaults/main.yml`)).toContain('hagate_radvd_package: radvd');
  });

  it('a pair without router advertisements gets no radvd task at all', () => {
    const plain = synth(dedibox());
    for (const f of ['defaults/main.yml', 'tasks/main.yml', 'tasks/install.yml', 'handlers/main.yml'])
      expect(get(plain, `${role}/${f}`)).not.toContain('radvd');
  });

  it('ansible-lint passes with its production profile on the role with radvd', (ctx) => {
    needs(ctx, 'ansible-lint');
    for (const f of files) {
      const p = join(tmp, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.contents, { mode: f.mode ?? 0o644 });
    }
    const dir = join(tmp, 'ansible');
    const env = {
      ...process.env,
      ANSIBLE_HOME: join(tmp, 'home'),
      ANSIBLE_LOCAL_TEMP: join(tmp, 'home', 'tmp'),
      XDG_CACHE_HOME: join(tmp, 'cache'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_CONFIG: join(dir, 'ansible.cfg'),
    };
    const r = run(['sh', '-c', 'cd "$0" && exec ansible-lint --offline --nocolor -p site.yml roles', dir], {
      env,
      timeoutMs: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('Passed with production profile');
  });
});
