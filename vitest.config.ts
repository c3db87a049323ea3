import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/netlab', 'tooling/bench', 'tooling/testkit'],
    // Namespace and real-consumer tests share the kernel: keep files from racing each other on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
