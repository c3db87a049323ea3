import type { FileRule, PairRule, SourceRule } from './types.js';

/** Identity helpers that keep each rule's code as a literal type (so `RuleCode` lists them all). */
export const fileRule = <C extends string>(r: Omit<FileRule<C>, 'scope'>): FileRule<C> => ({
  scope: 'file',
  ...r,
});
export const pairRule = <C extends string>(r: Omit<PairRule<C>, 'scope'>): PairRule<C> => ({
  scope: 'pair',
  ...r,
});
export const sourceRule = <C extends string>(r: Omit<SourceRule<C>, 'scope'>): SourceRule<C> => ({
  scope: 'source',
  ...r,
});
