// `npm run fuzz -- TARGET|all [--runs N] [--seed S] [--max-ms T] [--cov N] [--batch B]`: fuzzing of every
// parser with fast-check (no coverage-guided JS fuzzer installs here without native prebuilt binaries:
// see docs/reliability.md). Inputs are real seeds (lab and corpus files, carved dump pages, fixtures)
// mutated by bit flips, byte sets, truncations, cuts, duplications, splices of format tokens and
// interesting 32-bit words, with positions biased towards the first 4 KiB (headers).
//
// Property: the parser returns within its time budget, its result keeps the documented bounds (see each
// target), and it throws nothing, except whole-file readers (mayThrow) which may refuse input with one
// clear Error (an Error or own subclass with a one-line message; TypeError, RangeError ... are bugs).
//
// --cov N: cheap coverage guidance. Every Nth input is run alone between two V8 precise block-coverage
// snapshots (node:inspector, Profiler.takePreciseCoverage); an input that reaches a block no earlier
// input reached joins the seed pool, so later mutations start from it.
//
// A watchdog thread sees every input (copied into shared memory): if one runs longer than 10 x --max-ms
// (an endless loop cannot be interrupted from JS) it writes it to fuzz-out/<target>-hang-<seed>.bin and
// kills the process. Failures are written to fuzz-out/<target>-<seed>.bin, to become regression tests in
// test/fixtures/fuzz/. Each batch appends a line to fuzz-out/runs.log (gitignored).
import fc from 'fast-check';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { TARGETS, repoRoot, type FuzzTarget } from './fuzz-targets.js';

export interface FuzzOptions {
  runs: number;
  seed: number;
  maxMs: number;
  /** Coverage sampling period (0: off). */
  cov: number;
}

export interface FuzzResult {
  target: string;
  runs: number;
  failed: boolean;
  error: string | null;
  counterexample: Buffer | null;
  slowestMs: number;
  seeds: number;
  /** Inputs kept for new coverage (with --cov). */
  kept: number;
  secs: number;
}

/** A mutation of a seed: up to eight byte-level edits, shrinkable by fast-check. */
export function mutated(pool: Buffer[], tokens: string[]): fc.Arbitrary<Buffer> {
  // Half the positions fall in the first 4 KiB, where headers and first lines live.
  const pos = fc.oneof(fc.nat({ max: 4095 }), fc.nat());
  const tok = tokens.length ? tokens : ['\n'];
  const edit = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at: pos, byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('cut' as const), at: pos, len: fc.integer({ min: 1, max: 4096 }) }),
    fc.record({ op: fc.constant('dup' as const), at: pos, len: fc.integer({ min: 1, max: 4096 }) }),
    fc.record({ op: fc.constant('token' as const), at: pos, token: fc.constantFrom(...tok) }),
    fc.record({ op: fc.constant('word' as const), at: pos, value: fc.constantFrom(0, 0xffffffff, 0x7fffffff, 0x80000000, 1, 0xfffffff0, 0x1000, 0xffff) }),
    fc.record({ op: fc.constant('splice' as const), at: pos, from: fc.nat(), len: fc.integer({ min: 1, max: 2048 }), other: fc.nat() }),
  );
  return fc.tuple(fc.nat(), fc.array(edit, { minLength: 0, maxLength: 8 })).map(([si, edits]) => {
    const seed = pool.length ? pool[si % pool.length]! : Buffer.alloc(0);
    let b = Buffer.from(seed);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      switch (e.op) {
        case 'flip': if (b.length) b[at] = b[at]! ^ (1 << e.bit); break;
        case 'set': if (b.length) b[at] = e.byte; break;
        case 'truncate': b = b.subarray(0, b.length === 0 ? 0 : e.at % (b.length + 1)); break;
        case 'cut': b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]); break;
        case 'dup': b = Buffer.concat([b.subarray(0, at + e.len), b.subarray(at)]); break;
        case 'token': b = Buffer.concat([b.subarray(0, at), Buffer.from(e.token, 'latin1'), b.subarray(at)]); break;
        case 'word': if (b.length >= 4) b.writeUInt32LE(e.value >>> 0, Math.min(at, b.length - 4) & ~3); break;
        case 'splice': {
          // Bytes of another seed (cross-over), e.g. a header of one dump into another.
          const o = pool.length ? pool[e.other % pool.length]! : b;
          const f = o.length ? e.from % o.length : 0;
          b = Buffer.concat([b.subarray(0, at), o.subarray(f, f + e.len), b.subarray(at)]);
          break;
        }
      }
    }
    return b;
  });
}

const BUILTIN_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];
/** The only acceptable way for a whole-file reader to fail: an Error (or its own subclass) with one line of message. */
export function isClearError(err: unknown): boolean {
  if (!(err instanceof Error) || BUILTIN_ERRORS.some((E) => err instanceof E)) return false;
  return err.message.length > 0 && err.message.length < 1000 && !err.message.includes('\n');
}

/** V8 block coverage since the previous call, as a set of "script:start-end" keys of executed blocks. */
class Coverage {
  private session = new Session();
  private seen = new Set<string>();
  constructor() {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }
  private post(method: string, params?: object): any {
    let out: any = null;
    let error: Error | null = null;
    // node:inspector calls the callback synchronously for a session on the same thread.
    this.session.post(method, params ?? {}, (err, res) => {
      error = err;
      out = res;
    });
    if (error) throw error;
    return out;
  }
  reset(): void {
    this.post('Profiler.takePreciseCoverage');
  }
  /** Number of blocks never seen before that ran since the last reset(). */
  newBlocks(): number {
    const r = this.post('Profiler.takePreciseCoverage') as { result: { scriptId: string; url: string; functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[] }[] };
    let fresh = 0;
    for (const s of r.result) {
      if (!s.url.includes('/dist/src/')) continue;
      for (const fn of s.functions) {
        for (const rg of fn.ranges) {
          if (rg.count === 0) continue;
          const k = `${s.scriptId}:${rg.startOffset}-${rg.endOffset}`;
          if (!this.seen.has(k)) {
            this.seen.add(k);
            fresh++;
          }
        }
      }
    }
    return fresh;
  }
  get blocks(): number {
    return this.seen.size;
  }
  close(): void {
    try {
      this.post('Profiler.stopPreciseCoverage');
    } catch {
      /* ignore */
    }
    this.session.disconnect();
  }
}

const WATCH_BYTES = 8 << 20;
/** A thread that kills the process (after saving the input) when one input runs too long. */
function startWatchdog(target: string, seed: number, limitMs: number): { before(input: Buffer): void; after(): void; stop(): void } {
  const shared = new SharedArrayBuffer(WATCH_BYTES + 16);
  const state = new Int32Array(shared, 0, 4); // [counter, running, length]
  const bytes = new Uint8Array(shared, 16);
  const out = join(repoRoot(), 'fuzz-out', `${target}-hang-${seed}.bin`);
  const code = `
    const { workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const state = new Int32Array(workerData.shared, 0, 4);
    const bytes = new Uint8Array(workerData.shared, 16);
    let last = -1, since = Date.now();
    setInterval(() => {
      const c = Atomics.load(state, 0);
      if (c !== last || Atomics.load(state, 1) === 0) { last = c; since = Date.now(); return; }
      if (Date.now() - since > workerData.limit) {
        fs.writeFileSync(workerData.out, Buffer.from(bytes.subarray(0, Atomics.load(state, 2))));
        fs.writeSync(2, 'fuzz: ' + workerData.target + ': an input ran over ' + workerData.limit + ' ms: saved to ' + workerData.out + '\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }, Math.max(50, Math.floor(workerData.limit / 10)));
  `;
  const w = new Worker(code, { eval: true, workerData: { shared, limit: limitMs, out, target } });
  w.unref();
  return {
    before(input) {
      const n = Math.min(input.length, WATCH_BYTES);
      bytes.set(input.subarray(0, n));
      Atomics.store(state, 2, n);
      Atomics.store(state, 1, 1);
      Atomics.add(state, 0, 1);
    },
    after() {
      Atomics.store(state, 1, 0);
    },
    stop() {
      void w.terminate();
    },
  };
}

/** Fuzzes one target for opts.runs inputs (deterministic for a given seed without --cov). */
export function fuzzTarget(target: FuzzTarget, opts: FuzzOptions, watch = false): FuzzResult {
  const t0 = Date.now();
  const seeds = target.seeds();
  const pool = seeds.length ? [...seeds] : [Buffer.alloc(0)];
  let slowest = 0;
  let kept = 0;
  let n = 0;
  const cov = opts.cov > 0 ? new Coverage() : null;
  const dog = watch ? startWatchdog(target.name, opts.seed, opts.maxMs * 10) : null;
  const runOne = (input: Buffer): void => {
    const sample = cov !== null && n++ % opts.cov === 0;
    if (sample) cov!.reset();
    dog?.before(input);
    const s = performance.now();
    try {
      target.run(input);
    } catch (err) {
      if (!target.mayThrow || !isClearError(err)) throw err;
    } finally {
      dog?.after();
    }
    const ms = performance.now() - s;
    slowest = Math.max(slowest, ms);
    if (ms > opts.maxMs) throw new Error(`took ${ms.toFixed(0)} ms (budget ${opts.maxMs} ms)`);
    if (sample && cov!.newBlocks() > 0 && pool.length < 4096) {
      pool.push(input);
      kept++;
    }
  };
  let result: fc.RunDetails<[Buffer]>;
  try {
    // Every seed as it is first, then mutations.
    for (const s of seeds) runOne(s);
    result = fc.check(fc.property(mutated(pool, target.tokens ?? []), runOne), { numRuns: Math.max(0, opts.runs - seeds.length), seed: opts.seed, endOnFailure: false });
  } catch (err) {
    // A seed itself failed.
    cov?.close();
    dog?.stop();
    return { target: target.name, runs: n, failed: true, error: String((err as Error)?.stack ?? err), counterexample: null, slowestMs: slowest, seeds: seeds.length, kept, secs: (Date.now() - t0) / 1000 };
  }
  cov?.close();
  dog?.stop();
  const ce = result.failed ? ((result.counterexample?.[0] as Buffer | undefined) ?? null) : null;
  const errInstance = result.errorInstance as Error | undefined;
  return {
    target: target.name,
    runs: result.numRuns + seeds.length,
    failed: result.failed,
    error: result.failed ? String(errInstance?.stack ?? errInstance ?? 'failed') : null,
    counterexample: ce,
    slowestMs: slowest,
    seeds: seeds.length,
    kept,
    secs: (Date.now() - t0) / 1000,
  };
}

interface Args extends FuzzOptions {
  target: string;
  batch: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { target: argv[0] ?? '', runs: 10_000, seed: Date.now() % 2 ** 31, maxMs: 2000, cov: 0, batch: 100_000 };
  for (let i = 1; i < argv.length; i++) {
    const v = Number(argv[i + 1]);
    const key = argv[i];
    if (!['--runs', '--seed', '--max-ms', '--cov', '--batch'].includes(key!) || !Number.isFinite(v)) throw new Error(`fuzz: bad argument ${key}`);
    i++;
    if (key === '--runs') a.runs = v;
    else if (key === '--seed') a.seed = v;
    else if (key === '--max-ms') a.maxMs = v;
    else if (key === '--cov') a.cov = v;
    else a.batch = v;
  }
  return a;
}

function main(): number {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const chosen = args.target === 'all' ? TARGETS : TARGETS.filter((t) => t.name === args.target);
  if (chosen.length === 0) {
    console.error(`fuzz: unknown target '${args.target}'; targets: all, ${TARGETS.map((t) => t.name).join(', ')}`);
    return 2;
  }
  const dir = join(repoRoot(), 'fuzz-out');
  mkdirSync(dir, { recursive: true });
  let status = 0;
  for (const target of chosen) {
    let done = 0;
    let batchNo = 0;
    let slowest = 0;
    const t0 = Date.now();
    // Long runs go in batches (each its own fast-check seed): progress is logged, memory stays flat.
    while (done < args.runs) {
      const runs = Math.min(args.batch, args.runs - done);
      const seed = (args.seed + batchNo++) % 2 ** 31;
      const r = fuzzTarget(target, { ...args, runs, seed }, true);
      if (r.seeds === 0 && batchNo === 1) console.error(`fuzz: ${target.name}: no seeds found (is ../shared there?); fuzzing from empty input`);
      done += r.runs;
      slowest = Math.max(slowest, r.slowestMs);
      appendFileSync(join(dir, 'runs.log'), `${new Date().toISOString()} ${target.name} runs=${r.runs} seed=${seed} failed=${r.failed} slowest_ms=${r.slowestMs.toFixed(1)} secs=${r.secs.toFixed(1)} seeds=${r.seeds} kept=${r.kept}\n`);
      if (r.failed) {
        const file = join(dir, `${target.name}-${seed}.bin`);
        if (r.counterexample) writeFileSync(file, r.counterexample);
        console.error(`fuzz: ${target.name}: FAILED after ${done} runs (seed ${seed})${r.counterexample ? `, input saved to ${file}` : ''}:\n${r.error}`);
        status = 1;
        break;
      }
      if (args.runs > args.batch) console.log(`fuzz: ${target.name}: ${done}/${args.runs} runs, slowest ${slowest.toFixed(1)} ms${args.cov ? `, ${r.kept} inputs kept for coverage` : ''}`);
    }
    if (status === 0) console.log(`fuzz: ${target.name}: ${done} runs, no failure, slowest ${slowest.toFixed(1)} ms, ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${args.seed})`);
    else if (args.target !== 'all') break;
  }
  return status;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
