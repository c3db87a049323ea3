/** Cross-field rules of the upstream health check and preemption (issue 13): each finding names a spec path. */

import { segmentInterface } from './model.js';
import type { RuleIssue } from './rules.js';
import type { Spec } from './schema.js';

/** The weight a failing upstream or tracked LAN interface takes off a router: external.health.weight, else
 * the routers' priority gap + 1 (so the failing one falls below a healthy peer). */
export function failoverWeight(spec: Spec): number {
  const w = spec.external.health?.weight;
  if (w !== undefined) return w;
  const prios = Object.values(spec.routers).map((r) => r.priority);
  return Math.min(253, Math.max(...prios) - Math.min(...prios) + 1);
}

export function checkOpsRules(spec: Spec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const h = spec.external.health;
  if (h && !spec.vrrp.preempt)
    out.push({
      path: ['external', 'health'],
      message:
        'expected vrrp.preempt: true with a health check (without preemption a lowered master keeps the role, and a weight of 0 would put both routers in FAULT), found preempt: false',
    });
  const prios = Object.values(spec.routers).map((r) => r.priority);
  const gap = prios.length ? Math.max(...prios) - Math.min(...prios) : 0;
  if (h?.weight !== undefined && h.weight <= gap)
    out.push({
      path: ['external', 'health', 'weight'],
      message: `expected a weight above the routers' priority gap ${gap} (so a failing master falls below a healthy peer), found ${h.weight}`,
    });
  const vrrpIface = spec.segments[spec.vrrp.segment];
  (spec.vrrp.trackSegments ?? []).forEach((name, i) => {
    const seg = spec.segments[name];
    const at = ['vrrp', 'trackSegments', i];
    if (!seg)
      out.push({
        path: at,
        message: `expected a segment name (${Object.keys(spec.segments).join(', ')}), found "${name}"`,
      });
    else if (
      name === spec.vrrp.segment ||
      (vrrpIface && segmentInterface(seg) === segmentInterface(vrrpIface))
    )
      out.push({
        path: at,
        message: `expected a segment other than the VRRP segment (keepalived always watches its interface), found "${name}"`,
      });
    if (!spec.vrrp.preempt)
      out.push({
        path: at,
        message:
          'expected vrrp.preempt: true to track more segments (a lowered master keeps the role without it), found preempt: false',
      });
  });
  if (spec.vrrp.preemptDelay !== undefined && !spec.vrrp.preempt)
    out.push({
      path: ['vrrp', 'preemptDelay'],
      message:
        'expected vrrp.preempt: true with a preempt delay (keepalived ignores it with nopreempt), found preempt: false',
    });
  return out;
}
