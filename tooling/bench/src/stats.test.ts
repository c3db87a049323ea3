import { describe, expect, it } from 'vitest';
import { linearFit, summarize } from './stats.js';

describe('bench statistics', () => {
  it('summarizes with interpolated quantiles', () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ n: 5, median: 3, p95: 4.8, min: 1, max: 5 });
  });
  it('fits a line exactly when the points are on one', () => {
    const fit = linearFit([1, 10, 100, 1000].map((x) => ({ x, y: 7 + 2 * x })));
    expect(fit.slope).toBeCloseTo(2, 10);
    expect(fit.intercept).toBeCloseTo(7, 8);
    expect(fit.r2).toBeCloseTo(1, 10);
  });
});
