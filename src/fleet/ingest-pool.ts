// The ingest pool: the CPU work of an ingest (JSON.parse of a 10-100 KB report and its facts, or the
// analysis of a raw log) in worker threads, so the server's event loop only moves bytes and talks to the
// store. Measured on the bench's 28 KB report: parse and facts were ~0.17 ms of the ~0.4 ms of server
// CPU per report, all on the one thread that also reads every request (and, embedded, runs PGlite); the
// brotli of the body (report-body.ts) is another ~0.07 ms.
// A worker that dies or runs past its time (a hostile report) is replaced; its tasks fail, the server lives.
// Size 0 runs the same functions inline (one thread).
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { prepareJson, prepareRaw, type Prepared } from './ingest-work.js';
import type { CrashFacts } from './store.js';
import type { StoredBody } from './report-body.js';

export interface IngestTask {
  id: number;
  kind: 'json' | 'raw';
  /** The body's bytes, transferred to the worker (its own ArrayBuffer). */
  body: Uint8Array;
}
export type IngestAnswer =
  | { id: number; ok: true; facts: CrashFacts; body: StoredBody }
  | { id: number; ok: false; error: string };

/** The report itself is wrong (not JSON, not a ktriage report): the client's fault, a 400. */
export class BadReport extends Error {}

declare const KTRIAGE_BUNDLED: boolean | undefined;

/** The worker's file: beside this module (tsc's output), or the bundle's own entry (scripts/bundle.mjs). */
function workerFile(): URL {
  if (typeof KTRIAGE_BUNDLED !== 'undefined' && KTRIAGE_BUNDLED) {
    for (const rel of ['./ktriage-ingest-worker.mjs', '../ktriage-ingest-worker.mjs']) {
      const u = new URL(rel, import.meta.url);
      if (existsSync(u)) return u;
    }
  }
  return new URL('./ingest-worker.js', import.meta.url);
}

interface Pending {
  resolve(p: Prepared): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}
interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Tasks of this tick, sent as one message (a postMessage costs ~40 us; 4-16 tasks in one, 7-12 us each). */
  outbox: IngestTask[];
  transfer: ArrayBuffer[];
  /** Why this worker is being replaced, when we chose to. */
  dying?: string;
}

export interface PoolOptions {
  /** Longest a task may run before its worker is replaced (default 60 s). */
  timeoutMs?: number;
  /** Heap of each worker (default 1024 MB): a report that needs more fails alone. */
  maxHeapMb?: number;
}

export class IngestPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** Longest a task may run (the constructor's option; may be changed). */
  timeoutMs: number;
  private readonly maxHeapMb: number;
  /** Workers replaced after a crash or a timeout. */
  restarts = 0;

  constructor(readonly size: number, o: PoolOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.maxHeapMb = o.maxHeapMb ?? 1024;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(workerFile(), { resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    const slot: Slot = { worker, pending: new Map(), outbox: [], transfer: [] };
    worker.unref();
    worker.on('message', (answers: IngestAnswer[]) => {
      for (const a of answers) {
        const p = slot.pending.get(a.id);
        if (!p) continue;
        slot.pending.delete(a.id);
        clearTimeout(p.timer);
        if (!a.ok) p.reject(new BadReport(a.error));
        else p.resolve({ facts: a.facts, body: a.body });
      }
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      for (const p of slot.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(slot.dying ?? why));
      }
      slot.pending.clear();
      if (this.closed) return;
      this.restarts++;
      this.slots[i] = this.spawn();
    };
    worker.on('error', (err) => lost(`ingest worker failed: ${String(err.message).split('\n')[0]}`));
    worker.on('exit', (code) => lost(`ingest worker exited (${code})`));
    return slot;
  }

  /** Parses and checks a ktriage JSON body (kind json) or analyses a raw log (kind raw). */
  run(kind: 'json' | 'raw', body: Buffer): Promise<Prepared> {
    if (this.size === 0) {
      return kind === 'json'
        ? new Promise<Prepared>((resolve, reject) => {
            try {
              resolve(prepareJson(body));
            } catch (err) {
              reject(new BadReport((err as Error).message));
            }
          })
        : prepareRaw(body);
    }
    if (this.closed) return Promise.reject(new Error('the ingest pool is closed'));
    // The least busy worker (ties: the first).
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<Prepared>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A task past its time: the worker is stuck on it; replace the worker (its other tasks fail too).
        slot.dying = `a report took longer than ${this.timeoutMs / 1000} s to ${kind === 'raw' ? 'analyse' : 'parse'}`;
        void slot.worker.terminate();
      }, this.timeoutMs);
      timer.unref();
      slot.pending.set(id, { resolve, reject, timer });
      // The bytes move to the worker without a copy when they own their memory (Fastify's body of a large
      // request does); a view into a shared pool is copied first (a small body).
      const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      const bytes = own ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
      if (slot.outbox.length === 0) setImmediate(() => this.flush(slot));
      slot.outbox.push({ id, kind, body: bytes });
      slot.transfer.push(bytes.buffer as ArrayBuffer);
    });
  }

  /**
   * The tasks a worker got during one turn of the event loop go in one message, sent on the check phase
   * (after the poll phase read every request that had arrived), the bytes of each transferred.
   */
  private flush(slot: Slot): void {
    if (slot.outbox.length === 0) return;
    const tasks = slot.outbox;
    const transfer = slot.transfer;
    slot.outbox = [];
    slot.transfer = [];
    if (!this.slots.includes(slot)) return; // replaced meanwhile: its tasks failed with it
    slot.worker.postMessage(tasks, transfer);
  }

  /** Tasks in the workers now. */
  get busy(): number {
    return this.slots.reduce((n, s) => n + s.pending.size, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
