/**
 * Compares the strict check with the real nft over the near misses of scripts/near-miss.ts, in a scratch
 * network namespace (root, nft, ip):
 *   pnpm exec tsx scripts/strict-agreement.ts [--verbose]
 * Prints how many near misses nft accepts and rejects, how many the strict check agrees on, and every
 * disagreement with nft's first error line and the strict check's first diagnostic.
 */
import { createNetns } from '@hagate/testkit';
import { checkRules, formatDiagnostic, tryParse } from '../src/index.js';
import { fileFor, nearMisses } from './near-miss.js';

const verbose = process.argv.includes('--verbose');
const cases = nearMisses();
const ns = createNetns('nftsa');
let agree = 0;
let nftAccepts = 0;
const disagreements: string[] = [];
try {
  for (const c of cases) {
    const file = fileFor(c);
    const r = ns.exec(['nft', '-c', '-f', '-'], { input: file });
    const nftOk = r.status === 0;
    if (nftOk) nftAccepts++;
    const parsed = tryParse(file, { file: 'near-miss.nft' });
    const diags = parsed.ok ? checkRules(parsed.ruleset, { file: 'near-miss.nft', strict: true }) : [];
    const ours = parsed.ok && diags.length === 0;
    const why = parsed.ok ? (diags[0] ? formatDiagnostic(diags[0]) : 'no diagnostic') : parsed.error.message;
    if (c.how === 'base' && !nftOk)
      console.log(`base rejected by nft: ${c.text}: ${r.stderr.split('\n')[0]}`);
    if (ours === nftOk) agree++;
    else
      disagreements.push(
        `${nftOk ? 'nft accepts, strict rejects' : 'nft rejects, strict accepts'}: [${c.place} ${c.how}] ${c.text}\n    nft: ${r.stderr.split('\n').find((l) => l.includes('Error')) ?? 'ok'}\n    strict: ${why}`,
      );
    if (verbose)
      console.log(`${ours === nftOk ? 'agree' : 'DISAGREE'} ${nftOk ? 'ok ' : 'err'} ${c.text}  ::  ${why}`);
  }
} finally {
  ns.remove();
}
for (const d of disagreements) console.log(d);
console.log(
  `near misses: ${cases.length}; nft accepts ${nftAccepts}, rejects ${cases.length - nftAccepts}; strict check agrees on ${agree} (${((100 * agree) / cases.length).toFixed(1)}%)`,
);
process.exitCode = disagreements.length > 0 ? 1 : 0;
