/**
 * One `ip -json -force -batch -` child fed line by line: reads and changes go through the same process, so a
 * transition spawns nothing (fifo mode keeps it for its whole life; a one-shot run uses it for its read, its
 * change and its check). `-force` runs every line even after a failing one, so a failed step never skips
 * the safety steps after it. ip prints one JSON document per `show` line and flushes each, so the documents
 * of a read are the fence of everything written before them: once they are in, every line before has run.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { ExecError } from './exec.js';
import { type KernelState, parseIpState } from './kernel.js';

/**
 * The read that ends every request: its two documents are the kernel state after the request's lines.
 * `table all`, because `table main` lists IPv4 only (and a batch line takes no `-6`): the parser keeps the
 * main table's routes of both families.
 */
const READ = ['address show', 'route show table all'];

export interface IpResult {
  /** The kernel state once every line had run. */
  state: KernelState;
  /** `ip`'s own words for the lines that failed (from its stderr), in order. */
  errors: string[];
}

/** A point in a request: `onFence` runs as soon as the lines up to `after` (an index) have run. */
export interface Fence {
  after: number;
  onFence: () => void;
}

/** The fence's line: one short JSON document, printed once every line before it has run. */
const FENCE = 'link show dev lo';

interface Pending {
  docs: string[];
  need: number;
  fence?: () => void;
  stderr: string;
  resolve: (r: { docs: string[]; stderr: string }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Splits concatenated JSON documents as they stream in, one text per complete top-level array/object. */
export class JsonDocSplitter {
  private buf = '';
  private depth = 0;
  private start = -1;
  private inString = false;
  private escaped = false;
  private scanned = 0;

  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    let i = this.scanned;
    for (; i < this.buf.length; i++) {
      const ch = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '[' || ch === '{') {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (ch === ']' || ch === '}') {
        this.depth--;
        if (this.depth === 0) out.push(this.buf.slice(this.start, i + 1));
      }
    }
    if (this.depth === 0) {
      this.buf = '';
      this.scanned = 0;
    } else {
      this.buf = this.buf.slice(this.start);
      this.scanned = i - this.start;
      this.start = 0;
    }
    return out;
  }
}

export class IpSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  private splitter = new JsonDocSplitter();
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Lines written to the current child, for `Command failed -:N`; the current request's lines and the
   * number of its first one. */
  private lineNo = 0;
  private reqLines: string[] = [];
  private reqFirst = 1;
  /** stderr that arrived after its request was answered. */
  private late = '';
  /** How many times a child was started (1 for a healthy session). */
  spawned = 0;
  /** The kernel state of the last answered request. */
  private last: KernelState | undefined;

  constructor(private readonly timeoutMs: number) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('ip', ['-json', '-force', '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.spawned++;
    this.splitter = new JsonDocSplitter();
    this.lineNo = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const p = this.pending;
      for (const doc of this.splitter.push(d)) {
        if (!p) continue;
        p.docs.push(doc);
        if (p.fence && p.docs.length === 1) {
          const f = p.fence;
          p.fence = undefined;
          f();
        }
        if (p.docs.length === p.need) {
          this.pending = undefined;
          clearTimeout(p.timer);
          // stderr of the lines before was written before this output: let its data event run first.
          setImmediate(() => p.resolve({ docs: p.docs, stderr: p.stderr }));
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (this.pending) this.pending.stderr += d;
      else this.late += d;
    });
    child.stdin.on('error', () => {});
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const p = this.pending;
      this.pending = undefined;
      if (p) {
        clearTimeout(p.timer);
        p.reject(new ExecError(`ip -batch: ${why}`));
      }
    };
    child.on('error', (e: NodeJS.ErrnoException) =>
      gone(e.code === 'ENOENT' ? 'ip: not found in PATH' : e.message),
    );
    child.on('exit', (code, signal) => gone(`exited ${signal ?? code}`));
    this.child = child;
    return child;
  }

  /** Starts the child now, before it is needed: a one-shot run's start-up (loading, the lock, the state
   * file) then overlaps ip's own. The child reads nothing until a request is written. */
  warm(): void {
    this.start();
  }

  /** Writes `lines` then the read; resolves with the state after them and the failed lines' messages.
   * With a fence, its callback runs as soon as the lines up to `fence.after` have run. */
  run(lines: readonly string[], fence?: Fence): Promise<IpResult> {
    const next = this.queue.then(
      () => this.runNow(lines, fence),
      () => this.runNow(lines, fence),
    );
    this.queue = next.catch(() => {});
    return next;
  }

  /**
   * The kernel state as the last request's read found it (undefined before the first one). A long-lived
   * session plans a transition from it instead of reading first, and its check reads the kernel anyway.
   */
  lastState(): KernelState | undefined {
    return this.last;
  }

  /** The kernel state now. */
  async read(): Promise<KernelState> {
    return (await this.run([])).state;
  }

  private async runNow(lines: readonly string[], fence?: Fence): Promise<IpResult> {
    for (const l of lines) {
      if (/[\n\r]/.test(l))
        throw new ExecError(`ip -batch: a line cannot hold a line break: ${JSON.stringify(l)}`);
    }
    let attempt = 0;
    for (;;) {
      try {
        return await this.exchange(lines, fence);
      } catch (e) {
        // A dead helper is started again once; a second failure is the caller's.
        if (attempt++ > 0 || this.child) throw e;
      }
    }
  }

  private exchange(lines: readonly string[], fence?: Fence): Promise<IpResult> {
    const child = this.start();
    const first = this.lineNo + 1;
    const fenced = fence !== undefined && fence.after >= 0 && fence.after < lines.length;
    const all = fenced
      ? [...lines.slice(0, fence.after + 1), FENCE, ...lines.slice(fence.after + 1), ...READ]
      : [...lines, ...READ];
    this.late = '';
    this.reqLines = all;
    this.reqFirst = first;
    this.lineNo += all.length;
    return new Promise<{ docs: string[]; stderr: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        child.kill('SIGKILL');
        reject(new ExecError(`ip -batch: no answer in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = {
        docs: [],
        need: READ.length + (fenced ? 1 : 0),
        stderr: '',
        resolve,
        reject,
        timer,
        ...(fenced ? { fence: fence.onFence } : {}),
      };
      child.stdin.write(`${all.join('\n')}\n`);
    }).then(({ docs, stderr }) => {
      const state = parseIpState(docs.slice(-READ.length).join('\n'));
      this.last = state;
      return { state, errors: this.failures(stderr) };
    });
  }

  /** `ip`'s messages, each with the line it was about: `Command failed -:N` closes each failure. */
  private failures(stderr: string): string[] {
    const out: string[] = [];
    let text: string[] = [];
    for (const line of stderr.split('\n')) {
      const m = /^Command failed -:(\d+)$/.exec(line.trim());
      if (m) {
        const n = Number(m[1]);
        const cmd = this.reqLines[n - this.reqFirst];
        out.push(`${cmd ?? `line ${n}`}: ${text.join(' ').trim() || 'failed'}`);
        text = [];
      } else if (line.trim()) text.push(line.trim());
    }
    if (text.length > 0) out.push(text.join(' '));
    return out;
  }

  /** The last request's failures whose message came after its answer (waits `ms` for them): only asked on
   * a failure path, when the check found lines undone and no message came with the answer. */
  async lateErrors(ms: number): Promise<string[]> {
    await new Promise((r) => setTimeout(r, ms));
    const errors = this.failures(this.late);
    this.late = '';
    return errors;
  }

  /** Ends the child (its stdin closes; ip exits). */
  close(): void {
    const c = this.child;
    this.child = undefined;
    if (!c) return;
    c.stdin.end();
    c.unref();
    for (const s of [c.stdout, c.stderr, c.stdin]) (s as unknown as { unref?: () => void }).unref?.();
  }
}
