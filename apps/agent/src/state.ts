/** The state file, `<stateDir>/state.json`: the role, the last transitions and their step timings. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { HandoverResult } from './handover.js';
import type { Role } from './plan.js';
import type { Seq } from './seq.js';

export interface TransitionRecord {
  /** ISO time the event was handled. */
  at: string;
  /** The event as received, e.g. `INSTANCE ROUTEUR_1 MASTER 200`, `shutdown`. */
  event: string;
  role: Role;
  seq: Seq;
  /** `superseded`: a STOP whose handover saw the VIP come back here (keepalived is master again). */
  result: 'applied' | 'stale' | 'superseded' | 'failed';
  changes: number;
  /** Milliseconds per step: read, nft, sysctl, ip, announce, total. */
  steps: Record<string, number>;
  error?: string;
  /** How a stopping master handed over before this transition (STOP, shutdown). */
  handover?: HandoverResult;
  /** Epoch ms the transition's first step started (process start -> this is the agent's cold start). */
  startedAt?: number;
}

export interface AgentState {
  version: 1;
  role?: Role;
  /** ISO time the current role was entered. */
  since?: string;
  lastSeq?: Seq;
  /** The ruleset the agent loaded last: its file, the file's hash and the hash of `nft list ruleset` then. */
  nft?: { file: string; fileSha: string; listSha: string };
  transitions: TransitionRecord[];
}

const KEEP = 20;

export function statePath(stateDir: string): string {
  return `${stateDir}/state.json`;
}

export function readState(stateDir: string): AgentState {
  try {
    const s = JSON.parse(readFileSync(statePath(stateDir), 'utf8')) as AgentState;
    if (s && s.version === 1 && Array.isArray(s.transitions)) return s;
  } catch {}
  return { version: 1, transitions: [] };
}

/** Writes the state atomically (temporary file + rename). */
export function writeState(stateDir: string, state: AgentState): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  state.transitions = state.transitions.slice(-KEEP);
  const tmp = `${statePath(stateDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, statePath(stateDir));
}
