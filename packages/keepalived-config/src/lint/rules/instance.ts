import type { NodePosition } from '../../ast.js';
import { fileRule } from '../define.js';
import { child, type Instance, type Model } from '../model.js';

/** Calls `fn` for each instance with `at(keyword)`: the keyword's position, or the instance's. */
export function eachInstance(m: Model, fn: (i: Instance, at: (k?: string) => NodePosition) => void): void {
  for (const i of m.instances)
    fn(i, (k) => (k === undefined ? i.node.pos : (i.kv.get(k)?.pos ?? i.node.pos)));
}

export const KA033 = fileRule({
  code: 'KA033',
  severity: 'error',
  title: 'instance name used twice',
  check({ model }, report) {
    const seen = new Set<string>();
    for (const i of model.instances) {
      if (seen.has(i.name))
        report(i.node.pos, `vrrp_instance ${i.name} is defined twice`, 'rename one of them');
      seen.add(i.name);
    }
  },
});

export const KA031 = fileRule({
  code: 'KA031',
  severity: 'warning',
  title: 'unknown state',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.state !== undefined && i.state !== 'MASTER' && i.state !== 'BACKUP')
        report(
          at('state'),
          `(${i.name}) unknown state '${i.state}', keepalived uses BACKUP`,
          'write state MASTER or state BACKUP',
        );
    });
  },
});

export const KA002 = fileRule({
  code: 'KA002',
  severity: 'warning',
  title: 'auth_pass longer than 8 characters (keepalived truncates it)',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.authPass !== undefined && i.authPass.length > 8)
        report(
          child(i.kv.get('authentication'), 'auth_pass')?.pos ?? at(),
          `(${i.name}) auth_pass is ${i.authPass.length} characters; keepalived truncates it to 8`,
          `use at most 8 characters (keepalived sends '${i.authPass.slice(0, 8)}')`,
        );
    });
  },
});

export const KA003 = fileRule({
  code: 'KA003',
  severity: 'warning',
  title: 'nopreempt with state MASTER (keepalived clears it)',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.state === 'MASTER' && i.kv.has('nopreempt'))
        report(
          at('nopreempt'),
          `(${i.name}) nopreempt does not work with state MASTER; keepalived clears it`,
          'use state BACKUP on both nodes with nopreempt',
        );
    });
  },
});

export const KA004 = fileRule({
  code: 'KA004',
  severity: 'warning',
  title: 'preempt_delay with state MASTER (keepalived clears it)',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.state === 'MASTER' && i.kv.has('preempt_delay'))
        report(
          at('preempt_delay'),
          `(${i.name}) preempt_delay does not work with state MASTER; keepalived clears it`,
          'use state BACKUP with preempt_delay',
        );
    });
  },
});

const validPriority = (p: number | undefined): p is number =>
  p !== undefined && Number.isInteger(p) && p >= 1 && p <= 255;

export const KA005 = fileRule({
  code: 'KA005',
  severity: 'error',
  title: 'priority outside 1-255',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.kv.has('priority') && !validPriority(i.priority))
        report(
          at('priority'),
          `(${i.name}) priority '${i.kv.get('priority')?.args[0] ?? ''}' is not an integer in 1-255; keepalived uses 100`,
          'use 1-254 (255 only for the address owner)',
        );
    });
  },
});

export const KA006 = fileRule({
  code: 'KA006',
  severity: 'warning',
  title: 'priority 255 is reserved for the address owner (state MASTER, VIP owned)',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.kv.has('priority') && validPriority(i.priority) && i.priority === 255 && i.state !== 'MASTER')
        report(
          at('priority'),
          `(${i.name}) priority 255 means the address owner but state is ${i.state ?? 'BACKUP'}`,
          'use 1-254, or state MASTER on the owner of the VIP',
        );
    });
  },
});

const validAdvert = (a: number | undefined): a is number =>
  a !== undefined && Number.isFinite(a) && a >= 0.01 && a <= 255;

export const KA032 = fileRule({
  code: 'KA032',
  severity: 'error',
  title: 'advert_int outside 0.01-255',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.kv.has('advert_int') && !validAdvert(i.advertInt))
        report(
          at('advert_int'),
          `(${i.name}) advert_int '${i.kv.get('advert_int')?.args[0] ?? ''}' is outside 0.01-255`,
          'use a number of seconds, e.g. 1',
        );
    });
  },
});

export const KA007 = fileRule({
  code: 'KA007',
  severity: 'warning',
  title: 'non-integer advert_int needs VRRPv3',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      const a = i.advertInt;
      if (i.kv.has('advert_int') && validAdvert(a) && i.version !== 3 && !Number.isInteger(a))
        report(
          at('advert_int'),
          `(${i.name}) VRRPv2 advert_int ${a} must be an integer; keepalived rounds it`,
          'use a whole number of seconds, or version 3',
        );
    });
  },
});

export const KA036 = fileRule({
  code: 'KA036',
  severity: 'warning',
  title: 'preempt_delay with nopreempt (keepalived resets it)',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.kv.has('nopreempt') && i.kv.has('preempt_delay'))
        report(
          at('preempt_delay'),
          `(${i.name}) preempt_delay is incompatible with nopreempt; keepalived resets it`,
          'remove preempt_delay or nopreempt',
        );
    });
  },
});

export const KA013 = fileRule({
  code: 'KA013',
  severity: 'error',
  title: 'virtual_router_id missing or outside 1-255',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (!i.kv.has('virtual_router_id'))
        report(at(), `(${i.name}) virtual_router_id is missing`, 'add virtual_router_id 1-255');
      else if (i.vrid === undefined || !Number.isInteger(i.vrid) || i.vrid < 1 || i.vrid > 255)
        report(
          at('virtual_router_id'),
          `(${i.name}) virtual_router_id '${i.kv.get('virtual_router_id')?.args[0] ?? ''}' is not in 1-255`,
          'use an integer 1-255, the same on both nodes',
        );
    });
  },
});

export const KA014 = fileRule({
  code: 'KA014',
  severity: 'error',
  title: 'instance without interface',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (!i.kv.has('interface')) report(at(), `(${i.name}) interface is missing`, 'add interface IFNAME');
    });
  },
});

export const KA015 = fileRule({
  code: 'KA015',
  severity: 'warning',
  title: 'instance without virtual address',
  check({ model }, report) {
    eachInstance(model, (i, at) => {
      if (i.vips.length === 0)
        report(at(), `(${i.name}) no virtual_ipaddress`, 'add virtual_ipaddress { ADDRESS/PREFIX }');
    });
  },
});
