/** The state file, `<stateDir>/state.json`: the role, the last transitions and their step timings. */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { HandoverResult } from './handover.js';
import type { Role } from './plan.js';
import { type Seq, sameBootSeq, validSeq } from './seq.js';

export interface TransitionRecord {
  /** ISO time the event was handled. */
  at: string;
  /** The event as received, e.g. `INSTANCE ROUTEUR_1 MASTER 200`, `shutdown`. */
  event: string;
  role: Role;
  seq: Seq;
  /** `superseded`: a STOP whose handover saw the VIP come back here (keepalived is master again). */
  result: 'applied' | 'stale' | 'superseded' | 'failed';
  /** Changes made. Absent for a failed run that does not know how many it made before failing. */
  changes?: number;
  /** A failed run: the changes it planned (not all were made). */
  planned?: number;
  /** Milliseconds per step: read, nft, sysctl, ip, announce, total. */
  steps: Record<string, number>;
  error?: string;
  /** How a stopping master handed over before this transition (STOP, shutdown). */
  handover?: HandoverResult;
  /** Epoch ms the transition's first step started (process start -> this is the agent's cold start). */
  startedAt?: number;
  /** A failed MASTER: how the router was demoted (the backup state applied instead). */
  demoted?: string;
  /** What went wrong around the transition without failing it (conntrackd unreachable...). */
  warnings?: string[];
}

export interface AgentState {
  version: 1;
  role?: Role;
  /** ISO time the current role was entered. */
  since?: string;
  /** The newest event handled (this boot's; see seq.ts). */
  lastSeq?: Seq;
  /** The newest event seen waiting for the lock when the last holder released it: an older one is stale. */
  pendingSeq?: Seq;
  /** The role rules the agent loaded last: their file and its hash (listSha unused since 2). */
  nft?: { file: string; fileSha: string; listSha: string };
  transitions: TransitionRecord[];
  /** Transitions that left the kept window, by result (the metrics' counters: the window plus these). */
  totals?: Record<string, number>;
}

/** The state file could not be written (read-only or full state dir...): the change itself was made. */
export class StateWriteError extends Error {}

const KEEP = 20;
const RESULTS = new Set(['applied', 'stale', 'superseded', 'failed']);

export function statePath(stateDir: string): string {
  return `${stateDir}/state.json`;
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function validSteps(x: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObj(x)) for (const [k, v] of Object.entries(x)) if (Number.isFinite(v)) out[k] = v as number;
  return out;
}

/** A stored transition, validated field by field; undefined when it is not one. */
export function validTransition(x: unknown): TransitionRecord | undefined {
  if (!isObj(x)) return undefined;
  const seq = validSeq(x.seq);
  if (typeof x.at !== 'string' || typeof x.event !== 'string' || !seq) return undefined;
  if (x.role !== 'master' && x.role !== 'backup') return undefined;
  if (typeof x.result !== 'string' || !RESULTS.has(x.result)) return undefined;
  const t: TransitionRecord = {
    at: x.at,
    event: x.event,
    role: x.role,
    seq,
    result: x.result as TransitionRecord['result'],
    steps: validSteps(x.steps),
  };
  if (isCount(x.changes)) t.changes = x.changes;
  if (isCount(x.planned)) t.planned = x.planned;
  if (typeof x.error === 'string') t.error = x.error;
  if (isObj(x.handover) && typeof x.handover.outcome === 'string' && Number.isFinite(x.handover.ms))
    t.handover = x.handover as unknown as HandoverResult;
  if (Number.isFinite(x.startedAt)) t.startedAt = x.startedAt as number;
  if (typeof x.demoted === 'string') t.demoted = x.demoted;
  if (Array.isArray(x.warnings) && x.warnings.every((w) => typeof w === 'string'))
    t.warnings = x.warnings as string[];
  return t;
}

/**
 * Reads the state file. Whatever it holds, the result is well-formed: a malformed field (a string seq, a
 * `null` transition...) is treated as absent, and a seq of another boot is ignored (its clock restarted).
 */
export function readState(stateDir: string): AgentState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(statePath(stateDir), 'utf8'));
  } catch {
    return { version: 1, transitions: [] };
  }
  const s: AgentState = { version: 1, transitions: [] };
  if (!isObj(raw) || raw.version !== 1) return s;
  if (raw.role === 'master' || raw.role === 'backup') s.role = raw.role;
  if (typeof raw.since === 'string') s.since = raw.since;
  const last = sameBootSeq(raw.lastSeq);
  if (last) s.lastSeq = last;
  const pending = sameBootSeq(raw.pendingSeq);
  if (pending) s.pendingSeq = pending;
  const nft = raw.nft;
  if (
    isObj(nft) &&
    typeof nft.file === 'string' &&
    typeof nft.fileSha === 'string' &&
    typeof nft.listSha === 'string'
  )
    s.nft = { file: nft.file, fileSha: nft.fileSha, listSha: nft.listSha };
  if (Array.isArray(raw.transitions))
    for (const x of raw.transitions) {
      const t = validTransition(x);
      if (t) s.transitions.push(t);
    }
  if (isObj(raw.totals)) {
    const totals: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw.totals)) if (RESULTS.has(k) && isCount(v)) totals[k] = v;
    s.totals = totals;
  }
  return s;
}

/** Writes the state atomically (temporary file + rename); a StateWriteError leaves no temporary file. */
export function writeState(stateDir: string, state: AgentState): void {
  const dropped = state.transitions.slice(0, Math.max(0, state.transitions.length - KEEP));
  if (dropped.length > 0) {
    const totals = { ...state.totals };
    for (const t of dropped) totals[t.result] = (totals[t.result] ?? 0) + 1;
    state.totals = totals;
  }
  state.transitions = state.transitions.slice(-KEEP);
  const file = statePath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o755 });
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {}
    const err = e as NodeJS.ErrnoException;
    throw new StateWriteError(`cannot write the state file ${file}: ${err.code ?? err.message}`);
  }
}

/** For `check`: can the state file be written (the directory exists or can be made, and takes a file)? */
export function probeStateDir(stateDir: string): [boolean, string] {
  const probe = `${stateDir}/.check.${process.pid}.tmp`;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o755 });
    writeFileSync(probe, 'hagate-agent check\n');
    unlinkSync(probe);
    return [true, `state dir ${stateDir}: writable`];
  } catch (e) {
    try {
      unlinkSync(probe);
    } catch {}
    return [false, `state dir ${stateDir}: not writable (${(e as NodeJS.ErrnoException).code ?? e})`];
  }
}
