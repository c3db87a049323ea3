/**
 * A second, independent look at the strict check against nft: random two-edit mutations (a token
 * replaced by or preceded with a random nft keyword or value) of the near-miss base rules, seeded.
 *   pnpm exec tsx scripts/strict-explore.ts [N] [seed]
 * Not a gate: it reports the agreement and the disagreements, to find what the strict check misses.
 */
import { createNetns } from '@hagate/testkit';
import { checkRules, formatDiagnostic, tryParse } from '../src/index.js';
import { NFT_KEYWORDS } from '../src/keywords.js';
import { BASE_RULES, fileFor } from './near-miss.js';

const n = Number(process.argv[2] ?? 1000);
let seed = Number(process.argv[3] ?? 7);
const rnd = (m: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % m;
};
const keywords = [...NFT_KEYWORDS];
const values = [
  '22',
  '0x10',
  '10.0.0.1',
  '::1',
  '"x"',
  '{ 1, 2 }',
  '@s4',
  '1-2',
  'foo',
  'established',
  ':80',
  '/',
  ',',
  '.',
];
const pick = () => (rnd(2) === 0 ? keywords[rnd(keywords.length)] : values[rnd(values.length)]) as string;
const ns = createNetns('nftse');
let agree = 0;
let accepts = 0;
try {
  for (let k = 0; k < n; k++) {
    const [base, place] = BASE_RULES[rnd(BASE_RULES.length)] as [string, 'filt' | 'pre' | 'post'];
    const ws = base.split(' ');
    for (let e = 0; e < 2; e++) {
      const i = rnd(ws.length + 1);
      if (rnd(2) === 0 && i < ws.length) ws[i] = pick();
      else ws.splice(i, 0, pick());
    }
    const c = { text: ws.join(' '), place, how: 'explore' } as const;
    const file = fileFor(c);
    const r = ns.exec(['nft', '-c', '-f', '-'], { input: file });
    const p = tryParse(file, { file: 'x.nft' });
    const diags = p.ok ? checkRules(p.ruleset, { file: 'x.nft', strict: true }) : [];
    const ours = p.ok && diags.length === 0;
    if (r.status === 0) accepts++;
    if (ours === (r.status === 0)) agree++;
    else
      console.log(
        `${r.status === 0 ? 'nft accepts, strict rejects' : 'nft rejects, strict accepts'}: ${c.text}\n    nft: ${r.stderr.split('\n').find((l) => l.includes('Error')) ?? 'ok'}\n    strict: ${p.ok ? (diags[0] ? formatDiagnostic(diags[0]) : 'no diagnostic') : p.error.message}`,
      );
  }
} finally {
  ns.remove();
}
console.log(
  `explored: ${n}; nft accepts ${accepts}; strict agrees on ${agree} (${((100 * agree) / n).toFixed(1)}%)`,
);
