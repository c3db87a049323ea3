/** A small unified diff of two texts (line based, LCS), for `hagate diff`. Generated files are small. */

type Op = { kind: ' ' | '-' | '+'; line: string };

function lines(text: string): string[] {
  if (text === '') return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function ops(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push({ kind: '-', line: a[i++]! });
    } else {
      out.push({ kind: '+', line: b[j++]! });
    }
  }
  return out;
}

/** `--- a` / `+++ b` and hunks with `context` lines around each change; '' when equal. */
export function unifiedDiff(
  before: string,
  after: string,
  aName: string,
  bName: string,
  context = 3,
): string {
  const all = ops(lines(before), lines(after));
  if (all.every((o) => o.kind === ' ')) return '';
  const out = [`--- ${aName}`, `+++ ${bName}`];
  let k = 0;
  while (k < all.length) {
    while (k < all.length && all[k]!.kind === ' ') k++;
    if (k >= all.length) break;
    let start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are closer than 2*context lines apart.
    for (;;) {
      while (end < all.length && all[end]!.kind !== ' ') end++;
      let next = end;
      while (next < all.length && all[next]!.kind === ' ') next++;
      if (next < all.length && next - end <= 2 * context) end = next;
      else break;
    }
    end = Math.min(all.length, end + context);
    const hunk = all.slice(start, end);
    const before = all.slice(0, start);
    const aStart = before.filter((o) => o.kind !== '+').length + 1;
    const bStart = before.filter((o) => o.kind !== '-').length + 1;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(
      `@@ -${aLen === 0 ? aStart - 1 : aStart},${aLen} +${bLen === 0 ? bStart - 1 : bStart},${bLen} @@`,
    );
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    k = end;
    start = end;
  }
  return `${out.join('\n')}\n`;
}
