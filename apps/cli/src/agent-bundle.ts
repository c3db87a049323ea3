import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { CliError } from './errors.js';

/** The bytes of the bundled hagate-agent (apps/agent/dist/hagate-agent). */
export async function readAgentBundle(): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('@hagate/agent/hagate-agent');
  } catch {
    throw new CliError(
      'the hagate-agent bundle is not available: run `pnpm build` (it builds apps/agent/dist/hagate-agent)',
    );
  }
  try {
    return await readFile(path);
  } catch {
    throw new CliError(`the hagate-agent bundle is missing at ${path}: run \`pnpm build\``);
  }
}
