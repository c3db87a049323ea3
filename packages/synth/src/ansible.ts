/**
 * The Ansible side of the output: `ansible/` with an inventory (one group per pair), one host_vars file per
 * router (its files with mode and kind, its peer, its VIP), the playbook and the role (ansible-role.ts).
 * One spec writes `ansible/` inside its tree; a fleet (several specs) also gets one `ansible/` next to the
 * pairs' trees, whose inventory holds every pair.
 */
import { raSegments, vrrpSegment } from '@hagate/spec';
import { adminPath } from './admin.js';
import { withRadvd } from './ansible-radvd.js';
import {
  BACKUP_YML,
  DEFAULTS_YML,
  type FileKind,
  HANDLERS_YML,
  IFAPPLY_SH,
  INSTALL_YML,
  MAIN_YML,
  MASTER_YML,
  SETTLE_YML,
  SITE_YML,
} from './ansible-role.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** One pair of a (possibly one-pair) inventory. */
export interface AnsiblePair {
  input: SynthInput;
  /** The pair's generated files (synth's output), from which each router's list is taken. */
  files: GeneratedFile[];
  /** The pair's tree relative to the `ansible/` folder: `..` for one spec, `../<spec name>` in a fleet. */
  tree: string;
  /** Prefix of the inventory host names: '' for one spec, `<spec name>-` in a fleet. */
  hostPrefix: string;
}

/** Which handler applies a router file. */
export function fileKind(path: string): FileKind {
  if (path.startsWith('etc/systemd/network/')) return 'links';
  if (path.startsWith('etc/systemd/')) return 'systemd';
  if (path === 'etc/network/interfaces') return 'interfaces';
  if (path === 'etc/nftables.conf' || path.startsWith('etc/nftables/')) return 'firewall';
  if (path.startsWith('etc/conntrackd/')) return 'conntrackd';
  if (path === 'etc/radvd.conf') return 'radvd';
  if (path.startsWith('etc/keepalived/') || path.startsWith('etc/hagate/') || path.endsWith('/hagate-agent'))
    return 'keepalived';
  return 'other';
}

const q = (s: string) => JSON.stringify(s);

function routerFiles(pair: AnsiblePair, router: string): { path: string; mode: string; kind: FileKind }[] {
  const prefix = `${router}/`;
  return pair.files
    .filter((f) => f.path.startsWith(prefix))
    .map((f) => {
      const path = f.path.slice(prefix.length);
      return {
        path,
        mode: `0${((f.mode ?? 0o644) & 0o7777).toString(8)}`,
        kind: fileKind(path),
      };
    });
}

function hostVars(pair: AnsiblePair, router: string, marker: string): string {
  const { spec } = pair.input;
  const names = Object.keys(spec.routers);
  const peer = names.find((n) => n !== router) as string;
  const me = spec.routers[router];
  const other = spec.routers[peer];
  const takesBack = !!me && !!other && spec.vrrp.preempt && me.priority > other.priority;
  const lines = [
    '---',
    `# ${marker}`,
    `hagate_router: ${q(router)}`,
    `hagate_peer: ${q(`${pair.hostPrefix}${peer}`)}`,
    `hagate_tree: ${q(`{{ inventory_dir }}/${pair.tree}/${router}`)}`,
    `# With preemption, the router of higher priority takes the VIP back once updated.`,
    `hagate_takes_back: ${takesBack}`,
    'hagate_files:',
  ];
  for (const f of routerFiles(pair, router)) {
    lines.push(`  - { path: ${q(f.path)}, mode: ${q(f.mode)}, kind: ${f.kind} }`);
  }
  return `${lines.join('\n')}\n`;
}

function inventory(pairs: Pick<AnsiblePair, 'input' | 'hostPrefix'>[], marker: string): string {
  const lines = ['---', `# ${marker}`, 'all:', '  children:', '    hagate_routers:', '      vars:'];
  lines.push('        ansible_user: root', '      children:');
  for (const pair of pairs) {
    const { spec } = pair.input;
    const admin = adminPath(spec);
    lines.push(`        hagate_pair_${spec.name.replace(/[^A-Za-z0-9_]/g, '_')}:`, '          vars:');
    lines.push(`            hagate_pair: ${q(spec.name)}`);
    lines.push(`            hagate_vip: ${q(spec.vrrp.vip)}`);
    lines.push(`            hagate_vrrp_iface: ${q(vrrpSegment(spec).iface)}`);
    lines.push('          hosts:');
    for (const router of Object.keys(spec.routers)) {
      lines.push(`            ${pair.hostPrefix}${router}:`);
      const addr = admin.routers[router];
      lines.push(`              ansible_host: ${q(addr ?? router)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const ANSIBLE_CFG = `[defaults]
inventory = inventory.yml
roles_path = roles
interpreter_python = auto_silent

[ssh_connection]
pipelining = True
`;

/**
 * The files of `ansible/` that hold no router file list: config, inventory (every pair), playbook, role.
 * Paths are relative to the folder that holds `ansible/`.
 */
export function ansibleCommonFiles(
  pairs: Pick<AnsiblePair, 'input' | 'hostPrefix'>[],
  marker: string,
): GeneratedFile[] {
  const yml = (text: string) => text.replace(/^---\n/, `---\n# ${marker}\n`);
  const role = 'ansible/roles/hagate_router';
  const base = { defaults: DEFAULTS_YML, main: MAIN_YML, install: INSTALL_YML, handlers: HANDLERS_YML };
  // The radvd tasks only where a pair announces router advertisements: other pairs keep their role as is.
  const t = pairs.some((p) => raSegments(p.input.spec).length > 0) ? withRadvd(base) : base;
  return [
    { path: 'ansible/ansible.cfg', contents: `# ${marker}\n${ANSIBLE_CFG}` },
    { path: 'ansible/inventory.yml', contents: inventory(pairs, marker) },
    { path: 'ansible/site.yml', contents: yml(SITE_YML) },
    { path: `${role}/defaults/main.yml`, contents: yml(t.defaults) },
    { path: `${role}/tasks/main.yml`, contents: yml(t.main) },
    { path: `${role}/tasks/install.yml`, contents: yml(t.install) },
    { path: `${role}/tasks/backup.yml`, contents: yml(BACKUP_YML) },
    { path: `${role}/tasks/master.yml`, contents: yml(MASTER_YML) },
    { path: `${role}/tasks/settle.yml`, contents: yml(SETTLE_YML) },
    { path: `${role}/handlers/main.yml`, contents: yml(t.handlers) },
    {
      path: `${role}/files/hagate-ifapply`,
      contents: IFAPPLY_SH.replace('\n', `\n# ${marker}\n`),
      mode: 0o755,
    },
  ];
}

/** `ansible/host_vars/<host>.yml` of each router of a pair: its files (mode, kind), peer, tree. */
export function ansibleHostVars(pair: AnsiblePair, marker: string): GeneratedFile[] {
  return Object.keys(pair.input.spec.routers).map((router) => ({
    path: `ansible/host_vars/${pair.hostPrefix}${router}.yml`,
    contents: hostVars(pair, router, marker),
  }));
}

/** One spec's `ansible/` folder, from the rest of its generated files. */
export function synthAnsible(input: SynthInput, files: GeneratedFile[]): GeneratedFile[] {
  const pair: AnsiblePair = { input, files, tree: '..', hostPrefix: '' };
  const marker = generatedMarker(input);
  return [...ansibleCommonFiles([pair], marker), ...ansibleHostVars(pair, marker)];
}
