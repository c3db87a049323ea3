/**
 * Scratch folders for tests, always removed: a test suite leaves nothing in the system's temp folder, also
 * when a test fails or is skipped.
 * A subpath of its own (`@hagate/testkit/temp-dir`): it imports vitest, which scripts run outside it
 * (benches) must not load.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, onTestFinished } from 'vitest';

/** Prefix of every folder made here, so a leftover is recognizable as a hagate test's. */
export const TEMP_PREFIX = 'hgt-tmp-';

const remove = (dir: string) => rmSync(dir, { recursive: true, force: true });

/**
 * A folder for a whole test file (or describe block): call it at collection time; the folder is made
 * before the file's (or block's) first test and removed after its last. When no test of it runs (a
 * filter, a collection error), nothing is made, so nothing is left behind.
 */
export function suiteTempDir(label: string): string {
  const dir = join(tmpdir(), `${TEMP_PREFIX}${label}-${randomBytes(4).toString('hex')}`);
  beforeAll(() => {
    mkdirSync(dir, { mode: 0o700 });
  });
  afterAll(() => remove(dir));
  return dir;
}

/** A folder for the running test only: call it inside a test; it is removed when the test finishes. */
export function testTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${label}-`));
  onTestFinished(() => remove(dir));
  return dir;
}
