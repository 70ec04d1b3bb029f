// Line normalisation: strips the log prefix of one line (dmesg, dmesg -T, syslog/messages, RFC 5424,
// journalctl short/short-precise/short-iso/short-monotonic, serial `<N>` levels, `[T123]`/`[C1]` caller ids,
// the 2.6-era `<d>` marker, `** N printk messages dropped **`) and keeps what the prefix said.
// Formats are detected per line, so concatenated or mixed files work. The common dmesg prefix is parsed
// by hand (no regex) because it is on almost every line of a big log.

export type LineFormat =
  | 'dmesg' | 'dmesg-T' | 'syslog' | 'syslog-iso' | 'rfc5424' | 'journalctl-monotonic' | 'serial' | 'plain';

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
  /^([A-Za-z]{3}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)(\.\d{1,9})? (\S+) (?:([A-Za-z]+\.[A-Za-z]+) )?([^\s:[]+)(?:\[(\d+)\])?: ?/;
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
  const out: LogLine = {
    line: lineNo, raw, text: raw, uptime: null, wallclock: null, level: null, caller: null, hostname: null,
    kernel: true, dropped: 0, format: 'plain',
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
    const m = SYSLOG_ISO_RE.exec(s);
    if (!m) return null;
    out.format = 'syslog-iso';
    out.wallclock = m[1]!.replace(' ', 'T').replace(',', '.');
    out.hostname = m[2]!;
    out.kernel = m[4]!.toLowerCase() === 'kernel';
    return embedded(out, s.slice(m[0].length));
  }
  const m = SYSLOG_RE.exec(s);
  if (!m || !MONTHS[m[1]!.toLowerCase()]) return null;
  out.format = 'syslog';
  out.wallclock = isoFromSyslog(m[1]!, m[2]!, m[3]!, m[4], opts.year ?? new Date().getUTCFullYear());
  out.hostname = m[5]!;
  out.kernel = m[7]!.toLowerCase() === 'kernel' || m[7] === 'vmunix';
  return embedded(out, s.slice(m[0].length));
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
