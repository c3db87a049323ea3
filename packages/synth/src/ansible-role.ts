/**
 * The Ansible role and playbook hagate generates (the same text for every spec: what differs per pair is in
 * the inventory and host_vars, see ansible.ts). Only ansible.builtin modules and argv commands; no Python of
 * ours runs on the routers. Everything that differs between a real router and the lab (where files sit, how
 * services are managed) is a variable of defaults/main.yml.
 */

/** The playbook: find the masters, stage and validate everywhere, backups, then masters after a handover. */
export const SITE_YML = `---
# Rolling update of hagate router pairs. 1: find each pair's master (who holds the VIP). 2: stage each
# router's files and validate them on the router (keepalived -t, the firewall loaded in a scratch network
# namespace, ifquery): nothing is live yet. 3: the backups. 4: each master hands over to its updated
# backup, is updated, and comes back. Any failure stops the whole run (any_errors_fatal); a pair's two
# routers are never in the same play, so a fleet never touches both routers of a pair at once.
- name: Find each pair's master
  hosts: hagate_routers
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: Read the addresses of the VRRP interface
      ansible.builtin.command:
        argv: [ip, -4, -o, addr, show, dev, "{{ hagate_vrrp_iface }}"]
      register: hagate_vrrp_addrs
      changed_when: false

    - name: Note whether this router holds the VIP
      ansible.builtin.set_fact:
        hagate_is_master: "{{ (' ' ~ hagate_vip ~ '/') in hagate_vrrp_addrs.stdout }}"

    - name: Check that the pair has exactly one master (-e hagate_bootstrap=true for a pair not running yet)
      when: not (hagate_bootstrap | default(false) | bool)
      ansible.builtin.assert:
        that:
          - hagate_is_master | bool != hostvars[hagate_peer].hagate_is_master | bool
        fail_msg: >-
          {{ inventory_hostname }} and {{ hagate_peer }}: expected one VIP holder, found
          {{ 'two' if hagate_is_master | bool else 'none' }}; fix the pair first
        quiet: true

    - name: Group the routers by role
      ansible.builtin.group_by:
        key: "hagate_{{ 'master' if hagate_is_master | bool else 'backup' }}"
      changed_when: false

- name: Stage and validate on every router
  hosts: hagate_routers
  gather_facts: false
  any_errors_fatal: true
  roles:
    - role: hagate_router

- name: Update the backups
  hosts: hagate_backup
  gather_facts: false
  any_errors_fatal: true
  serial: "{{ hagate_serial | default('100%') }}"
  tasks:
    - name: Install, apply and check
      ansible.builtin.include_role:
        name: hagate_router
        tasks_from: backup
      when: hagate_pending | length > 0

- name: Hand each master over, update it, take it back
  hosts: hagate_master
  gather_facts: false
  any_errors_fatal: true
  serial: "{{ hagate_serial | default('100%') }}"
  tasks:
    - name: Hand over, install, apply and check
      ansible.builtin.include_role:
        name: hagate_router
        tasks_from: master
      when: hagate_pending | length > 0
`;

export const DEFAULTS_YML = `---
# Where the router's files go: "" is the router's root. The lab sets a folder of its own.
hagate_root: ""
# Where the files are staged and validated before they go live.
hagate_stage_dir: /var/lib/hagate/staged
# Extra options of ifup / ifdown (the lab: --state-dir, --no-scripts).
hagate_ifupdown_options: []
# How services are managed: systemctl, or the lab's stand-in.
hagate_service_cmd: [systemctl]
# The master's handover: keepalived stops, its agent keeps forwarding until the peer holds the VIP.
# A maintenance command of the agent can take its place here.
hagate_handover_cmd: "{{ hagate_service_cmd + ['stop', 'keepalived'] }}"
hagate_resume_cmd: "{{ hagate_service_cmd + ['start', 'keepalived'] }}"
hagate_firewall_cmd: [nft, -f, /etc/nftables.conf]
hagate_daemon_reload_cmd: "{{ hagate_service_cmd + ['daemon-reload'] }}"
# The .link files are read in the initramfs too. [] skips it.
hagate_initramfs_cmd: [update-initramfs, -u]
# Seconds to wait for the peer to take the VIP over, and for the pair to settle.
hagate_handover_timeout: 30
`;

/** tasks/main.yml: compare with what is live; stage and validate what differs. Changes nothing live. */
export const MAIN_YML = `---
- name: Read the live files (SHA-1, mode, owner), in one command
  ansible.builtin.command:
    argv: >-
      {{ ['sh', '-c', 'for f do if [ -f "$f" ]; then s=$(sha1sum < "$f"); echo "\${s%% *} $(stat -c %a:%U "$f") $f";
      else echo "missing - $f"; fi; done', 'hagate-read']
      + (hagate_files | map(attribute='path') | map('regex_replace', '^', hagate_root ~ '/') | list) }}
  register: hagate_live
  changed_when: false

- name: Checksum the generated files (on the controller)
  ansible.builtin.command:
    argv: "{{ ['sha1sum', '--'] + (hagate_files | map(attribute='path') | map('regex_replace', '^', hagate_tree ~ '/') | list) }}"
  delegate_to: localhost
  register: hagate_want
  changed_when: false

- name: Note the files that differ from the generated ones
  ansible.builtin.set_fact:
    hagate_pending: >-
      {% set out = [] %}{% for f in hagate_files %}{% set sha1 = hagate_want.stdout_lines[loop.index0].split(' ')[0] %}{%
      if (sha1 ~ ' ' ~ f.mode[1:] ~ ':root ' ~ hagate_root ~ '/' ~ f.path) not in hagate_live.stdout_lines
      %}{% set _ = out.append(f.path) %}{% endif %}{% endfor %}{{ out }}

- name: Stage and validate
  when: hagate_pending | length > 0
  block:
    - name: Stage the live files (the generated ones that differ are copied over them next)
      ansible.builtin.command:
        argv: >-
          {{ ['sh', '-c', 'stage=$1 root=$2; shift 2; rm -rf "$stage" && mkdir -p "$stage" && cd "$root/" &&
          for f do if [ -f "$f" ]; then cp -p --parents "$f" "$stage/"; fi; done &&
          if [ -f etc/network/interfaces ]; then cp -p etc/network/interfaces "$stage/interfaces.previous";
          else : > "$stage/interfaces.previous"; fi', 'hagate-stage', hagate_stage_dir, hagate_root]
          + (hagate_files | map(attribute='path') | list) }}
      changed_when: false

    - name: Stage the generated files that differ (not live, so not counted as a change)
      ansible.builtin.copy:
        src: "{{ hagate_tree }}/{{ item.path }}"
        dest: "{{ hagate_stage_dir }}/{{ item.path }}"
        owner: root
        group: root
        mode: "{{ item.mode }}"
      loop: "{{ hagate_files | selectattr('path', 'in', hagate_pending) | list }}"
      loop_control:
        label: "{{ item.path }}"
      changed_when: false

    - name: Stage the interfaces applier
      ansible.builtin.copy:
        src: hagate-ifapply
        dest: "{{ hagate_stage_dir }}/hagate-ifapply"
        owner: root
        group: root
        mode: "0755"
      when: "'etc/network/interfaces' in hagate_pending"
      changed_when: false

    - name: Validate keepalived.conf with keepalived
      ansible.builtin.command:
        argv: [keepalived, -t, -f, "{{ hagate_stage_dir }}/etc/keepalived/keepalived.conf"]
      changed_when: false

    - name: Load the firewall in a scratch network namespace (the kernel checks it; the live one is untouched)
      ansible.builtin.command:
        argv: [unshare, --net, --, nft, -f, "{{ hagate_stage_dir }}/etc/nftables/hagate.nft"]
      changed_when: false

    - name: Parse the interfaces file with ifquery
      ansible.builtin.command:
        argv: [ifquery, -i, "{{ hagate_stage_dir }}/etc/network/interfaces", --list, --all]
      changed_when: false
`;

/** The kinds of router files, each applied by its handler (`other`: nothing to apply). */
export const FILE_KINDS = [
  'systemd',
  'links',
  'interfaces',
  'firewall',
  'conntrackd',
  'keepalived',
  'other',
] as const;
/** `radvd`: only in the role of a pair with router advertisements (ansible-radvd.ts adds its tasks). */
export type FileKind = (typeof FILE_KINDS)[number] | 'radvd';

export function installTask(kind: FileKind): string {
  return `- name: Install the ${kind} files (root-owned, the generated modes)
  ansible.builtin.copy:
    src: "{{ hagate_stage_dir }}/{{ item.path }}"
    dest: "{{ hagate_root }}/{{ item.path }}"
    remote_src: true
    owner: root
    group: root
    mode: "{{ item.mode }}"
  loop: "{{ hagate_files | selectattr('kind', 'equalto', '${kind}') | selectattr('path', 'in', hagate_pending) | list }}"
  loop_control:
    label: "{{ item.path }}"
${kind === 'other' ? '' : `  notify: hagate ${kind}\n`}`;
}

/** tasks/install.yml: the staged files go live, each kind notifying what applies it. */
export const INSTALL_YML = `---
- name: Make the missing folders of the files
  ansible.builtin.command:
    argv: "{{ ['mkdir', '-p'] + (hagate_pending | map('regex_replace', '^', hagate_root ~ '/') | map('dirname') | unique | list) }}"
  changed_when: false

${FILE_KINDS.map(installTask).join('\n')}
- name: Read whether nftables and keepalived start at boot
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['is-enabled', 'nftables.service', 'keepalived.service'] }}"
  register: hagate_enabled
  changed_when: false
  failed_when: false

- name: Start nftables and keepalived at boot
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['enable', 'nftables.service', 'keepalived.service'] }}"
  when: hagate_enabled.stdout_lines | select('equalto', 'enabled') | list | length < 2
  changed_when: true
`;

export const HANDLERS_YML = `---
# Run in this order (the order of this file), once per play, or where a task flushes them.
- name: Reload systemd
  ansible.builtin.command:
    argv: "{{ hagate_daemon_reload_cmd }}"
  changed_when: true
  listen: hagate systemd

- name: Update the initramfs (NIC names at boot)
  ansible.builtin.command:
    argv: "{{ hagate_initramfs_cmd }}"
  when: hagate_initramfs_cmd | length > 0
  changed_when: true
  listen: hagate links

- name: Apply the changed interface stanzas, detached (the SSH session survives its own interface going down)
  ansible.builtin.command:
    argv: >-
      {{ [hagate_stage_dir ~ '/hagate-ifapply', hagate_stage_dir ~ '/interfaces.previous',
          hagate_root ~ '/etc/network/interfaces'] + hagate_ifupdown_options }}
  async: 120
  poll: 0
  register: hagate_ifapply_job
  changed_when: true
  listen: hagate interfaces

- name: Wait for the connection to the router
  ansible.builtin.wait_for_connection:
    delay: 0
    timeout: 120
  listen: hagate interfaces

- name: Wait for the interfaces to be applied
  ansible.builtin.async_status:
    jid: "{{ hagate_ifapply_job.ansible_job_id }}"
  register: hagate_ifapply_result
  until: hagate_ifapply_result.finished
  retries: 120
  delay: 1
  listen: hagate interfaces

- name: Load the firewall
  ansible.builtin.command:
    argv: "{{ hagate_firewall_cmd }}"
  changed_when: true
  listen: hagate firewall

- name: Restart conntrackd
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['restart', 'conntrackd'] }}"
  changed_when: true
  listen: hagate conntrackd

- name: Restart keepalived (and so the agent)
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['restart', 'keepalived'] }}"
  changed_when: true
  listen: hagate keepalived
`;

/** tasks/backup.yml: a backup is updated in place, then checked. */
export const BACKUP_YML = `---
- name: Install the files
  ansible.builtin.include_tasks: install.yml

- name: Apply them
  ansible.builtin.meta: flush_handlers

- name: Check that keepalived runs and the peer still holds the VIP
  ansible.builtin.include_tasks: settle.yml
  vars:
    hagate_want_master: false
`;

/** tasks/master.yml: handover, update, take back. */
export const MASTER_YML = `---
- name: Hand the master role over to the peer
  ansible.builtin.command:
    argv: "{{ hagate_handover_cmd }}"
  changed_when: true

- name: Wait until the peer holds the VIP
  ansible.builtin.command:
    argv: [ip, -4, -o, addr, show, dev, "{{ hagate_vrrp_iface }}"]
  delegate_to: "{{ hagate_peer }}"
  register: hagate_peer_addrs
  until: (' ' ~ hagate_vip ~ '/') in hagate_peer_addrs.stdout
  retries: "{{ hagate_handover_timeout }}"
  delay: 1
  changed_when: false

- name: Install the files
  ansible.builtin.include_tasks: install.yml

- name: Apply them
  ansible.builtin.meta: flush_handlers

- name: Start keepalived again
  ansible.builtin.command:
    argv: "{{ hagate_resume_cmd }}"
  changed_when: true

- name: Check the pair
  ansible.builtin.include_tasks: settle.yml
  vars:
    hagate_want_master: "{{ hagate_takes_back }}"
`;

/** tasks/settle.yml: keepalived runs here, and the VIP is where it should be. */
export const SETTLE_YML = `---
- name: Check that keepalived runs
  ansible.builtin.command:
    argv: "{{ hagate_service_cmd + ['is-active', 'keepalived'] }}"
  changed_when: false

- name: Wait until the VIP is on this router only when hagate_want_master, else on the peer only
  when: not (hagate_bootstrap | default(false) | bool)
  ansible.builtin.command:
    argv: [ip, -4, -o, addr, show, dev, "{{ hagate_vrrp_iface }}"]
  delegate_to: "{{ item }}"
  register: hagate_settle
  until: ((' ' ~ hagate_vip ~ '/') in hagate_settle.stdout) == ((item == inventory_hostname) == (hagate_want_master | bool))
  retries: "{{ hagate_handover_timeout }}"
  delay: 1
  changed_when: false
  loop:
    - "{{ inventory_hostname }}"
    - "{{ hagate_peer }}"
`;

/** files/hagate-ifapply: ifdown (previous file) then ifup (new file) of the stanzas that differ. */
export const IFAPPLY_SH = `#!/bin/sh
# Applies the stanzas of an interfaces file that changed: ifdown with the previous file, then ifup with
# the new one. Stanzas that did not change (the SSH session's, usually) are not touched.
# Usage: hagate-ifapply PREVIOUS NEW [ifup/ifdown options...]
set -u
prev=$1
new=$2
shift 2
list() { [ -s "$1" ] && ifquery -i "$1" --list --all 2>/dev/null; }
show() { [ -s "$1" ] && ifquery -i "$1" "$2" 2>/dev/null; }
changed=""
for i in $( { list "$prev"; list "$new"; } | sort -u); do
  [ "$(show "$prev" "$i")" = "$(show "$new" "$i")" ] || changed="$changed $i"
done
down=""
for i in $changed; do down="$i $down"; done
for i in $down; do
  if show "$prev" "$i" >/dev/null; then ifdown -i "$prev" "$@" "$i" || true; fi
done
status=0
for i in $changed; do
  if show "$new" "$i" >/dev/null; then ifup -i "$new" "$@" "$i" || status=1; fi
done
echo "applied:$changed"
exit $status
`;
