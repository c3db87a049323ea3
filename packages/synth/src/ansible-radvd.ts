/**
 * The Ansible role's radvd tasks, in the role only when a pair of the inventory announces router
 * advertisements (so a spec without them gets the role it always had, byte for byte): install the package,
 * validate the staged radvd.conf with radvd, install it, enable radvd.service, and reload it (never restart:
 * see the handler). Each piece goes right before a line of the role that exists for every spec.
 */
import { installTask } from './ansible-role.js';

/** The role's texts that gain radvd tasks. */
export interface RadvdRoleTexts {
  defaults: string;
  main: string;
  install: string;
  handlers: string;
}

const WHEN_RADVD = "hagate_files | selectattr('kind', 'equalto', 'radvd') | list | length > 0";

const DEFAULTS = `# The router advertisement daemon installed where a segment sets routerAdvertisements.
hagate_radvd_package: radvd
`;

// radvd.service starts only once /etc/radvd.conf exists (ConditionPathExists): installing it starts nothing.
const MAIN_INSTALL = `- name: Install radvd (router advertisements; only the VRRP master's leave the router)
  ansible.builtin.apt:
    name: "{{ hagate_radvd_package }}"
    state: present
  when: ${WHEN_RADVD}

`;

const MAIN_VALIDATE = `    - name: Validate radvd.conf with radvd
      ansible.builtin.command:
        argv: [radvd, --configtest, --logmethod, stderr, -C, "{{ hagate_stage_dir }}/etc/radvd.conf"]
      when: "'etc/radvd.conf' in hagate_pending"
      changed_when: false

`;

const INSTALL_ENABLE = `
- name: Read whether radvd starts at boot
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['is-enabled', 'radvd.service'] }}"
  register: hagate_radvd_enabled
  when: ${WHEN_RADVD}
  changed_when: false
  failed_when: false

- name: Start radvd at boot (in both roles; it advertises only from the VIP's link-local address)
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['enable', 'radvd.service'] }}"
  when:
    - ${WHEN_RADVD}
    - hagate_radvd_enabled.stdout_lines | select('equalto', 'enabled') | list | length < 1
  changed_when: true
`;

const HANDLER = `# A reload, never a restart: a stopping radvd sends a final advertisement with router lifetime 0, and on a
# router holding the link-local VIP that would make the hosts drop their default router.
- name: Reload radvd (or start it)
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['reload-or-restart', 'radvd'] }}"
  changed_when: true
  listen: hagate radvd

`;

/** Inserts `piece` right before `anchor` (a line the role always has); fails loudly if the role drifted. */
function before(text: string, anchor: string, piece: string): string {
  const at = text.indexOf(anchor);
  if (at < 0) throw new Error(`ansible-radvd: the role has no "${anchor.trim()}" any more`);
  return text.slice(0, at) + piece + text.slice(at);
}

/** The role's texts with the radvd tasks. */
export function withRadvd(t: RadvdRoleTexts): RadvdRoleTexts {
  return {
    defaults: before(t.defaults, '# Seconds to wait for the peer', DEFAULTS),
    main: before(
      before(t.main, '- name: Stage and validate\n', MAIN_INSTALL),
      '    - name: Parse the interfaces file with ifquery',
      MAIN_VALIDATE,
    ),
    install: `${before(t.install, '- name: Install the keepalived files', `${installTask('radvd')}\n`)}${INSTALL_ENABLE}`,
    handlers: before(t.handlers, '- name: Restart keepalived', HANDLER),
  };
}
