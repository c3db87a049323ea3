import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missing, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type InterfacesFile, parseInterfaces, printInterfaces } from './index.js';

const dir = new URL('../test/fixtures/', import.meta.url).pathname;
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.interfaces'))
  .sort();
const scratch = mkdtempSync(join(tmpdir(), 'hagate-ifaces-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Tree without positions and original text. */
function meaning(f: InterfacesFile): unknown {
  return JSON.parse(JSON.stringify(f, (k, v) => (k === 'loc' || k === 'source' ? undefined : v)));
}

/** Everything ifquery says about a file: the lists per allow class and each interface's options. */
function ifqueryView(path: string, f: InterfacesFile): Record<string, string> {
  const q = (...args: string[]) => {
    const r = run(['ifquery', '-i', path, '--no-mappings', ...args]);
    return `status=${r.status}\n${r.stdout}${r.stderr.replaceAll(path, 'FILE')}`;
  };
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
    const why = missing('ifquery');
    if (why) ctx.skip(why);
    const ast = parseInterfaces(text, { file: name });
    const a = join(scratch, name, 'original');
    const b = join(scratch, name, 'printed');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    writeFileSync(join(a, 'interfaces'), text);
    writeFileSync(join(b, 'interfaces'), printInterfaces(ast, { canonical: true }));
    const original = ifqueryView(join(a, 'interfaces'), ast);
    expect(original.list).toMatch(/^status=0\n/);
    // Every defined stanza is accepted (names listed through patterns depend on the host's NICs).
    const defined = ast.nodes.flatMap((n) => (n.kind === 'iface' ? [n.name] : []));
    for (const k of defined) expect(original[k], `ifquery ${k} on the original`).toMatch(/^status=0\n/);
    expect(ifqueryView(join(b, 'interfaces'), ast)).toEqual(original);
  });
});

it('has at least 30 fixtures', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(30);
});
