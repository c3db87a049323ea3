/** Handling one event under the lock: drop it when stale, reconcile, record the state, log one line. */
import type { AgentConfig } from '@hagate/spec/agent-config';
import { ClaimResponder, nicUp } from './claim.js';
import type { HandoverResult } from './handover.js';
import type { IpSession } from './ip-session.js';
import { acquireLock, type Lock } from './lock.js';
import { log } from './log.js';
import type { Role } from './plan.js';
import { changeCount } from './plan.js';
import { PlanError, reconcile } from './reconcile.js';
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
  /** The fifo process's answerer of the peer's claims (a stopping one-shot run makes its own). */
  responder?: ClaimResponder;
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
  const after: { linger?: ClaimResponder } = {};
  try {
    return await handleLocked(config, role, event, seq, opts, after);
  } finally {
    // Out of the lock: a run that gave its NIC up before the peer asked stays a moment to answer FREE.
    if (after.linger) {
      await after.linger.untilAsked(config.claim?.lingerMs ?? 0);
      after.linger.stop();
    }
  }
}

async function handleLocked(
  config: AgentConfig,
  role: Role,
  event: string,
  seq: Seq,
  opts: EventOptions,
  after: { linger?: ClaimResponder },
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
    // A master going to BACKUP in a one-shot run (notify, a stopping master's handover) answers its peer's
    // claims while it runs, and tells it once its NIC is down.
    const ownResponder =
      !opts.responder && config.claim && role === 'backup' && state.role === 'master'
        ? new ClaimResponder(config.claim, config.instance, config.externalNic)
        : undefined;
    ownResponder?.start();
    const responder = opts.responder ?? ownResponder;
    try {
      if (opts.handover && config.handover && role === 'backup' && state.role === 'master') {
        const { waitForTakeover } = await import('./handover.js');
        const asked = new AbortController();
        if (responder) responder.asked = false;
        const off = responder?.onAsk(() => asked.abort());
        handover = await waitForTakeover(config.handover, {
          commandTimeoutMs: config.commandTimeoutMs,
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(responder ? { peerAsked: () => responder.asked, wake: asked.signal } : {}),
        }).finally(() => off?.());
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
      try {
        const r = await reconcile(config, role, state, {
          ...(opts.ip ? { ip: opts.ip } : {}),
          // The peer waiting for this router's external NIC hears it is down as soon as it is.
          ...(responder ? { externalDown: () => responder.released() } : {}),
        });
        if (r.nft) state.nft = r.nft;
        else delete state.nft;
        record = { at, event, role, seq, result: r.error ? 'failed' : 'applied', steps: r.steps };
        if (r.startedAt !== undefined) record.startedAt = r.startedAt;
        if (handover) record.handover = handover;
        for (const w of r.warnings) log('warning', `${tag}: ${w}`);
        if (r.warnings.length > 0) record.warnings = r.warnings;
        if (r.error) {
          // What a failed run made (the plan's changes the check found done), apart from what it planned.
          record.changes = r.changed ? r.changes : 0;
          record.planned = changeCount(r.plan);
          record.error = r.error;
          if (r.demoted) record.demoted = r.demoted;
          log(
            'err',
            `${tag}: ${role} state FAILED after ${r.steps.total} ms: ${r.error}${r.demoted ? `; ${r.demoted}` : ''}`,
          );
          outcome = { result: 'failed', changes: record.changes, status: 1 };
        } else {
          record.changes = r.changes;
          const timing = Object.entries(r.steps)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ');
          log('info', `${tag}: ${role} state applied${handoverNote}, ${r.changes} changes (${timing} ms)`);
          outcome = { result: 'applied', changes: r.changes, status: 0 };
        }
        // A demoted router holds the backup state; any other failure leaves the role unknown.
        const now = r.error ? (r.demoted ? 'backup' : undefined) : role;
        if (now && state.role !== now) {
          state.role = now;
          state.since = at;
        } else if (!now && r.changed) {
          delete state.role;
        }
      } catch (e) {
        const msg = e instanceof PlanError ? `${(e as Error).message}; nothing changed` : String(e);
        record = { at, event, role, seq, result: 'failed', changes: 0, steps: {}, error: msg };
        if (handover) record.handover = handover;
        log('err', `${tag}: ${role} state FAILED: ${msg}`);
        outcome = { result: 'failed', changes: 0, status: 1 };
      }
      state.transitions.push(record);
      responder?.released();
      return finish(outcome, outcome.result === 'failed' ? `${role} state failed` : `${role} state applied`);
    } finally {
      if (ownResponder && !ownResponder.asked && !nicUp(config.externalNic)) after.linger = ownResponder;
      else ownResponder?.stop();
    }
  } finally {
    lock.release();
  }
}
