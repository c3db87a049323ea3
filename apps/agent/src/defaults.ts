/** Where the agent's config is read from unless `--config` says otherwise. */
export const DEFAULT_CONFIG = '/etc/hagate/agent.json';
