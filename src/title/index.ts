// syzbot-compatible crash titles (a reimplementation of the rules of syzkaller's pkg/report for Linux).
// CONTRACT used by the log reader; the implementation lives in this folder.

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
  /** Character offsets in the given text of the report's start (header line) and end. */
  start: number;
  end: number;
}

/**
 * Finds the first crash report in console output `text` (any log prefixes) and titles it the way
 * syzkaller does. Returns null when the text holds no crash.
 * PLACEHOLDER until the pkg/report port lands: titles the first line that starts with a known header word.
 */
export function findFirstCrash(text: string): SyzReport | null {
  const m = /^.*?((?:BUG|WARNING|INFO|Kernel panic|general protection fault|kernel BUG)[^\n]*)$/m.exec(text);
  if (!m) return null;
  const start = m.index + (m[0].length - m[1]!.length);
  return {
    title: m[1]!.trim(), altTitles: [], type: '', corrupted: false, corruptedReason: null, frame: null,
    suppressed: false, start, end: text.length,
  };
}
