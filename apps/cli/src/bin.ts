#!/usr/bin/env node
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './errors.js';

const HELP = `hagate: one spec in, every file of a highly available keepalived router pair out

Usage:
  hagate gen   [--spec FILE]... [--out DIR] [--check]  write the output tree (--check: list what would change, exit 1 if any);
                                                     with several specs, each pair goes to DIR/<spec name>/
  hagate diff  [--spec FILE]... [--out DIR]          what gen would change, as unified diffs (exit 1 if any)
  hagate check [--out DIR]                           run keepalived -t, nft -c, virt-xml-validate, virsh, ifquery on it
  hagate lint  [--spec FILE]                         spec rules, then the keepalived linter over the generated pair
  hagate init  [--example dedibox|home] [--out FILE]  write a starting spec
  hagate --help | --version

Defaults: --spec hagate.yaml, --out out.`;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    log(HELP);
    return command === undefined ? 1 : 0;
  }
  if (command === '--version') {
    log('hagate 0.1.0');
    return 0;
  }
  const parse = (
    options: ParseArgsConfig['options'],
  ): Record<string, string | boolean | string[] | undefined> => {
    try {
      return parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Record<
        string,
        string | boolean | string[] | undefined
      >;
    } catch (e) {
      throw new CliError(`hagate ${command}: ${(e as Error).message}\n\n${HELP}`, 2);
    }
  };
  switch (command) {
    case 'gen': {
      const v = parse({
        spec: { type: 'string', multiple: true },
        out: { type: 'string', default: 'out' },
        check: { type: 'boolean', default: false },
      });
      const specs = (v.spec as string[] | undefined) ?? ['hagate.yaml'];
      const { gen } = await import('./gen.js');
      return gen({ specs, out: v.out as string, check: v.check as boolean, log });
    }
    case 'diff': {
      const v = parse({ spec: { type: 'string', multiple: true }, out: { type: 'string', default: 'out' } });
      const specs = (v.spec as string[] | undefined) ?? ['hagate.yaml'];
      const { gen } = await import('./gen.js');
      return gen({ specs, out: v.out as string, check: false, diff: true, log });
    }
    case 'check': {
      const v = parse({ out: { type: 'string', default: 'out' } });
      const { checkTree } = await import('./check.js');
      const results = await checkTree(v.out as string);
      if (results.length === 0)
        throw new CliError(`${v.out as string}: no generated artifact found (run hagate gen first)`);
      const width = Math.max(...results.map((r) => r.artifact.length));
      for (const r of results)
        log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.artifact.padEnd(width)}  ${r.tool}: ${r.detail}`);
      const failed = results.filter((r) => !r.ok).length;
      log(`${results.length - failed} passed, ${failed} failed`);
      return failed === 0 ? 0 : 1;
    }
    case 'lint': {
      const v = parse({
        spec: { type: 'string', default: 'hagate.yaml' },
        out: { type: 'string', default: 'out' },
      });
      const { lintSpec } = await import('./lint.js');
      const results = await lintSpec(v.spec as string, v.out as string);
      const width = Math.max(...results.map((r) => r.subject.length));
      for (const r of results) {
        for (const d of r.diagnostics) log(d);
        const n = r.diagnostics.length;
        log(
          `${r.failed ? 'FAIL' : 'ok  '} ${r.subject.padEnd(width)}  ${r.check}${n ? ` (${n} finding${n === 1 ? '' : 's'})` : ''}`,
        );
      }
      const failed = results.filter((r) => r.failed).length;
      log(`${results.length - failed} passed, ${failed} failed`);
      return failed === 0 ? 0 : 1;
    }
    case 'init': {
      const v = parse({
        example: { type: 'string', default: 'dedibox' },
        out: { type: 'string', default: 'hagate.yaml' },
      });
      const { init } = await import('./init.js');
      return init({ example: v.example as string, out: v.out as string, log });
    }
    default:
      throw new CliError(`hagate: unknown command "${command}"\n\n${HELP}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = e.code;
    } else {
      process.stderr.write(`hagate: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
