/** Handling one event under the lock: drop it when stale, reconcile, record the state, log one line. */
import type { AgentConfig } from '@hagate/spec/agent-config';
import type { HandoverResult } from './handover.js';
import type { IpSession } from './ip-session.js';
import { acquireLock, type Lock } from './lock.js';
import { log } from './log.js';
import type { Role } from './plan.js';
import { PlanError, type ReconcileResult, reconcile } from './reconcile.js';
import { compareSeq, type Seq } from './seq.js';
import { type AgentState, readState, StateWriteError, type TransitionRecord, writeState } from './state.js';

export interface EventOutcome {
  result: TransitionRecord['result'];
  changes: number;
  /** Exit status for a one-shot run. */
  status: number;
}

export interface EventOptions {
  /** Notify mode drops an event older than the last one handled (fifo events are ordered, never dropped). */
  dropStale: boolean;
  /** The master is stopping (STOP, shutdown): hand over to the peer before giving up (see handover.ts). */
  handover?: boolean;
  /** Aborts a handover wait (SIGTERM): the backup state is then applied at once. */
  signal?: AbortSignal;
  /** When `signal` ends a handover: leave the master state to the next hook instead of giving it up now
   * (fifo mode: keepalived SIGTERMs the fifo script right after its STOP line, and runs `notify_stop` /
   * `shutdown_script`, whose own handover then waits for the peer). */
  leaveOnInterrupt?: boolean;
  /** The fifo process's long-lived ip session (a one-shot run makes its own). */
  ip?: IpSession;
}

const HANDOVER_TEXT: Record<HandoverResult['outcome'], string> = {
  peer: 'the peer took the VIP',
  timeout: 'no takeover by the peer in time',
  reclaimed: 'the VIP came back here',
  interrupted: 'interrupted',
};

/** Waiting for the lock is event-driven; this only bounds a holder that never finishes. */
const LOCK_SAFETY_MS = 600_000;

/** Records the waiters answered `stale`, remembers the newest one still waiting, writes the state file. */
function save(config: AgentConfig, state: AgentState, lock: Lock): string | undefined {
  state.transitions.push(...lock.takeStale());
  const pending = lock.pending() ?? state.pendingSeq;
  if (pending && (!state.lastSeq || compareSeq(pending, state.lastSeq) > 0)) state.pendingSeq = pending;
  else delete state.pendingSeq;
  try {
    writeState(config.stateDir, state);
    return undefined;
  } catch (e) {
    if (e instanceof StateWriteError) return e.message;
    throw e;
  }
}

/** Applies `role` for `event`. */
export async function handleEvent(
  config: AgentConfig,
  role: Role,
  event: string,
  seq: Seq,
  opts: EventOptions,
): Promise<EventOutcome> {
  const tag = `(${config.instance}) ${event}`;
  const got = await acquireLock(
    config.lockName,
    { seq, event, role, droppable: opts.dropStale },
    LOCK_SAFETY_MS,
  );
  if ('stale' in got) {
    // The holder records this event in the state file.
    log('info', `${tag}: stale event dropped (a newer one is waiting for the lock)`);
    return { result: 'stale', changes: 0, status: 0 };
  }
  const lock = got.held;
  try {
    const state = readState(config.stateDir);
    lock.observe(state.lastSeq);
    lock.observe(state.pendingSeq);
    const at = new Date().toISOString();
    /** Writes the state; a write failure is one log line and exit status 1 (the change itself stands). */
    const finish = (outcome: EventOutcome, done: string): EventOutcome => {
      const failed = save(config, state, lock);
      if (!failed) return outcome;
      log('err', `${tag}: ${done}, but the state file was not written: ${failed}`);
      return { ...outcome, status: 1 };
    };
    const staleNow = () => opts.dropStale && compareSeq(lock.newest(), seq) > 0;
    const dropStale = (): EventOutcome => {
      state.transitions.push({ at, event, role, seq, result: 'stale', changes: 0, steps: {} });
      log('info', `${tag}: stale event dropped (a newer one was already handled or is waiting)`);
      return finish({ result: 'stale', changes: 0, status: 0 }, 'stale event dropped');
    };
    if (staleNow()) return dropStale();
    if (!state.lastSeq || compareSeq(seq, state.lastSeq) > 0) state.lastSeq = seq;
    let handover: HandoverResult | undefined;
    if (opts.handover && config.handover && role === 'backup' && state.role === 'master') {
      const { waitForTakeover } = await import('./handover.js');
      handover = await waitForTakeover(config.handover, {
        commandTimeoutMs: config.commandTimeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const left = handover.outcome === 'interrupted' && opts.leaveOnInterrupt === true;
      if (handover.outcome === 'reclaimed' || left) {
        state.transitions.push({
          at,
          event,
          role,
          seq,
          result: 'superseded',
          changes: 0,
          steps: {},
          handover,
        });
        log(
          'info',
          left
            ? `${tag}: handover interrupted after ${handover.ms} ms, master state left to the shutdown hook`
            : `${tag}: the VIP came back here after ${handover.ms} ms, master state kept`,
        );
        return finish({ result: 'superseded', changes: 0, status: 0 }, 'master state kept');
      }
      // A newer event came while waiting: it decides the role.
      if (staleNow()) return dropStale();
    }
    const handoverNote = handover
      ? ` after handover (${HANDOVER_TEXT[handover.outcome]}, ${handover.ms} ms)`
      : '';
    let outcome: EventOutcome;
    let record: TransitionRecord;
    let pending: ReconcileResult['nftPending'];
    try {
      const r = await reconcile(config, role, state, opts.ip ? { ip: opts.ip } : {});
      pending = r.nftPending;
      if (r.nft) state.nft = r.nft;
      else delete state.nft;
      record = { at, event, role, seq, result: r.error ? 'failed' : 'applied', steps: r.steps };
      if (r.startedAt !== undefined) record.startedAt = r.startedAt;
      if (handover) record.handover = handover;
      if (r.error) {
        // What a failed run made: 0 when it changed nothing, else the count reconcile reports (if it
        // does); the planned count is kept apart, it is not what was made.
        const made = (r as ReconcileResult & { applied?: unknown }).applied;
        if (!r.changed) record.changes = 0;
        else if (Number.isSafeInteger(made)) record.changes = made as number;
        record.planned = r.changes;
        record.error = r.error;
        log('err', `${tag}: ${role} state FAILED after ${r.steps.total} ms: ${r.error}`);
        outcome = { result: 'failed', changes: record.changes ?? 0, status: 1 };
      } else {
        record.changes = r.changes;
        const timing = Object.entries(r.steps)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        log('info', `${tag}: ${role} state applied${handoverNote}, ${r.changes} changes (${timing} ms)`);
        outcome = { result: 'applied', changes: r.changes, status: 0 };
      }
      if (!r.error && state.role !== role) {
        state.role = role;
        state.since = at;
      } else if (r.error && r.changed) {
        delete state.role;
      }
    } catch (e) {
      const msg = e instanceof PlanError ? `${(e as Error).message}; nothing changed` : String(e);
      record = { at, event, role, seq, result: 'failed', changes: 0, steps: {}, error: msg };
      if (handover) record.handover = handover;
      log('err', `${tag}: ${role} state FAILED: ${msg}`);
      outcome = { result: 'failed', changes: 0, status: 1 };
    }
    if (pending) {
      const nft = await pending;
      if (nft) state.nft = nft;
    }
    state.transitions.push(record);
    return finish(outcome, outcome.result === 'failed' ? `${role} state failed` : `${role} state applied`);
  } finally {
    lock.release();
  }
}
