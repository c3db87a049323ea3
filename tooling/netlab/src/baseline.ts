/**
 * The baseline: the how-to's own bash scripts (tooling/baseline: keep.sh, keepup.sh, keepdown.sh,
 * firewallup.sh, firewalldown.sh) installed in /srv of each router and wired as keepalived's notify and
 * shutdown scripts instead of hagate-agent, so the same scenarios run side by side.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { peerOf, type Spec, vrrpSegment } from '@hagate/spec';
import { REPO_ROOT } from './tree.js';

export const BASELINE_DIR = join(REPO_ROOT, 'tooling/baseline');
export const BASELINE_SCRIPTS = [
  'keep.sh',
  'keepup.sh',
  'keepdown.sh',
  'firewallup.sh',
  'firewalldown.sh',
] as const;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules' || f === 'dist') return [];
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Finds each script, preferring a router-specific copy (a path or name containing the router's name). */
export function findBaselineScripts(router: string, dir = BASELINE_DIR): Record<string, string> {
  const files = walk(dir);
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of BASELINE_SCRIPTS) {
    const stem = name.replace(/\.sh$/, '');
    const cands = files.filter((f) => {
      const b = basename(f);
      return (
        b === name ||
        (b.startsWith(`${stem}`) && b.endsWith('.sh') && b.includes(router) && !b.startsWith(`${stem}up`))
      );
    });
    const pick = cands.find((f) => f.includes(router)) ?? cands.find((f) => basename(f) === name);
    if (pick) out[name] = pick;
    else missing.push(name);
  }
  if (missing.length) throw new Error(`baseline scripts missing in ${dir}: ${missing.join(', ')}`);
  return out;
}

/** Adapts the how-to's literal values to the spec (failover IP, gateway, this router's fallback route). */
export function adaptScript(name: string, text: string, spec: Spec, router: string): string {
  const seg = vrrpSegment(spec);
  const self = spec.routers[router]!.addresses[seg.name]!;
  const peer = peerOf(spec, router).router.addresses[seg.name]!;
  let t = text
    .replaceAll('123.123.123.123', spec.external.failoverIp)
    .replaceAll('IP.GATEWAY', spec.external.gateway)
    .replaceAll('62.210.0.1', spec.external.gateway)
    .replace(/\/srv\//g, '/srv/');
  if (name === 'keepdown.sh') {
    t = t.replace(
      /ip route add 0\.0\.0\.0\/0 via \S+ dev \S+ src \S+/g,
      `ip route add 0.0.0.0/0 via ${peer} dev ${seg.iface} src ${self}`,
    );
  }
  return t;
}

/** keepalived.conf with the baseline's notify and shutdown scripts instead of the agent. */
export function baselineKeepalived(conf: string): string {
  // Nothing of hagate's own wiring: the fifo, the demotion file (its blocks), notify_stop, the re-announce,
  // the start-up delay. The how-to's pair has none of them.
  const kept: string[] = [];
  let skipDepth = 0;
  for (const l of conf.split('\n')) {
    if (skipDepth > 0) {
      skipDepth += (l.match(/\{/g) ?? []).length - (l.match(/\}/g) ?? []).length;
      continue;
    }
    if (/^\s*track_file\b.*\{\s*$/.test(l)) {
      skipDepth = 1;
      continue;
    }
    if (
      /^\s*(vrrp_notify_fifo(_script)?|notify_stop|notify_master_rx_lower_pri|vrrp_startup_delay)\s/.test(l)
    )
      continue;
    kept.push(l);
  }
  const lines = kept;
  const out = lines.map((l) =>
    l
      .replace(/^(\s*)notify\s+.*$/, '$1notify /srv/keep.sh')
      .replace(/^(\s*)shutdown_script\s+.*$/, '$1shutdown_script /srv/keepdown.sh'),
  );
  if (!out.some((l) => /^\s*notify\s/.test(l))) {
    const i = out.findIndex((l) => /^\s*vrrp_instance\s/.test(l));
    if (i >= 0) out.splice(i + 1, 0, '  notify /srv/keep.sh');
  }
  if (!out.some((l) => /^\s*shutdown_script\s/.test(l))) {
    const i = out.findIndex((l) => /^\s*global_defs\s*\{/.test(l));
    if (i >= 0) out.splice(i + 1, 0, '  shutdown_script /srv/keepdown.sh');
  }
  return out.join('\n');
}

/** Installs the baseline into a router's root folder (srv/*.sh, keepalived.conf rewired). */
export function installBaseline(spec: Spec, router: string, root: string, dir = BASELINE_DIR): void {
  const scripts = findBaselineScripts(router, dir);
  mkdirSync(join(root, 'srv'), { recursive: true, mode: 0o755 });
  for (const [name, path] of Object.entries(scripts)) {
    const target = join(root, 'srv', name);
    writeFileSync(target, adaptScript(name, readFileSync(path, 'utf8'), spec, router));
    chmodSync(target, 0o755);
  }
  const conf = join(root, 'etc/keepalived/keepalived.conf');
  writeFileSync(conf, baselineKeepalived(readFileSync(conf, 'utf8')));
  // The how-to loads no firewall at boot (its scripts load one per role) and runs no conntrackd.
  for (const f of ['etc/nftables.conf', 'etc/nftables', 'etc/systemd', 'etc/conntrackd'])
    rmSync(join(root, f), { recursive: true, force: true });
}
