import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

const agentConfig = fileURLToPath(new URL('../../packages/spec/src/agent-config.ts', import.meta.url));

export default defineProject({
  ...shared,
  resolve: {
    alias: [{ find: /^@hagate\/spec\/agent-config$/, replacement: agentConfig }, ...shared.resolve.alias],
  },
  test: { ...shared.test, name: '@hagate/agent' },
});
