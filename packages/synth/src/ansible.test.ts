import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { input } from '../test/dedibox.js';
import { fileKind } from './ansible.js';
import { IFAPPLY_SH } from './ansible-role.js';
import { synth } from './index.js';

const files = synth(input());
const get = (p: string) => {
  const f = files.find((x) => x.path === p);
  if (!f || typeof f.contents !== 'string') throw new Error(`not generated: ${p}`);
  return f.contents;
};
const tmp = mkdtempSync(join(tmpdir(), 'hgt-ansible-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The output tree on disk (ansible/ and the routers' files). */
function writeTree(dir: string): string {
  for (const f of files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.contents, { mode: f.mode ?? 0o644 });
  }
  return join(dir, 'ansible');
}

/** Ansible's own folders in the test's temp dir, never in $HOME. */
const ansibleEnv = () => ({
  ...process.env,
  ANSIBLE_HOME: join(tmp, 'home'),
  ANSIBLE_LOCAL_TEMP: join(tmp, 'home', 'tmp'),
  XDG_CACHE_HOME: join(tmp, 'cache'),
  ANSIBLE_NOCOLOR: '1',
});

describe('synthAnsible: inventory, host_vars, playbook and role', () => {
  it('writes the playbook, the role and one host_vars file per router', () => {
    const paths = files.filter((f) => f.path.startsWith('ansible/')).map((f) => f.path);
    expect(paths).toEqual(
      [
        'ansible/ansible.cfg',
        'ansible/host_vars/extrout1.yml',
        'ansible/host_vars/extrout2.yml',
        'ansible/inventory.yml',
        'ansible/roles/hagate_router/defaults/main.yml',
        'ansible/roles/hagate_router/files/hagate-ifapply',
        'ansible/roles/hagate_router/handlers/main.yml',
        'ansible/roles/hagate_router/tasks/backup.yml',
        'ansible/roles/hagate_router/tasks/install.yml',
        'ansible/roles/hagate_router/tasks/main.yml',
        'ansible/roles/hagate_router/tasks/master.yml',
        'ansible/roles/hagate_router/tasks/settle.yml',
        'ansible/site.yml',
      ].sort(),
    );
  });

  it('reaches each router on its admin address, as root', () => {
    const inv = get('ansible/inventory.yml');
    expect(inv).toMatch(/extrout1:\n\s+ansible_host: "10\.99\.1\.1"/);
    expect(inv).toMatch(/extrout2:\n\s+ansible_host: "10\.99\.1\.2"/);
    expect(inv).toContain('ansible_user: root');
    expect(inv).toContain('hagate_vip: "10.10.1.254"');
    expect(inv).toContain('hagate_vrrp_iface: "eth1"');
  });

  it("lists every file of the router's tree with its mode and the handler that applies it", () => {
    const hv = get('ansible/host_vars/extrout1.yml');
    const own = files.filter((f) => f.path.startsWith('extrout1/'));
    expect(own.length).toBeGreaterThan(5);
    for (const f of own) {
      const path = f.path.slice('extrout1/'.length);
      const mode = `0${(f.mode ?? 0o644).toString(8)}`;
      expect(hv).toContain(`- { path: "${path}", mode: "${mode}", kind: ${fileKind(path)} }`);
    }
    expect(hv).toContain('hagate_peer: "extrout2"');
    expect(hv).toContain('hagate_takes_back: true');
    expect(get('ansible/host_vars/extrout2.yml')).toContain('hagate_takes_back: false');
  });

  it.each([
    ['etc/keepalived/keepalived.conf', 'keepalived'],
    ['usr/local/sbin/hagate-agent', 'keepalived'],
    ['etc/hagate/agent.json', 'keepalived'],
    ['etc/nftables/hagate.nft', 'firewall'],
    ['etc/nftables.conf', 'firewall'],
    ['etc/network/interfaces', 'interfaces'],
    ['etc/systemd/network/10-hagate-eth0.link', 'links'],
    ['etc/systemd/system/keepalived.service.d/hagate.conf', 'systemd'],
    ['etc/conntrackd/conntrackd.conf', 'conntrackd'],
    ['etc/radvd.conf', 'radvd'],
    ['etc/systemd/system/radvd.service.d/hagate.conf', 'systemd'],
    ['etc/motd', 'other'],
  ])('%s is applied by the %s handler', (path, kind) => {
    expect(fileKind(path)).toBe(kind);
  });

  it('rolls the pair: backups, then masters after a handover; every play stops on the first failure', () => {
    const site = get('ansible/site.yml');
    const plays = site.split('\n- name: ').slice(1);
    expect(plays.map((p) => p.split('\n')[0])).toEqual([
      "Find each pair's master",
      'Stage and validate on every router',
      'Update the backups',
      'Hand each master over, update it, take it back',
    ]);
    for (const p of plays) expect(p).toContain('any_errors_fatal: true');
    const master = get('ansible/roles/hagate_router/tasks/master.yml');
    const order = [
      'hagate_handover_cmd',
      'Wait until the peer holds the VIP',
      'install.yml',
      'flush_handlers',
      'hagate_resume_cmd',
      'settle.yml',
    ];
    const at = order.map((x) => master.indexOf(x));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('ansible-playbook --syntax-check accepts the playbook', (ctx) => {
    needs(ctx, 'ansible-playbook');
    const dir = writeTree(join(tmp, 'syntax'));
    const r = run(
      ['ansible-playbook', '--syntax-check', '-i', join(dir, 'inventory.yml'), join(dir, 'site.yml')],
      {
        env: { ...ansibleEnv(), ANSIBLE_CONFIG: join(dir, 'ansible.cfg') },
        timeoutMs: 60_000,
      },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('playbook: ');
  });

  it('ansible-lint passes with its production profile', (ctx) => {
    needs(ctx, 'ansible-lint');
    const dir = writeTree(join(tmp, 'lint'));
    // ansible-lint finds the project (ansible.cfg, roles/) from its working folder.
    const r = run(['sh', '-c', 'cd "$0" && exec ansible-lint --offline --nocolor -p site.yml roles', dir], {
      env: { ...ansibleEnv(), ANSIBLE_CONFIG: join(dir, 'ansible.cfg') },
      timeoutMs: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('Passed with production profile');
  });
});

describe('hagate-ifapply: only the changed stanzas go down and up (ifupdown, in a scratch namespace)', () => {
  it('re-applies a changed interface and leaves an unchanged one (the SSH session) alone', (ctx) => {
    needs(ctx, 'root', 'ifup', 'ifquery', 'ip', 'unshare');
    const dir = join(tmp, 'ifapply');
    mkdirSync(join(dir, 'state'), { recursive: true });
    const stanza = (i: string, a: string) => `auto ${i}\niface ${i} inet static\n\taddress ${a}\n`;
    writeFileSync(
      join(dir, 'prev'),
      `${stanza('hgtadm', '192.0.2.1/24')}\n${stanza('hgtmon', '198.51.100.1/24')}`,
    );
    writeFileSync(
      join(dir, 'new'),
      `${stanza('hgtadm', '192.0.2.1/24')}\n${stanza('hgtmon', '198.51.100.11/24')}`,
    );
    writeFileSync(join(dir, 'hagate-ifapply'), IFAPPLY_SH, { mode: 0o755 });
    const opts = `--state-dir ${dir}/state --no-scripts`;
    const script = [
      // This namespace's own /sys, so carrier_changes counts the namespace's NICs.
      'mount -t sysfs sysfs /sys',
      'ip link add hgtadm type veth peer name hgtadm-p',
      'ip link add hgtmon type veth peer name hgtmon-p',
      'ip link set hgtadm-p up; ip link set hgtmon-p up',
      `ifup -i ${dir}/prev ${opts} -a`,
      'sleep 0.2',
      'echo "before $(cat /sys/class/net/hgtadm/carrier_changes) $(cat /sys/class/net/hgtmon/carrier_changes)"',
      `${dir}/hagate-ifapply ${dir}/prev ${dir}/new ${opts}`,
      'sleep 0.2',
      'echo "after $(cat /sys/class/net/hgtadm/carrier_changes) $(cat /sys/class/net/hgtmon/carrier_changes)"',
      'ip -4 -o addr show',
    ].join('\n');
    const r = run(['unshare', '-n', '-m', '--propagation', 'private', 'sh', '-ec', script], {
      timeoutMs: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('applied: hgtmon\n');
    const [, a0, m0] = /before (\d+) (\d+)/.exec(r.stdout) ?? [];
    const [, a1, m1] = /after (\d+) (\d+)/.exec(r.stdout) ?? [];
    expect(a1, 'the unchanged interface never went down').toBe(a0);
    expect(Number(m1)).toBeGreaterThan(Number(m0));
    expect(r.stdout).toMatch(/hgtadm\s+inet 192\.0\.2\.1\/24/);
    expect(r.stdout).toMatch(/hgtmon\s+inet 198\.51\.100\.11\/24/);
    expect(r.stdout).not.toContain('198.51.100.1/24');
    expect(readFileSync(join(dir, 'new'), 'utf8')).toContain('198.51.100.11');
  });
});
