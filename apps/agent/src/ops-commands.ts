/** maintenance, metrics and health: loaded only when one of them is asked for (never on a transition). */
import type { AgentConfig } from '@hagate/spec/agent-config';
import { health } from './health.js';
import { maintenance } from './maintenance-command.js';
import { metrics } from './metrics.js';

export function run(
  config: AgentConfig,
  cmd: 'maintenance' | 'metrics' | 'health',
  arg?: string,
): Promise<number> {
  if (cmd === 'maintenance') return maintenance(config, arg === 'on' ? 'on' : 'off');
  return cmd === 'metrics' ? metrics(config) : health(config);
}
