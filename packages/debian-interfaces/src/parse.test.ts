import { describe, expect, it } from 'vitest';
import {
  auto,
  comment,
  formatDiagnostic,
  InterfacesBuildError,
  InterfacesSyntaxError,
  iface,
  interfacesFile,
  mapping,
  parseInterfaces,
  printInterfaces,
  source,
  type TopNode,
} from './index.js';

/** The parsed nodes without positions and original text, to compare meanings. */
function meaning(text: string): unknown {
  return JSON.parse(
    JSON.stringify(parseInterfaces(text), (k, v) =>
      k === 'loc' || k === 'pos' || k === 'source' ? undefined : v,
    ),
  );
}

describe('parseInterfaces', () => {
  it('reads auto, allow-, iface with options, source lines', () => {
    expect(
      meaning(
        'auto lo eth0\nallow-hotplug eth1\niface eth0 inet static\n\taddress 10.0.0.1/24\n\tup ip  route add x\nsource-dir d\n',
      ),
    ).toEqual({
      kind: 'file',
      finalNewline: true,
      nodes: [
        { kind: 'auto', names: ['lo', 'eth0'] },
        { kind: 'allow', class: 'hotplug', names: ['eth1'] },
        {
          kind: 'iface',
          name: 'eth0',
          family: 'inet',
          method: 'static',
          items: [
            { kind: 'option', name: 'address', value: '10.0.0.1/24' },
            { kind: 'option', name: 'up', value: 'ip  route add x' },
          ],
        },
        { kind: 'source-directory', path: 'd', keyword: 'source-dir' },
      ],
    });
  });

  it.each([
    ['continuation keeps the next line as is', 'iface e inet manual\n\tup a \\\n  b\n', 'a   b'],
    ['a continued line may start with #', 'iface e inet manual\n\tup a \\\n#b\n', 'a #b'],
    ['no end-of-line comments', 'iface e inet manual\n\tmtu 1500 # x\n', '1500 # x'],
    ['trailing blanks and CR dropped', 'iface e inet manual\n\tmtu 1500 \t\r\n', '1500'],
    ['a backslash followed by a blank does not continue', 'iface e inet manual\n\tup a \\ \n', 'a \\'],
  ])('%s', (_name, text, value) => {
    const f = parseInterfaces(text);
    const node = f.nodes[0];
    expect(node?.kind === 'iface' && node.items[0]?.kind === 'option' && node.items[0].value).toBe(value);
  });

  it('a comment never continues, and comments/blank lines after the last option are top-level', () => {
    const f = parseInterfaces(
      'iface a inet dhcp\n\tmtu 9\n\t# in\n\tmetric 1\n# x \\\niface b inet manual\n',
    );
    expect(f.nodes.map((n) => n.kind)).toEqual(['iface', 'comment', 'iface']);
    const a = f.nodes[0];
    expect(a?.kind === 'iface' && a.items.map((i) => i.kind)).toEqual(['option', 'comment', 'option']);
  });

  it('iface with inherits and no family/method, extra words kept', () => {
    expect(meaning('iface e inherits base\niface f inet manual x inherits b\n')).toMatchObject({
      nodes: [
        { kind: 'iface', name: 'e', inherits: 'base' },
        { kind: 'iface', name: 'f', family: 'inet', method: 'manual', inherits: 'b', extra: ['x'] },
      ],
    });
  });

  it('records line and column of each node, through continuations', () => {
    const f = parseInterfaces('\n  auto \\\n eth0\niface eth0 inet dhcp\n\thostname h\n');
    expect(f.nodes.map((n) => n.loc)).toEqual([
      { line: 1, column: 1 },
      { line: 2, column: 3 },
      { line: 4, column: 1 },
    ]);
    expect(f.nodes.map((n) => n.pos)).toEqual([
      { line: 1, col: 1, offset: 0 },
      { line: 2, col: 3, offset: 3 },
      { line: 4, col: 1, offset: 16 },
    ]);
    expect(parseInterfaces('auto lo\n', { file: 'x' }).nodes[0]?.pos).toEqual({
      file: 'x',
      line: 1,
      col: 1,
      offset: 0,
    });
  });

  it.each([
    ['option outside a stanza', 'mtu 9\n', 1, 1, /expected a stanza keyword .*found 'mtu' outside/],
    ['option after auto ends the stanza', 'iface e inet dhcp\nauto e\n\tmtu 9\n', 3, 2, /found 'mtu'/],
    [
      'option without value',
      'iface e inet dhcp\n  mtu   \n',
      2,
      9,
      /expected a value for option 'mtu', found end of line/,
    ],
    ['iface without name', 'iface\n', 1, 6, /expected an interface name/],
    ['iface without family', 'iface e\n', 1, 8, /expected an address family/],
    ['iface without method', 'iface e inet\n', 1, 13, /expected a method/],
    ['inherits without template', 'iface e inet dhcp inherits\n', 1, 27, /template name after 'inherits'/],
    [
      'unknown line in a mapping',
      'mapping e\n\tscript s\n\tfoo bar\n',
      3,
      2,
      /'script' or 'map'.*found 'foo'/,
    ],
    ['source without path', 'source   \n', 1, 10, /expected a path after source/],
    ['keywords are case-sensitive', 'AUTO eth0\n', 1, 1, /found 'AUTO'/],
    ['continued onto a second line', 'iface e inet dhcp\n\tup \\\n\n', 3, 1, /value for option 'up'/],
  ])('error: %s', (_n, text, line, column, message) => {
    let err: unknown;
    try {
      parseInterfaces(text, { file: 'f/interfaces' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InterfacesSyntaxError);
    const e = err as InterfacesSyntaxError;
    expect([e.file, e.line, e.column]).toEqual(['f/interfaces', line, column]);
    expect(e.message).toMatch(new RegExp(`^f/interfaces:${line}:${column}: `));
    expect(e.message).toMatch(message);
    expect(formatDiagnostic(e.diagnostic)).toBe(e.message);
    expect(e.diagnostic).toMatchObject({ code: 'IFUP001', severity: 'error', found: e.found });
  });
});

describe('printInterfaces', () => {
  it('prints built files in the canonical layout', () => {
    const f = interfacesFile(
      comment('generated'),
      auto('lo'),
      iface('lo', 'inet', 'loopback'),
      auto('eth1'),
      iface('eth1', 'inet', 'static', { address: '10.10.1.1/24', up: ['a', 'b'], mtu: 1500 }),
      mapping(['eth0'], '/bin/map', ['A a']),
      source('/etc/network/interfaces.d/*'),
    );
    expect(printInterfaces(f, { indent: '    ' })).toBe(
      [
        '# generated',
        'auto lo',
        'iface lo inet loopback',
        'auto eth1',
        'iface eth1 inet static',
        '    address 10.10.1.1/24',
        '    up a',
        '    up b',
        '    mtu 1500',
        'mapping eth0',
        '    script /bin/map',
        '    map A a',
        'source /etc/network/interfaces.d/*',
        '',
      ].join('\n'),
    );
  });

  it('keeps the original text of unchanged nodes and reprints edited ones', () => {
    const text = '# top\nauto  eth0\niface eth0 inet static\n    address 10.0.0.1/24   \n\tmtu \\\n 1500\n';
    const f = parseInterfaces(text);
    expect(printInterfaces(f)).toBe(text);
    const st = f.nodes[2];
    if (st?.kind !== 'iface' || st.items[1]?.kind !== 'option') throw new Error('unexpected tree');
    st.items[1].value = '9000';
    st.items.push({ kind: 'option', name: 'gateway', value: '10.0.0.254' });
    expect(printInterfaces(f)).toBe(
      '# top\nauto  eth0\niface eth0 inet static\n    address 10.0.0.1/24   \n\tmtu 9000\n\tgateway 10.0.0.254\n',
    );
  });

  it('does not let a dangling backslash at the end of the file swallow an added line', () => {
    const f = parseInterfaces('auto eth0\\');
    expect(printInterfaces(f)).toBe('auto eth0\\');
    f.nodes.push(auto('eth1'));
    const printed = printInterfaces(f);
    expect(parseInterfaces(printed).nodes.map((n) => n.kind === 'auto' && n.names)).toEqual([
      ['eth0'],
      ['eth1'],
    ]);
  });

  it('a value ending with a backslash is printed so that it does not continue', () => {
    const f = interfacesFile(iface('e', 'inet', 'manual', { up: 'echo \\' }), auto('e'));
    const back = parseInterfaces(printInterfaces(f));
    expect(back.nodes.map((n) => n.kind)).toEqual(['iface', 'auto']);
  });

  it.each([
    ['a value with a newline', iface('e', 'inet', 'manual', { up: 'a\nb' })],
    ['an empty value', iface('e', 'inet', 'manual', { up: '' })],
    ['a name with a blank', auto('eth 0')],
    ['an option named like a keyword', iface('e', 'inet', 'manual', { auto: 'x' })],
    [
      'an unknown mapping line',
      { ...mapping(['e'], 's'), items: [{ kind: 'option', name: 'x', value: 'y' }] },
    ],
  ] as [string, TopNode][])('refuses %s', (_n, node) => {
    expect(() => printInterfaces(interfacesFile(node))).toThrow(InterfacesBuildError);
  });
});

describe('regressions found by the property tests', () => {
  it('keeps a comment that starts with a carriage return and ends with a backslash', () => {
    // A comment never continues onto the next line, so its original text can be printed back anywhere.
    const text = '\r#\\\nauto';
    expect(printInterfaces(parseInterfaces(text))).toBe(text);
  });
});
