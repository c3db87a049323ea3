import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { CliError } from './errors.js';

const EXAMPLES = ['dedibox', 'home'];
const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*\n/;

/**
 * Where the written spec's editors find the JSON Schema: the schema file of this CLI's @hagate/spec,
 * relative to the spec, when it is a checkout's (a workspace package); else, installed from npm (a
 * node_modules folder, maybe a temporary npx one), the published file of that version.
 */
function schemaRef(specPath: string): string {
  const require = createRequire(import.meta.url);
  const schema = require.resolve('@hagate/spec/hagate.schema.json');
  if (!schema.split(sep).includes('node_modules')) {
    const rel = relative(dirname(resolve(specPath)), schema)
      .split(sep)
      .join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  }
  const { version } = require('@hagate/spec/package.json') as { version: string };
  return `https://unpkg.com/@hagate/spec@${version}/hagate.schema.json`;
}

/** `hagate init`: writes one of the shipped example specs as a starting point (never overwrites). */
export async function init(opts: {
  example: string;
  out: string;
  log: (l: string) => void;
}): Promise<number> {
  if (!EXAMPLES.includes(opts.example)) {
    throw new CliError(
      `hagate init: expected --example ${EXAMPLES.join(' or ')}, found "${opts.example}"`,
      2,
    );
  }
  const text = await readFile(new URL(`../examples/${opts.example}.yaml`, import.meta.url), 'utf8');
  const line = `# yaml-language-server: $schema=${schemaRef(opts.out)}\n`;
  try {
    await writeFile(opts.out, SCHEMA_LINE.test(text) ? text.replace(SCHEMA_LINE, line) : line + text, {
      flag: 'wx',
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${opts.out}: already exists, not overwritten`);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new CliError(`${opts.out}: cannot write it: no folder ${dirname(opts.out)} (create it first)`);
    if (code === 'EISDIR')
      throw new CliError(`${opts.out}: is a folder; expected a file name such as hagate.yaml`);
    throw new CliError(`${opts.out}: cannot write it (${code ?? String(e)})`);
  }
  opts.log(
    `${opts.out}: written from the ${opts.example} example; edit it, then run hagate gen --spec ${opts.out}`,
  );
  return 0;
}
