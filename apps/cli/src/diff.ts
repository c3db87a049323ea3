/** A unified diff of two texts for `hagate diff`, as `diff -u` prints it (jsdiff does the work). */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/** `--- a` / `+++ b` and hunks with `context` lines around each change; '' when equal. */
export function unifiedDiff(
  before: string,
  after: string,
  aName: string,
  bName: string,
  context = 3,
): string {
  if (before === after) return '';
  return createTwoFilesPatch(aName, bName, before, after, undefined, undefined, {
    context,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
