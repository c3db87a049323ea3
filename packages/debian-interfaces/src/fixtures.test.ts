import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type InterfacesFile,
  loadInterfaces,
  type MappingNode,
  parseInterfaces,
  printInterfaces,
} from './index.js';

const dir = new URL('../test/fixtures/', import.meta.url).pathname;
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.interfaces'))
  .sort();
const scratch = mkdtempSync(join(tmpdir(), 'hagate-ifaces-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The files that the fixtures' `source` / `source-directory` lines name, written by the test: paths
 * under `root/` once per fixture (its `/etc/network/` paths are rewritten to that folder), the others
 * next to each copy of the fixture (its relative paths). Some are there to be left out, as ifupdown
 * leaves them out: dot files for `*`, names that are not run-parts names for `source-directory`.
 */
const sourced: Record<string, Record<string, string>> = {
  '18-source.interfaces': {
    'root/etc/network/interfaces.d/eth1':
      'auto eth1\niface eth1 inet static\n\taddress 10.0.1.1/24\n\tmtu 9000\n',
    'root/etc/network/interfaces.d/wlan0.cfg':
      'allow-hotplug wlan0\niface wlan0 inet dhcp\n\twpa-conf /etc/wpa_supplicant/wlan0.conf\n',
    'root/etc/network/interfaces.d/.hidden': 'auto hidden0\niface hidden0 inet manual\n',
    'interfaces.d/eth2': 'auto eth2\niface eth2 inet manual\n\tup ip link set $IFACE promisc on\n',
    'interfaces.d/eth3.cfg': 'auto eth3\niface eth3 inet manual\n',
  },
  '19-source-relative.interfaces': {
    'extra-file': 'auto eth1\niface eth1 inet dhcp\n\thostname r1\n',
    'sub/a.cfg': 'auto br0\niface br0 inet manual\n\tbridge_ports none\n',
    'sub/b.cfg': 'source ../nested.d/vlan\n',
    'sub/c.txt': 'auto eth9\niface eth9 inet manual\n',
    'nested.d/vlan': 'auto eth0.10\niface eth0.10 inet manual\n\tvlan-raw-device eth0\n',
  },
  // Bracket expressions as glob(3) reads them: a POSIX class, a negation, a ']' first; dot files left out.
  '40-source-brackets.interfaces': {
    'parts.d/10-uplink': 'auto eth1\niface eth1 inet static\n\taddress 192.0.2.5/28\n',
    'parts.d/7.cfg': 'iface eth7 inet dhcp\n',
    'parts.d/vlan.cfg':
      'iface eth0.30 inet static\n\taddress 198.51.100.30\n\tnetmask 255.255.255.0\n\tvlan-raw-device eth0\n',
    'parts.d/]extra': 'iface br9 inet6 static\n\taddress 2001:db8:9::9\n',
    'parts.d/x-files': 'iface eth3 inet manual\n',
    'parts.d/.5-hidden': 'iface hidden5 inet manual\n',
    'parts.d/.x.cfg': 'iface hidden6 inet manual\n',
  },
};

/**
 * The mapping scripts of the fixtures, replaced by the test's own: it prints the logical name of the
 * `map KEY LOGICAL` line whose KEY is $HGT_MAP_KEY (nothing otherwise), so ifquery really maps.
 */
const mapScripts: Record<string, string[]> = {
  '20-mapping.interfaces': ['/usr/local/sbin/map-scheme'],
  '21-mapping-multi.interfaces': ['/usr/share/doc/ifupdown/examples/get-mac-address.sh'],
};
const mapScript = join(scratch, 'map-by-key');
writeFileSync(
  mapScript,
  '#!/bin/sh\n# hagate test mapping: the logical name of the map line whose key is $HGT_MAP_KEY\nwhile read -r key logical rest; do\n  if [ "$key" = "$HGT_MAP_KEY" ]; then echo "$logical"; exit 0; fi\ndone\n',
);
chmodSync(mapScript, 0o755);

/** The fixture as the scratch copy holds it: absolute paths rewritten into the scratch folder. */
function prepare(name: string, text: string): string {
  let t = text.replaceAll('/etc/network/', `${join(scratch, name, 'root')}/etc/network/`);
  for (const p of mapScripts[name] ?? []) t = t.replaceAll(p, mapScript);
  return t;
}

/** Writes the fixture's text as `<scratch>/<fixture>/<copy>/interfaces`, with the files it sources. */
function writeCopy(name: string, copy: string, text: string): string {
  const base = join(scratch, name);
  for (const [rel, content] of Object.entries(sourced[name] ?? {})) {
    const p = rel.startsWith('root/') ? join(base, rel) : join(base, copy, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  mkdirSync(join(base, copy), { recursive: true });
  writeFileSync(join(base, copy, 'interfaces'), text);
  return join(base, copy, 'interfaces');
}

/** Tree without positions and original text. */
function meaning(f: InterfacesFile): unknown {
  return JSON.parse(
    JSON.stringify(f, (k, v) => (k === 'loc' || k === 'pos' || k === 'source' ? undefined : v)),
  );
}

function ifquery(path: string, args: string[], mapKey = ''): { status: number; out: string } {
  const r = run(['ifquery', '-i', path, ...args], { env: { ...process.env, HGT_MAP_KEY: mapKey } });
  return {
    status: r.status,
    out: `status=${r.status}\n${r.stdout}${r.stderr.replaceAll(dirname(path), 'DIR')}`,
  };
}

/**
 * Everything ifquery says about a file: the lists per allow class and each interface's options, for
 * the stanzas of `f` (the file with what it sources, see loadInterfaces) and the listed names.
 */
function ifqueryView(path: string, f: InterfacesFile, mapKey = ''): Record<string, string> {
  const q = (...args: string[]) => ifquery(path, args, mapKey).out;
  const classes = new Set<string>();
  const names = new Set<string>();
  for (const n of f.nodes) {
    if (n.kind === 'allow') classes.add(n.class);
    if (n.kind === 'iface') names.add(n.name);
  }
  const view: Record<string, string> = { list: q('--list') };
  for (const c of classes) view[`list --allow=${c}`] = q('--list', `--allow=${c}`);
  for (const line of view.list!.split('\n').slice(1)) if (line) names.add(line);
  for (const name of names) view[name] = q(name);
  return view;
}

/** A mapping's `map KEY LOGICAL` lines, as our parser read them. */
function mapTable(m: MappingNode): Array<[string, string]> {
  return m.items.flatMap((i): Array<[string, string]> => {
    if (i.kind !== 'option' || i.name !== 'map') return [];
    const [key = '', logical = ''] = i.value.split(/\s+/);
    return [[key, logical]];
  });
}

/** The first `map` key of the file: every fixture is queried with its mappings resolving. */
function firstKey(f: InterfacesFile): string {
  for (const n of f.nodes) if (n.kind === 'mapping') for (const [key] of mapTable(n)) return key;
  return '';
}

describe.each(fixtures)('fixture %s', (name) => {
  const text = readFileSync(join(dir, name), 'utf8');

  it('parse -> print gives back the same bytes', () => {
    expect(printInterfaces(parseInterfaces(text, { file: name }))).toBe(text);
  });

  it('the canonical print means the same to the parser', () => {
    const ast = parseInterfaces(text, { file: name });
    const canonical = printInterfaces(ast, { canonical: true });
    expect(meaning(parseInterfaces(canonical))).toEqual(meaning(ast));
    expect(printInterfaces(parseInterfaces(canonical), { canonical: true })).toBe(canonical);
  });

  it('ifquery reads the canonical print exactly as the original', (ctx) => {
    needs(ctx, 'ifquery');
    const prepared = prepare(name, text);
    const ast = parseInterfaces(prepared, { file: name });
    const a = writeCopy(name, 'original', prepared);
    const b = writeCopy(name, 'printed', printInterfaces(ast, { canonical: true }));
    const key = firstKey(ast);
    const original = ifqueryView(a, loadInterfaces(a).file, key);
    expect(original.list).toMatch(/^status=0\n/);
    // Every defined stanza is accepted (names listed through patterns depend on the host's NICs).
    const defined = loadInterfaces(a).file.nodes.flatMap((n) => (n.kind === 'iface' ? [n.name] : []));
    for (const k of defined) expect(original[k], `ifquery ${k} on the original`).toMatch(/^status=0\n/);
    expect(ifqueryView(b, loadInterfaces(b).file, key)).toEqual(original);
  });
});

describe.each(Object.keys(sourced))('fixture %s with the files it sources', (name) => {
  const text = readFileSync(join(dir, name), 'utf8');

  it('loadInterfaces reads the files ifquery reads', (ctx) => {
    needs(ctx, 'ifquery');
    const main = writeCopy(name, 'loaded', prepare(name, text));
    const loaded = loadInterfaces(main);
    expect(loaded.problems).toEqual([]);
    expect(loaded.files.length).toBeGreaterThan(1);
    // The automatic interfaces, in reading order, as ifquery lists them (per allow class too).
    const listed = (f: InterfacesFile, keyword: (n: InterfacesFile['nodes'][number]) => boolean) => [
      ...new Set(f.nodes.flatMap((n) => (keyword(n) && 'names' in n ? n.names : []))),
    ];
    const lines = (r: { status: number; out: string }) =>
      r.out
        .split('\n')
        .slice(1)
        .filter((l) => l !== '');
    // ifupdown 0.8 always lists lo first (it defines `auto lo` itself).
    const autos = listed(loaded.file, (n) => n.kind === 'auto').filter((n) => n !== 'lo');
    expect(lines(ifquery(main, ['--list']))).toEqual(['lo', ...autos]);
    expect(lines(ifquery(main, ['--list', '--allow=hotplug']))).toEqual(
      listed(loaded.file, (n) => n.kind === 'allow' && n.class === 'hotplug'),
    );
    // A stanza is known to ifquery exactly when the loader read it, with the options it read.
    const read = new Map<string, string[]>();
    for (const n of loaded.file.nodes)
      if (n.kind === 'iface')
        read.set(n.name, [
          ...(read.get(n.name) ?? []),
          ...n.items.flatMap((i) =>
            i.kind === 'option' && i.name !== 'address' && i.name !== 'netmask'
              ? [`${i.name}: ${i.value}`]
              : [],
          ),
        ]);
    const written = Object.values(sourced[name]!).flatMap((t) =>
      [...t.matchAll(/^iface (\S+)/gm)].map((m) => m[1]!),
    );
    expect(
      written.some((n) => !read.has(n)),
      'some sourced files are there to be left out',
    ).toBe(true);
    for (const n of new Set([...written, ...read.keys()])) {
      const r = ifquery(main, [n]);
      expect(r.status === 0, `ifquery ${n}: ${r.out}`).toBe(read.has(n));
      for (const opt of read.get(n) ?? []) expect(r.out.split('\n'), `ifquery ${n}`).toContain(opt);
    }
  });
});

describe.each(Object.keys(mapScripts))('fixture %s with a real mapping script', (name) => {
  const text = readFileSync(join(dir, name), 'utf8');

  it.runIf(mapScripts[name] !== undefined)(
    'ifquery maps physical names as the parsed map lines say',
    (ctx) => {
      needs(ctx, 'ifquery');
      const prepared = prepare(name, text);
      const ast = parseInterfaces(prepared, { file: name });
      const copies = [
        writeCopy(name, 'mapped-original', prepared),
        writeCopy(name, 'mapped-printed', printInterfaces(ast, { canonical: true })),
      ];
      let resolved = 0;
      for (const m of ast.nodes.filter((n): n is MappingNode => n.kind === 'mapping')) {
        const script = m.items.find((i) => i.kind === 'option' && i.name === 'script');
        if (script?.kind !== 'option' || script.value !== mapScript) continue;
        const table = mapTable(m);
        for (const physical of m.patterns.filter((p) => !/[*?[]/.test(p))) {
          // The first mapping naming a physical interface is the one ifupdown runs.
          const first = ast.nodes.find((n) => n.kind === 'mapping' && n.patterns.includes(physical));
          if (first !== m) continue;
          for (const [key, logical] of [...table, ['no-such-key', undefined] as const]) {
            for (const file of copies) {
              const r = run(['ifquery', '-v', '-i', file, physical], {
                env: { ...process.env, HGT_MAP_KEY: key },
              });
              if (logical === undefined) {
                expect(r.stderr).toContain(`no output from mapping script ${mapScript} on ${physical}`);
                expect(r.status).not.toBe(0);
                continue;
              }
              expect(r.stderr, `${physical} with key ${key}`).toContain(
                `querying interface ${physical}=${logical} (`,
              );
              expect(r.status).toBe(0);
              // What ifquery prints for the physical name is the logical stanza's options.
              expect(r.stdout).toBe(run(['ifquery', '-i', file, '--no-mappings', logical]).stdout);
              resolved++;
            }
          }
        }
      }
      expect(resolved).toBeGreaterThanOrEqual(4);
    },
  );
});

it('has at least 30 fixtures', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(30);
});
