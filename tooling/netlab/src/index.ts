export { BASELINE_DIR, BASELINE_SCRIPTS, baselineKeepalived, installBaseline } from './baseline.js';
export {
  type CgroupDetection,
  type CgroupPlan,
  type CgroupStats,
  detectCgroups,
  LabCgroups,
} from './cgroup.js';
export { type CleanupReport, cleanup, LAB_PREFIX, LAB_ROOT, labNamespaces } from './cleanup.js';
export type { ConstrainedReport } from './constrained.js';
export { changedSpec, type DeployReport, type PlaybookRun, runDeploy } from './deploy.js';
export { Lab, type LabEvent, type RouterSnapshot } from './lab.js';
export { CpuLoad } from './load.js';
export { detectionBoundMs, type LabPlan, planLab, type RouterPlan, skewMs } from './plan.js';
export { type Gap, Probe, type ProbeStats, parsePingLine, probeStats, type Reply } from './probe.js';
export { renderHtml, timelineSvg } from './report.js';
export {
  ALL_SCENARIOS,
  closingNote,
  type LabOptions,
  type LabReport,
  type RunKind,
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
  analyseSessions,
  type NewConnections,
  type SessionCounts,
  SessionProbe,
  SessionServer,
  type SessionsResult,
} from './sessions.js';
export { summaryTables } from './table.js';
export {
  DEFAULT_SPEC,
  generate,
  type HookMode,
  readSpec,
  TUNED_ADVERT_S,
  type VariantOptions,
  variantSpec,
} from './tree.js';
