// syzbot-compatible crash titles (a reimplementation of the rules of syzkaller's pkg/report for Linux).
// CONTRACT used by the log reader; the implementation lives in this folder:
//   goregex.ts       Go regex notation of the rule tables -> JS
//   rules.ts         the table vocabulary (oops, formats, stack rules)
//   linux-oopses.ts  the oops table, report-start ignores, suppressions
//   linux-stack.ts   stack starts, frame lines, skipped frames, syscall prefixes, stall/hang frame choice
//   parse.ts         finding the report, cutting it out of interleaved output, titling, corruption
//   normalize.ts     title normalisation and templates
//   types.ts         TYPE from the title

import { containsCrash as containsCrashImpl, parseFirstReport } from './parse.js';

export { typeOfTitle } from './types.js';
export { normalizeTitle } from './normalize.js';

export interface SyzReport {
  /** syzbot title, e.g. `KASAN: use-after-free Read in tty_ldisc_hangup`. */
  title: string;
  altTitles: string[];
  /** syzkaller crash type derived from the title (`KASAN-USE-AFTER-FREE-READ`, `HANG`, ...), '' if unknown. */
  type: string;
  corrupted: boolean;
  corruptedReason: string | null;
  /** The function the crash is attributed to (text after ` in ` in the title), null if none. */
  frame: string | null;
  suppressed: boolean;
  /**
   * Character offsets in the given text: start of the report's header line; end as syzkaller's
   * EndPos (end of the last line of the text that holds a report header, at least the header line's end).
   */
  start: number;
  end: number;
  /** True when the text contains `Kernel panic - not syncing` (syzkaller's PANICKED). */
  panicked?: boolean;
}

/**
 * Finds the first crash report in console output `text` (any log prefixes) and titles it the way
 * syzkaller does. Returns null when the text holds no crash. Never throws; linear in the input
 * (lines are examined up to 4 KiB each, a report up to 1 MiB).
 */
export function findFirstCrash(text: string): SyzReport | null {
  if (typeof text !== 'string' || text.length === 0) return null;
  try {
    // syzkaller deletes carriage returns before parsing (CRLF consoles); offsets are mapped back.
    const hasCR = text.includes('\r');
    const r = parseFirstReport(hasCR ? text.replace(/\r/g, '') : text);
    if (!r) return null;
    const [start, end] = hasCR ? mapOffsets(text, r.start, r.end) : [r.start, r.end];
    return {
      title: r.title, altTitles: r.altTitles, type: r.type, corrupted: r.corrupted,
      corruptedReason: r.corruptedReason, frame: r.frame, suppressed: r.suppressed, start, end,
      panicked: r.panicked,
    };
  } catch {
    // A rule that fails on hostile input must not take the pipeline down: no title.
    return null;
  }
}

/** Offsets in the text without '\r' -> offsets in `text`. */
function mapOffsets(text: string, start: number, end: number): [number, number] {
  let kept = 0;
  let outStart = text.length;
  let outEnd = text.length;
  for (let i = 0; i <= text.length; i++) {
    if (kept === start && outStart === text.length) outStart = i;
    if (kept === end) {
      outEnd = i;
      break;
    }
    if (i < text.length && text.charCodeAt(i) !== 13) kept++;
  }
  return [outStart, outEnd];
}

/** True when the text contains a line that starts a crash report. */
export function containsCrash(text: string): boolean {
  if (typeof text !== 'string' || text.length === 0) return false;
  try {
    return containsCrashImpl(text);
  } catch {
    return false;
  }
}
