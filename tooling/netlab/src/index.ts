export { BASELINE_DIR, BASELINE_SCRIPTS, baselineKeepalived, installBaseline } from './baseline.js';
export { type CleanupReport, cleanup, LAB_PREFIX, LAB_ROOT, labNamespaces } from './cleanup.js';
export { Lab, type LabEvent, type RouterSnapshot } from './lab.js';
export { detectionBoundMs, type LabPlan, planLab, type RouterPlan, skewMs } from './plan.js';
export { type Gap, Probe, type ProbeStats, parsePingLine, probeStats, type Reply } from './probe.js';
export { renderHtml, timelineSvg } from './report.js';
export {
  ALL_SCENARIOS,
  closingNote,
  type LabOptions,
  type LabReport,
  runLab,
  type Selectable,
  type VariantReport,
} from './run.js';
export {
  type DirectionResult,
  type InvariantResult,
  SCENARIOS,
  type ScenarioName,
  type ScenarioResult,
  ScenarioRunner,
  type Transition,
} from './scenarios.js';
export {
  DEFAULT_SPEC,
  generate,
  type HookMode,
  readSpec,
  TUNED_ADVERT_S,
  type VariantOptions,
  variantSpec,
} from './tree.js';
