// Title normalisation (pkg/report's dynamic replacements and sanitising) and the title templates.

/** Longest raw title we normalise: only the first 120 bytes survive sanitising anyway. */
const MAX_RAW_TITLE = 2048;
/** syzbot's title length limit, in bytes of the normalised title. */
export const MAX_TITLE_LEN = 120;

interface Replacement {
  match: RegExp;
  by: string;
  /** A literal every match holds: without it the replacement is skipped (a speed-up only). */
  need?: string;
}

// Each replacement is applied until the string stops changing (matches may overlap, e.g. `0,1,2`).
const DYNAMIC_REPLACEMENTS: Replacement[] = [
  // Executor process names carry pids / proc ids.
  { match: /syz-executor\.?[0-9]+((\/|:)[0-9]+)?/g, by: 'syz-executor', need: 'syz-executor' },
  { match: /syzkaller[0-9]+((\/|:)[0-9]+)?/g, by: 'syzkaller', need: 'syzkaller' },
  // Anything that looks like an address.
  { match: /([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}/g, by: '$1ADDR' },
  // IPv4 addresses.
  { match: /([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})/g, by: 'IP', need: '.' },
  // file:line -> file:LINE
  { match: /(\.\w+)(:[0-9]+)+/g, by: '$1:LINE', need: ':' },
  // func+0x1f/0x80 -> func
  { match: /([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+\/0x[0-9a-z]+/g, by: '$1', need: '+0x' },
  { match: /CPU#[0-9]+/g, by: 'CPU', need: 'CPU#' },
  // Remaining standalone decimal numbers.
  { match: /(\W)(\d+)(\W|$)/g, by: '$1NUM$3' },
  // Digits inside identifiers are kept (cfg80211), unless there are too many of them.
  { match: /\d{7,}/g, by: 'NUM' },
];

function replaceTable(str: string): string {
  let s = str;
  for (const r of DYNAMIC_REPLACEMENTS) {
    if (r.need !== undefined && !s.includes(r.need)) continue;
    // Each pass strictly shortens or replaces a match by a fixed token; bound the passes anyway.
    for (let pass = 0; pass < 64; pass++) {
      const next = s.replace(r.match, r.by);
      if (next === s) break;
      s = next;
    }
  }
  return s;
}

function utf8Len(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Keeps printable ASCII of the first 120 bytes (UTF-8) of the title, tabs as spaces, runs of spaces
 * collapsed, trimmed.
 */
export function sanitizeTitle(title: string): string {
  // Fast path: the first 120 characters are printable ASCII without a leading or doubled space.
  const n = Math.min(title.length, MAX_TITLE_LEN);
  let plain = true;
  for (let i = 0, prev = 32; i < n; i++) {
    const c = title.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || (c === 32 && prev === 32)) {
      plain = false;
      break;
    }
    prev = c;
  }
  if (plain) return (title.length > n ? title.slice(0, n) : title).trim();
  let res = '';
  let prev = ' ';
  let bytes = 0;
  for (const ch of title) {
    if (bytes >= MAX_TITLE_LEN) break;
    const cp = ch.codePointAt(0)!;
    bytes += utf8Len(cp);
    let c = ch;
    if (c === '\t') c = ' ';
    else if (cp < 0x20 || cp >= 0x7f) continue;
    if (c === ' ' && prev === ' ') continue;
    res += c;
    prev = c;
  }
  return res.trim();
}

/** The title as syzbot shows it: dynamic parts replaced, then sanitised. */
export function normalizeTitle(raw: string): string {
  return sanitizeTitle(replaceTable(raw.length > MAX_RAW_TITLE ? raw.slice(0, MAX_RAW_TITLE) : raw));
}

/**
 * Fills a title template written with Go's explicit-index verbs (`%[2]v`, `%[1]s`), as Go's fmt does:
 * a missing argument prints `%!v(BADINDEX)`; `%%` is a percent sign.
 */
export function formatTitle(template: string, args: string[]): string {
  let out = '';
  let usedIndex = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    if (template[i + 1] === '%') {
      out += '%';
      i++;
      continue;
    }
    const m = /^\[(\d+)\]([a-z])/.exec(template.slice(i + 1, i + 8));
    if (!m) {
      out += c;
      continue;
    }
    usedIndex = true;
    const idx = Number(m[1]) - 1;
    out += idx >= 0 && idx < args.length ? args[idx] : `%!${m[2]}(BADINDEX)`;
    i += m[0].length;
  }
  if (!usedIndex && args.length > 0) {
    out += '%!(EXTRA ' + args.map((a) => 'string=' + a).join(', ') + ')';
  }
  return out;
}
