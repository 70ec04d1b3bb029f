// The log as `makedumpfile --dump-dmesg` prints it (makedumpfile.c dump_log_entry(), printk.c
// dump_record()): "[%5lld.%06ld] " then the text byte by byte: '\n' becomes a newline plus as many
// spaces as the prefix is long, isprint() or isspace() bytes are copied, anything else is printed as
// "\x%02x" of a *signed* char (x86 makedumpfile: bytes >= 0x80 come out as \xffffffNN), and a newline
// ends each record. makedumpfile 1.7.2 (the lab's) prints no caller id; newer versions print
// "[%8s] " with T<pid>/C<cpu> after the time when VMCOREINFO has printk_info.caller_id.
import { type KernelLog, type LogRecord } from './printk.js';

export interface FormatOptions {
  /** Print caller ids as makedumpfile >= 1.7.3 does. */
  callerId?: boolean;
}

const HEX = '0123456789abcdef';
/** Bytes makedumpfile does not copy as they are: not isprint() and not isspace(), or a newline. */
const SPECIAL = /[^\x20-\x7e\t\x0b\x0c\r]/;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** "[%5lld.%06ld] " of a time stamp in nanoseconds (number arithmetic while exact: it runs once a record). */
function timePrefix(ns: bigint): string {
  let secs: number | bigint;
  let rem: number;
  if (ns >= 0n && ns <= MAX_SAFE) {
    const n = Number(ns);
    secs = Math.floor(n / 1e9);
    rem = n - secs * 1e9; // exact: both are integers below 2^53
    if (rem < 0) {
      secs--;
      rem += 1e9;
    } else if (rem >= 1e9) {
      secs++;
      rem -= 1e9;
    }
  } else {
    secs = ns / 1000000000n;
    rem = Number(ns % 1000000000n);
  }
  return `[${String(secs).padStart(5, ' ')}.${String(Math.floor(rem / 1000)).padStart(6, '0')}] `;
}

export function formatRecord(r: LogRecord, opts: FormatOptions = {}): string {
  let prefix = timePrefix(r.tsNsec);
  if (opts.callerId && r.callerId !== null) {
    const cid = r.callerId >>> 0;
    const s = `${cid & 0x80000000 ? 'C' : 'T'}${(cid & 0x7fffffff) >>> 0}`;
    prefix += `[${s.padStart(8, ' ')}] `;
  }
  const t = r.text;
  const plain = t.toString('latin1');
  // Most records hold only printable ASCII: copied as they are.
  if (!SPECIAL.test(plain)) return prefix + plain + '\n';
  const indent = '\n' + ' '.repeat(prefix.length);
  const parts: string[] = [prefix];
  let runStart = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d && c !== 0x0a)) continue;
    if (i > runStart) parts.push(t.toString('latin1', runStart, i));
    if (c === 0x0a) parts.push(indent);
    else if (c >= 0x80) parts.push(`\\xffffff${HEX[c >> 4]}${HEX[c & 15]}`);
    else parts.push(`\\x${HEX[c >> 4]}${HEX[c & 15]}`);
    runStart = i + 1;
  }
  if (t.length > runStart) parts.push(t.toString('latin1', runStart));
  parts.push('\n');
  return parts.join('');
}

/** The whole log as makedumpfile prints it, as bytes (the plain log_buf of old kernels is copied raw). */
export function formatLog(log: KernelLog, opts: FormatOptions = {}): Buffer {
  if (log.plain) return log.plain;
  const chunks: string[] = [];
  for (const r of log.records) chunks.push(formatRecord(r, opts));
  return Buffer.from(chunks.join(''), 'latin1');
}
