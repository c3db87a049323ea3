import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, missing, type Netns } from '@hagate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, type VrrpInstance } from './build.js';
import { lint, lintPair, RULES, scriptProblem } from './lint.js';
import { parse } from './parse.js';
import { print } from './print.js';

const SEC = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';
/** A valid instance; `extra` lines are inserted before its closing brace (line 9 onwards). */
const inst = (extra: string, head = 'state BACKUP') =>
  `vrrp_instance VI {\n  ${head}\n  interface eth1\n  virtual_router_id 7\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    10.0.0.9/24\n  }\n${extra}\n}\n`;

interface Case {
  code: keyof typeof RULES;
  text: string;
  line: number;
  /** What keepalived -t 2.2 prints for the same problem (checked for real when possible). */
  keepalived?: RegExp;
}

const cases: Case[] = [
  { code: 'KA001', text: inst('  prority 5'), line: 10, keepalived: /Unknown keyword 'prority'/ },
  { code: 'KA001', text: 'vrrp_sync_group G {\n  VI\n}\n', line: 2, keepalived: /Unknown keyword 'VI'/ },
  {
    code: 'KA002',
    text: inst('  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }'),
    line: 12,
    keepalived: /Truncating auth_pass to 8 characters/,
  },
  {
    code: 'KA003',
    text: inst('  nopreempt', 'state MASTER'),
    line: 10,
    keepalived: /nopreempt will not work with initial state MASTER/,
  },
  {
    code: 'KA004',
    text: inst('  preempt_delay 5', 'state MASTER'),
    line: 10,
    keepalived: /preempt delay will not work with initial state MASTER/,
  },
  {
    code: 'KA005',
    text: inst('').replace('priority 100', 'priority 256'),
    line: 5,
    keepalived: /Priority not valid/,
  },
  { code: 'KA006', text: inst('').replace('priority 100', 'priority 255'), line: 5 },
  {
    code: 'KA007',
    text: inst('').replace('advert_int 1', 'advert_int 0.5'),
    line: 6,
    keepalived: /VRRPv2 advertisement interval 0.500000s must be an integer/,
  },
  {
    code: 'KA008',
    text: inst('  unicast_src_ip 10.0.0.1'),
    line: 10,
    keepalived: /unicast keyword has been specified without any unicast peers/,
  },
  {
    code: 'KA009',
    text: `global_defs {\n  vrrp_strict\n}\n${inst('  authentication {\n    auth_type PASS\n    auth_pass abc\n  }')}`,
    line: 13,
    keepalived: /Strict mode does not support authentication/,
  },
  { code: 'KA010', text: inst('').replace('10.0.0.9/24', 'fe80::9/64'), line: 8 },
  {
    code: 'KA011',
    text: inst('').replace('10.0.0.9/24', '10.0.0.9/24\n    2001:db8::9/64'),
    line: 9,
    keepalived: /address family must match VRRP instance/,
  },
  {
    code: 'KA012',
    text: inst('  version 3\n  authentication {\n    auth_type PASS\n    auth_pass abc\n  }'),
    line: 11,
    keepalived: /VRRP version 3 does not support authentication/,
  },
  {
    code: 'KA013',
    text: inst('').replace('  virtual_router_id 7\n', ''),
    line: 1,
    keepalived: /the virtual router id must be set/,
  },
  {
    code: 'KA013',
    text: inst('').replace('virtual_router_id 7', 'virtual_router_id 300'),
    line: 4,
    keepalived: /VRID '300' not valid/,
  },
  {
    code: 'KA014',
    text: inst('').replace('  interface eth1\n', ''),
    line: 1,
    keepalived: /Unknown interface!/,
  },
  {
    code: 'KA015',
    text: inst('').replace('  virtual_ipaddress {\n    10.0.0.9/24\n  }\n', ''),
    line: 1,
    keepalived: /No VIP specified/,
  },
  {
    code: 'KA016',
    text: inst('  authentication {\n    auth_type PASS\n  }'),
    line: 10,
    keepalived: /Authentication specified but no password given/,
  },
  {
    code: 'KA017',
    text: inst('') + inst('').replace('vrrp_instance VI', 'vrrp_instance VJ'),
    line: 15,
    keepalived: /VI and VJ both use VRID 7 with IPv4 on interface eth1/,
  },
  {
    code: 'KA018',
    text: `vrrp_sync_group G {\n  group {\n    VI\n    NOPE\n  }\n}\n${inst('')}`,
    line: 4,
    keepalived: /Virtual router NOPE specified in sync group G doesn't exist/,
  },
  {
    code: 'KA019',
    text: `vrrp_sync_group G {\n  group {\n    VI\n  }\n}\n${inst('')}`,
    line: 1,
    keepalived: /Sync group G has only 1 virtual router/,
  },
  {
    code: 'KA020',
    text: `${SEC}vrrp_script s {\n  script /bin/true\n}\nvrrp_sync_group G {\n  group {\n    VI\n    VJ\n  }\n}\n${inst('  track_script {\n    s\n  }')}${inst('').replace('VI {', 'VJ {').replace('id 7', 'id 8')}`,
    line: 23,
  },
  {
    code: 'KA021',
    text: inst('  track_script {\n    nothere\n  }'),
    line: 11,
    keepalived: /track script nothere not found/,
  },
  {
    code: 'KA022',
    text: `vrrp_script s {\n  interval 1\n}\n${inst('')}`,
    line: 3,
    keepalived: /No script set for vrrp_script s - removing/,
  },
  {
    code: 'KA023',
    text: `vrrp_script s {\n  script /bin/true\n}\n${inst('  track_script {\n    s\n  }')}`,
    line: 2,
    keepalived: /SECURITY VIOLATION - scripts are being executed but script_security not enabled/,
  },
  { code: 'KA024', text: SEC + inst('  notify notify.sh'), line: 14 },
  {
    code: 'KA025',
    text: `global_defs {\n  enable_script_security\n}\n${inst('  notify /bin/true')}`,
    line: 2,
    keepalived: /Unable to set default user keepalived_script/,
  },
  {
    code: 'KA026',
    text: inst('  virtual_routes {\n    10.1.0.0/16 gw 10.0.0.1 dev eth1\n  }'),
    line: 11,
    keepalived: /"gw" for routes is deprecated/,
  },
  {
    code: 'KA027',
    text: inst('  virtual_routes {\n    10.1.0.0/16 via 10.0.0.1\n  }'),
    line: 11,
    keepalived: /cannot track route 10.1.0.0\/16 with no interface/,
  },
  {
    code: 'KA028',
    text: 'static_rules {\n  from 10.0.0.0/24 table 1\n}\n',
    line: 2,
    keepalived: /Rule has no preference specified/,
  },
  {
    code: 'KA029',
    text: 'static_rules {\n  from 10.0.0./24 table 1 preference 5\n}\n',
    line: 2,
    keepalived: /Invalid rule from address 10.0.0.\/24/,
  },
  {
    code: 'KA031',
    text: inst('', 'state PRIMARY'),
    line: 2,
    keepalived: /unknown state 'PRIMARY', defaulting to BACKUP/,
  },
  {
    code: 'KA032',
    text: inst('').replace('advert_int 1', 'advert_int 300'),
    line: 6,
    keepalived: /Advert interval \(300\) not valid/,
  },
  {
    code: 'KA036',
    text: inst('  nopreempt\n  preempt_delay 5'),
    line: 11,
    keepalived: /preempt_delay is incompatible with nopreempt mode/,
  },
  {
    code: 'KA037',
    text: inst('  track_interface {\n    eth1\n  }'),
    line: 11,
    keepalived: /Ignoring track_interface eth1 since own interface/,
  },
  {
    code: 'KA038',
    text: `vrrp_sync_group G {\n  group {\n    VI\n    VJ\n  }\n}\n${inst('  track_interface {\n    eth1p weight 10\n  }')}${inst('').replace('VI {', 'VJ {').replace('id 7', 'id 8')}`,
    line: 17,
    keepalived: /ignoring eth1p tracked interface weight due to SYNC group/,
  },
  { code: 'KA039', text: SEC + inst('  notify "/bin/echo x | /usr/bin/logger"'), line: 14 },
  { code: 'KA033', text: inst('') + inst('').replace('id 7', 'id 8'), line: 12 },
  {
    code: 'KA001',
    text: `router_id r1\n${inst('')}`,
    line: 1,
    keepalived: /Unknown keyword 'router_id'/,
  },
  {
    code: 'KA042',
    text: inst('').replace(/}\n$/, ''),
    line: 1,
    keepalived: /There are 1 missing '}'s or extra '{'s/,
  },
  {
    code: 'KA043',
    text: inst('  preempt_delay'),
    line: 10,
    keepalived: /missing a parameter after keyword `preempt_delay`/,
  },
  {
    code: 'KA044',
    text: `vrrp_script s {\n  script /bin/true\n  rise 0\n}\n${inst('')}`,
    line: 3,
    keepalived: /number '0' outside range \[1, 2147483647\]/,
  },
  {
    code: 'KA045',
    text: inst('  authentication {\n    auth_type PASS;\n    auth_pass abc\n  }'),
    line: 11,
    keepalived: /unknown authentication type 'PASS;'/,
  },
  {
    code: 'KA046',
    text: SEC + inst('  notify_master /bin/true\n  notify_master /bin/false'),
    line: 15,
    keepalived: /notify_master script already specified - ignoring \/bin\/false/,
  },
  {
    code: 'KA047',
    text: 'virtual_server 10.0.0.1 80 {\n  lb_kind DRR\n  protocol TCP\n}\n',
    line: 2,
    keepalived: /unknown \[DRR\] routing method for virtual server/,
  },
  {
    code: 'KA048',
    text: `global_defs {\n  router_id\n}\n${inst('')}`,
    line: 2,
    keepalived: /routerid name missing/,
  },
  {
    code: 'KA029',
    text: inst('  unicast_peer {\n    10.0.0.300\n  }'),
    line: 11,
    keepalived: /malformed unicast peer address\[10.0.0.300\]/,
  },
];

describe('lint: single-file rules', () => {
  it('finds nothing in a clean config', () => {
    expect(lint(parse(SEC + inst('  notify /usr/local/sbin/agent')))).toEqual([]);
  });

  it.each(cases.map((c) => [c.code, c] as const))('%s', (_code, c) => {
    const found = lint(parse(c.text, { file: 'case.conf' }), { configId: 'none' });
    const hit = found.find((d) => d.code === c.code);
    expect(hit, JSON.stringify(found)).toBeDefined();
    expect(hit?.pos.line).toBe(c.line);
    expect(hit?.hint).toBeTruthy();
    expect(['error', 'warning', 'info']).toContain(hit?.severity);
  });

  it('has one case per rule code at least (KA000, KA030, KA034, KA035, KA040, KA041 are covered elsewhere)', () => {
    const covered = new Set(cases.map((c) => c.code));
    const singleFile = Object.keys(RULES).filter(
      (k) => /^KA0/.test(k) && !['KA000', 'KA030', 'KA034', 'KA035', 'KA040', 'KA041'].includes(k),
    );
    expect(singleFile.filter((k) => !covered.has(k as keyof typeof RULES))).toEqual([]);
  });

  it('KA030 reports protocol on a fwmark virtual server', () => {
    const d = lint(parse('virtual_server fwmark 1 {\n  protocol TCP\n}\n'));
    expect(d.map((x) => [x.code, x.pos.line])).toContainEqual(['KA030', 2]);
  });

  it('KA035 reports a VIP outside the interface subnet when the interfaces are known', () => {
    const d = lint(parse(inst('')), { interfaces: { eth1: ['10.9.0.1/24'] } });
    expect(d.map((x) => x.code)).toEqual(['KA035']);
    expect(lint(parse(inst('')), { interfaces: { eth1: ['10.0.0.1/24'] } })).toEqual([]);
  });

  it('evaluates conditionals and definitions like keepalived -i', () => {
    const text = `$P=300\n@main $P=100\n${inst('').replace('priority 100', 'priority $P')}`;
    expect(lint(parse(text), { configId: 'main' })).toEqual([]);
    expect(lint(parse(text), { configId: 'other' }).map((d) => d.code)).toEqual(['KA005']);
  });

  it('expands multi-line definitions and ~SEQ', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keepalived parameter syntax
    const text = '$I= \\\n  vrrp_instance VI_${N} { \\\n    prority 1 \\\n  }\n~SEQ(N, 1, 2) $I\n';
    const d = lint(parse(text));
    expect(d.filter((x) => x.code === 'KA001')).toHaveLength(2);
    expect(d.every((x) => x.pos.line === 5)).toBe(true);
  });

  it('KA034 and KA041 check script files and FIFO directories on disk when asked', (ctx) => {
    const why = missing('root');
    if (why) ctx.skip(why);
    const dir = mkdtempSync(join(tmpdir(), 'hgt-lint-'));
    try {
      const ok = join(dir, 'ok');
      const open = join(dir, 'open');
      writeFileSync(ok, '#!/bin/sh\n', { mode: 0o755 });
      writeFileSync(open, '#!/bin/sh\n');
      chmodSync(open, 0o777);
      expect(scriptProblem(open)).toBe('writable by group or others');
      expect(scriptProblem(join(dir, 'none'))).toBe('does not exist or is not executable');
      // /tmp is world-writable: a script under it is refused whatever its own mode.
      expect(scriptProblem(ok)).toMatch(/directory \/tmp is writable/);
      expect(lint(parse(SEC + inst(`  notify ${open}`)), { checkScripts: true }).map((x) => x.code)).toEqual([
        'KA034',
      ]);
      const fifo = (p: string) => `global_defs {\n  vrrp_notify_fifo ${p}\n}\n${inst('')}`;
      expect(lint(parse(fifo(join(dir, 'nodir/k.fifo'))), { checkScripts: true }).map((x) => x.code)).toEqual(
        ['KA041'],
      );
      expect(lint(parse(fifo(join(dir, 'k.fifo'))), { checkScripts: true })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lint agrees with keepalived -t on the same input', () => {
  let ns: Netns | undefined;
  let dir = '';
  beforeAll(() => {
    if (missing('root', 'keepalived', 'ip') !== undefined) return;
    ns = createNetns('lint');
    ns.addVeth('eth1', 'eth1p');
    dir = mkdtempSync(join(tmpdir(), 'hgt-lint-ka-'));
  });
  afterAll(() => {
    ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.for(cases.filter((c) => c.keepalived).map((c) => [c.code, c] as const))('%s', ([, c], ctx) => {
    const why = missing('root', 'keepalived', 'ip');
    if (why) ctx.skip(why);
    const file = join(dir, `${c.code}.conf`);
    writeFileSync(file, c.text);
    const r = ns!.exec(['keepalived', '-t', '-l', '-D', '-n', '-f', file]);
    expect(`${r.stdout}${r.stderr}`).toMatch(c.keepalived!);
    expect(r.status).not.toBe(0);
  });
});

describe('lintPair: cross-node rules', () => {
  const base = (over: Partial<VrrpInstance> = {}): VrrpInstance => ({
    name: 'VI',
    state: 'BACKUP',
    interface: 'eth1',
    virtualRouterId: 1,
    priority: 100,
    advertInt: 1,
    unicastSrcIp: '10.0.0.1',
    unicastPeers: ['10.0.0.2'],
    virtualIpaddress: [{ address: '10.0.0.254/24' }],
    ...over,
  });
  const pair = (a: Partial<VrrpInstance>, b: Partial<VrrpInstance>) =>
    lintPair(
      parse(print(buildConfig({ instances: [base({ state: 'MASTER', priority: 200, ...a })] })), {
        file: 'a.conf',
      }),
      parse(
        print(
          buildConfig({ instances: [base({ unicastSrcIp: '10.0.0.2', unicastPeers: ['10.0.0.1'], ...b })] }),
        ),
        { file: 'b.conf' },
      ),
    );

  it('finds nothing in a consistent pair', () => {
    expect(pair({}, {})).toEqual([]);
  });

  it.each<[string, Partial<VrrpInstance>, Partial<VrrpInstance>]>([
    ['KA101', { name: 'OTHER' }, {}],
    ['KA102', {}, { virtualRouterId: 2 }],
    ['KA103', {}, { virtualIpaddress: [{ address: '10.0.0.253/24' }] }],
    ['KA104', {}, { advertInt: 2 }],
    [
      'KA105',
      { authentication: { type: 'PASS', password: 'a' } },
      { authentication: { type: 'PASS', password: 'b' } },
    ],
    ['KA106', {}, { version: 3 }],
    ['KA107', {}, { unicastPeers: ['10.0.0.3'] }],
    ['KA108', {}, { priority: 200 }],
    ['KA109', {}, { state: 'MASTER' }],
  ])('%s', (code, a, b) => {
    const d = pair(a, b);
    expect(d.map((x) => x.code)).toContain(code);
    const hit = d.find((x) => x.code === code)!;
    expect(hit.pos.line).toBeGreaterThan(0);
    expect(hit.hint).toBeTruthy();
  });
});
