// The Linux report parser: finds the first report in console output, cuts its text out of
// interleaved output (by printk caller context), titles it with the oops table and checks it for
// corruption. A port of the rules of syzkaller's pkg/report (linux.go, report.go).

import type { SyzReport } from './index.js';
import { demangleFrame } from './demangle.js';
import { execRule, translateGoRegex, type GoRe } from './goregex.js';
import { linuxCorruptedTitles, linuxStackParams, riscvSpecialStackStart } from './linux-stack.js';
import {
  GCE_CONSOLE_HANGUP, INFO_MESSAGES_WITH_STACK, LINUX_OOPSES, LINUX_SUPPRESSIONS, REPORT_START_IGNORES,
} from './linux-oopses.js';
import { formatTitle, normalizeTitle } from './normalize.js';
import { PARSE_STACK_TRACE, type Oops, type OopsFormat, type StackFmt, type StackParams, type StackPart } from './rules.js';
import { typeOfTitle } from './types.js';

/** Lines longer than this are cut for matching (kernel lines are under 1 KiB; this bounds regex work). */
export const MAX_LINE = 4096;
/** At most this much of the report text (from its header) is examined. */
export const MAX_REPORT_CHARS = 1 << 20;
/** At most this many lines of a report are examined. */
export const MAX_REPORT_LINES = 20000;

/** What the parser finds: the public SyzReport (index.ts) with `panicked` always set. */
export type ParsedReport = Required<SyzReport>;

const CONSOLE = 'console';
const consoleOutputRe =
  /^(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:[^\n]* login: )?(?:<[0-9]+>)?\[ *[0-9]+\.[0-9]+\](\[ *(?:C|T)[0-9]+\])? /;
const plainPrefixRe = /^(?:<[0-9]+>)?\[ *[0-9]+\.[0-9]+\](\[ *(?:C|T)[0-9]+\])? /;
const cpuContextRe = /\[ *C[0-9]+\]/;
const replayRe = /^\n[^\n]*\*\* replaying previous printk message \*\*/;
const reportFrameRe = /^[^\n]* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+)/;

// A line can start a report only if it contains one of the headers: one scan finds candidates.
const anyHeaderRe = new RegExp(
  LINUX_OOPSES.map((o) => o.header.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')).join('|'),
);

const combinedCache = new WeakMap<GoRe[], RegExp[]>();

/** One alternation per flag set: "does any of these match" in one scan. */
function combined(res: GoRe[]): RegExp[] {
  let list = combinedCache.get(res);
  if (list) return list;
  const byFlags = new Map<string, string[]>();
  for (const r of res) {
    const f = r.re.flags;
    const arr = byFlags.get(f) ?? [];
    arr.push(`(?:${r.re.source})`);
    byFlags.set(f, arr);
  }
  list = [...byFlags].map(([f, srcs]) => new RegExp(srcs.join('|'), f));
  combinedCache.set(res, list);
  return list;
}

function matchesAny(text: string, res: GoRe[]): boolean {
  if (res.length === 0) return false;
  for (const re of combined(res)) if (re.test(text)) return true;
  return false;
}

function matchOops(line: string, oops: Oops): boolean {
  return line.includes(oops.header) && !matchesAny(line, oops.suppressions);
}

/** The first oops whose header (not suppressed) is in the line, or null. */
function lineOops(line: string): Oops | null {
  if (!anyHeaderRe.test(line)) return null;
  for (const o of LINUX_OOPSES) if (matchOops(line, o)) return o;
  return null;
}

function lineHasOops(line: string): boolean {
  return lineOops(line) !== null;
}

/** Iterates lines as [start, end) offsets (end excludes the newline). */
function* lineSpans(text: string, from = 0): Generator<[number, number]> {
  let pos = from;
  while (pos < text.length) {
    let next = text.indexOf('\n', pos);
    if (next === -1) next = text.length;
    yield [pos, next];
    pos = next + 1;
  }
}

/**
 * The line [pos, next) for matching. An overlong line (program output glued to a kernel message)
 * keeps its head (log prefix) and its tail (where a kernel message printed after it lands).
 */
function lineAt(text: string, pos: number, next: number): string {
  if (next - pos <= MAX_LINE) return text.slice(pos, next);
  const half = MAX_LINE >> 1;
  return text.slice(pos, pos + half) + text.slice(next - half, next);
}

function isTruncatedByReplay(text: string, next: number): boolean {
  if (next >= text.length) return false;
  // Only the next line matters.
  let end = text.indexOf('\n', next + 1);
  if (end === -1) end = text.length;
  return replayRe.test(text.slice(next, Math.min(end, next + 1 + MAX_LINE)));
}

/** The printk caller context of a console line: '' (no timestamp), 'console' (timestamp only) or `[T123]`/`[C1]`. */
function extractContext(line: string): string {
  // Without the optional leading parts, the short pattern gives the same answer.
  const m = line.startsWith('** ') || line.includes(' login: ') ? consoleOutputRe.exec(line) : plainPrefixRe.exec(line);
  if (!m) return '';
  return m[1] === undefined ? CONSOLE : m[1];
}

/** Line without its console prefix; questionable (`? func`) frames are flagged. */
function stripLinePrefix(line: string, context: string): [string, boolean] {
  if (context === '') return [line, false];
  const start = line.indexOf('] ');
  const rest = line.slice(start + 2);
  if (!rest.includes('<EOI>')) {
    // `(\[<addr>\])? \? ` matches exactly when ` ? ` occurs.
    if (rest.includes(' ? ')) {
      const pos = rest.indexOf(' ? ');
      return [rest.slice(pos + 2), true];
    }
    if (rest.endsWith(' (unreliable)')) return [rest.slice(0, rest.length - 13), true];
  }
  return [rest, false];
}

function findFirstOops(text: string): { oops: Oops; start: number; context: string } | null {
  for (const [pos, next] of lineSpans(text)) {
    const line = lineAt(text, pos, next);
    if (!anyHeaderRe.test(line)) continue;
    for (const o of LINUX_OOPSES) {
      if (!matchOops(line, o)) continue;
      if (isTruncatedByReplay(text, next)) continue;
      return { oops: o, start: pos, context: extractContext(line) };
    }
  }
  return null;
}

function reportMinLines(oopsLine: string): number {
  // KMSAN reports are shorter (no Call Trace line and such).
  return oopsLine.includes('BUG: KMSAN:') ? 16 : 22;
}

interface FoundReport {
  endPos: number;
  /** Lines of the report (prefixes stripped), each ending with '\n'. */
  report: string;
  /** Length of the part of `report` before a second report started. */
  reportEnd: number;
}

/** Collects the report's lines: same printk context as the header, up to the next report. */
function findReport(text: string, startPos: number, context: string): FoundReport {
  let secondReportPos = 0;
  let textLines = 0;
  let skipText = false;
  let cpuTraceback = false;
  let oopsLine = '';
  let endPos = 0;
  const parts: string[] = [];
  let reportLen = 0;
  let reportEnd = 0;
  let lines = 0;
  for (const [pos, next] of lineSpans(text, startPos)) {
    if (lines++ >= MAX_REPORT_LINES || reportLen >= MAX_REPORT_CHARS) break;
    const line = lineAt(text, pos, next);
    const context1 = extractContext(line);
    const [stripped, questionable] = stripLinePrefix(line, context1);
    const isOopsLine = pos === startPos;
    if (isOopsLine) oopsLine = line;

    // Any header that is not the report's own starts a second report (unless it is one of the lines
    // that occur inside reports); so does an informational message with a stack.
    const hasHeader = anyHeaderRe.test(line);
    let anyOopsMissed = !hasHeader;
    if (hasHeader) {
      for (const o of LINUX_OOPSES) {
        if (!matchOops(line, o)) {
          anyOopsMissed = true;
          continue;
        }
        if (isTruncatedByReplay(text, next)) continue;
        endPos = next;
        if (!isOopsLine && secondReportPos === 0 && !matchesAny(line, REPORT_START_IGNORES)) secondReportPos = pos;
      }
    }
    if (anyOopsMissed && !isOopsLine && secondReportPos === 0) {
      for (const p of INFO_MESSAGES_WITH_STACK) {
        if (line.includes(p)) {
          secondReportPos = pos;
          break;
        }
      }
    }
    if (!isOopsLine && (questionable ||
      (context1 !== context && (!cpuTraceback || !cpuContextRe.test(context1))))) {
      continue;
    }
    textLines++;
    let skipLine = skipText;
    if (line.includes('Disabling lock debugging due to kernel taint')) {
      skipLine = true;
    } else if (line.includes('Sending NMI from CPU')) {
      // All-CPU backtraces: keep other CPUs' output too.
      cpuTraceback = true;
    } else if ((line.includes('Kernel panic - not syncing') ||
      line.includes('WARNING: possible circular locking dependency detected')) &&
      textLines > reportMinLines(oopsLine)) {
      // panic_on_warn's panic stack and lockdep reports induced by the oops only repeat the report.
      skipText = true;
      skipLine = true;
    }
    if (!isOopsLine && skipLine) continue;
    parts.push(stripped, '\n');
    reportLen += stripped.length + 1;
    if (secondReportPos === 0 || (context !== '' && context !== CONSOLE)) reportEnd = reportLen;
  }
  return { endPos, report: parts.join(''), reportEnd };
}

// ---- Titles ----

interface Description {
  desc: string;
  corrupted: string;
  altTitles: string[];
  format: OopsFormat | null;
}

const skipReCache = new WeakMap<StackFmt, RegExp | null>();

function skipRegex(stack: StackFmt, params: StackParams): RegExp | null {
  let re = skipReCache.get(stack);
  if (re !== undefined) return re;
  const skip = [...params.skipPatterns, ...(stack.skip ?? [])];
  if (skip.length === 0) {
    re = null;
  } else {
    const t = translateGoRegex(skip.join('|'));
    re = new RegExp(t.source, t.flags);
  }
  skipReCache.set(stack, re);
  return re;
}

function stripFrames(frames: string[], params: StackParams): string[] {
  return frames.map((orig) => {
    // The shortest of the prefix-stripped forms.
    let frame = orig;
    for (const p of params.stripFramePrefixes) {
      if (orig.startsWith(p) && orig.length - p.length < frame.length) frame = orig.slice(p.length);
    }
    return frame;
  });
}

interface ExtractedFrame {
  canonical: string;
  raw: string;
}

function appendStackFrame(frames: string[], match: RegExpExecArray | null, skipRe: RegExp | null): void {
  if (!match || match.length < 2) return;
  for (let i = 1; i < match.length; i++) {
    const raw = match[i];
    if (raw === undefined) continue;
    const f = demangleFrame(raw);
    if (skipRe === null || !skipRe.test(f)) frames.push(f);
  }
}

function firstFrameMatch(line: string, res: GoRe[]): RegExpExecArray | null {
  for (const r of res) {
    const m = execRule(r, line);
    if (m) return m;
  }
  return null;
}

function extractStackFrameImpl(
  params: StackParams, output: string, skipRe: RegExp | null, parts: StackPart[],
  extractor: (raw: string[]) => ExtractedFrame,
): [ExtractedFrame[], boolean] {
  const lines = output.split('\n');
  let li = 0;
  let rawFrames: string[] = [];
  const results: ExtractedFrame[] = [];
  let ok = true;
  let numStackTraces = 0;
  for (let partIdx = 0; ; partIdx++) {
    if (partIdx === parts.length || (parts[partIdx] === PARSE_STACK_TRACE && numStackTraces > 0)) {
      let key = extractor(rawFrames);
      if (key.canonical === '') {
        key = { canonical: 'corrupted', raw: 'corrupted' };
        ok = false;
      }
      results.push(key);
      rawFrames = [];
    }
    if (partIdx === parts.length) break;
    const part = parts[partIdx]!;
    if (part === PARSE_STACK_TRACE) {
      numStackTraces++;
      while (li < lines.length) {
        const ln = lines[li++]!;
        if (matchesAny(ln, params.corruptedLines)) {
          ok = false;
          break;
        }
        if (matchesAny(ln, params.stackStartRes)) break;
        if (partIdx !== parts.length - 1) {
          const nextPart = parts[partIdx + 1]!;
          const m = nextPart === PARSE_STACK_TRACE ? null : execRule(nextPart, ln);
          if (m) {
            appendStackFrame(rawFrames, m, skipRe);
            partIdx++;
            break;
          }
        }
        appendStackFrame(rawFrames, firstFrameMatch(ln, params.frameRes), skipRe);
      }
    } else {
      while (li < lines.length) {
        const ln = lines[li++]!;
        if (matchesAny(ln, params.corruptedLines)) {
          ok = false;
          break;
        }
        const m = execRule(part, ln);
        if (!m) continue;
        appendStackFrame(rawFrames, m, skipRe);
        break;
      }
    }
  }
  return [results, ok];
}

function extractStackFrame(params: StackParams, stack: StackFmt, output: string): [ExtractedFrame[], boolean] {
  const skipRe = skipRegex(stack, params);
  const extractor = (rawFrames: string[]): ExtractedFrame => {
    if (rawFrames.length === 0) return { canonical: '', raw: '' };
    const stripped = stripFrames(rawFrames, params);
    if (!stack.extractor) return { canonical: stripped[0]!, raw: rawFrames[0]! };
    const [frame, idx] = stack.extractor(stripped);
    if (frame !== '') return { canonical: frame, raw: rawFrames[idx]! };
    return { canonical: '', raw: '' };
  };
  const [frames, ok] = extractStackFrameImpl(params, output, skipRe, stack.parts, extractor);
  if (ok || !stack.parts2 || stack.parts2.length === 0) return [frames, ok];
  return extractStackFrameImpl(params, output, skipRe, stack.parts2, extractor);
}

function partiallyStrippedArgs(prefix: string[], frames: ExtractedFrame[], params: StackParams): string[][] {
  const ret: string[][] = [];
  for (let i = 0; i <= params.stripFramePrefixes.length; i++) {
    const list: string[] = [];
    let add = true;
    let stripPrefix = '';
    if (i > 0) {
      stripPrefix = params.stripFramePrefixes[i - 1]!;
      add = false;
    }
    for (const f of frames) {
      const trimmed = stripPrefix !== '' && f.raw.startsWith(stripPrefix) ? f.raw.slice(stripPrefix.length) : f.raw;
      if (trimmed !== f.raw) add = true;
      list.push(trimmed);
    }
    if (add) ret.push([...prefix, ...list]);
  }
  return ret;
}

function uniqueStrings(list: string[]): string[] {
  return [...new Set(list)];
}

function groups(m: RegExpExecArray): string[] {
  const out: string[] = [];
  for (let i = 1; i < m.length; i++) out.push(m[i] ?? '');
  return out;
}

/** Titles the report text: the earliest title match of the oops' formats wins. */
function extractDescription(output: string, oops: Oops, params: StackParams): Description {
  let startPos = output.length;
  let matchedTitle = false;
  let desc = '';
  let corrupted = '';
  let altTitles: string[] = [];
  let format: OopsFormat | null = null;
  for (const f of oops.formats) {
    let match = execRule(f.title, output);
    if (!match || match.index > startPos) continue;
    if (match.index === startPos && desc !== '') continue;
    if (match.index < startPos) {
      desc = '';
      format = null;
      startPos = match.index;
    }
    matchedTitle = true;
    if (f.report) {
      match = execRule(f.report, output);
      if (!match) continue;
    }
    const argPrefix = groups(match);
    let frames: ExtractedFrame[] = [];
    corrupted = '';
    if (f.stack) {
      const [fr, ok] = extractStackFrame(params, f.stack, output.slice(match.index));
      frames = fr;
      if (!ok) corrupted = 'extracted no frames';
    }
    const args = [...argPrefix, ...frames.map((x) => x.canonical)];
    desc = formatTitle(f.fmt, args);
    for (const alt of f.alt ?? []) altTitles.push(formatTitle(alt, args));
    // Titles with the raw and partially stripped frame names help deduplication.
    for (const a of partiallyStrippedArgs(argPrefix, frames, params)) {
      const altTitle = formatTitle(f.fmt, a);
      if (altTitle !== desc) altTitles.push(altTitle);
      for (const alt of f.alt ?? []) altTitles.push(formatTitle(alt, a));
    }
    altTitles = uniqueStrings(altTitles);
    format = f;
  }
  if (desc === '') {
    // A title matched but not its report regex or stack: the report is corrupted.
    if (matchedTitle) corrupted = 'matched title but not report regexp';
    const pos = output.indexOf(oops.header);
    if (pos !== -1) {
      let end = output.indexOf('\n', pos);
      if (end === -1) end = output.length;
      desc = output.slice(pos, end);
    }
  }
  if (corrupted === '' && format?.corrupted) corrupted = 'report format is marked as corrupted';
  return { desc, corrupted, altTitles, format };
}

function isCorrupted(title: string, report: string, format: OopsFormat | null): [boolean, string] {
  if (matchesAny(title, linuxCorruptedTitles)) return [true, 'title matches corrupted regexp'];
  if (format === null || format.noStackTrace) return [false, ''];
  // After `Call Trace`, `backtrace`, `Allocated`, `Freed` ... at least one frame must follow.
  let hasStackTrace = false;
  const params = linuxStackParams;
  for (const key of params.stackStartRes) {
    const m = execRule(key, report);
    if (!m) continue;
    const rest = report.slice(m.index);
    // Only the first 16 lines are looked at.
    const frames = firstLines(rest, 17);
    if (frames.length < 4) return [true, 'call trace is missed'];
    let corrupted = true;
    for (let i = 1; i < 16 && i < frames.length; i++) {
      const ln = frames[i]!;
      if (matchesAny(ln, params.stackStartRes)) break;
      if (ln.includes('(stack is not available)') || matchesAny(ln, params.frameRes)) {
        hasStackTrace = true;
        corrupted = false;
        break;
      }
    }
    if (key !== riscvSpecialStackStart && corrupted) return [true, 'no frames in a stack trace'];
  }
  if (!hasStackTrace) return [true, 'no stack trace in report'];
  return [false, ''];
}

/** The first n lines of text (split on '\n'; a final empty string after a trailing newline counts). */
function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  let pos = 0;
  while (out.length < n) {
    const next = text.indexOf('\n', pos);
    if (next === -1) {
      out.push(text.slice(pos));
      break;
    }
    out.push(text.slice(pos, Math.min(next, pos + MAX_LINE)));
    pos = next + 1;
  }
  return out;
}

/** True when the text holds a report start (a header line that is not suppressed). */
export function containsCrash(text: string): boolean {
  for (const [pos, next] of lineSpans(text)) {
    if (lineHasOops(lineAt(text, pos, next))) return true;
  }
  return false;
}

/** Parses the first report of console output. */
export function parseFirstReport(text: string): ParsedReport | null {
  const first = findFirstOops(text);
  if (!first) return null;
  const { oops, start, context } = first;
  const found = findReport(text, start, context);
  let report = found.report;
  let d = extractDescription(report.slice(0, found.reportEnd), oops, linuxStackParams);
  if (d.desc === '') {
    report = text.slice(start, Math.max(found.endPos, start));
    d = extractDescription(report, oops, linuxStackParams);
  }
  let corrupted = d.corrupted !== '';
  let corruptedReason = d.corrupted;
  if (!corrupted) [corrupted, corruptedReason] = isCorrupted(d.desc, report, d.format);

  const title = normalizeTitle(d.desc);
  const altTitles = d.altTitles.map(normalizeTitle);
  const suppressed = matchesAnyMultiline(text, LINUX_SUPPRESSIONS);
  if (text.includes(GCE_CONSOLE_HANGUP)) {
    corrupted = true;
    if (corruptedReason === '') corruptedReason = 'console disconnected';
  }
  const fm = reportFrameRe.exec(title);
  // The report ends at the end of its header line at least.
  let lineEnd = text.indexOf('\n', start);
  if (lineEnd === -1) lineEnd = text.length;
  return {
    title,
    altTitles,
    type: typeOfTitle(title),
    corrupted,
    corruptedReason: corrupted ? corruptedReason : null,
    frame: fm ? fm[1]! : null,
    suppressed,
    panicked: text.includes('Kernel panic - not syncing'),
    start,
    end: Math.max(found.endPos, lineEnd),
  };
}

/**
 * Suppressions are matched against the whole output. Their patterns never span lines, so only the
 * lines holding a pattern's literal prefix are tried (each line bounded like any other).
 */
function matchesAnyMultiline(text: string, res: GoRe[]): boolean {
  for (const r of res) {
    if (r.literal === undefined) {
      for (const [pos, next] of lineSpans(text)) if (execRule(r, lineAt(text, pos, next))) return true;
      continue;
    }
    let at = text.indexOf(r.literal);
    while (at !== -1) {
      const ls = text.lastIndexOf('\n', at) + 1;
      let le = text.indexOf('\n', at);
      if (le === -1) le = text.length;
      if (execRule(r, lineAt(text, ls, le))) return true;
      at = text.indexOf(r.literal, le);
    }
  }
  return false;
}
