/**
 * The outer part of the `hagate-agent` file: compiles the bundled agent (a string, AGENT_BODY, put in by
 * build.mjs) with the V8 code cache kept in the agent's state directory (see code-cache.ts), then runs it.
 */
import { compileBundle, configPathOf, stateDirOf } from './code-cache.js';

declare const AGENT_BODY: string;
declare const AGENT_BUILD_ID: string;

const compiled = compileBundle(
  AGENT_BODY,
  AGENT_BUILD_ID,
  process.argv[1] ?? 'hagate-agent',
  stateDirOf(configPathOf(process.argv.slice(2))),
);
// `hagate-agent check` reports what the cache did (see commands.ts).
(globalThis as Record<symbol, unknown>)[Symbol.for('hagate-agent.code-cache')] = compiled.outcome;
compiled.run(require, module, exports);
