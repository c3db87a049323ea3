/**
 * With `agent.metricsFile`: a systemd timer on each router that runs `hagate-agent metrics` every 15 s, so
 * node_exporter's textfile collector always reads a fresh file (the agent writes it atomically).
 */
import { routerNames } from '@hagate/spec';
import { agentCommand } from './keepalived.js';
import { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

export const METRICS_UNIT = '/etc/systemd/system/hagate-agent-metrics';

export function synthMetricsTimer(input: SynthInput): GeneratedFile[] {
  const file = input.spec.agent.metricsFile;
  if (!file) return [];
  const service = [
    `# ${generatedMarker(input)}`,
    `# Writes ${file} (Prometheus text format) from keepalived's, the kernel's and the agent's views.`,
    '[Unit]',
    'Description=hagate-agent metrics for the node_exporter textfile collector',
    'After=keepalived.service',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${agentCommand(input, 'metrics')}`,
    '',
  ].join('\n');
  const timer = [
    `# ${generatedMarker(input)}`,
    '[Unit]',
    'Description=hagate-agent metrics every 15 s',
    '',
    '[Timer]',
    'OnBootSec=15s',
    'OnUnitActiveSec=15s',
    'AccuracySec=1s',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return routerNames(input.spec).flatMap((router) => [
    { path: `${router}${METRICS_UNIT}.service`, contents: service },
    { path: `${router}${METRICS_UNIT}.timer`, contents: timer },
  ]);
}
