/**
 * One memory sample, run in its own process by bench/index.ts (`node --expose-gc --import tsx
 * bench/memory.ts FILE`): reads FILE, parses and prints it, and writes one JSON line to stdout: the heap
 * retained by the tree and the printed text (heap used after parse + print minus before, both after a
 * full GC) and the process's peak RSS. An empty FILE measures the floor (Node, tsx, the modules).
 */
import { readFileSync } from 'node:fs';
import { parse, print } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('bench/memory.ts: run with node --expose-gc');
const file = process.argv[2];
if (!file) throw new Error('usage: bench/memory.ts FILE');
const text = readFileSync(file, 'utf8');
gc();
const before = process.memoryUsage().heapUsed;
const tree = parse(text);
const out = print(tree);
gc();
const after = process.memoryUsage().heapUsed;
if (out !== text) throw new Error('bench: print(parse(x)) changed a canonical config');
process.stdout.write(
  `${JSON.stringify({
    bytes: text.length,
    nodes: tree.body.length,
    heapRetainedBytes: after - before,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
