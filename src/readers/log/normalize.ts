// Line normalisation: strips the log prefix of one line (dmesg, dmesg -T, syslog/messages, RFC 5424,
// journalctl short/short-precise/short-iso/short-monotonic, serial `<N>` levels, `[T123]`/`[C1]` caller ids,
// the 2.6-era `<d>` marker, `** N printk messages dropped **`) and keeps what the prefix said.
// Formats are detected per line, so concatenated or mixed files work. The common dmesg prefix is parsed
// by hand (no regex) because it is on almost every line of a big log.

export type LineFormat =
  | 'dmesg' | 'dmesg-T' | 'dmesg-H' | 'kmsg' | 'syslog' | 'syslog-iso' | 'rfc5424' | 'journalctl-monotonic' | 'serial'
  | 'plain';

export interface LogLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line as read (CR and the newline removed). */
  raw: string;
  /** The message without any prefix. */
  text: string;
  uptime: number | null;
  wallclock: string | null;
  /** printk level 0..7 when a `<N>` prefix or a syslog priority said so. */
  level: number | null;
  /** `T123` (task) or `C1` (cpu) printk caller id. */
  caller: string | null;
  hostname: string | null;
  /** False for syslog/journal lines of another program than the kernel (never searched for crashes). */
  kernel: boolean;
  /** Messages the kernel said it dropped just before this line (`** N printk messages dropped **`). */
  dropped: number;
  format: LineFormat;
  /** A prefix that is not a log format's was removed (quoting, line numbers, a shell prompt, a CI or
   *  hypervisor tag, leading blanks, HTML escapes): `raw` is not what a kernel console prints. */
  foreign: boolean;
}

export interface NormalizeOptions {
  /** Year for wall-clock times that carry none (syslog `May 23 18:36:31`). Default: the current UTC year. */
  year?: number;
}

const MONTHS: Record<string, string> = {
  jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06',
  jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12',
};

const pad2 = (s: string): string => (s.length < 2 ? '0' + s : s);

// `May 23 18:36:31[.123456] host [facility.level] tag[pid]: msg` (RFC 3164, journalctl short/short-precise,
// busybox syslogd with -S). Month names case-insensitive (some collectors upper-case whole lines).
const SYSLOG_RE =
  /^([^\s\d\p{P}]{2,12}\.?) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)(\.\d{1,9})? (\S+) (?:([A-Za-z]+\.[A-Za-z]+) )?([^\s:[]+)(?:\[(\d+)\])?: ?/u;
const SYSLOG_NOHOST_RE = /^([A-Za-z]{3}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)(\.\d{1,9})? (?:kernel|vmunix): ?/;
// `dmesg -H`: `[Apr25 06:33]` (a new minute) and `[  +0.000013]` (delta) prefixes.
const DMESG_H_RE = /^\[(?:[A-Z][a-z]{2}\d{1,2} \d\d:\d\d|\s*\+\d{1,9}\.\d{1,9}|\s*<\s*\d{1,9}\.\d{1,9}>)\] ?/;
// A raw /dev/kmsg record: `6,1234,56789012,-;msg` (`,c` fragment flags and extra fields before `;`).
const KMSG_RE = /^([0-9]{1,3}),[0-9]{1,20},([0-9]{1,20}),[^;,]{0,2}(?:,[^;]{0,64})?;/;
// ISO 8601 timestamped syslog (rsyslog high precision, journalctl short-iso / short-iso-precise).
const SYSLOG_ISO_RE =
  /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?) (\S+) (?:([A-Za-z]+\.[A-Za-z]+) )?([^\s:[]+)(?:\[(\d+)\])?: ?/;
// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
const RFC5424_RE = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[[^\]]*\])+) ?/;
// `dmesg -T`: `[Mon May 23 18:36:31 2022] `.
const DMESG_T_RE = /^\[([A-Z][a-z]{2}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4})\] ?/;
// journalctl -o short-monotonic: `[   12.345678] host kernel: msg`.
const MONO_HOST_RE = /^(\S+) ([^\s:[]+)(?:\[(\d+)\])?: ?/;
const DROPPED_RE = /^\*\* (\d+) printk messages dropped \*\* ?/;

/** Parses `[   12.345678]` at `pos`; returns [uptime, end index] or null. Hand-written for speed. */
function parseBracketTime(s: string, pos: number): [number, number] | null {
  if (s.charCodeAt(pos) !== 91 /* [ */) return null;
  let i = pos + 1;
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 32) i++;
  const start = i;
  let dot = -1;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) i++;
    else if (c === 46 && dot < 0) { dot = i; i++; } else break;
  }
  if (i >= n || s.charCodeAt(i) !== 93 /* ] */ || dot < 0 || dot === start || i - start > 20) return null;
  return [Number(s.slice(start, i)), i + 1];
}

/** Parses `[  T123]` / `[C1]` at `pos`. */
function parseCaller(s: string, pos: number): [string, number] | null {
  if (s.charCodeAt(pos) !== 91) return null;
  let i = pos + 1;
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 32) i++;
  const c = s.charCodeAt(i);
  if (c !== 84 /* T */ && c !== 67 /* C */) return null;
  const start = i;
  i++;
  const digits = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === digits || i - digits > 10 || s.charCodeAt(i) !== 93) return null;
  return [s.slice(start, i), i + 1];
}

function isoFromSyslog(mon: string, day: string, time: string, frac: string | undefined, year: number): string | null {
  const m = MONTHS[mon.toLowerCase()];
  if (!m) return null;
  return `${year}-${m}-${pad2(day)}T${time}${frac ?? ''}`;
}

/**
 * Normalises one line (without its newline). `lineNo` is 1-based. Never throws.
 */
export function normalizeLine(rawIn: string, lineNo: number, opts: NormalizeOptions = {}): LogLine {
  let raw = rawIn;
  if (raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13) raw = raw.slice(0, -1);
  const out = parseLine(raw, lineNo, opts);
  if (out.format !== 'plain') return out;
  return foreignLine(out, opts) ?? out;
}

/** The log formats' own prefixes on one line (CR already removed). */
function parseLine(raw: string, lineNo: number, opts: NormalizeOptions): LogLine {
  const out: LogLine = {
    line: lineNo, raw, text: raw, uptime: null, wallclock: null, level: null, caller: null, hostname: null,
    kernel: true, dropped: 0, format: 'plain', foreign: false,
  };
  let s = raw;
  let pos = 0;
  const first = s.charCodeAt(0);

  // Fast path: plain dmesg `[   12.345678] msg` (with optional caller id).
  if (first === 91) {
    const t = parseBracketTime(s, 0);
    if (t) {
      out.uptime = t[0];
      pos = t[1];
      out.format = 'dmesg';
      const c = parseCaller(s, pos);
      if (c) { out.caller = c[0]; pos = c[1]; }
      if (s.charCodeAt(pos) === 32) {
        // journalctl -o short-monotonic: `[ts] host kernel: msg`.
        const rest = s.slice(pos + 1);
        const mh = MONO_HOST_RE.exec(rest);
        if (mh && mh[2] === 'kernel' && !mh[1]!.endsWith(':')) {
          out.format = 'journalctl-monotonic';
          out.hostname = mh[1]!;
          out.text = rest.slice(mh[0].length);
          return finishText(out);
        }
        pos++;
      }
      out.text = s.slice(pos);
      return finishText(out);
    }
    const dt = DMESG_T_RE.exec(s);
    if (dt) {
      out.format = 'dmesg-T';
      const m = MONTHS[dt[2]!.toLowerCase()];
      if (m) out.wallclock = `${dt[5]}-${m}-${pad2(dt[3]!)}T${dt[4]}`;
      const rest = s.slice(dt[0].length);
      const c = parseCaller(rest, 0);
      out.text = c ? rest.slice(c[1]).replace(/^ /, '') : rest;
      return finishText(out);
    }
    // `dmesg -H` / `dmesg -e`: `[Apr25 06:33] ` at the start of a minute, `[  +0.000013] ` deltas after it.
    const dh = DMESG_H_RE.exec(s);
    if (dh) {
      out.format = 'dmesg-H';
      const rest = s.slice(dh[0].length);
      const c = parseCaller(rest, 0);
      out.text = c ? rest.slice(c[1]).replace(/^ /, '') : rest;
      return finishText(out);
    }
    return finishText(out);
  }

  // `<N>` priority / level prefix: serial console, `dmesg -r`, RFC 5424, RFC 3164 with PRI.
  if (first === 60 /* < */) {
    const r = RFC5424_RE.exec(s);
    if (r) {
      const pri = Number(r[1]);
      out.format = 'rfc5424';
      out.level = pri & 7;
      out.wallclock = r[2] === '-' ? null : r[2]!;
      out.hostname = r[3] === '-' ? null : r[3]!;
      out.kernel = r[4] === 'kernel';
      let rest = s.slice(r[0].length);
      if (rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1); // BOM before an UTF-8 MSG
      return embedded(out, rest);
    }
    const m = /^<(\d{1,3}|d)>/.exec(s);
    if (m) {
      if (m[1] !== 'd') out.level = Number(m[1]) & 7;
      const rest = s.slice(m[0].length);
      const sys = parseSyslog(out, rest, opts);
      if (sys) return sys;
      out.format = 'serial';
      return embedded(out, rest);
    }
  }

  const sys = parseSyslog(out, s, opts);
  if (sys) return sys;
  out.text = s;
  return finishText(out);
}

function parseSyslog(out: LogLine, s: string, opts: NormalizeOptions): LogLine | null {
  const c0 = s.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const k = KMSG_RE.exec(s);
    if (k) {
      // A raw /dev/kmsg record: `level,seq,usec,flags;msg` (Documentation/ABI/testing/dev-kmsg).
      out.format = 'kmsg';
      out.level = Number(k[1]) & 7;
      out.uptime = Number(k[2]) / 1e6;
      out.text = s.slice(k[0].length);
      return finishText(out);
    }
    const m = SYSLOG_ISO_RE.exec(s);
    if (!m) return null;
    out.format = 'syslog-iso';
    out.wallclock = m[1]!.replace(' ', 'T').replace(',', '.');
    out.hostname = m[2]!;
    out.kernel = m[4]!.toLowerCase() === 'kernel';
    return embedded(out, s.slice(m[0].length));
  }
  if (c0 < 65) return null; // a month name starts with a letter (ASCII or not)
  const year = opts.year ?? new Date().getUTCFullYear();
  // Without a host field (busybox syslogd, some forwarders): `May 17 18:48:11 kernel: msg`.
  const nh = SYSLOG_NOHOST_RE.exec(s);
  if (nh) {
    out.format = 'syslog';
    out.wallclock = isoFromSyslog(nh[1]!, nh[2]!, nh[3]!, nh[4], year);
    return embedded(out, s.slice(nh[0].length));
  }
  const m = SYSLOG_RE.exec(s);
  if (!m) return null;
  // journalctl prints month names in the locale's language (`июл`, `sty`, `ott`): the wall clock is then unknown.
  const known = MONTHS[m[1]!.toLowerCase()] !== undefined;
  if (!known && !/^[^\x00-\x7f]|^[A-Za-z]{3,5}\.?$/.test(m[1]!)) return null;
  out.format = 'syslog';
  out.wallclock = known ? isoFromSyslog(m[1]!, m[2]!, m[3]!, m[4], year) : null;
  out.hostname = m[5]!;
  out.kernel = m[7]!.toLowerCase() === 'kernel' || m[7] === 'vmunix';
  return embedded(out, s.slice(m[0].length));
}

// ---- Prefixes that are no log format's (pastes, editors, CI, hypervisors) ----
// Tried only on lines that no format above recognises. Each step removes one layer and the formats are
// tried again (`> Apr  7 17:49:18 host kernel: [ 12.1] msg` is a quote around a syslog line). Every
// pattern is anchored, bounded and linear: no nested quantifiers, so no prefix can make one backtrack.

/** Quote marks of mail and markdown pastes: `> `, `>> `, `> > `. */
const QUOTE_RE = /^[ \t]{0,8}>(?:[ \t]?>){0,7}[ \t]?/;
/** `| ` table or viewer gutters. */
const BAR_RE = /^[ \t]{0,8}\|[ \t]?/;
/** Line numbers added by a paste or an editor: `  12 `, `12:`, `12|`, `12.`, `12)`. */
const LINENO_RE = /^[ \t]{0,8}[0-9]{1,6}(?:[.:|)][ \t]{0,4}|[ \t]{1,4})/;
/** ktest's elapsed-seconds column: `00034 ` (zero-padded). */
const KTEST_RE = /^0[0-9]{3,5} (?=\S)/;
/** A bracketed tag of a hypervisor or test harness: `[guest0/uart0] `. */
const TAG_RE = /^\[[\w./:@-]{1,40}\] ?/;
/** A printk time stamp somewhere in the head of the line (after a shell prompt, a login prompt, a CI clock). */
const TS_ANYWHERE_RE = /\[ {0,12}[0-9]{1,12}\.[0-9]{0,9}\]/;
/** A time stamp that lost its `[` (or had it mangled) at the start of a pasted line: `407819.286867] `. */
const TS_NO_BRACKET_RE = /^[^\s\d]?([0-9]{1,12}\.[0-9]{1,9})\] ?/;
/** The `kernel:` tag of a syslog-like line whose other fields no format above knows (weekday and year
 *  first, `kern.warn` facilities, no date at all): `Tue Feb  1 19:02:25 2022 kern.warn kernel: msg`. */
const KERNEL_TAG_RE = /(?:^|[ \t])(?:kernel|vmunix|kern\.[a-z]{3,7})(?:\[[0-9]{1,10}\])?: ?/;
const HEADER_WORDS_RE = /BUG|WARNING|Oops|INFO:|panic|Call Trace|RIP:|Kernel|Modules linked|Hardware name/;
/** HTML entities of pastes taken from a web page's source. */
const ENTITY_RE = /&(?:gt|lt|amp|quot|apos|#39|#x27|#62|#60|nbsp);/;
const ENTITIES: Record<string, string> = {
  '&gt;': '>', '&lt;': '<', '&amp;': '&', '&quot;': '"', '&apos;': "'", '&#39;': "'", '&#x27;': "'", '&#62;': '>',
  '&#60;': '<', '&nbsp;': ' ',
};

/** Removes one foreign layer from the head of `s`; `sure` when the rest is a message even if no format follows. */
function peel(s: string): { rest: string; sure: boolean; kernel?: boolean } | null {
  let m = QUOTE_RE.exec(s);
  if (m && m[0].length > 0) return { rest: s.slice(m[0].length), sure: true };
  m = KTEST_RE.exec(s);
  if (m) return { rest: s.slice(m[0].length), sure: true };
  m = TS_NO_BRACKET_RE.exec(s);
  if (m) return { rest: `[${m[1]}] ${s.slice(m[0].length)}`, sure: false };
  const head = s.length > 160 ? s.slice(0, 160) : s;
  const t = TS_ANYWHERE_RE.exec(head);
  if (t && t.index > 0 && t.index <= 96 && !HEADER_WORDS_RE.test(head.slice(0, t.index))) {
    return { rest: s.slice(t.index), sure: false };
  }
  const k = KERNEL_TAG_RE.exec(head);
  if (k && k.index <= 96) {
    const before = head.slice(0, k.index);
    // Only where what comes before is a prefix: nothing, or a line that carries a clock.
    if (before.trim() === '' || (/[0-9]:[0-9][0-9]/.test(before) && !HEADER_WORDS_RE.test(before))) {
      return { rest: s.slice(k.index + k[0].length), sure: true, kernel: true };
    }
  }
  m = BAR_RE.exec(s);
  if (m) return { rest: s.slice(m[0].length), sure: false };
  m = LINENO_RE.exec(s);
  if (m) return { rest: s.slice(m[0].length), sure: false };
  m = TAG_RE.exec(s);
  if (m) return { rest: s.slice(m[0].length), sure: false };
  m = /^[ \t]+/.exec(s);
  if (m) return { rest: s.slice(m[0].length), sure: false };
  return null;
}

/**
 * A line no format recognised: peels foreign prefixes (at most four layers) until a format recognises the
 * rest. Returns null when nothing was peeled for sure and no format followed (the line stays as it is).
 */
function foreignLine(plain: LogLine, opts: NormalizeOptions): LogLine | null {
  let s = plain.raw;
  let decoded = false;
  if (s.includes('&') && ENTITY_RE.test(s)) {
    s = s.replace(/&(?:gt|lt|amp|quot|apos|#39|#x27|#62|#60|nbsp);/g, (e) => ENTITIES[e] ?? e);
    decoded = true;
  }
  let sureRest: string | null = decoded ? s : null;
  let kernelTag = false;
  for (let i = 0; i < 4; i++) {
    const p = peel(s);
    if (!p || p.rest.length === s.length) break;
    s = p.rest;
    if (p.kernel) kernelTag = true;
    const out = parseLine(s, plain.line, opts);
    if (out.format !== 'plain') {
      out.raw = plain.raw;
      out.foreign = true;
      return out;
    }
    if (p.sure) sureRest = s;
  }
  if (sureRest === null && !kernelTag) return null;
  const out = parseLine(sureRest ?? s, plain.line, opts);
  out.raw = plain.raw;
  out.foreign = true;
  return out;
}

/** The message of a syslog/journal/serial line may itself carry `[ts]`, a caller id and `<N>`. */
function embedded(out: LogLine, rest: string): LogLine {
  let s = rest;
  if (s.charCodeAt(0) === 60) {
    const m = /^<([0-7]|d)>/.exec(s);
    if (m) {
      if (m[1] !== 'd' && out.level == null) out.level = Number(m[1]);
      s = s.slice(m[0].length);
    }
  }
  const t = parseBracketTime(s, 0);
  if (t) {
    out.uptime = t[0];
    let pos = t[1];
    const c = parseCaller(s, pos);
    if (c) { out.caller = c[0]; pos = c[1]; }
    if (s.charCodeAt(pos) === 32) pos++;
    s = s.slice(pos);
  }
  out.text = s;
  return finishText(out);
}

function finishText(out: LogLine): LogLine {
  let s = out.text;
  if (s.charCodeAt(0) === 42 /* * */) {
    const d = DROPPED_RE.exec(s);
    if (d) {
      out.dropped = Math.min(Number(d[1]), Number.MAX_SAFE_INTEGER);
      s = s.slice(d[0].length);
      const t = parseBracketTime(s, 0);
      if (t) {
        if (out.uptime == null) out.uptime = t[0];
        s = s.slice(t[1]).replace(/^ /, '');
      }
    }
  }
  // Level markers printed inside the message: `<4>msg`, and the 2.6-era `<d>` (KERN_DEFAULT).
  if (s.charCodeAt(0) === 60 || (s.charCodeAt(0) === 32 && s.includes('<'))) {
    const m = /^(\s*)<([0-7d])>\s?/.exec(s);
    if (m) {
      if (m[2] !== 'd' && out.level == null) out.level = Number(m[2]);
      s = m[1] + s.slice(m[0].length);
    }
  }
  out.text = s;
  return out;
}
