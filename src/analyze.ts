// The pipeline: inputs -> readers -> one merged crash model -> diagnosis -> Report.
// Each artifact of one incident (console log, vmcore-dmesg.txt, crash session, vmcore) is read by its
// reader; events are merged (duplicates printed by several artifacts are kept once) and diagnosed together.

import { readFileSync, openSync, readSync, closeSync, statSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { zstdDecompressPage } from './readers/vmcore/zstd.js';
import { basename, join } from 'node:path';
import {
  SCHEMA_VERSION, emptyDumpFacts,
  type Backtrace, type CrashEvent, type DumpFacts, type Evidence, type Gap, type InputSource, type KernelInfo, type ModuleInfo,
  type Incident, type Report,
} from './model/types.js';
import { decodeTaint } from './model/taint.js';
import { groupUnits, panicOfUnits, parseCrashDate, parseUptime, unitsOf, type Part, type Unit } from './incidents.js';
import type { Draft } from './diagnose/evidence.js';
import { readLog, createLogReader, MAX_EXTRA_PANICKED, type LogReadResult } from './readers/log/index.js';
import { readCrashSession, looksLikeCrashSession } from './readers/crash-session/index.js';
import { crashedBacktrace, eventFromDump, fillTasksFromDump } from './readers/crash-session/event.js';
import { readVmcore } from './readers/vmcore/index.js';
import { readDumpFacts, type DumpFactsResult } from './readers/vmcore/facts.js';
import type { KernelSources } from './readers/vmcore/symbol-files.js';
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
  /** For vmcore inputs: symbol and type files standing in for what a dump lacks (`--system-map`, `--kallsyms`, `--btf`). */
  sources?: KernelSources;
}

export const DEFAULT_MAX_MEMORY = 256 * 1024 * 1024;
/** The smallest budget accepted: below it the fixed dump caches alone would not fit. */
export const MIN_MAX_MEMORY = 32 * 1024 * 1024;

/** Characters of event lines a log reader may still keep within the budget. */
function keptCharsLeft(acc: Accum): number {
  let used = 0;
  for (const p of acc.parts) if (p.log) for (const log of [p.log]) for (const e of log.events) for (const l of e.lines) used += l.length + 1;
  return Math.max(0, Math.floor(acc.budget / 16) - used);
}

export type InputKind = 'vmcore' | 'crash-session' | 'log' | 'zstd' | 'gzip' | 'xz' | 'empty';

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
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 8) return 'gzip';
  if (head.subarray(0, 6).toString('latin1') === '\xfd7zXZ\x00') return 'xz';
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
  parts: Part[];
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
    if (p.nmiWatchdog && !k.nmiWatchdog) k.nmiWatchdog = p.nmiWatchdog;
  }
  return k;
}

function mergeDump(into: DumpFacts, from: DumpFacts): void {
  if (from.vmcore && !into.vmcore) into.vmcore = from.vmcore;
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
  if (kind === 'zstd' || kind === 'gzip') {
    readCompressed(name, kind, path, data, acc, opts);
    return;
  }
  if (kind === 'xz') {
    // No well-kept pure-JS xz decoder is in our dependencies; the tool everyone has does it.
    acc.gaps.push({ source: name, what: 'xz-compressed file: decompress it first (xz -dk FILE)' });
    return;
  }
  if (kind === 'vmcore') {
    if (path === null) {
      acc.gaps.push({ source: name, what: 'a vmcore must be given as a file path, not as bytes in memory' });
      return;
    }
    opts.onProgress?.(`reading vmcore ${basename(name)}`);
    try {
      // The dump's own kernel objects (tasks, stacks, modules, syscall table) from the same open dump.
      let objs: DumpFactsResult | null = null;
      const v = readVmcore(path, {
        onProgress: opts.onProgress ? (what, done, total) => opts.onProgress!(`${what} ${done}/${total}`) : undefined,
        withDump: (d, info) => { objs = readDumpFacts(d, name, { panicCpu: info.panicCpu, panicCpuReason: info.panicCpuReason, onProgress: opts.onProgress, sources: opts.sources }); },
      });
      acc.sources.push({ file: name, format: v.info.variant, bytes: statSync(path).size, lines: null });
      acc.gaps.push(...v.gaps);
      const i = v.info;
      const pc = i.panicCpu !== null ? i.cpus.find((c) => c.cpu === i.panicCpu) ?? null : null;
      const dump = emptyDumpFacts();
      dump.vmcore = {
        file: name, format: i.format, variant: i.variant, compression: i.compression, pageSize: i.pageSize, dumpLevel: i.dumpLevel,
        release: i.release, version: i.version, hostname: i.hostname, buildId: i.buildId, crashTime: i.crashTime,
        cpus: i.nrCpus, panicCpu: i.panicCpu, panicCpuReason: i.panicCpuReason, panicTask: pc ? pc.pid : null,
        registers: pc ? { ...pc.registers } : {}, truncation: v.truncation, logRecords: v.logBytes.length > 0 ? v.records.length : null,
      };
      const o = objs as DumpFactsResult | null;
      if (o) {
        mergeDump(dump, o.facts);
        acc.gaps.push(...o.gaps);
        // NT_PRSTATUS's pid is the vCPU number on QEMU dumps: the panic task is the panic CPU's current task.
        if (o.objects.panic.task) dump.vmcore.panicTask = o.objects.panic.task.pid;
        opts.onProgress?.(`dump objects read in ${o.timings.objects} ms, ${o.traces.length} stacks in ${o.timings.backtraces} ms`);
      }
      const part: Part = {
        name, log: null, kernel: { release: i.release, version: i.version, hostname: i.hostname, arch: i.machine ?? i.arch },
        dump, panicMessage: null, dumpUptime: null, crashTime: i.crashTime, buildId: i.buildId, isDump: true,
      };
      acc.parts.push(part);
      if (v.logBytes.length > 0) {
        // Evidence from the dump's log cites the line of `ktriage dmesg VMCORE` that prints it, not of the binary file.
        const log = readLog(`${name} (ktriage dmesg)`, v.logBytes, { maxKeptChars: keptCharsLeft(acc) });
        part.log = log;
        acc.gaps.push(...log.gaps);
        if (o && log.panic?.message) dump.sys['PANIC'] = `"${log.panic.message}"`;
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
    const part: Part = {
      name, log: null, kernel: s.kernel, dump: s.facts, panicMessage: s.panicMessage,
      dumpUptime: parseUptime(s.facts.sys['UPTIME']), crashTime: parseCrashDate(s.facts.sys['DATE']), buildId: null, isDump: true,
    };
    acc.parts.push(part);
    if (s.log) {
      const log = readLog(name, s.log.text, { firstLine: s.log.firstLine, maxKeptChars: keptCharsLeft(acc) });
      part.log = log;
      acc.gaps.push(...log.gaps);
    }
    return;
  }
  const log = data == null ? readLogFile(name, path!, opts, keptCharsLeft(acc)) : readLog(name, data, { maxKeptChars: keptCharsLeft(acc) });
  if (notAKernelLog(log) && !/^\s*(?:<\d{1,3}>)?\[\s*\d+\.\d+\]/m.test(head.toString('latin1'))) {
    acc.gaps.push({ source: name, what: `not a kernel log: none of its ${log.source.lines ?? 0} lines has a kernel log time stamp or prefix, a kernel banner or a crash report` });
    return;
  }
  acc.sources.push(log.source);
  acc.parts.push({ name, log, kernel: {}, dump: null, panicMessage: null, dumpUptime: null, crashTime: null, buildId: null, isDump: false });
  acc.gaps.push(...log.gaps);
}

/**
 * A file that shows nothing of a kernel log (`/etc/passwd`): no line in a log format (time stamps, syslog
 * or journal prefixes), no `Linux version` banner, no report. It gets "not a kernel log", not a clean bill.
 */
function notAKernelLog(log: LogReadResult): boolean {
  if (log.events.length > 0 || log.eventsOmitted.count > 0 || (log.source.lines ?? 0) === 0) return false;
  if (log.source.format !== 'plain') return false;
  return !(log.bootFacts ?? []).some((b) => b.release !== null) && !log.kernel.release;
}

/**
 * gzip and zstd files are read as what they hold, within the memory budget: the decompressed bytes
 * (at most half the budget; a dump is written to a temporary file, since the dump reader reads by
 * offset). gzip through Node's zlib; zstd through our own bounded decoder (src/readers/vmcore/zstd.ts).
 */
function readCompressed(name: string, kind: 'gzip' | 'zstd', path: string | null, data: Buffer | string | null, acc: Accum, opts: AnalyzeOptions): void {
  const limit = Math.floor(acc.budget / 2);
  let packed: Buffer;
  try {
    if (path !== null) {
      const size = statSync(path).size;
      if (size > limit) {
        acc.gaps.push({ source: name, what: `${kind}-compressed file of ${(size / 1048576).toFixed(0)} MiB is larger than the memory budget allows: decompress it first (${kind === 'gzip' ? 'gunzip -k' : 'zstd -d --long=31'})` });
        return;
      }
      packed = readFileSync(path);
    } else packed = Buffer.isBuffer(data) ? data : Buffer.from(data ?? '', 'latin1');
  } catch (err) {
    acc.gaps.push({ source: name, what: `cannot read: ${(err as Error).message}` });
    return;
  }
  let raw: Buffer;
  try {
    if (kind === 'gzip') raw = gunzipSync(packed, { maxOutputLength: limit });
    else {
      const out = new Uint8Array(Math.min(limit, Math.max(1 << 20, packed.length * 32)));
      const n = zstdDecompressPage(packed, out);
      raw = Buffer.from(out.buffer, out.byteOffset, n);
    }
  } catch (err) {
    const msg = (err as Error).message;
    const big = /maxOutputLength|too small|output|capacity/i.test(msg);
    acc.gaps.push({ source: name, what: big
      ? `${kind}-compressed file holds more than the memory budget allows (${(limit / 1048576).toFixed(0)} MiB): decompress it first (${kind === 'gzip' ? 'gunzip -k' : 'zstd -d --long=31'})`
      : `${kind}-compressed file cannot be decompressed: ${msg.split('\n')[0]}` });
    return;
  }
  const inner = detectInputKind(raw.subarray(0, 65536));
  const before = acc.sources.length;
  if (inner === 'vmcore') {
    const dir = mkdtempSync(join(tmpdir(), 'ktriage-unpacked-'));
    try {
      const tmp = join(dir, 'vmcore');
      writeFileSync(tmp, raw);
      raw = Buffer.alloc(0);
      readOne({ name, path: tmp }, acc, opts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else if (inner === 'gzip' || inner === 'zstd' || inner === 'xz') {
    acc.gaps.push({ source: name, what: `${kind}-compressed file holds another compressed file: decompress it first` });
    return;
  } else readOne({ name, data: raw }, acc, opts);
  for (let i = before; i < acc.sources.length; i++) acc.sources[i]!.format += ` (${kind})`;
  for (const g of acc.gaps) if (g.source.startsWith(join(tmpdir(), 'ktriage-unpacked-'))) g.source = name;
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

/** Modules and last-unloaded module of a unit: its first report with a `Modules linked in:` line, else what its log derived. */
function modulesOf(parts: Part[], u: Unit): { modules: ModuleInfo[]; lastUnloaded: string | null } | null {
  const me = u.events.find((e) => e.modules.length > 0);
  if (me) return { modules: me.modules, lastUnloaded: (me.details.lastUnloaded as string | undefined) ?? null };
  const log = parts[u.part]!.log;
  if (log && u.events.length > 0 && log.events[0]?.boot === u.events[0]!.boot) return { modules: log.modules, lastUnloaded: log.lastUnloaded };
  return null;
}

/** What a unit says about the kernel: the input's own facts (dump), then those of the boot that printed its reports. */
function kernelOf(parts: Part[], u: Unit): Partial<KernelInfo>[] {
  const p = parts[u.part]!;
  const out: Partial<KernelInfo>[] = [];
  if (u.withDump) out.push(p.kernel);
  const log = p.log;
  if (!log) return out;
  const first = u.events[0];
  const nmi = u.boot?.nmiWatchdogOff;
  if (nmi) out.push({ nmiWatchdog: { available: false, evidence: { source: log.source.file, line: nmi.line, text: nmi.text } } });
  if (!first || log.events[0]?.boot === first.boot || !u.boot) {
    out.push(log.kernel);
  } else {
    const b = u.boot;
    out.push({
      release: b.release, version: b.version, hostname: b.hostname, hardware: first.hardware,
      taint: decodeTaint(first.taint), arch: b.release === log.kernel.release ? log.kernel.arch : null,
    });
  }
  return out;
}

interface Built {
  incident: Omit<Incident, 'diagnosis' | 'index' | 'splitReason' | 'parts'>;
  parts: Incident['parts'];
}

/** The merged crash model of one incident's units (events printed by several inputs count once). */
function buildIncident(acc: Accum, units: Unit[], extraKernel: Partial<KernelInfo>[], omittedFrom: Set<number>): Built {
  const parts = acc.parts;
  const seen = new Set<string>();
  const events: CrashEvent[] = [];
  let extraPanicked = 0;
  const omitted = { count: 0, byTitle: {} as Record<string, number> };
  let modules: ModuleInfo[] | null = null;
  let lastUnloaded: string | null = null;
  let dump: DumpFacts | null = null;
  const panicMessages: string[] = [];
  const kernelParts: Partial<KernelInfo>[] = [];
  for (const u of units) {
    for (const e of u.events) {
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
    const log = parts[u.part]!.log;
    if (log && !omittedFrom.has(u.part)) {
      omittedFrom.add(u.part);
      omitted.count += log.eventsOmitted.count;
      for (const [t, n] of Object.entries(log.eventsOmitted.byTitle)) omitted.byTitle[t] = (omitted.byTitle[t] ?? 0) + n;
    }
    const m = modulesOf(parts, u);
    if (m && !modules) modules = m.modules;
    if (m && !lastUnloaded) lastUnloaded = m.lastUnloaded;
    const p = parts[u.part]!;
    if (u.withDump && p.dump) {
      if (!dump) dump = emptyDumpFacts();
      mergeDump(dump, p.dump);
    }
    if (u.withDump && p.panicMessage) panicMessages.push(p.panicMessage);
    kernelParts.push(...kernelOf(parts, u));
  }
  kernelParts.push(...extraKernel);
  // When each third-party module was loaded, where the log of the incident's boot shows it.
  if (modules) {
    const loads = new Map<string, NonNullable<ModuleInfo['loadedAt']>>();
    for (const u of units) for (const l of u.boot?.moduleLoads ?? []) {
      if (!loads.has(l.name)) loads.set(l.name, { uptime: l.uptime, wallclock: l.wallclock, source: parts[u.part]!.log!.source.file, line: l.line });
    }
    if (loads.size > 0) modules = modules.map((m) => (loads.has(m.name) ? { ...m, loadedAt: loads.get(m.name)! } : m));
  }
  if (events.length === 0 && dump) {
    const ev = eventFromDump(panicMessages[0] ?? null, dump);
    if (ev) events.push(ev);
  } else if (dump) {
    fillTasksFromDump(events, dump);
  }
  events.forEach((e, i) => { e.index = i; });
  let panic = panicOfUnits(units);
  if (!panic && panicMessages.length > 0) {
    const bt = panicBacktrace(dump);
    panic = { message: panicMessages[0]!, task: { pid: bt?.pid ?? null, comm: bt?.comm ?? null }, cpu: bt?.cpu ?? null };
  }
  const first = events[0] ?? null;
  return {
    incident: {
      kernel: mergeKernel(kernelParts),
      modules: modules ?? [],
      lastUnloaded,
      crash: first && {
        index: first.index, title: first.title, kind: first.kind, type: first.type, corrupted: first.corrupted,
        task: first.task, cpu: first.cpu,
      },
      panic,
      events,
      eventsOmitted: omitted,
      dump,
    },
    parts: units.map((u) => ({ source: u.source, boot: u.boot?.index ?? null, firstLine: u.boot?.firstLine ?? null })),
  };
}

/**
 * Reads every input and returns the diagnosed report (the same object as `--json`). The inputs are cut
 * into incidents (src/incidents.ts); the top-level fields are those of the first, `incidents` lists all.
 */
export function analyze(inputs: AnalyzeInput[], opts: AnalyzeOptions = {}): Report {
  const budget = Math.max(MIN_MAX_MEMORY, opts.maxMemory ?? DEFAULT_MAX_MEMORY);
  const acc: Accum = { sources: [], parts: [], gaps: [], budget };
  for (const input of inputs) readOne(input, acc, opts);

  const { units } = unitsOf(acc.parts);
  const groups = units.length > 0 ? groupUnits(acc.parts, units) : [{ units: [] as number[], splitReason: null }];
  // Inputs without a report (a log of a boot that did not crash) tell the first incident about its kernel.
  const used = new Set(units.map((u) => u.part));
  const spare: Partial<KernelInfo>[] = [];
  for (const [i, p] of acc.parts.entries()) {
    if (used.has(i)) continue;
    spare.push(p.kernel);
    if (p.log) spare.push(p.log.kernel);
  }
  const omittedFrom = new Set<number>();
  let cve: CveIndex | null = null;
  if (typeof opts.kb === 'string') {
    try { cve = loadIndex(opts.kb); } catch (err) { acc.gaps.push({ source: opts.kb, what: (err as Error).message }); }
  } else cve = opts.kb ?? null;
  let topHardware: Evidence[] | undefined;
  const incidents: Incident[] = groups.map((g, gi) => {
    const b = buildIncident(acc, g.units.map((k) => units[k]!), gi === 0 ? spare : [], omittedFrom);
    const draft: Draft = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'ktriage', version: VERSION },
      sources: acc.sources,
      ...b.incident,
      gaps: acc.gaps,
    };
    // Inputs without a report (a log of a boot that did not crash) also tell the first incident their hardware lines.
    const hardwareLog = hardwareLinesOf(acc, b.parts, gi === 0 ? used : null);
    if (hardwareLog.length > 0) draft.hardwareLog = hardwareLog;
    if (gi === 0) topHardware = draft.hardwareLog;
    return { index: gi, splitReason: g.splitReason, parts: b.parts, ...b.incident, diagnosis: diagnose(draft, { cve }) };
  });
  const top = incidents[0]!;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'ktriage', version: VERSION },
    sources: acc.sources,
    kernel: top.kernel,
    modules: top.modules,
    lastUnloaded: top.lastUnloaded,
    crash: top.crash,
    panic: top.panic,
    events: top.events,
    eventsOmitted: top.eventsOmitted,
    dump: top.dump,
    diagnosis: top.diagnosis,
    gaps: acc.gaps,
    ...(topHardware ? { hardwareLog: topHardware } : {}),
    incidents,
  };
}

/**
 * Hardware error lines (corrected machine checks, EDAC, memory failures) of the logs an incident is made of:
 * for a log cut into boots, those of the incident's boots only; `usedParts` (first incident only): the inputs
 * that belong to some incident, so that the others' lines count here too. At most 64.
 */
function hardwareLinesOf(acc: Accum, parts: Incident['parts'], usedParts: Set<number> | null): Evidence[] {
  const out: Evidence[] = [];
  for (const [i, p] of acc.parts.entries()) {
    const log = p.log;
    if (!log || log.hardware.length === 0) continue;
    const spare = usedParts !== null && !usedParts.has(i);
    const mine = spare ? [{ source: log.source.file, boot: null, firstLine: null }] : parts.filter((x) => x.source === log.source.file);
    if (mine.length === 0) continue;
    const starts = (log.bootFacts ?? []).map((b) => b.firstLine).sort((x, y) => x - y);
    const inBoot = (line: number, first: number | null | undefined): boolean => {
      if (first === null || first === undefined) return true;
      const next = starts.find((s) => s > first);
      return line >= first && (next === undefined || line < next);
    };
    for (const h of log.hardware) {
      if (out.length >= 64) return out;
      if (mine.some((x) => inBoot(h.line, x.firstLine))) out.push({ source: log.source.file, line: h.line, text: h.text });
    }
  }
  return out;
}
