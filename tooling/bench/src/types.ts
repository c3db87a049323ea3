/** The contract between `pnpm bench` and the bench entries of each package (`<pkg>/bench/index.ts`). */
export interface BenchResult {
  unit: 'ms';
  /** Measured samples of the subject, one per repetition, after warm-up. */
  samples: number[];
  /** A baseline or floor measured in the same run, on the same machine. */
  baseline: { name: string; samples: number[] };
  peakRssBytes?: number;
  extra?: Record<string, number | string>;
}

export interface BenchEntry {
  name: string;
  description: string;
  /** Included in `--quick` runs (default true). */
  quick?: boolean;
  run(opts: { quick: boolean }): Promise<BenchResult>;
}
