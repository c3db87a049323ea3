#!/usr/bin/env node
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './errors.js';

const HELP = `hagate: one spec in, every file of a highly available keepalived router pair out

Usage:
  hagate gen   [--spec FILE]... [--out DIR] [--check]  write the output tree (--check: list what would change, exit 1 if any);
                                                     with several specs, each pair goes to DIR/<spec name>/
  hagate diff  [--spec FILE]... [--out DIR]          what gen would change, as unified diffs (exit 1 if any)
  hagate check [--out DIR]                           load every generated file into its real consumer (keepalived -t,
                                                     nft -f in a scratch netns, virt-xml-validate, virsh, ifquery); as root
  hagate lint  [--spec FILE] [--out DIR]             spec rules, keepalived linter and nft grammar over the generated pair
  hagate init  [--example dedibox|home] [--out FILE]  write a starting spec
  hagate COMMAND --help | hagate --help | --version

Defaults: --spec hagate.yaml, --out out.`;

/** Each command's own --help. */
const COMMAND_HELP: Record<string, string> = {
  gen: `Usage: hagate gen [--spec FILE]... [--out DIR] [--check]

Validates every spec (all errors at once, as file:line:col: path: expected ..., found ...; nothing is
written when one has an error), then writes the output tree: one folder per router and one for the
hypervisor, each mirroring that host's filesystem. Unchanged files are not rewritten; each file is
replaced atomically; files a previous run wrote and the spec no longer produces are removed.

  --spec FILE   the spec (default hagate.yaml); repeat it for a fleet: each pair goes to DIR/<spec name>/
  --out DIR     the output folder (default out)
  --check       write nothing: list the files that would change, exit 1 if any (a CI drift check)`,
  diff: `Usage: hagate diff [--spec FILE]... [--out DIR]

What hagate gen would change in DIR, as unified diffs; writes nothing. Exit 1 when something would change.

  --spec FILE   the spec (default hagate.yaml); repeat it for a fleet
  --out DIR     the output folder to compare with (default out)`,
  check: `Usage: hagate check [--out DIR]

Loads every file of a generated tree (one pair, or a fleet's DIR/<name>/ folders) into the program that
will read it: keepalived -t (in a scratch network namespace with the router's interfaces, the agent at
its path), nft -f (each ruleset under etc/nftables*, loaded for real in a scratch network namespace
with the router's interface names), ifquery, radvd --configtest (router advertisements), virt-xml-validate,
virsh define (libvirt's test driver),
and the agent config with the bundled agent. Needs root for the namespaces: without it those checks
fail, saying so. Prints one line per check; exit 1 if any failed.

  --out DIR     the output folder of hagate gen (default out)`,
  lint: `Usage: hagate lint [--spec FILE] [--out DIR]

Checks without running any tool (see hagate check for that): the spec's rules, then the generated pair
in memory: the keepalived linter on each router and on the two together, the external NIC never brought
up at boot, nft's grammar on every ruleset. Each line names the check it ran. Writes nothing.

  --spec FILE   the spec (default hagate.yaml)
  --out DIR     the folder named in the findings (default out)`,
  init: `Usage: hagate init [--example dedibox|home] [--out FILE]

Writes a starting spec from a shipped example (never overwrites a file); its first line names the JSON
Schema, so editors complete and check it.

  --example NAME  dedibox (the how-to's pair, the default) or home (the same on a home LAN)
  --out FILE      the spec to write (default hagate.yaml)`,
};

const log = (line: string) => process.stdout.write(`${line}\n`);
// Output piped into a reader that stops early (`| head`): stop quietly, as other command-line tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' && rest[0] !== undefined && COMMAND_HELP[rest[0]]) {
    log(COMMAND_HELP[rest[0]]!);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    log(HELP);
    return command === undefined ? 1 : 0;
  }
  if (command === '--version') {
    log('hagate 0.1.0');
    return 0;
  }
  const help = COMMAND_HELP[command];
  if (help && (rest.includes('--help') || rest.includes('-h'))) {
    log(help);
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
      throw new CliError(`hagate ${command}: ${(e as Error).message}\n\n${help ?? HELP}`, 2);
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
      // Control characters a message quotes from a user's file (a binary file named as a spec or a dump)
      // are shown escaped: nothing read drives the terminal.
      const shown = e.message.replace(
        /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
        (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      );
      process.stderr.write(`${shown}\n`);
      process.exitCode = e.code;
    } else {
      process.stderr.write(`hagate: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
