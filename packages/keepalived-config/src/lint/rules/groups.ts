import { fileRule } from '../define.js';
import { child } from '../model.js';

export const KA018 = fileRule({
  code: 'KA018',
  severity: 'warning',
  title: 'sync group member does not exist',
  check({ model }, report) {
    const names = new Set(model.instances.map((i) => i.name));
    for (const g of model.syncGroups)
      for (const mem of g.members)
        if (!names.has(mem.name))
          report(
            mem.pos,
            `virtual router ${mem.name} in sync group ${g.name} does not exist`,
            'define the vrrp_instance or remove it from the group',
          );
  },
});

export const KA019 = fileRule({
  code: 'KA019',
  severity: 'warning',
  title: 'sync group with fewer than 2 members',
  check({ model }, report) {
    const names = new Set(model.instances.map((i) => i.name));
    for (const g of model.syncGroups) {
      const existing = g.members.filter((x) => names.has(x.name));
      if (existing.length < 2)
        report(
          g.node.pos,
          `sync group ${g.name} has ${existing.length} virtual router(s)`,
          'a sync group needs at least 2 instances',
        );
    }
  },
});

export const KA021 = fileRule({
  code: 'KA021',
  severity: 'warning',
  title: 'tracked script is not defined',
  check({ model }, report) {
    for (const i of model.instances) {
      for (const t of i.trackScripts) {
        const script = model.scripts.get(t.name);
        if (script && !child(script, 'script'))
          report(
            t.pos,
            `(${i.name}) track script ${t.name} has no script line; keepalived drops it`,
            `add script "/absolute/path" to vrrp_script ${t.name}`,
          );
        if (!script)
          report(
            t.pos,
            `(${i.name}) track script ${t.name} is not defined`,
            `define vrrp_script ${t.name} { script ... }`,
          );
      }
    }
  },
});

export const KA038 = fileRule({
  code: 'KA038',
  severity: 'warning',
  title: 'tracking weight on a sync group member (ignored)',
  check({ model }, report) {
    for (const i of model.instances) {
      const group = model.syncGroups.find((g) => g.members.some((x) => x.name === i.name));
      if (!group || child(group.node, 'sync_group_tracking_weight')) continue;
      for (const t of i.kv.get('track_interface')?.block ?? [])
        if (t.args.includes('weight'))
          report(
            t.pos,
            `(${i.name}) weight of tracked interface ${t.keyword} is ignored in sync group ${group.name}`,
            'remove the weight, or add sync_group_tracking_weight to the group',
          );
    }
  },
});

export const KA020 = fileRule({
  code: 'KA020',
  severity: 'warning',
  title: 'track_script on a sync group member (track it on the group)',
  check({ model }, report) {
    const names = new Set(model.instances.map((i) => i.name));
    const members = new Set(
      model.syncGroups.flatMap((g) => g.members.map((m) => m.name)).filter((n) => names.has(n)),
    );
    for (const i of model.instances)
      if (members.has(i.name) && i.trackScripts.length > 0)
        report(
          i.kv.get('track_script')?.pos ?? i.node.pos,
          `(${i.name}) is in a sync group: track scripts belong on the group`,
          'move track_script to the vrrp_sync_group',
        );
  },
});

export const KA022 = fileRule({
  code: 'KA022',
  severity: 'warning',
  title: 'vrrp_script without script',
  check({ model }, report) {
    for (const [name, s] of model.scripts)
      if (!child(s, 'script'))
        report(
          s.end ?? s.pos,
          `vrrp_script ${name} (line ${s.pos.line}) has no script; keepalived removes it`,
          'add script "/absolute/path args"',
        );
  },
});
