// The pipeline: inputs -> readers -> one merged crash model -> diagnosis -> Report.
// Each artifact of one incident (console log, vmcore-dmesg.txt, crash session, vmcore) is read by its
// reader; events are merged (duplicates printed by several artifacts are kept once) and diagnosed together.

import { readFileSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  SCHEMA_VERSION, emptyDumpFacts,
  type Backtrace, type CrashEvent, type DumpFacts, type Gap, type InputSource, type KernelInfo, type ModuleInfo,
  type PanicInfo, type Report,
} from './model/types.js';
import { readLog, createLogReader, MAX_EXTRA_PANICKED, type LogReadResult } from './readers/log/index.js';
import { readCrashSession, looksLikeCrashSession } from './readers/crash-session/index.js';
import { crashedBacktrace, eventFromDump, fillTasksFromDump } from './readers/crash-session/event.js';
import { readVmcore } from './readers/vmcore/index.js';
import { diagnose } from './diagnose/index.js';
import { loadIndex, type CveIndex } from './knowledge/cve/index-file.js';
import { VERSION } from './version.js';

/**
 * One input: a file path, in-memory bytes with a display name, or a file read under another name (the
 * CLI spools standard input to a temporary file and names it `-`).
 */
export type AnalyzeInput = string | { name: string; data: Buffer | string } | { name: string; path: string };

export interface AnalyzeOptions {
  /** Called with progress messages for long work (the CLI shows them on a TTY only). */
  onProgress?: (message: string) => void;
  /**
   * Memory budget in bytes for what ktriage keeps from its inputs (default 256 MiB; the Node.js runtime
   * adds about 40 MB). Event lines kept for the report get a sixteenth of it, shared by all logs
   * (rendering a report costs several times its text); a crash session is read up to half of it; dump
   * readers keep fixed caches (16 MiB of file blocks, 2,048 decoded pages). Past a share, later reports
   * are counted by title and the report names the gap.
   */
  maxMemory?: number;
  /**
   * The CVE index to match crashes against (`ktriage kb update`): a loaded index, or the directory that holds
   * one. None by default: the library does not read the user's cache unless told to (the CLI does).
   */
  kb?: CveIndex | string | null;
}

export const DEFAULT_MAX_MEMORY = 256 * 1024 * 1024;
/** The smallest budget accepted: below it the fixed dump caches alone would not fit. */
export const MIN_MAX_MEMORY = 32 * 1024 * 1024;

/** Characters of event lines a log reader may still keep within the budget. */
function keptCharsLeft(acc: Accum): number {
  let used = 0;
  for (const log of acc.logs) for (const e of log.events) for (const l of e.lines) used += l.length + 1;
  return Math.max(0, Math.floor(acc.budget / 16) - used);
}

export type InputKind = 'vmcore' | 'crash-session' | 'log' | 'zstd' | 'empty';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Recognises a dump by its first bytes, a crash transcript by its shape, anything else is a log. */
export function detectInputKind(head: Buffer): InputKind {
  if (head.length === 0) return 'empty';
  if (head.subarray(0, 8).toString('latin1') === 'KDUMP   ') return 'vmcore';
  // A dump cut inside its signature is still a (truncated) dump: the vmcore reader names the gap.
  const sig = head.subarray(0, 12).toString('latin1');
  if (head.length < 12 && head.length >= 4 && ('KDUMP   '.startsWith(sig) || 'makedumpfile'.startsWith(sig))) return 'vmcore';
  if (head.subarray(0, 4).toString('latin1') === '\x7fELF') return 'vmcore';
  if (head.subarray(0, 12).toString('latin1') === 'makedumpfile') return 'vmcore';
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  if (looksLikeCrashSession(head.toString('latin1'))) return 'crash-session';
  return 'log';
}

/** The first `n` bytes of a file (fewer if it is shorter). */
function readHead(path: string, n = 65536): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    let got = 0;
    // One read returns at most ~2 GiB: a large head (readBounded) takes several.
    while (got < n) {
      const k = readSync(fd, buf, got, n - got, got);
      if (k <= 0) break;
      got += k;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

interface Accum {
  sources: InputSource[];
  logs: LogReadResult[];
  kernel: Partial<KernelInfo>[];
  dump: DumpFacts | null;
  panicMessages: string[];
  gaps: Gap[];
  /** AnalyzeOptions.maxMemory, resolved. */
  budget: number;
}

function mergeKernel(parts: Partial<KernelInfo>[]): KernelInfo {
  const k: KernelInfo = { release: null, version: null, arch: null, hostname: null, hardware: null, taint: null };
  for (const p of parts) {
    for (const key of Object.keys(k) as (keyof KernelInfo)[]) {
      if (k[key] == null && p[key] != null) (k as unknown as Record<string, unknown>)[key] = p[key];
    }
  }
  return k;
}

function mergeDump(into: DumpFacts, from: DumpFacts): void {
  Object.assign(into.sys, from.sys);
  Object.assign(into.memory, from.memory);
  into.backtraces.push(...from.backtraces);
  into.syscallTable.push(...from.syscallTable);
  into.symbols.push(...from.symbols);
  into.strings.push(...from.strings);
  into.disassembly.push(...from.disassembly);
  into.structs.push(...from.structs);
  into.tasks.push(...from.tasks);
  into.loadedModules.push(...from.loadedModules);
  into.unparsed.push(...from.unparsed);
}

/** Events printed by several artifacts of the same incident (console + vmcore-dmesg + crash `log`) count once. */
function eventKey(e: CrashEvent): string {
  const t = e.time.uptime == null ? '' : e.time.uptime.toFixed(6);
  return `${e.header.trim()}|${t}|${e.task.pid ?? ''}`;
}

function readOne(input: AnalyzeInput, acc: Accum, opts: AnalyzeOptions): void {
  const name = typeof input === 'string' ? input : input.name;
  // The file to read (null: in-memory data).
  const path = typeof input === 'string' ? input : 'path' in input ? input.path : null;
  let head: Buffer;
  let data: Buffer | string | null = null;
  try {
    if (path !== null) {
      if (statSync(path).isDirectory()) throw new Error('is a directory');
      head = readHead(path);
    } else {
      data = (input as { data: Buffer | string }).data;
      head = Buffer.isBuffer(data) ? data.subarray(0, 65536) : Buffer.from(data.slice(0, 65536), 'utf8');
    }
  } catch (err) {
    acc.gaps.push({ source: name, what: `cannot read: ${(err as Error).message}` });
    return;
  }
  const kind = detectInputKind(head);
  if (kind === 'empty') {
    acc.sources.push({ file: name, format: 'empty', bytes: 0, lines: 0 });
    return;
  }
  if (kind === 'zstd') {
    acc.gaps.push({ source: name, what: 'zstd-compressed file: decompress it first (zstd -d; add --long=31 for large windows)' });
    return;
  }
  if (kind === 'vmcore') {
    if (path === null) {
      acc.gaps.push({ source: name, what: 'a vmcore must be given as a file path, not as bytes in memory' });
      return;
    }
    opts.onProgress?.(`reading vmcore ${basename(name)}`);
    try {
      const v = readVmcore(path, { onProgress: opts.onProgress ? (what, done, total) => opts.onProgress!(`${what} ${done}/${total}`) : undefined });
      acc.sources.push({ file: name, format: v.info.variant, bytes: statSync(path).size, lines: null });
      acc.gaps.push(...v.gaps);
      acc.kernel.push({ release: v.info.release, version: v.info.version, hostname: v.info.hostname, arch: v.info.machine ?? v.info.arch });
      if (v.logBytes.length > 0) {
        const log = readLog(name, v.logBytes, { maxKeptChars: keptCharsLeft(acc) });
        acc.logs.push(log);
        acc.gaps.push(...log.gaps);
        acc.kernel.push(log.kernel);
      } else {
        acc.gaps.push({ source: name, what: 'no kernel log could be read from the dump' });
      }
    } catch (err) {
      acc.gaps.push({ source: name, what: (err as Error).message });
    }
    return;
  }
  if (kind === 'crash-session') {
    if (data == null) data = readBounded(path!, Math.floor(acc.budget / 2), name, acc);
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : data;
    const s = readCrashSession(name, text);
    acc.sources.push(s.source);
    acc.gaps.push(...s.gaps);
    acc.kernel.push(s.kernel);
    if (s.panicMessage) acc.panicMessages.push(s.panicMessage);
    if (!acc.dump) acc.dump = emptyDumpFacts();
    mergeDump(acc.dump, s.facts);
    if (s.log) {
      const log = readLog(name, s.log.text, { firstLine: s.log.firstLine, maxKeptChars: keptCharsLeft(acc) });
      acc.logs.push(log);
      acc.gaps.push(...log.gaps);
      acc.kernel.push(log.kernel);
    }
    return;
  }
  const log = data == null ? readLogFile(name, path!, opts, keptCharsLeft(acc)) : readLog(name, data, { maxKeptChars: keptCharsLeft(acc) });
  acc.sources.push(log.source);
  acc.logs.push(log);
  acc.gaps.push(...log.gaps);
  acc.kernel.push(log.kernel);
}

/** The first `max` bytes of a file (a gap names what was left out). */
function readBounded(path: string, max: number, name: string, acc: Accum): Buffer {
  const size = statSync(path).size;
  if (size <= max) return readFileSync(path);
  acc.gaps.push({ source: name, what: `memory budget: only the first ${(max / 1048576).toFixed(0)} MiB of ${(size / 1048576).toFixed(0)} MiB were read` });
  return readHead(path, max);
}

/** Streams a log file through the reader in 4 MiB chunks: memory stays bounded whatever the file's size. */
function readLogFile(name: string, path: string, opts: AnalyzeOptions, maxKeptChars: number): LogReadResult {
  const reader = createLogReader(name, undefined, { maxEvents: MAX_DETAILED_EVENTS, maxKeptChars });
  const fd = openSync(path, 'r');
  try {
    const total = statSync(path).size;
    const buf = Buffer.alloc(4 * 1024 * 1024);
    let done = 0;
    let shown = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      reader.push(buf.subarray(0, n));
      done += n;
      if (opts.onProgress && done - shown >= 64 * 1024 * 1024) {
        shown = done;
        opts.onProgress(`reading ${basename(name)}: ${(done / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB`);
      }
    }
  } finally {
    closeSync(fd);
  }
  return reader.end();
}
export const MAX_DETAILED_EVENTS = 1000;

/** The panic task's backtrace in a crash session: the crashed task's (src/readers/crash-session/event.ts). */
function panicBacktrace(dump: DumpFacts | null): Backtrace | null {
  return dump ? crashedBacktrace(dump) : null;
}

/** Reads every input of one incident and returns the merged, diagnosed report (the same object as `--json`). */
export function analyze(inputs: AnalyzeInput[], opts: AnalyzeOptions = {}): Report {
  const budget = Math.max(MIN_MAX_MEMORY, opts.maxMemory ?? DEFAULT_MAX_MEMORY);
  const acc: Accum = { sources: [], logs: [], kernel: [], dump: null, panicMessages: [], gaps: [], budget };
  for (const input of inputs) readOne(input, acc, opts);

  // Merge events: the first source that printed an event keeps it.
  const seen = new Set<string>();
  const events: CrashEvent[] = [];
  let extraPanicked = 0;
  const omitted = { count: 0, byTitle: {} as Record<string, number> };
  let panic: PanicInfo | null = null;
  const modules = new Map<string, ModuleInfo>();
  let lastUnloaded: string | null = null;
  for (const log of acc.logs) {
    for (const e of log.events) {
      const key = eventKey(e);
      if (seen.has(key)) continue;
      seen.add(key);
      // Past the cap, an event that took its boot down is still kept (at most MAX_EXTRA_PANICKED of them).
      if (events.length < MAX_DETAILED_EVENTS) events.push(e);
      else if (e.panicked && extraPanicked < MAX_EXTRA_PANICKED) {
        events.push(e);
        extraPanicked++;
      } else {
        omitted.count++;
        omitted.byTitle[e.title] = (omitted.byTitle[e.title] ?? 0) + 1;
      }
    }
    omitted.count += log.eventsOmitted.count;
    for (const [t, n] of Object.entries(log.eventsOmitted.byTitle)) omitted.byTitle[t] = (omitted.byTitle[t] ?? 0) + n;
    if (!panic && log.panic) panic = log.panic;
    for (const m of log.modules) if (!modules.has(m.name)) modules.set(m.name, m);
    if (!lastUnloaded && log.lastUnloaded) lastUnloaded = log.lastUnloaded;
  }
  // Logs are read one by one; order the merged list by boot and time where both are known, stably.
  if (events.length === 0 && acc.dump) {
    const ev = eventFromDump(acc.panicMessages[0] ?? null, acc.dump);
    if (ev) events.push(ev);
  } else if (acc.dump) {
    fillTasksFromDump(events, acc.dump);
  }
  events.forEach((e, i) => { e.index = i; });
  if (!panic && acc.panicMessages.length > 0) {
    const bt = panicBacktrace(acc.dump);
    panic = { message: acc.panicMessages[0]!, task: { pid: bt?.pid ?? null, comm: bt?.comm ?? null }, cpu: bt?.cpu ?? null };
  }

  const kernel = mergeKernel(acc.kernel);
  const first = events[0] ?? null;
  const draft: Omit<Report, 'diagnosis'> = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'ktriage', version: VERSION },
    sources: acc.sources,
    kernel,
    modules: [...modules.values()],
    lastUnloaded,
    crash: first && {
      index: first.index, title: first.title, kind: first.kind, type: first.type, corrupted: first.corrupted,
      task: first.task, cpu: first.cpu,
    },
    panic,
    events,
    eventsOmitted: omitted,
    dump: acc.dump,
    gaps: acc.gaps,
  };
  const hardwareLog = acc.logs.flatMap((l) => l.hardware.map((h) => ({ source: l.source.file, line: h.line, text: h.text }))).slice(0, 64);
  if (hardwareLog.length > 0) draft.hardwareLog = hardwareLog;
  let cve: CveIndex | null = null;
  if (typeof opts.kb === 'string') {
    try { cve = loadIndex(opts.kb); } catch (err) { draft.gaps.push({ source: opts.kb, what: (err as Error).message }); }
  } else cve = opts.kb ?? null;
  const diagnosis = diagnose(draft, { cve });
  return { ...draft, diagnosis };
}
