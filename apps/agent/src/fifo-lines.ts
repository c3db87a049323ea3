/**
 * What the fifo reader makes of keepalived's lines: splitting the byte stream into lines of at most
 * `MAX_LINE` characters (a longer one is discarded as it streams, never buffered whole), parsing an event,
 * recovering the last event of a torn line (a writer killed mid-line, the rest glued to the next line), and
 * classifying it for this agent's instance.
 */
import type { AgentConfig } from '@hagate/spec/agent-config';
import type { Role } from './plan.js';

export const MAX_LINE = 4096;

export interface ParsedEvent {
  type: string;
  name: string;
  state: string;
  priority?: string;
}

/** `INSTANCE "ROUTEUR_1" MASTER 200` -> its fields; undefined for a line that is not shaped as an event. */
export function parseFifoLine(line: string): ParsedEvent | undefined {
  const m =
    /^\s*(\S+)\s+"((?:[^"\\]|\\.)*)"\s+(\S+)(?:\s+(\S+))?\s*$/.exec(line) ??
    /^\s*(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/.exec(line);
  if (!m) return undefined;
  const e: ParsedEvent = { type: m[1] as string, name: m[2] as string, state: m[3] as string };
  if (m[4] !== undefined) e.priority = m[4];
  return e;
}

const TYPES = new Set(['INSTANCE', 'GROUP']);
const STATES = new Set(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED', 'MASTER_RX_LOWER_PRI']);

/** A line keepalived could have written: a known type, and a numeric priority when there is one. */
function wellFormed(e: ParsedEvent | undefined): e is ParsedEvent {
  return e !== undefined && TYPES.has(e.type) && (e.priority === undefined || /^\d+$/.test(e.priority));
}

/**
 * The event of a line: the whole line when it is one, else the last well-formed event that starts inside
 * it (`torn`: the start of the line is what was left of a line whose writer died).
 */
export function eventOfLine(line: string): { event: ParsedEvent; torn: boolean } | undefined {
  const whole = parseFifoLine(line);
  if (wellFormed(whole) && STATES.has(whole.state)) return { event: whole, torn: false };
  const starts = [...line.matchAll(/INSTANCE|GROUP/g)].map((m) => m.index).filter((i) => i > 0);
  for (const i of starts.reverse()) {
    const e = parseFifoLine(line.slice(i));
    if (wellFormed(e) && STATES.has(e.state)) return { event: e, torn: true };
  }
  return wellFormed(whole) ? { event: whole, torn: false } : undefined;
}

export type LineKind =
  | { kind: 'role'; event: ParsedEvent; role: Role; torn: boolean }
  | { kind: 'reannounce'; event: ParsedEvent; torn: boolean }
  /** Lines keepalived writes that are not about this agent's role (a sync group's own line). */
  | { kind: 'quiet'; event: ParsedEvent }
  | { kind: 'malformed' | 'unknown-state' | 'other-instance'; why: string };

/** The role an event asks for; undefined for events this agent ignores. */
export function roleOf(config: AgentConfig, e: ParsedEvent): Role | undefined {
  if (e.type !== 'INSTANCE' || e.name !== config.instance) return undefined;
  switch (e.state) {
    case 'MASTER':
      return 'master';
    case 'BACKUP':
    case 'FAULT':
    case 'STOP':
    case 'DELETED':
      return 'backup';
    default:
      return undefined;
  }
}

export function classify(config: AgentConfig, line: string): LineKind {
  const found = eventOfLine(line);
  if (!found) return { kind: 'malformed', why: 'not a keepalived event line' };
  const { event, torn } = found;
  if (event.type !== 'INSTANCE') return { kind: 'quiet', event };
  // The other members of this instance's sync group move with it: their lines say nothing new.
  if (event.name !== config.instance && config.syncGroup?.instances.includes(event.name))
    return { kind: 'quiet', event };
  if (event.name !== config.instance)
    return { kind: 'other-instance', why: `instance "${event.name}" is not ${config.instance}` };
  if (event.state === 'MASTER_RX_LOWER_PRI') return { kind: 'reannounce', event, torn };
  const role = roleOf(config, event);
  if (!role) return { kind: 'unknown-state', why: `unknown state ${event.state}` };
  return { kind: 'role', event, role, torn };
}

/**
 * Splits a stream into lines. A line longer than `max` is dropped as it streams (only the part read since
 * the last newline is held, never more than `max` characters); `onTooLong` is told once per such line.
 */
export class LineSplitter {
  private held = '';
  private discarding = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
    private readonly max = MAX_LINE,
  ) {}

  push(chunk: string): void {
    let rest = chunk;
    for (;;) {
      const nl = rest.indexOf('\n');
      if (nl < 0) break;
      const piece = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (this.discarding) {
        this.discarding = false;
        this.held = '';
        continue;
      }
      const line = this.held + piece;
      this.held = '';
      if (line.length > this.max) this.onTooLong();
      else this.onLine(line);
    }
    if (this.discarding) return;
    this.held += rest;
    if (this.held.length > this.max) {
      this.held = '';
      this.discarding = true;
      this.onTooLong();
    }
  }
}

/**
 * At most `burst` log lines per kind per `windowMs`; the lines left out are counted and reported with the
 * next line of that kind that is let through.
 */
export class RateLimit {
  private readonly seen = new Map<string, { start: number; n: number; dropped: number }>();

  constructor(
    private readonly burst = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The suffix to log with (`''` or `(N similar lines not logged)`), or undefined to stay quiet. */
  allow(kind: string): string | undefined {
    const t = this.now();
    let s = this.seen.get(kind);
    if (!s || t - s.start >= this.windowMs) {
      const dropped = s?.dropped ?? 0;
      s = { start: t, n: 0, dropped: 0 };
      this.seen.set(kind, s);
      s.n++;
      return dropped > 0 ? ` (${dropped} similar lines not logged before)` : '';
    }
    if (s.n >= this.burst) {
      s.dropped++;
      return undefined;
    }
    s.n++;
    return '';
  }
}
