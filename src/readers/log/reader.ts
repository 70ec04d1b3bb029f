// The streaming kernel-log reader: bytes in, crash events out (DECISIONS.md 1-3).
// Outside a report, whole chunks are scanned with one pre-filter regex and only lines that may start a
// report (or carry boot facts) are parsed; inside a report every line is parsed.

import { StringDecoder } from 'node:string_decoder';
import {
  MAX_EVENT_LINES,
  type CrashEvent, type EventKind, type Gap, type InputSource, type KernelInfo, type ModuleInfo, type PanicInfo,
} from '../../model/types.js';
import { decodeTaint, isThirdPartyFlags } from '../../model/taint.js';
import { findFirstCrash, normalizeTitle } from '../../title/index.js';
import { normalizeLine, type LineFormat, type LogLine, type NormalizeOptions } from './normalize.js';
import { COUNT_LITERALS, INTEREST_RE, KIND_RANK, classifyPanic, matchHeader, matchSyzHeader, type HeaderMatch } from './headers.js';
import { LiteralScanner } from './scan.js';
import { MAX_LEAD_IN, leadInOf } from './lead-in.js';
import {
  looksLikeModuleContinuation, normVersion, parseCpuLine, parseFrameLine, parseLocation, parseModulesLine,
  parseModuleList, parseRegisters, parseRip, parseTaintLine, type FrameContext,
} from './body.js';

/** Lines longer than this are cut (the rest of the line is skipped and the cut is noted as a gap). */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * A flat copy of a string that shares no memory with the string it came from. V8 has no API for this:
 * concatenating then slicing flattens the pair into a new buffer (the classic idiom for V8 issue 2869).
 */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
/** Events kept in a result by default; later ones are counted by title in `eventsOmitted`. */
export const DEFAULT_MAX_EVENTS = 1000;
const MAX_RAW_CHARS = 512 * 1024;
/** Characters of one event's `lines` (besides MAX_EVENT_LINES): a report of 400 lines of 64 KiB is not kept whole. */
export const MAX_EVENT_CHARS = 128 * 1024;
/** Characters of event lines kept in a result by default (the memory budget's share: see `maxKeptChars`). */
export const DEFAULT_MAX_KEPT_CHARS = 16 * 1024 * 1024;
const MAX_FRAMES = 256;
const MAX_BOOTS_KEPT = 4096;
const MAX_OMITTED_TITLES = 1000;
/**
 * Count-only mode (past the detail limit) still reads the report that took a boot down in full detail: it
 * keeps the last RECENT_BYTES of the input (the tails of the chunks read, as bytes) and, at a panic line
 * or at the end of a boot whose last report was fatal, runs a detailed reader over the lines from that
 * report's header (at most RECENT_LINES back). At most MAX_EXTRA_PANICKED such events are kept besides
 * the first maxEvents, after at most MAX_REREADS such reads per log.
 */
const RECENT_BYTES = 256 * 1024;
const RECENT_LINES = 1000;
/** Lines after a panic line read with it (the panic's own CPU line and stack), and their bytes. */
const PANIC_TAIL_LINES = 400;
/** Count-only mode notes the time stamp of every line whose number is a multiple of SAMPLE_MASK + 1. */
const SAMPLE_MASK = 63;
export const MAX_EXTRA_PANICKED = 16;
const MAX_REREADS = 64;
/** Title windows: the first events of a file get long ones (the primary crash's title matters most). */
const WIDE_WINDOW_EVENTS = 8;
const WIDE_WINDOW = { lines: 2000, chars: 1024 * 1024 };
const NARROW_WINDOW = { lines: 400, chars: 128 * 1024 };
/** Windows collecting at once; opening one more completes the oldest (bounds memory on header floods). */
const MAX_ACTIVE_WINDOWS = 32;

export interface LogReadOptions {
  /** Line number of the first line (a log embedded in a larger file). Default 1. */
  firstLine?: number;
  /** Year for syslog time stamps that carry none. Default: the current UTC year. */
  year?: number;
  /** Events kept in the result (default 1,000); the rest are counted in `eventsOmitted`. */
  maxEvents?: number;
  /** With an `onEvent` callback, also keep events in the result (default false: stream only). */
  keepEvents?: boolean;
  /**
   * Characters of event lines kept in the result, all events together (default 16 Mi): the reader's share
   * of the memory budget. Once reached, later reports are only counted, as past `maxEvents`.
   */
  maxKeptChars?: number;
}

export interface LogReadResult {
  source: InputSource;
  kernel: Partial<KernelInfo>;
  modules: ModuleInfo[];
  lastUnloaded: string | null;
  events: CrashEvent[];
  panic: PanicInfo | null;
  eventsOmitted: { count: number; byTitle: Record<string, number> };
  gaps: Gap[];
  /** Hardware error lines printed outside crash reports too (corrected machine checks, EDAC, memory
   *  failures): input for hardware findings, not events. At most MAX_HARDWARE_LINES. */
  hardware: { line: number; text: string }[];
  /** Number of boots seen (kdump's capture kernel is one). */
  boots: number;
  /** What each kept boot said about itself (at most MAX_BOOTS_KEPT): incidents are split by boot (DECISIONS.md 6). */
  bootFacts?: BootFacts[];
}

/** One boot of a log as the incident split sees it. */
export interface BootFacts {
  index: number;
  /** Line of the log where the boot begins. */
  firstLine: number;
  release: string | null;
  version: string | null;
  hostname: string | null;
  /** The kdump capture kernel (its command line has `elfcorehdr=`): never an incident of its own. */
  capture: boolean;
  /** The line that says the NMI watchdog cannot run (`NMI watchdog: Perf NMI watchdog permanently disabled`). */
  nmiWatchdogOff: { line: number; text: string } | null;
  /** When third-party modules were loaded: their first taint message (`X: loading out-of-tree module taints kernel`). */
  moduleLoads: { name: string; line: number; uptime: number | null; wallclock: string | null }[];
  /** The boot's panic line, or the panic implied by a fatal report that went straight to kdump. */
  panic: PanicInfo | null;
}

export interface LogReader {
  push(chunk: Buffer | Uint8Array | string): void;
  /** Finishes the input and returns the result (events already streamed are not in it unless kept). */
  end(): LogReadResult;
}

/**
 * Count-only mode looks at lines holding a header literal, a panic line, or a boot banner; once no more
 * reports may be read in detail (MAX_EXTRA_PANICKED, MAX_REREADS), panic lines are no longer looked at.
 */
const COUNT_ALL_LITERALS: readonly string[] = [...COUNT_LITERALS, 'Kernel panic', 'Linux version'];
const COUNT_BOOT_LITERALS: readonly string[] = [...COUNT_LITERALS, 'Linux version'];
const literalRe = (lits: readonly string[]): RegExp => new RegExp(lits.map((l) => l.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|'), 'g');
const COUNT_SCANNER = new LiteralScanner(COUNT_ALL_LITERALS);
const COUNT_BOOT_SCANNER = new LiteralScanner(COUNT_BOOT_LITERALS);
const COUNT_ALL_RE = literalRe(COUNT_ALL_LITERALS);
const COUNT_BOOT_RE = literalRe(COUNT_BOOT_LITERALS);
const BANNER_RE = /^\s*Linux version (\S{1,128}) (.*)$/;
const END_MARK_RE = /---\[ end (?:trace|Kernel panic)/;
const COUNT_ALL_TEST = new RegExp(COUNT_ALL_RE.source);

/** The time stamp of a line that starts with `[   12.345678]` (at `st`, the line ending at `end`), else null. */
function bracketUptime(b: Buffer, st: number, end: number): number | null {
  let i = st + 1;
  while (i < end && b[i] === 32) i++;
  const start = i;
  let dot = -1;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 46 && dot < 0) dot = i;
    else if (c < 48 || c > 57) break;
  }
  if (i >= end || b[i] !== 93 || dot < 0 || dot === start || i - start > 20) return null;
  return Number(b.toString('latin1', start, i));
}

/** The start of the line `back` lines before the last line of `w` (which ends with a newline), or -1 when
 *  that line does not start inside `w`. */
function lineStartBack(w: Buffer, back: number): number {
  let p = w.length - 1;
  for (let i = 0; i <= back; i++) {
    p = p > 0 ? w.lastIndexOf(10, p - 1) : -1;
    if (p < 0) return -1;
  }
  return p + 1;
}

const FATAL_KINDS = new Set<EventKind>([
  'oops', 'null-deref', 'paging-request', 'gpf', 'bug', 'list-corruption', 'double-fault', 'stack-overflow',
  'divide-error', 'invalid-opcode', 'mce',
]);

interface Builder {
  ev: CrashEvent;
  raw: string[];
  /** Characters in ev.lines, and lines left out of it (MAX_EVENT_LINES, MAX_EVENT_CHARS). */
  lineChars: number;
  linesLeftOut: number;
  rawChars: number;
  bodyStarted: boolean;
  section: 'event' | 'panic';
  cpuSeen: boolean;
  panicTaskPending: boolean;
  stack: 'none' | 'in' | 'done';
  panicStack: 'none' | 'in' | 'done';
  panicFrames: CrashEvent['frames'];
  frameCtx: FrameContext;
  userMode: boolean;
  modulesOpen: boolean;
  lastLine: number;
  lastBodyLine: number;
  lastUptime: number | null;
  taskFromHeader: boolean;
  /** `---[ end trace` was printed: the kernel went on after the report. */
  endTrace: boolean;
  /** Raw lines from the header on, including lines of other output interleaved with the report and lines
   *  after it, up to a cap: the title engine decides itself where the report ends (as syzkaller does). */
  window: TitleWindow;
  /** closed and handed over; emitted once its window is complete and all earlier events are out. */
  delivered: boolean;
  /** Opened on a header only syzkaller's table knows: dropped unless the title engine finds a report there. */
  unconfirmed?: boolean;
  /** Opened by a `Kernel panic - not syncing` line. */
  fromPanic?: boolean;
  /** Opened by a line from the middle of a report whose header is not in the log (headerlessOpener). */
  headerless?: boolean;
  /** The tail of an earlier report after all: not emitted. */
  drop?: boolean;
  /** The input ended inside this report. */
  openAtEof?: boolean;
  /** The frame list whose last frame is the caller an arm unwind line named (replaced by the next line's frame). */
  callerLast?: CrashEvent['frames'] | null;
  /** Lines in the report that are none of its body lines (interleaved output). */
  foreignLines?: number;
}

/** The function a header names: `WARNING: CPU: 1 PID: 5 at file.c:12 func+0x1/0x2`, `WARNING: at file.c:12 func()`. */
function headerFunction(header: string): string | null {
  const m = /\bat \S{1,512}:\d+ ([A-Za-z_][\w]{0,255})(?:\.[\w.]{1,64})?(?:\+0x[0-9a-f]+\/0x[0-9a-f]+|\(\))/.exec(header) ??
    /^(?:BUG: )?(?:KASAN|KFENCE|KMSAN): [\w -]{1,64} in ([A-Za-z_][\w]{0,255})/.exec(header);
  return m ? m[1]! : null;
}

const KIND_TITLES: Partial<Record<EventKind, string>> = {
  'hard-lockup': 'BUG: hard lockup', 'soft-lockup': 'BUG: soft lockup', 'hung-task': 'INFO: task hung',
  'rcu-stall': 'INFO: rcu detected stall', oom: 'out of memory', mce: 'machine check', sysrq: 'sysrq triggered crash',
  oops: 'Oops', 'null-deref': 'BUG: unable to handle kernel NULL pointer dereference',
  'paging-request': 'BUG: unable to handle kernel paging request', gpf: 'general protection fault',
  bug: 'kernel BUG', 'stack-protector': 'kernel panic: stack is corrupted', 'stack-overflow': 'kernel stack overflow',
  'double-fault': 'PANIC: double fault', 'divide-error': 'divide error', 'invalid-opcode': 'invalid opcode',
  warning: 'WARNING', 'list-corruption': 'BUG: corrupted list', lockdep: 'possible deadlock',
};

/** A title for a report no rule names: its kind's words, `in FUNC` where the RIP or the header names one. */
function kindTitle(ev: CrashEvent): string {
  const base = KIND_TITLES[ev.kind];
  if (!base) return normalizeTitle(ev.header) || ev.header;
  const fn = ev.rip?.function ?? headerFunction(ev.header) ?? null;
  return fn && ev.kind !== 'oom' ? `${base} in ${fn}` : base;
}

const MAX_HARDWARE_LINES = 64;
/** Lines of the machine-check, EDAC and memory-failure code (arch/x86/kernel/cpu/mce, drivers/edac, mm/memory-failure.c). */
const HARDWARE_RE = /\[Hardware Error\]|Machine [Cc]heck (?:events logged|Event|Exception)|^\s*mce: (?:Uncorrected|\[)|^\s*EDAC [\w ]{1,32}: .*\b(?:CE|UE|[Cc]orrected|[Uu]ncorrected|MEMORY ERROR)\b|^\s*Memory failure: |^\s*RAS: /;
const ARM_UNWIND_RE = /^\s*\[<[0-9a-f]{6,16}>\]\s?\([^)]{1,300}\) from \[</;
const STACK_FILLER_RE =
  /^\s*(?:\.{3}|\[\.{3}\]|\u2026)\s*$|^\s*r\d{1,2}:[0-9a-f]{8}(?:\s+(?:r\d{1,2}|fp|ip|sp|lr):[0-9a-f]{8})*\s*$|^\s*Exception stack\(0x[0-9a-f]+ to 0x[0-9a-f]+\)\s*$|^\s*[0-9a-f]{3,4}:(?:\s+(?:[0-9a-f]{8}|\s{8})){1,8}\s*$/;

/**
 * Lines from the middle of a report that stand for it when its header is not in the log (a paste that
 * starts below it, a header lost to a dropped message): the hung-task hint and state line, an RCU stall's
 * per-CPU line or kthread starvation, an OOM kill. Only looked at outside any report.
 */
function headerlessOpener(msg: string): { kind: EventKind; id: string } | null {
  if (msg.includes('hung_task_timeout_secs') && /"echo 0 > \/proc\/sys\/kernel\/hung_task_timeout_secs" disables this message/.test(msg)) {
    return { kind: 'hung-task', id: 'hung-task-hint' };
  }
  if (/^\s*(?:rcu: )?\s*\d{1,5}-[.\w!]{3,8}: \(\d+ ticks this GP\)|^\s*(?:rcu: )?\s*(?:rcu_\w{1,16}|\w{1,16}) kthread (?:starved for \d+ jiffies!|timer wakeup didn't happen for \d+ jiffies!)/.test(msg)) {
    return { kind: 'rcu-stall', id: 'rcu-headerless' };
  }
  if (/^\s*(?:Out of memory|Memory cgroup out of memory): Kill(?:ed)? process \d+ \(|^\s*oom-kill:constraint=/.test(msg)) {
    return { kind: 'oom', id: 'oom-kill' };
  }
  return null;
}

interface TitleWindow {
  lines: string[];
  chars: number;
  maxLines: number;
  maxChars: number;
  complete: boolean;
  /** The input ended while the window was collecting: nothing was printed after the report's last lines. */
  eof?: boolean;
}

interface BootInfo {
  index: number;
  release: string | null;
  version: string | null;
  hostname: string | null;
  dmi: string | null;
  /** Created on the first module taint message (a log of thousands of boots makes thousands of these). */
  taintModules: Map<string, string> | null;
  panic: PanicInfo | null;
  impliedPanic: PanicInfo | null;
  pending: Builder | null;
  lastEventEnd: number;
  lastLine: number;
  hasLines: boolean;
  events: number;
  firstLine: number;
  capture: boolean;
  nmiWatchdogOff: { line: number; text: string } | null;
  moduleLoads: BootFacts['moduleLoads'];
}

function newBoot(index: number, firstLine = 1): BootInfo {
  return {
    index, release: null, version: null, hostname: null, dmi: null, taintModules: null, panic: null,
    impliedPanic: null, pending: null, lastEventEnd: 0, lastLine: 0, hasLines: false, events: 0, firstLine, capture: false, nmiWatchdogOff: null, moduleLoads: [],
  };
}

class Reader implements LogReader {
  private decoder = new StringDecoder('utf8');
  private carry = '';
  /** Last skipped line with a dmesg time stamp, noted before the next parsed line (see skipLines). */
  private skippedTail: { text: string; line: number } | null = null;
  private skipToNewline = false;
  private lineNo: number;
  private bytes = 0;
  private lines = 0;
  private cutLines = 0;
  private firstCut = 0;
  private dropped = 0;
  private firstDrop = 0;
  private binaryChunks = 0;
  private firstBinaryLine = 0;
  private formats = new Map<LineFormat, number>();
  private boots: BootInfo[] = [];
  private boot: BootInfo = newBoot(0);
  private bootCount = 1;
  private lastUptime: number | null = null;
  private open: Builder | null = null;
  /** Kernel messages read outside any report since the last one ended (at most MAX_LEAD_IN): a lead-in's candidates. */
  private preLines: LogLine[] = [];
  private events: CrashEvent[] = [];
  private emitted = 0;
  /** Characters of the kept events' lines, and the most to keep (LogReadOptions.maxKeptChars). */
  private keptChars = 0;
  private readonly maxKeptChars: number;
  private omitted = { count: 0, byTitle: {} as Record<string, number> };
  private firstEvent: CrashEvent | null = null;
  private firstEventBoot: BootInfo | null = null;
  private firstModulesEvent: CrashEvent | null = null;
  private frameModules = new Set<string>();
  private hardware: { line: number; text: string }[] = [];
  private anyHostname: string | null = null;
  private firstBanner: { release: string; version: string | null } | null = null;
  private ended = false;
  /** Events whose title window is still collecting lines, oldest first. */
  private windows: Builder[] = [];
  /** Delivered events waiting to be emitted in order (their window may still be collecting). */
  private emitQueue: Builder[] = [];
  private opened = 0;
  /** Past the detail limit (and not streaming events out), reports are only counted by header. */
  private countOnly = false;
  /** The kept list is full: count-only mode begins with the next line. */
  private countWanted = false;
  private lastCountedLine = -100;
  /** Count-only mode reads Buffers as bytes (after the first newline past the switch). */
  private byteMode = false;
  /** The partial last line in byte mode. */
  private carryBytes: Buffer[] = [];
  private carryByteLen = 0;
  /** Own keys of omitted.byTitle. */
  private omittedTitles = 0;
  /**
   * The last RECENT_BYTES bytes of the complete lines read so far (text as UTF-8), in a ring that grows up
   * to RECENT_BYTES (no allocation per chunk); it starts with a newline standing for the start of the input.
   */
  private ring: Buffer = Buffer.from('\n'.padEnd(4096, '\0'), 'latin1');
  /** Where the next byte goes in `ring`, and how many bytes of it are in use (they end at ringPos). */
  private ringPos = 1;
  private ringLen = 1;
  /** Scratch space to encode text into before it goes into the ring. */
  private scratch: Buffer | null = null;
  /** Line number of the last line in the ring. */
  private recentLastLine: number;
  /** The data being scanned (its lines from curFrom on are not in `recent` yet). */
  private curText: string | null = null;
  private curBytes: Buffer | null = null;
  private curFrom = 0;
  /** Start and end (after its newline) of the line countLine is looking at, in curText/curBytes. */
  private curLineStart = 0;
  private curLineEnd = 0;
  /** The last report counted in count-only mode: where it starts, the key it was counted under, whether it is fatal. */
  private lastCounted: { line: number; key: string; boot: number; fatal: boolean } | null = null;
  /** A panic line seen in count-only mode: its report, read up to here, waits for the panic's own lines. */
  private panicRead: { firstLine: number; panicLine: number; boot: BootInfo; parts: Buffer[]; bytes: number; linesAfter: number; header: { line: number; key: string } | null } | null = null;
  /** Events kept past maxEvents because they took a boot down, and detailed reads made for them. */
  private extras = 0;
  private rereads = 0;

  constructor(private source: string, private onEvent: ((e: CrashEvent) => void) | undefined, private opts: LogReadOptions) {
    this.lineNo = (opts.firstLine ?? 1) - 1;
    this.recentLastLine = this.lineNo;
    this.boot.firstLine = this.lineNo + 1;
    this.boots.push(this.boot);
    this.maxKeptChars = Math.max(0, opts.maxKeptChars ?? DEFAULT_MAX_KEPT_CHARS);
  }

  push(chunk: Buffer | Uint8Array | string): void {
    if (this.ended) return;
    if (typeof chunk === 'string') {
      this.bytes += Buffer.byteLength(chunk);
      this.pushText(chunk, true);
      return;
    }
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.bytes += buf.length;
    if (!this.countOnly) {
      this.pushText(this.decoder.write(buf), true);
      return;
    }
    // Count-only mode reads bytes (see countBytes). The first chunk after the switch goes through the text
    // path up to its first newline: that finishes the decoder's pending character and the carried line.
    if (buf.length > 0 && buf.indexOf(0) >= 0) this.noteBinary();
    if (!this.byteMode) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.pushText(this.decoder.write(buf), false);
        return;
      }
      this.pushText(this.decoder.write(buf.subarray(0, nl + 1)), false);
      this.byteMode = true;
      if (nl + 1 < buf.length) this.pushBytes(buf.subarray(nl + 1));
      return;
    }
    this.pushBytes(buf);
  }

  private noteBinary(): void {
    this.binaryChunks++;
    if (!this.firstBinaryLine) this.firstBinaryLine = this.lineNo + 1;
  }

  private pushText(text: string, checkBinary: boolean): void {
    if (text.length === 0) return;
    if (checkBinary && text.indexOf('\0') >= 0) this.noteBinary();
    let start = 0;
    // Finish a line being skipped (longer than MAX_LINE_CHARS).
    if (this.skipToNewline) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.skipToNewline = false;
      start = nl + 1;
    }
    const lastNl = text.lastIndexOf('\n');
    if (lastNl < start) {
      this.appendCarry(text.slice(start));
      return;
    }
    const firstNl = text.indexOf('\n', start);
    if (this.carry.length > 0) {
      // The line cut by the chunk boundary takes the same path as any other line (chunking must not matter).
      const line = this.carry + text.slice(start, firstNl) + '\n';
      this.carry = '';
      this.processText(line, 0, line.length);
      start = firstNl + 1;
    }
    if (start <= lastNl) this.processText(text, start, lastNl + 1);
    this.appendCarry(text.slice(lastNl + 1));
  }

  /** Count-only mode on bytes: the same steps as pushText, with the partial last line kept as bytes. */
  private pushBytes(buf: Buffer): void {
    let start = 0;
    if (this.skipToNewline) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      this.skipToNewline = false;
      start = nl + 1;
    }
    const lastNl = buf.lastIndexOf(10);
    if (lastNl < start) {
      this.appendCarryBytes(buf.subarray(start));
      return;
    }
    if (this.carryBytes.length > 0) {
      const firstNl = buf.indexOf(10, start);
      this.carryBytes.push(buf.subarray(start, firstNl + 1));
      const line = Buffer.concat(this.carryBytes);
      this.carryBytes = [];
      this.carryByteLen = 0;
      this.countBytesRemembered(line, 0, line.length);
      start = firstNl + 1;
    }
    if (start <= lastNl) this.countBytesRemembered(buf, start, lastNl + 1);
    this.appendCarryBytes(buf.subarray(lastNl + 1));
  }

  private countBytesRemembered(buf: Buffer, from: number, to: number): void {
    this.curBytes = buf;
    this.curFrom = from;
    try {
      this.countBytes(buf, from, to);
    } finally {
      this.curBytes = null;
    }
    this.remember(buf.subarray(Math.max(from, to - RECENT_BYTES), to));
  }

  /** Copies complete lines into the ring (the oldest bytes past RECENT_BYTES are overwritten). */
  private remember(b: Uint8Array): void {
    this.recentLastLine = this.lineNo;
    if (b.length === 0) return;
    if (b.length > RECENT_BYTES) b = b.subarray(b.length - RECENT_BYTES);
    const cap = this.ring.length;
    if (this.ringLen + b.length > cap && cap < RECENT_BYTES) {
      // Grow: the bytes in use, in order, at the start of a larger ring.
      const bigger = Buffer.allocUnsafe(Math.min(RECENT_BYTES, Math.max(2 * cap, this.ringLen + b.length)));
      const used = this.ringBytes();
      used.copy(bigger, 0);
      this.ring = bigger;
      this.ringPos = used.length;
    }
    const ring = this.ring;
    const first = Math.min(b.length, ring.length - this.ringPos);
    ring.set(b.subarray(0, first), this.ringPos);
    if (first < b.length) ring.set(b.subarray(first), 0);
    this.ringPos = (this.ringPos + b.length) % ring.length;
    this.ringLen = Math.min(ring.length, this.ringLen + b.length);
  }

  private rememberText(text: string): void {
    const max = Buffer.byteLength(text, 'utf8');
    if (this.scratch === null || this.scratch.length < max) this.scratch = Buffer.allocUnsafe(Math.max(max, Math.min(this.scratch ? 2 * this.scratch.length : 4096, 3 * RECENT_BYTES)));
    const n = this.scratch.write(text, 0, 'utf8');
    this.remember(this.scratch.subarray(0, n));
  }

  /** The bytes in the ring, oldest first (a new Buffer). */
  private ringBytes(): Buffer {
    const ring = this.ring;
    const start = (this.ringPos - this.ringLen + ring.length) % ring.length;
    if (start + this.ringLen <= ring.length) return Buffer.from(ring.subarray(start, start + this.ringLen));
    return Buffer.concat([ring.subarray(start), ring.subarray(0, this.ringPos)]);
  }

  /** The last RECENT_BYTES bytes of the input up to `end` in the data being scanned (complete lines as read). */
  private recentThrough(end: number): Buffer {
    const parts = [this.ringBytes()];
    if (this.curText !== null) parts.push(Buffer.from(this.curText.slice(Math.max(this.curFrom, end - RECENT_BYTES), end), 'utf8'));
    else if (this.curBytes !== null) parts.push(this.curBytes.subarray(Math.max(this.curFrom, end - RECENT_BYTES), end));
    const w = Buffer.concat(parts);
    return w.length > RECENT_BYTES ? w.subarray(w.length - RECENT_BYTES) : w;
  }

  private appendCarryBytes(b: Buffer): void {
    if (b.length === 0) return;
    this.carryBytes.push(Buffer.from(b)); // a copy: the caller may reuse its buffer
    this.carryByteLen += b.length;
    // A UTF-8 character is at least one byte: only past MAX_LINE_CHARS bytes can the text be too long.
    if (this.carryByteLen <= MAX_LINE_CHARS) return;
    const all = Buffer.concat(this.carryBytes);
    const line = new StringDecoder('utf8').write(all); // as the text path: without an unfinished last character
    if (line.length <= MAX_LINE_CHARS) {
      this.carryBytes = [all];
      return;
    }
    this.carryBytes = [];
    this.carryByteLen = 0;
    this.skipToNewline = true;
    this.overlongLine(line);
  }

  /** A line longer than MAX_LINE_CHARS cut by a chunk boundary: parsed cut, remembered cut (lines stay counted). */
  private overlongLine(line: string): void {
    if (this.countOnly) {
      this.cutLines++;
      if (!this.firstCut) this.firstCut = this.lineNo + 1;
      const text = line.slice(0, MAX_LINE_CHARS) + '\n';
      this.processText(text, 0, text.length);
      return;
    }
    this.processLine(line); // processLine cuts it
    this.rememberText(line.slice(0, MAX_LINE_CHARS) + '\n');
  }

  private appendCarry(s: string): void {
    if (s.length === 0) return;
    this.carry += s;
    if (this.carry.length > MAX_LINE_CHARS) {
      const line = this.carry;
      this.carry = '';
      this.skipToNewline = true;
      this.overlongLine(line);
    }
  }

  /**
   * Past the detail limit (maxEvents events kept) a log with a flood of reports is only counted: each
   * header line counts once under its normalised header text (no body parsing, no title engine), so a
   * huge crash-dense log streams at scan speed. Secondary headers close to the previous one join it.
   * The switch is noted once the kept list is full (all kept events are then final) and made before the
   * next line (switchToCountOnly).
   */
  private enterCountOnlyIfFull(): void {
    if (this.onEvent || this.countOnly || this.countWanted) return;
    // The first event gives the kernel facts (with maxEvents 0 too).
    if (this.firstEvent === null) return;
    if (this.events.length < (this.opts.maxEvents ?? DEFAULT_MAX_EVENTS) && this.keptChars < this.maxKeptChars) return;
    this.countWanted = true;
  }

  /** Reports still being read or titled when the kept list filled up are counted by header, as later ones. */
  private switchToCountOnly(): void {
    const inFlight = new Set<Builder>([...this.emitQueue, ...this.windows]);
    if (this.open) inFlight.add(this.open);
    if (this.boot.pending) inFlight.add(this.boot.pending);
    const list = [...inFlight].sort((a, b) => a.ev.source.startLine - b.ev.source.startLine);
    for (const o of list) {
      if (o.unconfirmed) continue;
      // The report that took its boot down is kept in detail (the switch waits for it to close).
      if (o.ev.panicked && this.extras < MAX_EXTRA_PANICKED) {
        if (o.ev.frames.length === 0 && o.panicFrames.length > 0) o.ev.frames = o.panicFrames;
        const ev = this.finish(o);
        if (ev) this.keepExtra(ev);
        continue;
      }
      // As in count-only mode: reports started by a panic line are not counted.
      if (o.fromPanic) continue;
      const key = this.countOmitted(normalizeTitle(o.ev.header) || o.ev.header.slice(0, 120));
      this.lastCountedLine = headerLine(o.ev);
      this.lastCounted = { line: headerLine(o.ev), key, boot: o.ev.boot, fatal: FATAL_KINDS.has(o.ev.kind) };
    }
    this.open = null;
    this.boot.pending = null;
    this.windows = [];
    this.emitQueue = [];
    this.countOnly = true;
  }

  /**
   * Count-only mode over complete lines text[from, to) (`to` just after a newline). Only lines holding one
   * of the COUNT_ALL_LITERALS can be counted: they take the steps of a line of interest (INTEREST_RE,
   * normalised, matchHeader); the others only advance the line number. The lines after a panic line are
   * read one by one (countPanicTail).
   */
  private countText(text: string, from: number, to: number): void {
    const firstLineNo = this.lineNo;
    let pos = from;
    while (pos < to) {
      if (this.panicRead) {
        const nl = text.indexOf('\n', pos);
        const ls = pos;
        this.countPanicTail(text.slice(ls, nl), ls, nl + 1, () => Buffer.from(text.slice(ls, nl + 1), 'utf8'));
        pos = nl + 1;
        continue;
      }
      const re = this.mayReread() ? COUNT_ALL_RE : COUNT_BOOT_RE;
      re.lastIndex = pos;
      const m = re.exec(text);
      if (m === null || m.index >= to) {
        this.countTextLines(text, pos, to);
        break;
      }
      const ls = Math.max(text.lastIndexOf('\n', m.index) + 1, pos);
      this.countTextLines(text, pos, ls);
      const nl = text.indexOf('\n', m.index);
      this.curLineStart = ls;
      this.curLineEnd = nl + 1;
      this.countLine(text.slice(ls, nl));
      pos = nl + 1;
    }
    this.lines += this.lineNo - firstLineNo;
    this.noteLastSkipped(from, to, (ls, le) => text.slice(ls, le), (p) => text.lastIndexOf('\n', p));
  }

  /** Counts the lines in text[from, to) that are not looked at (see sampleUptime). */
  private countTextLines(text: string, from: number, to: number): void {
    for (let p = text.indexOf('\n', from), st = from; p >= 0 && p < to; st = p + 1, p = text.indexOf('\n', p + 1)) {
      if ((++this.lineNo & SAMPLE_MASK) === 0 && text.charCodeAt(st) === 91) {
        // As UTF-8 bytes: only ASCII digits, spaces, '.' and ']' decide, so the byte path's parser gives the same answer.
        const line = Buffer.from(text.slice(st, p), 'utf8');
        this.sampleUptime(bracketUptime(line, 0, line.length), st);
      }
    }
  }

  /**
   * Count-only mode notes the time stamps of the lines it looks at, and of every 64th line (by line number,
   * so that where chunks end does not matter): restarting time stamps start a boot (noteUptime) even
   * where no header follows soon. `uptime`: the `[   12.345678]` time stamp of line lineNo, which starts
   * at `start` in the data being scanned.
   */
  private sampleUptime(uptime: number | null, start: number): void {
    if (uptime === null) return;
    this.curLineStart = start;
    this.noteUptimeOf(uptime, this.lineNo);
  }

  /** countText on bytes: the literals are searched in the bytes, only lines holding one are decoded. */
  private countBytes(buf: Buffer, from: number, to: number): void {
    const firstLineNo = this.lineNo;
    let pos = from;
    while (pos < to) {
      if (this.panicRead) {
        const nl = buf.indexOf(10, pos);
        const ls = pos;
        this.countPanicTail(buf.toString('utf8', ls, nl), ls, nl + 1, () => Buffer.from(buf.subarray(ls, nl + 1)));
        pos = nl + 1;
        continue;
      }
      const at = (this.mayReread() ? COUNT_SCANNER : COUNT_BOOT_SCANNER).find(buf, pos, to);
      const ls = at < 0 ? to : Math.max(buf.lastIndexOf(10, at) + 1, pos);
      for (let p = buf.indexOf(10, pos), st = pos; p >= 0 && p < ls; st = p + 1, p = buf.indexOf(10, p + 1)) {
        if ((++this.lineNo & SAMPLE_MASK) === 0 && buf[st] === 91) this.sampleUptime(bracketUptime(buf, st, p), st);
      }
      if (at < 0) break;
      const nl = buf.indexOf(10, at);
      this.curLineStart = ls;
      this.curLineEnd = nl + 1;
      this.countLine(buf.toString('utf8', ls, nl));
      pos = nl + 1;
    }
    this.lines += this.lineNo - firstLineNo;
    this.noteLastSkipped(from, to, (ls, le) => buf.toString('utf8', ls, le), (p) => buf.lastIndexOf(10, p));
  }

  /**
   * As skipLines would have done for the lines [from, to) just counted: the last line that is not of
   * interest (INTEREST_RE) sets the boot's last line. (Reboots are noticed at the lines counted: the
   * time stamp of the last line of a chunk would depend on where chunks end.)
   */
  private noteLastSkipped(from: number, to: number, lineAt: (ls: number, le: number) => string, lastNl: (p: number) => number): void {
    let end = to - 1; // the newline that ends the line looked at
    let lineNo = this.lineNo;
    while (end >= from) {
      const ls = end > from ? Math.max(lastNl(end - 1) + 1, from) : from;
      const line = lineAt(ls, end);
      if (!INTEREST_RE.test(line)) {
        this.boot.lastLine = lineNo;
        return;
      }
      if (ls <= from) return;
      lineNo--;
      end = ls - 1;
    }
  }

  /**
   * One line in count-only mode (curLineStart/curLineEnd locate it): a header counts once under its
   * normalised text; a boot banner or restarting time stamps start a boot; the first panic line of a
   * boot starts a detailed read of the report it ends (countPanic).
   */
  private countLine(line: string): void {
    this.lineNo++;
    if (this.skippedTail) this.flushSkippedTail(); // the last line skipped before the switch
    if (!INTEREST_RE.test(line)) return;
    const raw = line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
    const L = normalizeLine(raw, this.lineNo, this.opts);
    if (!L.kernel) return;
    const msg = L.text;
    const banner = BANNER_RE.exec(msg);
    if (banner && !msg.startsWith('Linux version (')) {
      if (this.boot.hasLines || this.boot.release !== null || this.boot.events > 0) this.startBoot(L.line);
      else this.finishPanicRead();
      const ver = /(#\d+.*)$/.exec(banner[2]!);
      this.boot.release = banner[1]!;
      this.boot.version = ver ? normVersion(ver[1]!) : null;
      if (!this.firstBanner) this.firstBanner = { release: this.boot.release, version: this.boot.version };
      this.lastUptime = L.uptime;
      this.boot.hasLines = true;
    } else {
      this.noteUptime(L);
    }
    const h = matchHeader(msg);
    if (!h) return;
    // A header ends the lines read after a panic line.
    this.finishPanicRead();
    if (h.rule.panic) {
      this.countPanic(L);
      return;
    }
    if (h.rule.secondary && this.lineNo - this.lastCountedLine <= 12) {
      // Joins the report counted just before, as in detailed mode.
      if (this.lastCounted && FATAL_KINDS.has(h.rule.kind)) this.lastCounted.fatal = true;
      return;
    }
    this.lastCountedLine = this.lineNo;
    const text = msg.trim();
    const key = this.countOmitted(normalizeTitle(text) || text.slice(0, 120));
    this.lastCounted = { line: this.lineNo, key, boot: this.boot.index, fatal: FATAL_KINDS.has(h.rule.kind) };
    this.boot.events++;
  }

  private mayReread(): boolean {
    return this.extras < MAX_EXTRA_PANICKED && this.rereads < MAX_REREADS;
  }

  /**
   * A panic line in count-only mode (line L, at curLineStart..curLineEnd). The first of a boot is read in
   * detail with the report it ends: from that report's header (the last one counted, when it is in this
   * boot and in reach) through the panic line, plus the lines after it that belong to the panic
   * (countPanicTail); a panic with no report before it is read alone, as a bare panic.
   */
  private countPanic(L: LogLine): void {
    const b = this.boot;
    if (b.panic || (this.curText === null && this.curBytes === null) || !this.mayReread()) return;
    const w = this.recentThrough(this.curLineEnd);
    const lc = this.lastCounted;
    let start = -1;
    let header: { line: number; key: string } | null = null;
    if (lc && lc.boot === b.index && L.line - lc.line <= RECENT_LINES) {
      start = lineStartBack(w, L.line - lc.line);
      if (start >= 0) header = { line: lc.line, key: lc.key };
    }
    if (start < 0) start = lineStartBack(w, 0);
    if (start < 0) return;
    const first = Buffer.from(w.subarray(start));
    this.panicRead = { firstLine: header ? header.line : L.line, panicLine: L.line, boot: b, parts: [first], bytes: first.length, linesAfter: 0, header };
  }

  /**
   * A line after a panic line, while its read is open: counted as any line, and added to the read unless
   * it is a header or a banner (countLine then ends the read first). The read ends after an end marker
   * (`---[ end Kernel panic`, `---[ end trace`), PANIC_TAIL_LINES lines or RECENT_BYTES bytes.
   */
  private countPanicTail(line: string, ls: number, le: number, bytes: () => Buffer): void {
    const pr = this.panicRead!;
    if (COUNT_ALL_TEST.test(line)) {
      this.curLineStart = ls;
      this.curLineEnd = le;
      this.countLine(line);
      if (this.panicRead !== pr) return;
    } else {
      this.lineNo++;
    }
    const b = bytes();
    pr.parts.push(b);
    pr.bytes += b.length;
    pr.linesAfter++;
    if (END_MARK_RE.test(line) || pr.linesAfter >= PANIC_TAIL_LINES || pr.bytes >= RECENT_BYTES) this.finishPanicRead();
  }

  private finishPanicRead(): void {
    const pr = this.panicRead;
    if (!pr) return;
    this.panicRead = null;
    this.reread(Buffer.concat(pr.parts), pr.firstLine, pr.boot, pr.header, true);
  }

  /**
   * The end of a boot in count-only mode (a banner or restarting time stamps at the line being counted, or
   * the end of the input): a boot without a panic line whose last counted report was fatal may have gone
   * to kdump without one (oops=panic). Its report is read in detail through the boot's last line, and the
   * detailed reader decides, as it does for the boots it reads itself.
   */
  private countBootEnd(): void {
    this.finishPanicRead();
    const b = this.boot;
    const lc = this.lastCounted;
    if (b.panic || b.impliedPanic || !lc || !lc.fatal || lc.boot !== b.index || !this.mayReread()) return;
    const inLine = this.curText !== null || this.curBytes !== null;
    const last = inLine ? this.lineNo - 1 : this.recentLastLine;
    if (last - lc.line > RECENT_LINES || last < lc.line) return;
    const w = this.recentThrough(inLine ? this.curLineStart : 0);
    const start = lineStartBack(w, last - lc.line);
    if (start < 0) return;
    this.reread(Buffer.from(w.subarray(start)), lc.line, b, { line: lc.line, key: lc.key }, false);
  }

  /** Reads `data` (lines from `firstLine` on) in detail and keeps the event that took the boot down, if any. */
  private reread(data: Buffer, firstLine: number, boot: BootInfo, header: { line: number; key: string } | null, panicLine: boolean): void {
    this.rereads++;
    const sub = readLog(this.source, data, { firstLine, year: this.opts.year, maxEvents: 64 });
    const ev = sub.events.find((e) => e.panicked);
    if (!ev || !sub.panic) return;
    ev.boot = boot.index;
    ev.index = this.emitted++;
    this.keepExtra(ev);
    if (header && headerLine(ev) === header.line) this.uncountOmitted(header.key);
    if (panicLine) {
      if (!boot.panic) boot.panic = sub.panic;
    } else if (!boot.impliedPanic) {
      boot.impliedPanic = sub.panic;
    }
    this.lastCounted = null;
  }

  /** Counts an omitted event under its title (at most MAX_OMITTED_TITLES titles, then '(other titles)'); returns the key. */
  private countOmitted(title: string): string {
    const by = this.omitted.byTitle;
    this.omitted.count++;
    const key = title in by || this.omittedTitles < MAX_OMITTED_TITLES ? title : '(other titles)';
    const had = Object.hasOwn(by, key);
    by[key] = (by[key] ?? 0) + 1;
    if (!had && Object.hasOwn(by, key)) this.omittedTitles++;
    return key;
  }

  /** Takes back a count (the report was then kept in detail). */
  private uncountOmitted(key: string): void {
    const by = this.omitted.byTitle;
    if (!Object.hasOwn(by, key)) return;
    this.omitted.count--;
    if (--by[key]! <= 0) {
      delete by[key];
      this.omittedTitles--;
    }
  }

  /** Scans complete lines text[from, to) (to is just after a newline), then remembers them (`recent`). */
  private processText(text: string, from: number, to: number): void {
    this.curText = text;
    this.curFrom = from;
    try {
      this.scanText(text, from, to);
    } finally {
      this.curText = null;
    }
    this.rememberText(text.slice(Math.max(from, to - RECENT_BYTES), to));
  }

  private scanText(text: string, from: number, to: number): void {
    let pos = from;
    const re = new RegExp(INTEREST_RE.source, 'g');
    while (pos < to) {
      // The switch waits for a report that panicked to close: it is kept whole.
      if (this.countWanted && !this.countOnly && !this.open?.ev.panicked) this.switchToCountOnly();
      if (this.countOnly) {
        this.countText(text, pos, to);
        return;
      }
      if (this.open === null) {
        re.lastIndex = pos;
        const m = re.exec(text);
        if (m === null || m.index >= to) {
          this.skipLines(text, pos, to);
          return;
        }
        const ls = text.lastIndexOf('\n', m.index) + 1;
        const lineStart = ls < pos ? pos : ls;
        if (lineStart > pos) this.skipLines(text, pos, lineStart);
        pos = lineStart;
        // An event emitted among the skipped lines may have filled the kept list: the line is then
        // counted, as it is when it arrives in a chunk of its own (chunking must not matter).
        if (this.countWanted) continue;
      }
      let nl = text.indexOf('\n', pos);
      if (nl < 0 || nl >= to) nl = to - 1;
      this.processLine(text.slice(pos, nl));
      pos = nl + 1;
    }
  }

  /** Counts lines that need no parsing; keeps the uptime of the last one for boot detection. */
  private skipLines(text: string, from: number, to: number): void {
    let pos = from;
    let last = from;
    let n = 0;
    while (pos < to) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0 || nl >= to) break;
      n++;
      last = pos;
      if (this.windows.length > 0) {
        // A console line goes to the title engine as it is; others with their prefix made a console's.
        const raw = text.slice(pos, nl);
        this.feedWindows(raw.charCodeAt(0) === 91 ? raw : titleLine(normalizeLine(raw, this.lineNo + n, this.opts)));
      }
      pos = nl + 1;
    }
    if (n === 0) return;
    this.keepSkippedTail(text, last, nlEnd(text, last), n);
    this.lineNo += n;
    this.lines += n;
    this.boot.lastLine = this.lineNo;
    // Timestamp of the last skipped line (dmesg prefix only): notices restarts between two parsed lines.
    // Noted when the next line is parsed (or at the end), so that where chunks end does not matter.
    this.skippedTail = text.charCodeAt(last) === 91 ? { text: text.slice(last, Math.min(pos - 1, last + 40)), line: this.lineNo } : null;
  }

  /**
   * The last kernel messages among `n` skipped lines, the last of which is text[last, lastEnd) and is line
   * lineNo + n: candidates for the lead-in of a header that may follow (skipped lines are never parsed).
   */
  private keepSkippedTail(text: string, last: number, lastEnd: number, n: number): void {
    const tail: LogLine[] = [];
    let start = last;
    let end = lastEnd;
    for (let k = 0; k < Math.min(n, MAX_LEAD_IN); k++) {
      const line = text.slice(start, Math.min(end, start + MAX_LINE_CHARS));
      const L = normalizeLine(ownCopy(line), this.lineNo + n - k, this.opts);
      if (L.kernel) tail.unshift(L);
      if (start === 0) break;
      end = start - 1;
      start = text.lastIndexOf('\n', end - 1) + 1;
    }
    this.preLines = n >= MAX_LEAD_IN ? tail : [...this.preLines, ...tail].slice(-MAX_LEAD_IN);
  }

  private flushSkippedTail(): void {
    const t = this.skippedTail;
    if (!t) return;
    this.skippedTail = null;
    const l = normalizeLine(t.text, t.line, this.opts);
    if (l.uptime != null) this.noteUptime(l);
  }

  private noteUptime(l: LogLine): void {
    if (l.uptime != null) this.noteUptimeOf(l.uptime, l.line);
  }

  private noteUptimeOf(uptime: number, line: number): void {
    const prev = this.lastUptime;
    if (prev != null && uptime + 2 < prev && uptime < prev / 2) this.startBoot(line);
    this.lastUptime = uptime;
    this.boot.hasLines = true;
  }

  private processLine(lineIn: string): void {
    this.flushSkippedTail();
    this.lineNo++;
    this.lines++;
    // A line sliced from a 4 MiB chunk is a V8 sliced string: anything kept from it (event lines, frames,
    // boot facts) would keep the whole chunk alive. A copy of its own keeps memory proportional to what
    // is kept: 1,000 events spread over a 400 MB log held 400 MB without it.
    let line = lineIn;
    if (line.length > MAX_LINE_CHARS) {
      line = line.slice(0, MAX_LINE_CHARS);
      this.cutLines++;
      if (!this.firstCut) this.firstCut = this.lineNo;
    }
    line = ownCopy(line);
    const L = normalizeLine(line, this.lineNo, this.opts);
    if (this.windows.length > 0) this.feedWindows(titleLine(L));
    this.formats.set(L.format, (this.formats.get(L.format) ?? 0) + 1);
    if (L.dropped) {
      this.dropped += L.dropped;
      if (!this.firstDrop) this.firstDrop = L.line;
    }
    if (!L.kernel) {
      this.boot.lastLine = L.line;
      return;
    }
    const parts = splitJoined(L, this.opts);
    if (parts === null) this.processMessage(L);
    else for (const p of parts) this.processMessage(p);
  }

  /** One kernel message (a line, or one of the messages a joined line holds). */
  private processMessage(L: LogLine): void {
    const msg = L.text;
    if (this.hardware.length < MAX_HARDWARE_LINES && HARDWARE_RE.test(msg)) {
      this.hardware.push({ line: L.line, text: ownCopy(msg.trim().slice(0, 512)) });
    }
    // Boots: a `Linux version` banner or restarting time stamps.
    const banner = /^\s*Linux version (\S{1,128}) (.*)$/.exec(msg);
    if (banner && !msg.startsWith('Linux version (') ) {
      if (this.boot.hasLines || this.boot.release !== null || this.boot.events > 0) this.startBoot(L.line);
      const ver = /(#\d+.*)$/.exec(banner[2]!);
      this.boot.release = banner[1]!;
      this.boot.version = ver ? normVersion(ver[1]!) : null;
      if (!this.firstBanner) this.firstBanner = { release: this.boot.release, version: this.boot.version };
      this.lastUptime = L.uptime;
      this.boot.hasLines = true;
    } else {
      this.noteUptime(L);
    }
    this.boot.lastLine = L.line;
    if (L.hostname && L.hostname !== '(none)' && L.hostname !== '-') {
      if (!this.boot.hostname) this.boot.hostname = L.hostname;
      if (!this.anyHostname) this.anyHostname = L.hostname;
    }
    if (!this.open) this.bootFacts(msg, L);

    const h = matchHeader(msg);
    if (h) {
      this.onHeader(L, h);
      return;
    }
    if (this.open) {
      this.onBody(L);
      return;
    }
    const hl = headerlessOpener(msg);
    if (hl) {
      const o = this.openEvent(L, hl.kind, hl.id);
      o.headerless = true;
      return;
    }
    const sh = matchSyzHeader(msg);
    if (sh) {
      this.openEvent(L, sh.kind, 'syzkaller').unconfirmed = true;
      return;
    }
    if (this.preLines.length >= MAX_LEAD_IN) this.preLines.shift();
    this.preLines.push(L);
  }

  /** Facts printed outside reports: module taint messages, DMI line. */
  private bootFacts(msg: string, L: LogLine): void {
    const line = L.line;
    let m = /^\s*([\w-]{1,64}): (?:loading out-of-tree module taints kernel|module verification failed: signature and\/or required key missing - tainting kernel|module license '[^']*' taints kernel|module is from the staging directory)/.exec(msg);
    if (m) {
      const name = m[1]!;
      const flag = msg.includes('out-of-tree') ? 'O' : msg.includes('verification failed') ? 'E' : msg.includes('license') ? 'P' : 'C';
      const tm = (this.boot.taintModules ??= new Map());
      if (!tm.has(name) && this.boot.moduleLoads.length < 64) this.boot.moduleLoads.push({ name, line, uptime: L.uptime, wallclock: L.wallclock });
      const cur = tm.get(name) ?? '';
      if (!cur.includes(flag) && tm.size < 4096) tm.set(name, sortFlags(cur + flag));
      return;
    }
    m = /^\s*DMI: (.{1,256})$/.exec(msg);
    if (m && !this.boot.dmi) this.boot.dmi = m[1]!.trim();
    else if (msg.includes('elfcorehdr=') && /^\s*(?:Kernel )?[Cc]ommand line:/.test(msg)) this.boot.capture = true;
    else if (!this.boot.nmiWatchdogOff && /^\s*NMI watchdog: .*(?:permanently disabled|not supported|cannot|disabled \(cpu)/i.test(msg)) {
      this.boot.nmiWatchdogOff = { line, text: msg.trim().slice(0, 200) };
    }
  }

  private startBoot(line: number): void {
    if (this.countOnly) this.countBootEnd();
    this.closeOpen();
    // Lead-in candidates of the old boot are no lead-in of the new one's reports.
    this.preLines = this.preLines.filter((l) => l.line >= line);
    this.finishBoot(this.boot);
    this.bootCount++;
    const b = newBoot(this.bootCount - 1, line);
    b.lastLine = line;
    this.boot = b;
    if (this.boots.length < MAX_BOOTS_KEPT) this.boots.push(b);
    this.lastUptime = null;
  }

  /** End of a boot: the panic that sent a kernel to kdump without a panic line (oops=panic) is implied. */
  private finishBoot(b: BootInfo): void {
    const p = b.pending;
    if (p && !b.panic && !p.ev.panicked && !p.endTrace && FATAL_KINDS.has(p.ev.kind) && b.lastLine - p.lastLine <= 2) {
      p.ev.panicked = true;
      b.impliedPanic = { message: null, task: { ...p.ev.task }, cpu: p.ev.cpu };
    }
    if (p) this.deliver(p);
    b.pending = null;
  }

  private onHeader(L: LogLine, h: HeaderMatch): void {
    const rule = h.rule;
    const o = this.open;
    if (rule.panic) {
      this.onPanic(L);
      return;
    }
    if (o && o.section === 'event' && L.line - o.lastLine <= 12 &&
        ((rule.kind === 'hard-lockup' && o.ev.kind === 'warning' && /watchdog/.test(o.ev.header)) ||
         (rule.kind === 'mce' && o.ev.kind === 'mce'))) {
      // The old hard lockup report (a WARNING in kernel/watchdog.c, then `Watchdog detected hard LOCKUP on
      // cpu N`) is one hard-lockup event of the CPU it names; mce_panic's reason line joins its MCE report.
      o.ev.kind = rule.kind;
      if (rule.kind === 'hard-lockup') o.ev.cpu = null;
      this.headerDetails(o, L.text, rule.id);
      this.addLine(o, L, true);
      return;
    }
    if (o && o.section === 'event' && rule.secondary && !o.bodyStarted && L.line - o.lastLine <= 12) {
      // One report printing several headers: the most specific kind wins.
      if (KIND_RANK[rule.kind] > KIND_RANK[o.ev.kind]) o.ev.kind = rule.kind;
      this.headerDetails(o, L.text, rule.id);
      this.addLine(o, L, true);
      return;
    }
    this.closeOpen();
    this.openEvent(L, rule.kind, rule.id);
  }

  private openEvent(L: LogLine, kind: EventKind, ruleId: string): Builder {
    const b = this.boot;
    // A lone OOM kill line right before a new OOM report is the tail of an earlier report, not one.
    const prev = b.pending;
    if (prev && prev.headerless && prev.ev.kind === 'oom' && kind === 'oom' && ruleId === 'oom' && L.line - prev.lastLine <= 3) prev.drop = true;
    if (b.pending) {
      this.deliver(b.pending);
      b.pending = null;
    }
    const ev: CrashEvent = {
      index: -1, kind, title: '', altTitles: [], type: '', corrupted: false, corruptedReason: null,
      header: L.text.trim().slice(0, 4096), time: { uptime: L.uptime, wallclock: L.wallclock }, cpu: null,
      task: { pid: null, comm: null }, taint: null, hardware: null, rip: null, registers: {}, code: null, frames: [],
      modules: [], details: {}, panicked: false, boot: b.index,
      source: { file: this.source, startLine: L.line, endLine: L.line }, lines: [],
    };
    const o: Builder = {
      ev, raw: [], rawChars: 0, lineChars: 0, linesLeftOut: 0, bodyStarted: false, section: 'event', cpuSeen: false, panicTaskPending: false,
      stack: 'none', panicStack: 'none', panicFrames: [], frameCtx: null, userMode: false, modulesOpen: false,
      lastLine: L.line, lastBodyLine: L.line, lastUptime: L.uptime, taskFromHeader: false, endTrace: false,
      window: this.newWindow(titleLine(L)), delivered: false,
    };
    if (this.windows.length >= MAX_ACTIVE_WINDOWS) this.completeWindow(this.windows[0]!);
    this.windows.push(o);
    // Lines right before the header that belong to the report (an assertion, the module's own message).
    const lead = this.preLines.length > 0 ? leadInOf(this.preLines, L) : null;
    this.preLines = [];
    if (lead) {
      for (const p of lead.lines) {
        ev.lines.push(p.text);
        o.lineChars += p.text.length + 1;
      }
      ev.source.startLine = lead.lines[0]!.line;
      ev.details.leadInLines = lead.lines.length;
      if (lead.function) {
        ev.details.leadInFunction = lead.function;
        ev.details.leadInModule = lead.module;
      }
    }
    this.headerDetails(o, L.text, ruleId);
    this.addLine(o, L, true);
    this.open = o;
    b.events++;
    return o;
  }

  /** Facts in header lines: task/cpu of soft lockups and hung tasks, BUG file:line, fault address ... */
  private headerDetails(o: Builder, msg: string, ruleId: string): void {
    const ev = o.ev;
    let m: RegExpExecArray | null;
    switch (ruleId) {
      case 'soft-lockup':
        m = /CPU#(\d+) stuck for (\d+)s! \[(.{1,64}):(\d+)\]/.exec(msg);
        if (m) {
          ev.cpu = Number(m[1]);
          ev.details.stuckSeconds = Number(m[2]);
          ev.task = { comm: m[3]!, pid: Number(m[4]) };
          o.taskFromHeader = true;
        }
        break;
      case 'hung-task':
        m = /INFO: task (.{1,64}):(\d+) (?:blocked (?:in I\/O wait )?for more than (\d+) seconds|can't die)/.exec(msg);
        if (m) {
          ev.task = { comm: m[1]!, pid: Number(m[2]) };
          if (m[3]) ev.details.blockedSeconds = Number(m[3]);
          o.taskFromHeader = true;
        }
        break;
      case 'hard-lockup':
        m = /hard LOCKUP on cpu (\d+)/.exec(msg);
        if (m) ev.cpu = Number(m[1]);
        break;
      case 'rcu-headerless':
        m = /^\s*(?:rcu: )?\s*(\d{1,5})-[.\w!]{3,8}: \(/.exec(msg);
        if (m) ev.cpu = Number(m[1]);
        break;
      case 'hard-lockup-ppc':
        m = /Watchdog CPU:(\d+) Hard LOCKUP/.exec(msg);
        if (m) ev.cpu = Number(m[1]);
        break;
      case 'mce':
        m = /CPU (\d+): Machine Check Exception/.exec(msg);
        if (m && ev.cpu == null) ev.cpu = Number(m[1]);
        break;
      case 'warning':
        // `WARNING: CPU: 3 PID: 5 at file:line func+off` (3.x-6.x): the task's pid and CPU are in the header.
        m = /WARNING: CPU: (\d+) (?:UID: \d+ )?PID: (\d+) at /.exec(msg);
        if (m) {
          ev.cpu = Number(m[1]);
          ev.task.pid = Number(m[2]);
        }
        // The warning site as an unsymbolised module address: `at mac.c:208 0x860546a4 [mt7603e@8ad96439+0x96c0]`.
        m = /\bat \S{1,512}:\d+ (0x[0-9a-f]{1,16} \[[\w-]{1,64}@[0-9a-f]{1,16}\+0x[0-9a-f]{1,16}\])/.exec(msg);
        if (m && !ev.rip) {
          ev.rip = parseLocation(m[1]!);
          if (ev.rip?.module) this.frameModules.add(ev.rip.module);
        }
        break;
      case 'atomic-sleep':
        m = /scheduling while atomic: (.{1,64})\/(\d+)\/0x[0-9a-f]+/.exec(msg);
        if (m) ev.task = { comm: m[1]!, pid: Number(m[2]) };
        break;
      case 'bug-generic':
        m = /Bad page state in process (\S{1,64})/.exec(msg);
        if (m) ev.task.comm = m[1]!;
        break;
      case 'oom-kill':
        m = /Kill(?:ed)? process (\d+) \((.{1,64}?)\)|task=([^,]{1,64}),pid=(\d+)/.exec(msg);
        if (m) {
          ev.details.oomVictimPid = Number(m[1] ?? m[4]);
          ev.details.oomVictim = m[2] ?? m[3]!;
        }
        break;
      case 'oom':
        m = /^\s*(\S.{0,64}?) invoked oom-killer: (?:gfp_mask=(0x[0-9a-f]+)[^,]*, )?(?:nodemask=\S+, )?order=(-?\d+)/.exec(msg);
        if (m) {
          ev.task.comm = m[1]!;
          if (m[2]) ev.details.gfpMask = m[2];
          ev.details.order = Number(m[3]);
        }
        break;
      case 'kernel-bug': case 'bug-list':
        m = /[Kk]ernel BUG at ([^\s:]{1,256}):(\d+)!?/.exec(msg);
        if (m) {
          ev.details.bugFile = m[1]!;
          ev.details.bugLine = Number(m[2]);
        }
        break;
      case 'null-deref': case 'paging-request':
        m = /(?:address: ?|at (?:virtual address )?|for address:? )(?:0x)?([0-9a-f]{8,16})/.exec(msg);
        if (m && ev.details.faultAddress == null) ev.details.faultAddress = m[1]!;
        break;
      case 'list-corruption': case 'list-double-add':
        m = /(list_\w+|hlist_\w+) (?:corruption|double add)/.exec(msg);
        if (m && ev.details.listOp == null) ev.details.listOp = m[1]!;
        break;
      case 'kasan': case 'kfence': case 'kmsan': case 'ubsan':
        m = /(?:BUG: )?(?:KASAN|KFENCE|KMSAN|UBSAN): ([\w -]{1,64}?)(?: in | on |$)/i.exec(msg);
        if (m) ev.details.bugType = m[1]!.trim();
        // The faulting access's function as the header prints it, with its module (`in f+0x16/0x30 [mod]`).
        m = /(?:KASAN|KFENCE|KMSAN): [\w -]{1,64}? in (\S{1,256}\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16}(?: \[[^\]\s]{1,64}\])?)/.exec(msg);
        if (m) {
          const site = parseLocation(m[1]!);
          if (site?.function) {
            ev.details.siteFunction = site.function;
            if (site.module) {
              ev.details.siteModule = site.module;
              this.frameModules.add(site.module);
            }
          }
        }
        break;
      default:
        break;
    }
  }

  private onPanic(L: LogLine): void {
    const msg = L.text.trim();
    const cls = classifyPanic(msg);
    const b = this.boot;
    const candidate = this.open ?? b.pending;
    let target: Builder | null = null;
    if (candidate && cls.endsReport && !candidate.ev.panicked) {
      const recent = L.line - candidate.lastLine <= 400 &&
        (L.uptime == null || candidate.lastUptime == null || L.uptime - candidate.lastUptime <= 120);
      if (recent && (cls.ends === null || cls.ends.includes(candidate.ev.kind))) target = candidate;
    }
    const panicInfo: PanicInfo = { message: msg.slice(0, 4096), task: { pid: null, comm: null }, cpu: null };
    if (target) {
      if (this.open !== target) {
        this.closeOpen();
        b.pending = null;
        this.open = target;
      }
      target.ev.panicked = true;
      target.section = 'panic';
      target.panicTaskPending = !b.panic;
      if (!b.panic) b.panic = panicInfo;
      this.addLine(target, L, true);
      return;
    }
    this.closeOpen();
    const o = this.openEvent(L, cls.ownKind ?? 'panic', 'panic');
    o.fromPanic = true;
    o.ev.panicked = true;
    o.panicTaskPending = !b.panic;
    if (!b.panic) b.panic = panicInfo;
    const sp = /Kernel stack is corrupted in: ?(.{1,512})$/.exec(msg);
    if (sp) {
      o.ev.details.corruptedIn = sp[1]!.trim();
      const loc = parseLocation(sp[1]!);
      if (loc?.function) {
        o.ev.details.corruptedFunction = loc.function;
        if (loc.module) o.ev.details.corruptedModule = loc.module;
      } else if (loc?.address) {
        o.ev.details.corruptedAddress = loc.address;
      }
    }
    const hl = /hard LOCKUP on cpu (\d+)/.exec(msg);
    if (hl) o.ev.cpu = Number(hl[1]);
  }

  private addLine(o: Builder, L: LogLine, body: boolean): void {
    o.lastLine = L.line;
    if (L.uptime != null) o.lastUptime = L.uptime;
    if (body) o.lastBodyLine = L.line;
    o.ev.source.endLine = L.line;
    if (o.ev.lines.length < MAX_EVENT_LINES && o.lineChars + L.text.length <= MAX_EVENT_CHARS) {
      o.ev.lines.push(L.text);
      o.lineChars += L.text.length + 1;
    } else {
      o.linesLeftOut++;
    }
    if (o.raw.length < MAX_EVENT_LINES && o.rawChars + L.raw.length <= MAX_RAW_CHARS) {
      o.raw.push(L.raw);
      o.rawChars += L.raw.length + 1;
    }
  }

  private onBody(L: LogLine): void {
    const o = this.open!;
    const msg = L.text;
    // A long pause or a long run of unrelated lines ends a report.
    if ((L.uptime != null && o.lastUptime != null && L.uptime - o.lastUptime > 10) || L.line - o.lastBodyLine > 200) {
      this.closeOpen();
      return;
    }
    if (/^-+\[ cut here \]-+/.test(msg)) {
      if (o.bodyStarted) this.closeOpen();
      return;
    }
    const recognised = this.parseBody(o, msg);
    if (!recognised) o.foreignLines = (o.foreignLines ?? 0) + 1;
    this.addLine(o, L, recognised);
    if (/^\s*---\[ end (?:trace|Kernel panic)/.test(msg)) {
      o.endTrace = true;
      this.closeOpen();
    }
  }

  /** Parses one body line into the event; returns true when the line was a known body line. */
  private parseBody(o: Builder, msg: string): boolean {
    const ev = o.ev;
    const inPanic = o.section === 'panic';
    // Wrapped module list.
    if (o.modulesOpen) {
      o.modulesOpen = false;
      if (looksLikeModuleContinuation(msg) && !/^\s*(?:CPU|Pid|RIP|Call|Code|Hardware)\b/.test(msg)) {
        const more = parseModuleList(msg);
        if (!inPanic) ev.modules.push(...more.modules.slice(0, 4096 - ev.modules.length));
        if (more.lastUnloaded && ev.details.lastUnloaded == null) ev.details.lastUnloaded = more.lastUnloaded;
        o.modulesOpen = true;
        return true;
      }
    }
    if (!inPanic && !o.cpuSeen && this.bodyTask(o, msg)) return true;
    const cpu = parseCpuLine(msg);
    if (cpu) {
      if (o.panicTaskPending) {
        const p = this.boot.panic;
        if (p) {
          p.task = { pid: cpu.pid, comm: cpu.comm };
          p.cpu = cpu.cpu;
        }
        o.panicTaskPending = false;
      }
      if (!o.cpuSeen) {
        o.cpuSeen = true;
        o.bodyStarted = true;
        const hung = ev.kind === 'hung-task';
        if (!o.taskFromHeader) {
          if (ev.kind === 'oom' && ev.task.comm && cpu.comm && ev.task.comm !== cpu.comm) {
            // The CPU line is of another task; keep the invoker's name.
          } else if (!inPanic || (ev.task.pid == null && ev.task.comm == null) || ev.task.pid == null) {
            ev.task = { pid: cpu.pid, comm: cpu.comm ?? ev.task.comm };
          }
          if (ev.cpu == null && cpu.cpu != null) ev.cpu = cpu.cpu;
        }
        if (!hung || ev.taint == null) {
          if (!(inPanic && ev.taint != null)) ev.taint = cpu.taint;
        }
        if (cpu.release && ev.details.release == null) ev.details.release = cpu.release;
        if (cpu.version && ev.details.version == null) ev.details.version = cpu.version;
        if (cpu.hardware && !ev.hardware) ev.hardware = cpu.hardware;
      }
      return true;
    }
    const tl = parseTaintLine(msg);
    if (tl) {
      if (ev.taint == null && !o.cpuSeen) ev.taint = tl.taint;
      if (ev.details.release == null) ev.details.release = tl.release;
      if (ev.details.version == null) ev.details.version = tl.version;
      return true;
    }
    let m = /^\s*CPU (\d+) ?$/.exec(msg);
    if (m) {
      if (ev.cpu == null && !o.taskFromHeader) ev.cpu = Number(m[1]);
      return true;
    }
    m = /^\s*Hardware name: (.{1,512})$/.exec(msg);
    if (m) {
      if (!ev.hardware) ev.hardware = m[1]!.trim();
      return true;
    }
    const mods = parseModulesLine(msg);
    if (mods) {
      if (!inPanic && ev.modules.length === 0) {
        ev.modules = mods.modules;
        o.modulesOpen = true;
      }
      if (mods.lastUnloaded && ev.details.lastUnloaded == null) ev.details.lastUnloaded = mods.lastUnloaded;
      return true;
    }
    m = /^\s*(?:Last|last) unloaded: ([^\s\]]{1,64})/.exec(msg);
    if (m) {
      if (ev.details.lastUnloaded == null) ev.details.lastUnloaded = m[1]!;
      return true;
    }
    // `Call Trace:` (also behind a paste's label, and lustre's `Call Trace TBD:`), arm's `Backtrace:`, and
    // arm's unwinder lines, which need no header (a hung task's stack follows its state line).
    if (/^\s*(?:\S{1,32} ){0,3}Call [Tt]race(?: TBD)?:|^\s*Backtrace: ?$/.test(msg) ||
        ((inPanic ? o.panicStack : o.stack) === 'none' && ARM_UNWIND_RE.test(msg))) {
      if (ARM_UNWIND_RE.test(msg)) {
        if (inPanic) o.panicStack = 'in';
        else o.stack = 'in';
        o.frameCtx = 'task';
        o.bodyStarted = true;
        return this.parseBody(o, msg);
      }
      o.bodyStarted = true;
      if (inPanic) {
        if (o.panicStack === 'none') o.panicStack = 'in';
      } else if (o.stack === 'none') o.stack = 'in';
      else if (o.stack === 'in' && ev.frames.length > 0) o.stack = 'done';
      o.frameCtx = 'task';
      return true;
    }
    const inStack = inPanic ? o.panicStack === 'in' : o.stack === 'in';
    if (inStack) {
      // Lines a stack section holds besides frames: a paste's elisions (`...`), arm's saved registers
      // (` r6:000200da r5:00000000`) and exception stack dumps, MIPS/ppc stack words.
      if (STACK_FILLER_RE.test(msg)) return true;
      const f = parseFrameLine(msg, o.frameCtx);
      if (f) {
        if (f.context !== undefined) o.frameCtx = f.context;
        if (f.frame) {
          const list = inPanic ? o.panicFrames : ev.frames;
          // arm: the caller named by the line before is this frame; the last line's caller ends the list.
          if (o.callerLast === list && list.length > 0) list.pop();
          o.callerLast = null;
          if (list.length < MAX_FRAMES) list.push(f.frame);
          if (f.caller && list.length < MAX_FRAMES) {
            list.push(f.caller);
            o.callerLast = list;
          }
          if (f.frame.module) this.frameModules.add(f.frame.module);
          if (f.caller?.module) this.frameModules.add(f.caller.module);
        }
        return true;
      }
    }
    const rip = parseRip(msg);
    if (rip) {
      // The old separate `IP:` line comes before the `Oops:` line that joins the report.
      if (!/^\s*IP: /.test(msg)) o.bodyStarted = true;
      if (rip.user) o.userMode = true;
      else if (!inPanic && !o.userMode && !ev.rip && rip.loc) {
        ev.rip = rip.loc;
        // A list-debug BUG_ON whose `list_del corruption` line is not in the log: the RIP says which it was.
        if (rip.loc.function && /^__?list_(?:del_entry|add)_valid/.test(rip.loc.function) &&
            (ev.kind === 'invalid-opcode' || ev.kind === 'bug' || ev.kind === 'oops')) ev.kind = 'list-corruption';
        if (rip.loc.module) this.frameModules.add(rip.loc.module);
      }
      if (rip.cpu != null && ev.cpu == null && !o.taskFromHeader) ev.cpu = rip.cpu;
      if (inStack && !inPanic && o.stack === 'in' && ev.frames.length > 0 && rip.user) o.stack = 'in';
      return true;
    }
    if (/^\s*(?:pc|lr) : /.test(msg)) {
      const lr = /^\s*lr : (?:\[<([0-9a-f]+)>\] )?(.*)$/.exec(msg);
      if (lr && !inPanic && !o.userMode && ev.registers.lr == null) ev.registers.lr = lr[2]!.trim().slice(0, 256);
      return true;
    }
    m = /^\s*Code: (.{0,2048})$/.exec(msg);
    if (m) {
      if (!inPanic && !o.userMode && ev.code == null) ev.code = m[1]!;
      return true;
    }
    const regs = parseRegisters(msg);
    if (regs) {
      o.bodyStarted = true;
      if (!inPanic && !o.userMode) {
        for (const [k, v] of Object.entries(regs)) if (ev.registers[k] == null) ev.registers[k] = v;
      }
      if (regs.CR2 && ev.details.faultAddress == null && (ev.kind === 'null-deref' || ev.kind === 'paging-request')) {
        ev.details.faultAddress = regs.CR2;
      }
      return true;
    }
    // A frame line outside a stack section ends nothing; other lines end the current stack section.
    if (inStack) {
      if (inPanic) o.panicStack = 'done';
      else if (ev.frames.length > 0) o.stack = 'done';
    }
    if (ev.kind === 'oom') {
      m = /(?:Out of memory|Memory cgroup out of memory): Kill(?:ed)? process (\d+) \((.{1,64}?)\)/.exec(msg);
      if (m) {
        ev.details.oomVictimPid = Number(m[1]);
        ev.details.oomVictim = m[2]!;
        return true;
      }
      if (/^\s*\[\s*\d+\]\s+\d+\s+\d+|Mem-Info|^\s*Node \d|pages|swap|oom-kill:|Tasks state|^\s*\[\s+pid\s+\]|active_anon|_reserve/.test(msg)) return true;
    }
    if (/Thread overran stack, or stack corrupted/.test(msg) && KIND_RANK['stack-overflow'] > KIND_RANK[ev.kind]) {
      ev.kind = 'stack-overflow';
      return true;
    }
    if (/^\s*(?:#PF:|PGD |IP: |Stack:|Kernel Offset:|Process |Pid: |task:|"echo 0 >|NMI backtrace|Sending NMI|RSP <|Dumping ftrace|irq event stamp|hardirqs |softirqs |\S+ state:|Allocated by task|Freed by task|The buggy address|Memory state around|Read of size|Write of size|INFO: lockdep|other info|stack backtrace:|\s*\(t=\d+|rcu: |\s+[0-9a-f]{16}( [0-9a-f]{16})+\s*$)/.test(msg)) {
      return true;
    }
    return false;
  }

  /**
   * Task and CPU from the lines a report prints before (or instead of) its CPU line: KASAN/KFENCE's `by task
   * comm/pid`, `in_atomic(): 1, irqs_disabled(): 0, pid: N, name: comm`, lockdep's `comm/pid is trying to
   * acquire lock:`, a hung task's state line, an RCU stall's first per-CPU line. The CPU line, when one
   * follows, has the last word. Returns true when the line was one of these.
   */
  private bodyTask(o: Builder, msg: string): boolean {
    const ev = o.ev;
    const unknown = ev.task.pid == null && ev.task.comm == null;
    let m: RegExpExecArray | null;
    if (ev.kind === 'rcu-stall') {
      m = /^\s*(?:rcu: )?\s*(\d{1,5})-[.\w!]{3,8}: \(/.exec(msg);
      if (m) {
        if (ev.cpu == null) ev.cpu = Number(m[1]);
        return true;
      }
      return false;
    }
    if (ev.kind === 'hung-task') {
      if (!o.taskFromHeader) {
        m = /^\s*task:(\S{1,64})\s+state:D .*?\bpid:\s?(\d+)/.exec(msg) ??
          /^\s*(\S.{0,63}?)\s+D\s+(?:[0-9a-f]{8,16}\s+)?\d+\s+(\d+)\s+\d+\s+(?:\d+\s+)?0x[0-9a-f]+\s*$/.exec(msg);
        if (m) {
          ev.task = { comm: m[1]!, pid: Number(m[2]) };
          o.taskFromHeader = true;
          return true;
        }
      }
      return false;
    }
    if (!unknown && ev.task.comm != null) return false;
    m = /^\s*(?:Read|Write) of size \d+ at addr [0-9a-f]+ by task (.{1,64})\/(\d+)\s*$/.exec(msg) ??
      /^\s*(?:Use-after-free|Out-of-bounds|Invalid) (?:read|write|free) .* by task (.{1,64})\/(\d+)\b/.exec(msg);
    if (m) {
      ev.task = { comm: m[1]!, pid: Number(m[2]) };
      return true;
    }
    m = /^\s*in_atomic\(\): \d+, irqs_disabled\(\): \d+, (?:non_block: \d+, )?pid: (\d+), name: (.{1,64})$/.exec(msg);
    if (m) {
      ev.task = { comm: m[2]!, pid: Number(m[1]) };
      return true;
    }
    if (ev.kind === 'lockdep') {
      m = /^\s*(\S{1,64})\/(\d+)(?: \[[^\]]{0,64}\])? (?:is trying to acquire|is trying to release|just changed the state of|is exiting with locks|is leaving the kernel with locks|takes:|has acquired)/.exec(msg);
      if (m) {
        ev.task = { comm: m[1]!, pid: Number(m[2]) };
        return true;
      }
    }
    return false;
  }

  private closeOpen(): void {
    const o = this.open;
    if (!o) return;
    this.open = null;
    // The panic's stack stands in when the report printed none (sysrq crash).
    if (o.ev.frames.length === 0 && o.panicFrames.length > 0) o.ev.frames = o.panicFrames;
    this.boot.pending = o;
    this.boot.lastEventEnd = o.lastLine;
  }

  private newWindow(first: string): TitleWindow {
    const size = this.opened++ < WIDE_WINDOW_EVENTS ? WIDE_WINDOW : NARROW_WINDOW;
    const line = first.length > size.chars ? first.slice(0, size.chars) : first;
    return { lines: [line], chars: line.length + 1, maxLines: size.lines, maxChars: size.chars, complete: false };
  }

  private feedWindows(line: string): void {
    let done = false;
    for (const o of this.windows) {
      const w = o.window;
      w.lines.push(line);
      w.chars += line.length + 1;
      if (w.lines.length >= w.maxLines || w.chars >= w.maxChars) {
        w.complete = true;
        done = true;
      }
    }
    if (done) {
      this.windows = this.windows.filter((o) => !o.window.complete);
      this.drain();
    }
  }

  private completeWindow(o: Builder): void {
    o.window.complete = true;
    this.windows = this.windows.filter((x) => x !== o);
    this.drain();
  }

  /** Closed events go out in order once their title window is complete. */
  private deliver(o: Builder): void {
    o.delivered = true;
    this.emitQueue.push(o);
    this.drain();
  }

  private drain(): void {
    while (this.emitQueue.length > 0 && this.emitQueue[0]!.window.complete) this.emit(this.emitQueue.shift()!);
    this.enterCountOnlyIfFull();
  }

  /** The title: syzkaller's rules over the window, if the report they find starts at this event's header;
   *  else over the event's own lines; else the header itself. */
  private titleOf(o: Builder): ReturnType<typeof findFirstCrash> {
    const w = o.window;
    try {
      const rep = findFirstCrash(w.lines.join('\n') + '\n');
      if (rep && rep.start <= (w.lines[0]?.length ?? 0)) return rep;
      if (o.unconfirmed) return null;
      return findFirstCrash(o.raw.join('\n') + '\n');
    } catch {
      return null;
    }
  }

  private emit(o: Builder): void {
    const ev = this.finish(o);
    if (!ev) return;
    if (this.onEvent) {
      this.onEvent(ev);
      if (!this.opts.keepEvents) return;
    }
    const max = this.opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (this.events.length < max && (this.keptChars < this.maxKeptChars || this.events.length === 0)) {
      this.events.push(ev);
      this.keptChars += o.lineChars;
    } else if (ev.panicked && this.extras < MAX_EXTRA_PANICKED) {
      this.keepExtra(ev); // the report that took its boot down is kept past the limit
    } else {
      this.countOmitted(ev.title);
    }
  }

  /** Titles a closed event and gives it its index (null: a syzkaller-only header the title engine does not confirm). */
  private finish(o: Builder): CrashEvent | null {
    const ev = o.ev;
    const rep = this.titleOf(o);
    o.window.lines = [];
    if ((o.unconfirmed && !rep) || o.drop) return null;
    if (rep) {
      ev.title = rep.title;
      ev.altTitles = rep.altTitles;
      ev.type = rep.type;
      ev.corrupted = rep.corrupted;
      ev.corruptedReason = rep.corruptedReason;
      // A pasted excerpt that ends before the report's stack (the input ends inside the report, every line
      // after the header is one of its body lines, no stack printed at all) is cut, not damaged: the function its header or RIP names stands in for
      // the frame syzkaller's rules look for. (A console log that goes on past a stackless report keeps
      // syzkaller's `in corrupted`.)
      if (ev.title.endsWith(' in corrupted') && o.openAtEof && !o.foreignLines && o.stack === 'none' && ev.frames.length === 0) {
        const fn = headerFunction(ev.header) ?? ev.rip?.function ?? null;
        if (fn) {
          ev.title = `${ev.title.slice(0, -' corrupted'.length)} ${fn}`;
          // Still incomplete (syzkaller's CORRUPTED): say what is missing rather than a frame extraction failure.
          ev.corruptedReason = 'the text ends after the report\'s header lines: no stack was printed or pasted';
        }
      }
    } else {
      // No rule of syzkaller's names this report: a title of its kind, never the raw message line.
      ev.title = kindTitle(ev);
    }
    ev.index = this.emitted++;
    if (o.linesLeftOut > 0) ev.details.linesLeftOut = o.linesLeftOut;
    if (!this.firstEvent) {
      this.firstEvent = ev;
      this.firstEventBoot = this.boots.find((b) => b.index === ev.boot) ?? this.boot;
    }
    if (!this.firstModulesEvent && ev.modules.length > 0) this.firstModulesEvent = ev;
    return ev;
  }

  /** Keeps, past maxEvents, an event that took its boot down (count-only mode). */
  private keepExtra(ev: CrashEvent): void {
    this.extras++;
    this.events.push(ev);
    for (const l of ev.lines) this.keptChars += l.length + 1;
  }

  end(): LogReadResult {
    if (!this.ended) {
      // An unfinished last character (its bytes are already counted in `bytes`).
      const rest = this.decoder.end();
      if (rest) this.pushText(rest, true);
      if (this.carryBytes.length > 0) {
        const tail = Buffer.concat(this.carryBytes).toString('utf8');
        this.carryBytes = [];
        this.carryByteLen = 0;
        this.appendCarry(tail);
      }
      this.ended = true;
      if (this.carry.length > 0 && !this.skipToNewline) {
        const c = this.carry;
        this.carry = '';
        if (this.countOnly) this.processText(c + '\n', 0, c.length + 1);
        else this.processLine(c);
      }
      this.flushSkippedTail();
      if (this.countOnly) this.countBootEnd();
      if (this.open) this.open.openAtEof = true;
      this.closeOpen();
      this.finishBoot(this.boot);
      for (const o of this.windows) {
        o.window.complete = true;
        o.window.eof = true;
      }
      this.windows = [];
      this.drain();
    }
    return this.result();
  }

  private result(): LogReadResult {
    const gaps: Gap[] = [];
    if (this.keptChars >= this.maxKeptChars && this.omitted.count > 0) {
      gaps.push({ source: this.source, what: `memory budget: the details of ${this.events.length} report(s) (${(this.keptChars / 1048576).toFixed(0)} Mi characters of lines) were kept; ${this.omitted.count} later report(s) were only counted by title` });
    }
    if (this.cutLines > 0) {
      gaps.push({ source: this.source, what: `${this.cutLines} line(s) longer than ${MAX_LINE_CHARS} characters were cut (first at line ${this.firstCut})` });
    }
    if (this.dropped > 0) {
      gaps.push({ source: this.source, what: `the kernel dropped ${this.dropped} printk message(s) (first noted at line ${this.firstDrop})` });
    }
    if (this.binaryChunks > 0) {
      gaps.push({ source: this.source, what: `binary data (NUL bytes) in the log, read as text (first near line ${this.firstBinaryLine})` });
    }
    let format: LineFormat = 'plain';
    let best = -1;
    for (const [f, n] of this.formats) {
      if (f !== 'plain' && n > best) { best = n; format = f; }
    }
    const cb = this.firstEventBoot ?? this.boots[0]!;
    const fe = this.firstEvent;
    const release = cb.release ?? (fe?.details.release as string | undefined) ?? this.firstBanner?.release ?? null;
    const version = cb.release ? cb.version : ((fe?.details.version as string | undefined) ?? this.firstBanner?.version ?? null);
    const kernel: Partial<KernelInfo> = {
      release, version, arch: guessArch(release, fe), hostname: cb.hostname ?? this.anyHostname,
      hardware: fe?.hardware ?? cb.dmi ?? null, taint: decodeTaint(fe?.taint ?? null),
    };
    // Report panic: the first boot with a panic line, else the first boot whose last report took it down.
    let panic: PanicInfo | null = null;
    for (const b of this.boots) if (b.panic) { panic = b.panic; break; }
    if (!panic) for (const b of this.boots) if (b.impliedPanic) { panic = b.impliedPanic; break; }
    let modules: ModuleInfo[];
    let lastUnloaded: string | null = null;
    const me = this.firstModulesEvent;
    if (me) {
      modules = me.modules;
      lastUnloaded = (me.details.lastUnloaded as string | undefined) ?? null;
    } else {
      modules = [];
      const seen = new Set<string>();
      for (const [name, flags] of cb.taintModules ?? []) {
        modules.push({ name, flags, state: null, thirdParty: isThirdPartyFlags(flags) });
        seen.add(name);
      }
      for (const name of this.frameModules) {
        if (seen.has(name) || modules.length >= 4096) continue;
        seen.add(name);
        modules.push({ name, flags: '', state: null, thirdParty: false });
      }
    }
    if (!lastUnloaded && fe?.details.lastUnloaded) lastUnloaded = fe.details.lastUnloaded as string;
    return {
      source: { file: this.source, format, bytes: this.bytes, lines: this.lines },
      kernel, modules, lastUnloaded, events: this.events, panic,
      eventsOmitted: this.omitted, gaps, hardware: this.hardware, boots: this.bootCount,
      bootFacts: this.boots.map((b) => ({
        index: b.index, firstLine: b.firstLine, release: b.release, version: b.version, hostname: b.hostname,
        capture: b.capture, panic: b.panic ?? b.impliedPanic, nmiWatchdogOff: b.nmiWatchdogOff, moduleLoads: b.moduleLoads,
      })),
    };
  }
}

/**
 * The line the title engine sees (syzkaller's rules read console output: `[ts][Tn] msg` or bare
 * messages). Console and plain lines go as they are; a line of any other format, or one that had a
 * foreign prefix, goes as the console would have printed it.
 */
/** The line number of an event's header: its first line unless lead-in lines come before it. */
function headerLine(ev: CrashEvent): number {
  const n = ev.details.leadInLines;
  return ev.source.startLine + (typeof n === 'number' ? n : 0);
}

/** The end of the line that starts at `pos` (its newline, or the end of the text). */
function nlEnd(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl;
}

function titleLine(L: LogLine): string {
  return undecorate(consoleLine(L));
}

function consoleLine(L: LogLine): string {
  if (!L.foreign && (L.format === 'dmesg' || L.format === 'plain' || L.format === 'serial')) return L.raw;
  if (!L.kernel) return L.raw;
  if (L.uptime == null) return L.text;
  const ts = L.uptime.toFixed(6).padStart(12);
  return L.caller ? `[${ts}][${L.caller.padStart(6)}] ${L.text}` : `[${ts}] ${L.text}`;
}

/** What scripts/decode_stacktrace.sh appends (` (fs/file.c:123)`, ` (a.c:1 b.c:2)`, ` (discriminator 2)`)
 *  is not part of a frame's or header's name: the file:line never reaches a title. */
const DECODED_FRAME_RE =
  /([A-Za-z_.$][\w.$]{0,255})(\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16})?( \[[\w-]{1,64}\])? \((?:[\w./+-]{1,256}:\d{1,6}(?::\d{1,4})?(?:\s|(?=[)(])))+(?:\(discriminator \d{1,6}\))?\)/g;
/** The line with decode_stacktrace.sh's suffixes removed; a frame whose offset it replaced by the source
 *  line gets a zero offset back (`f (a.c:1)` -> `f+0x0/0x0`): the title rules find functions by `+0x`. */
function undecorate(line: string): string {
  if (!line.includes(':') || !line.includes(' (')) return line;
  return line
    .replace(DECODED_FRAME_RE, (_all, fn: string, off: string | undefined, mod: string | undefined) => `${fn}${off ?? '+0x0/0x0'}${mod ?? ''}`)
    .replace(/ \(discriminator \d{1,6}\)/g, '');
}

/** rsyslog's escapes of control characters (`#012` newline, `#011` tab) in a forwarded message. */
const RSYSLOG_NL = '#012';
/** A console time stamp inside a message: another line printed into this one (concurrent printk, a
 *  paste that joined lines). */
const JOINED_TS_RE = /\[ {0,12}[0-9]{1,12}\.[0-9]{1,9}\](?:\[ {0,6}[TC][0-9]{1,10}\])? /g;
/** A report's CPU line glued to the message before it. */
const JOINED_CPU_RE = / CPU: [0-9]{1,5} (?:UID: [0-9]{1,10} )?PID: [0-9]{1,10} Comm: /;
const MAX_PARTS = 16;

/**
 * The messages one physical line holds when several were joined (rsyslog `#012` escapes, a time stamp or
 * a CPU line in the middle of a message), each with the line's number; null when it holds one.
 */
function splitJoined(L: LogLine, opts: NormalizeOptions): LogLine[] | null {
  const t = L.text;
  let pieces: string[] | null = null;
  if (t.includes(RSYSLOG_NL)) {
    pieces = t.split(RSYSLOG_NL, MAX_PARTS).map((p) => p.replace(/#011/g, '\t'));
  }
  const list = pieces ?? [t];
  const out: LogLine[] = [];
  let split = pieces !== null;
  for (const piece of list) {
    let rest = piece;
    for (let i = 0; i < MAX_PARTS && out.length < MAX_PARTS; i++) {
      JOINED_TS_RE.lastIndex = 1;
      const m = JOINED_TS_RE.exec(rest);
      const c = JOINED_CPU_RE.exec(rest);
      let at = -1;
      if (m && m.index > 0 && rest.slice(0, m.index).trim() !== '') at = m.index;
      if (c && c.index > 0 && (at < 0 || c.index < at)) at = c.index + 1;
      if (at < 0) break;
      out.push({ ...L, text: rest.slice(0, at).trimEnd() });
      rest = rest.slice(at);
      split = true;
    }
    if (out.length >= MAX_PARTS) break;
    if (rest.charCodeAt(0) === 91 && out.length > 0) {
      const sub = normalizeLine(rest, L.line, opts);
      out.push({ ...sub, raw: L.raw, kernel: true, hostname: L.hostname, wallclock: sub.wallclock ?? L.wallclock });
    } else {
      out.push({ ...L, text: rest });
    }
  }
  return split ? out : null;
}

function sortFlags(f: string): string {
  const order = 'PFSRMBUDAWCIOEKXTNJ';
  return [...f].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join('');
}

function guessArch(release: string | null, fe: CrashEvent | null): string | null {
  if (release) {
    if (/(?:amd64|x86_64)$/.test(release)) return 'x86_64';
    if (/(?:arm64|aarch64)$/.test(release)) return 'arm64';
    if (/(?:i[3-6]86|686(?:-pae)?)$/i.test(release)) return 'x86';
    if (/(?:ppc64le|s390x|armhf|armv7l|riscv64)$/.test(release)) return release.replace(/^.*[.-]/, '');
  }
  if (fe) {
    const r = fe.registers;
    if (r.RAX || r.RSP || r.R8) return 'x86_64';
    if (r.EAX || r.ESP) return 'x86';
    if (r.x29 || r.x0 || r.pstate) return 'arm64';
  }
  return null;
}

/** A streaming reader: push chunks, then end(). With `onEvent`, events are handed out as they complete. */
export function createLogReader(sourceName: string, onEvent?: (e: CrashEvent) => void, opts: LogReadOptions = {}): LogReader {
  return new Reader(sourceName, onEvent, opts);
}

/** Reads a whole log held in memory. Never throws on bad input. */
export function readLog(sourceName: string, data: Buffer | string, opts: LogReadOptions = {}): LogReadResult {
  const r = new Reader(sourceName, undefined, opts);
  const step = 4 * 1024 * 1024;
  if (typeof data === 'string') {
    for (let i = 0; i < data.length; i += step) r.push(data.slice(i, i + step));
  } else {
    for (let i = 0; i < data.length; i += step) r.push(data.subarray(i, i + step));
  }
  return r.end();
}

/** Reads a log from a stream (a file, stdin) chunk by chunk. */
export async function readLogStream(
  sourceName: string, stream: AsyncIterable<Buffer | string>, onEvent?: (e: CrashEvent) => void, opts: LogReadOptions = {},
): Promise<LogReadResult> {
  const r = new Reader(sourceName, onEvent, opts);
  for await (const chunk of stream) r.push(chunk);
  return r.end();
}
