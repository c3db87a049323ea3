import { sourceRule } from '../define.js';

export const KA000 = sourceRule({
  code: 'KA000',
  severity: 'error',
  title: 'syntax error',
  reportedBy: 'tryParse',
});

export const KA040 = sourceRule({
  code: 'KA040',
  severity: 'warning',
  title: 'include matches no file, or loops',
  reportedBy: 'loadConfig',
});
