/** conntrackSync.ignore: IPv4 and IPv6 addresses, anything else refused where it was written. */
import { describe, expect, it } from 'vitest';
import { edit, errorsOf, exampleText } from '../test/spec-fixtures.js';
import { formatSpecError, loadSpec } from './load.js';

const FILE = 'examples/stateful/hagate.yaml';
const stateful = exampleText('stateful');
const PORT = '  port: 3780\n';
const withIgnore = (list: string) => edit(stateful, PORT, `${PORT}  ignore: ${list}\n`);

describe('conntrackSync.ignore', () => {
  it('takes IPv4 and IPv6 addresses (any RFC 4291 text form)', () => {
    const r = loadSpec(withIgnore('[192.0.2.7, "2001:db8::7", "2001:DB8:0:0::8"]'), FILE);
    if (!r.ok) throw new Error(r.errors.map(formatSpecError).join('\n'));
    expect(r.spec.conntrackSync?.ignore).toEqual(['192.0.2.7', '2001:db8::7', '2001:DB8:0:0::8']);
  });

  it('refuses what is not an address, each entry located', () => {
    const text = withIgnore('[192.0.2.7, 10.0.0.0/8, "2001:db8::/64", "2001:db8::g"]');
    const line = text.split('\n').findIndex((l) => l.startsWith('  ignore: ')) + 1;
    const col = (needle: string) => (text.split('\n')[line - 1] as string).indexOf(needle) + 1;
    expect(errorsOf(text, FILE)).toEqual([
      `${FILE}:${line}:${col('10.0.0.0/8')}: conntrackSync.ignore[1]: expected an IPv4 or IPv6 address, found "10.0.0.0/8"`,
      `${FILE}:${line}:${col('"2001:db8::/64"')}: conntrackSync.ignore[2]: expected an IPv4 or IPv6 address, found "2001:db8::/64"`,
      `${FILE}:${line}:${col('"2001:db8::g"')}: conntrackSync.ignore[3]: expected an IPv4 or IPv6 address, found "2001:db8::g"`,
    ]);
  });
});
