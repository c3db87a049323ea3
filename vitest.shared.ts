import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const libs = [
  'spec',
  'synth',
  'keepalived-config',
  'nftables-parser',
  'libvirt-xml-builder',
  'debian-interfaces',
];

/**
 * Settings every vitest project shares. Workspace packages resolve to their TypeScript sources, so a
 * unit test never depends on a stale dist/ of a sibling package.
 */
export const shared = {
  resolve: {
    alias: libs
      .map((name) => ({
        find: new RegExp(`^@hagate/${name}$`),
        replacement: `${root}packages/${name}/src/index.ts`,
      }))
      .concat([
        { find: /^@hagate\/testkit$/, replacement: `${root}tooling/testkit/src/index.ts` },
        { find: /^@hagate\/testkit\/temp-dir$/, replacement: `${root}tooling/testkit/src/temp-dir.ts` },
      ]),
  },
  test: {
    setupFiles: [`${root}tooling/testkit/src/fast-check-setup.ts`],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
