// Evidence helpers: every claim of a finding points at the exact line (file + 1-based line) it rests on.

import type { Backtrace, CodeLocation, CrashEvent, DumpFacts, Evidence, Frame, Report, SourceRef } from '../model/types.js';

/** The draft the diagnosis works on. */
export type Draft = Omit<Report, 'diagnosis' | 'incidents'>;

const MAX_TEXT = 400;

function clip(s: string): string {
  return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '…' : s;
}

/** Evidence for line `idx` of an event (its lines are consecutive from source.startLine). */
export function eventLine(ev: CrashEvent, idx: number): Evidence {
  const i = Math.max(0, Math.min(idx, ev.lines.length - 1));
  return { source: ev.source.file, line: ev.source.startLine + i, text: clip(ev.lines[i] ?? ev.header) };
}

/** Index of the first event line matching `pred`, -1 if none. */
export function findLine(ev: CrashEvent, pred: (line: string) => boolean): number {
  const n = Math.min(ev.lines.length, 1000);
  for (let i = 0; i < n; i++) if (pred(ev.lines[i]!)) return i;
  return -1;
}

/** Evidence for the first line of an event matching `pred`, or the header line. */
export function eventLineMatching(ev: CrashEvent, pred: (line: string) => boolean): Evidence {
  const i = findLine(ev, pred);
  return i >= 0 ? eventLine(ev, i) : headerEvidence(ev);
}

export function headerEvidence(ev: CrashEvent): Evidence {
  const i = findLine(ev, (l) => l.trim() === ev.header.trim());
  if (i >= 0) return eventLine(ev, i);
  return { source: ev.source.file, line: ev.source.startLine, text: clip(ev.header) };
}

/** Evidence for a frame printed in an event. */
export function frameEvidence(ev: CrashEvent, frame: Frame): Evidence {
  const raw = frame.raw.trim();
  let i = raw ? findLine(ev, (l) => l.trim() === raw) : -1;
  if (i < 0 && raw) i = findLine(ev, (l) => l.includes(raw));
  if (i >= 0) return eventLine(ev, i);
  return { source: ev.source.file, line: null, text: clip(frame.raw) };
}

/** Evidence for a frame of a crash session's `bt`: the frame's own line (the `PID:` line when unknown). */
export function btFrameEvidence(bt: Backtrace, f: Frame): Evidence {
  if (bt.source.object) return refEvidence(bt.source, f.raw);
  return { source: bt.source.file, line: f.line ?? bt.source.startLine, text: clip(f.raw) };
}

/** Evidence at the first line of a source range (dump facts). */
export function refEvidence(ref: SourceRef, text: string): Evidence {
  // A fact read from a vmcore's memory has no line: its evidence names the kernel object and address.
  if (ref.object) return { source: ref.file, line: null, text: clip(text.includes(ref.object) ? text : `${ref.object}: ${text}`) };
  return { source: ref.file, line: ref.startLine, text: clip(text) };
}

export function derived(text: string): Evidence {
  return { source: 'derived', line: null, text: clip(text) };
}

/** One stack seen anywhere in the input: an event's call trace or a `bt` of the dump. */
export interface StackView {
  /** Frames innermost first, as printed. */
  frames: Frame[];
  /** Where the CPU was (event RIP or `bt` exception RIP). */
  rip: CodeLocation | null;
  event: CrashEvent | null;
  bt: Backtrace | null;
  evidence(frame: Frame): Evidence;
}

const MAX_STACKS = 2000;

export function stacksOf(draft: Draft): StackView[] {
  const out: StackView[] = [];
  // An event built from a crash session's `bt` shares that backtrace's frames: look at that stack once.
  const btFrames = new Set((draft.dump?.backtraces ?? []).map((b) => b.frames));
  for (const ev of draft.events) {
    if (out.length >= MAX_STACKS) break;
    if (btFrames.has(ev.frames)) continue;
    out.push({ frames: ev.frames, rip: ev.rip, event: ev, bt: null, evidence: (f) => frameEvidence(ev, f) });
  }
  for (const bt of draft.dump?.backtraces ?? []) {
    if (out.length >= MAX_STACKS) break;
    out.push({
      frames: bt.frames, rip: bt.exceptions[0]?.rip ?? null, event: null, bt,
      evidence: (f) => btFrameEvidence(bt, f),
    });
  }
  return out;
}

/** Function names of a stack, RIP first, innermost first. */
export function stackFunctions(s: StackView): string[] {
  const names: string[] = [];
  if (s.rip?.function) names.push(s.rip.function);
  for (const f of s.frames) if (f.function) names.push(f.function);
  return names;
}

/** Parses a hex address (with or without 0x); null when it is not one. */
export function parseHex(s: string | null | undefined): bigint | null {
  if (!s) return null;
  const m = /^(?:0x)?([0-9a-f]{1,16})$/i.exec(s.trim());
  return m ? BigInt('0x' + m[1]) : null;
}

/** Normalised hex (`ffffffffc04f2116`) for comparisons. */
export function normHex(s: string | null | undefined): string | null {
  const v = parseHex(s);
  return v === null ? null : v.toString(16);
}

export function dumpOf(draft: Draft): DumpFacts | null {
  return draft.dump;
}
