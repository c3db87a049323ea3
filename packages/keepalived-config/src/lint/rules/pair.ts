import { pairRule } from '../define.js';

export const KA101 = pairRule({
  code: 'KA101',
  severity: 'error',
  title: 'instance missing on the peer',
  check({ a, b }, report) {
    const inB = new Set(b.model.instances.map((j) => j.name));
    const inA = new Set(a.model.instances.map((i) => i.name));
    for (const i of a.model.instances)
      if (!inB.has(i.name))
        report(
          i.node.pos,
          `vrrp_instance ${i.name} has no counterpart in ${b.file.file}`,
          'define the same instance on both nodes',
        );
    for (const j of b.model.instances)
      if (!inA.has(j.name))
        report(
          j.node.pos,
          `vrrp_instance ${j.name} has no counterpart in ${a.file.file}`,
          'define the same instance on both nodes',
        );
  },
});

export const KA102 = pairRule({
  code: 'KA102',
  severity: 'error',
  title: 'VRID differs between the pair',
  check({ a, matched }, report) {
    for (const [i, j] of matched)
      if (i.vrid !== j.vrid)
        report(
          j.kv.get('virtual_router_id')?.pos ?? j.node.pos,
          `(${i.name}) VRID ${j.vrid ?? 'unset'} differs from ${i.vrid ?? 'unset'} in ${a.file.file}`,
          'use the same virtual_router_id on both nodes',
        );
  },
});

export const KA103 = pairRule({
  code: 'KA103',
  severity: 'error',
  title: 'virtual addresses differ between the pair',
  check({ a, matched }, report) {
    for (const [i, j] of matched) {
      const va = i.vips
        .map((v) => v.addr)
        .sort()
        .join(' ');
      const vb = j.vips
        .map((v) => v.addr)
        .sort()
        .join(' ');
      if (va !== vb)
        report(
          j.kv.get('virtual_ipaddress')?.pos ?? j.node.pos,
          `(${i.name}) virtual addresses [${vb}] differ from [${va}] in ${a.file.file}`,
          'use the same virtual_ipaddress on both nodes',
        );
    }
  },
});

export const KA104 = pairRule({
  code: 'KA104',
  severity: 'error',
  title: 'advert_int differs between the pair',
  check({ a, matched }, report) {
    for (const [i, j] of matched)
      if ((i.advertInt ?? 1) !== (j.advertInt ?? 1))
        report(
          j.kv.get('advert_int')?.pos ?? j.node.pos,
          `(${i.name}) advert_int ${j.advertInt ?? 1} differs from ${i.advertInt ?? 1} in ${a.file.file}`,
          'use the same advert_int on both nodes',
        );
  },
});

export const KA105 = pairRule({
  code: 'KA105',
  severity: 'error',
  title: 'authentication differs between the pair',
  check({ a, matched }, report) {
    for (const [i, j] of matched)
      if (i.authType !== j.authType || (i.authPass ?? '').slice(0, 8) !== (j.authPass ?? '').slice(0, 8))
        report(
          j.kv.get('authentication')?.pos ?? j.node.pos,
          `(${i.name}) authentication differs from ${a.file.file}`,
          'use the same auth_type and auth_pass on both nodes',
        );
  },
});

export const KA106 = pairRule({
  code: 'KA106',
  severity: 'error',
  title: 'VRRP version differs between the pair',
  check({ a, matched }, report) {
    for (const [i, j] of matched)
      if (i.version !== j.version)
        report(
          j.kv.get('version')?.pos ?? j.node.pos,
          `(${i.name}) VRRP version ${j.version} differs from ${i.version} in ${a.file.file}`,
          'use the same version on both nodes',
        );
  },
});

export const KA107 = pairRule({
  code: 'KA107',
  severity: 'error',
  title: 'unicast_src_ip not in the peer unicast_peer',
  check({ a, b, matched }, report) {
    for (const [i, j] of matched) {
      if (i.unicastSrc !== undefined && j.peers.length > 0 && !j.peers.includes(i.unicastSrc))
        report(
          j.kv.get('unicast_peer')?.pos ?? j.node.pos,
          `(${i.name}) unicast_src_ip ${i.unicastSrc} of ${a.file.file} is not in this unicast_peer`,
          `add ${i.unicastSrc} to unicast_peer`,
        );
      if (j.unicastSrc !== undefined && i.peers.length > 0 && !i.peers.includes(j.unicastSrc))
        report(
          i.kv.get('unicast_peer')?.pos ?? i.node.pos,
          `(${i.name}) unicast_src_ip ${j.unicastSrc} of ${b.file.file} is not in this unicast_peer`,
          `add ${j.unicastSrc} to unicast_peer`,
        );
    }
  },
});

export const KA108 = pairRule({
  code: 'KA108',
  severity: 'warning',
  title: 'priorities are equal',
  check({ matched }, report) {
    for (const [i, j] of matched)
      if ((i.priority ?? 100) === (j.priority ?? 100))
        report(
          j.kv.get('priority')?.pos ?? j.node.pos,
          `(${i.name}) both nodes have priority ${j.priority ?? 100}`,
          'give the preferred master a higher priority',
        );
  },
});

export const KA109 = pairRule({
  code: 'KA109',
  severity: 'warning',
  title: 'not exactly one preferred master (state MASTER)',
  check({ matched }, report) {
    for (const [i, j] of matched) {
      const masters = (i.state === 'MASTER' ? 1 : 0) + (j.state === 'MASTER' ? 1 : 0);
      const noPreempt = i.kv.has('nopreempt') && j.kv.has('nopreempt');
      if (masters !== 1 && !noPreempt)
        report(
          j.kv.get('state')?.pos ?? j.node.pos,
          `(${i.name}) ${masters} nodes have state MASTER`,
          'set state MASTER on exactly one node (or BACKUP on both with nopreempt)',
        );
    }
  },
});
