// Line handling for crash transcripts: split, clean terminal noise, find `crash>` prompts.

/** Longest line the reader looks at; the rest of a longer line is ignored (hostile input). */
export const MAX_LINE = 8192;

export interface Line {
  /** The cleaned text (no CR overwrites, no ANSI escapes, cut at MAX_LINE). */
  text: string;
  /** 1-based line number in the input. */
  no: number;
}

// ANSI CSI / OSC sequences and other C0 controls except TAB.
const ANSI = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
const CTRL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** Splits text into cleaned lines. `\r` overwrites (crash's "please wait..." progress) keep the last non-blank part. */
export function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  let no = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    no++;
    let raw = text.slice(start, Math.min(end, start + MAX_LINE * 4));
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.includes('\r')) {
      const parts = raw.split('\r').filter((p) => p.trim() !== '');
      raw = parts.length ? parts[parts.length - 1]! : '';
    }
    if (raw.includes('\x1b')) raw = raw.replace(ANSI, '');
    raw = raw.replace(CTRL, '');
    if (raw.length > MAX_LINE) raw = raw.slice(0, MAX_LINE);
    out.push({ text: raw, no });
    if (end >= n) break;
    start = end + 1;
  }
  // A trailing newline does not make an extra (empty) line.
  if (out.length > 1 && out[out.length - 1]!.text === '' && text.endsWith('\n')) out.pop();
  return out;
}

/** `crash> CMD` (also `crash 7.2.3> ` is not a thing; custom prompts are not supported). */
export const PROMPT = /^\s*crash>(?:\s(.*))?$/;

export function promptCommand(text: string): string | null {
  const m = PROMPT.exec(text);
  if (!m) return null;
  return (m[1] ?? '').trim();
}
