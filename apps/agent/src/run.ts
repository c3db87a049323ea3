/** Handling one event under the lock: drop it when stale, reconcile, record the state, log one line. */
import type { AgentConfig } from '@hagate/spec/agent-config';
import type { HandoverResult } from './handover.js';
import type { IpSession } from './ip-session.js';
import { acquireLock } from './lock.js';
import { log } from './log.js';
import type { Role } from './plan.js';
import { PlanError, type ReconcileResult, reconcile } from './reconcile.js';
import { compareSeq, type Seq } from './seq.js';
import { readState, type TransitionRecord, writeState } from './state.js';

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

/** Applies `role` for `event`. */
export async function handleEvent(
  config: AgentConfig,
  role: Role,
  event: string,
  seq: Seq,
  opts: EventOptions,
): Promise<EventOutcome> {
  const lock = await acquireLock(config.lockName, Math.max(config.commandTimeoutMs * 4, 10_000));
  try {
    const state = readState(config.stateDir);
    const at = new Date().toISOString();
    const tag = `(${config.instance}) ${event}`;
    if (opts.dropStale && state.lastSeq && compareSeq(state.lastSeq, seq) > 0) {
      state.transitions.push({ at, event, role, seq, result: 'stale', changes: 0, steps: {} });
      writeState(config.stateDir, state);
      log('info', `${tag}: stale event dropped (a newer one was already handled)`);
      return { result: 'stale', changes: 0, status: 0 };
    }
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
        writeState(config.stateDir, state);
        log(
          'info',
          left
            ? `${tag}: handover interrupted after ${handover.ms} ms, master state left to the shutdown hook`
            : `${tag}: the VIP came back here after ${handover.ms} ms, master state kept`,
        );
        return { result: 'superseded', changes: 0, status: 0 };
      }
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
      record = {
        at,
        event,
        role,
        seq,
        result: r.error ? 'failed' : 'applied',
        changes: r.changes,
        steps: r.steps,
        startedAt: r.startedAt,
      };
      if (handover) record.handover = handover;
      if (r.error) {
        record.error = r.error;
        log('err', `${tag}: ${role} state FAILED after ${r.steps.total} ms: ${r.error}`);
        outcome = { result: 'failed', changes: r.changes, status: 1 };
      } else {
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
    writeState(config.stateDir, state);
    return outcome;
  } finally {
    await lock.release();
  }
}
