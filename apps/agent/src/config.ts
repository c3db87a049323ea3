/** Loading agent.json: permissions keepalived would accept, then the @hagate/spec validator. */
import { readFileSync, statSync } from 'node:fs';
import { type AgentConfig, parseAgentConfig } from '@hagate/spec/agent-config';

export { DEFAULT_CONFIG } from './defaults.js';

/** A problem with the command line or the config: exit status 2, nothing changed. */
export class UsageError extends Error {}

/** Why a file that root acts on is unsafe (writable by someone else than root), or undefined. */
export function unsafeMode(file: string): string | undefined {
  const st = statSync(file);
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  // A sticky directory (like /tmp): others may create files in it, not replace root's.
  if (st.isDirectory() && st.mode & 0o1000) return undefined;
  if (st.mode & 0o002) return `${file} is world-writable (mode ${mode}); expected chmod 644 or stricter`;
  if (st.mode & 0o020 && st.gid !== 0)
    return `${file} is writable by group ${st.gid} (mode ${mode}); expected chmod 644`;
  if (process.getuid?.() === 0 && st.uid !== 0) return `${file} is owned by uid ${st.uid}; expected root`;
  return undefined;
}

export function loadConfig(file: string): AgentConfig {
  let text: string;
  try {
    const unsafe = unsafeMode(file);
    if (unsafe) throw new UsageError(`config ${unsafe}`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`config ${file}: ${code === 'ENOENT' ? 'not found' : (code ?? String(e))}`);
  }
  try {
    return parseAgentConfig(text, file);
  } catch (e) {
    throw new UsageError(`config ${(e as Error).message}`);
  }
}
