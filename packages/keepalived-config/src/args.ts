import { type ParseArgsConfig, parseArgs } from 'node:util';

/** One option or positional of the command line, in the order written. */
export type ArgToken =
  | { kind: 'option'; name: string; value: string | undefined; inline: boolean; index: number }
  | { kind: 'positional'; value: string; index: number };

/**
 * Reads a command line with node:util `parseArgs` (strict) and returns its tokens in order, or the problem
 * in the bins' own words: `unknown option --x`, or `missing(name)` for an option given without its value.
 */
export function readArgs(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  missing: (name: string) => string,
): { tokens: ArgToken[] } | { problem: string } {
  try {
    const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
    const out: ArgToken[] = [];
    for (const t of tokens) {
      if (t.kind === 'option')
        out.push({
          kind: 'option',
          name: t.name,
          value: t.value,
          inline: t.inlineValue === true,
          index: t.index,
        });
      else if (t.kind === 'positional') out.push({ kind: 'positional', value: t.value, index: t.index });
    }
    return { tokens: out };
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = /'-{1,2}([^' ]+)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      return { problem: `unknown option ${/'([^']+)'/.exec(err.message)?.[1] ?? ''}` };
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return { problem: missing(name) };
    return { problem: err.message };
  }
}
