import { readFile, writeFile } from 'node:fs/promises';
import { CliError } from './errors.js';

const EXAMPLES = ['dedibox', 'home'];

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
  try {
    await writeFile(opts.out, text.replace(/^# yaml-language-server:.*\n/, ''), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CliError(`${opts.out}: already exists, not overwritten`);
    throw e;
  }
  opts.log(
    `${opts.out}: written from the ${opts.example} example; edit it, then run hagate gen --spec ${opts.out}`,
  );
  return 0;
}
