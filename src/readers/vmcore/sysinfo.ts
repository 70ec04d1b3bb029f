// What crash's `sys` prints beside the kernel objects, read from the dump without debuginfo:
//  - CPUs present and online (`__cpu_present_mask`, `__cpu_online_mask`: panic() takes the other CPUs
//    offline when no kdump kernel is loaded, crash's `[OFFLINE: n]`);
//  - the processor speed (`cpu_khz`, crash's `(2445 Mhz)`);
//  - uptime as crash counts it: `jiffies_64` less INITIAL_JIFFIES, over HZ. HZ is not in the dump (crash
//    takes it from debuginfo); it is the common value (100, 250, 300, 1000) whose jiffies-based uptime is
//    nearest the timekeeper's CLOCK_BOOTTIME, and null when they disagree by more than 10 %;
//  - the pages crash's %MEM divides by (`high_memory` as a page frame number, crash's vt->total_pages);
//  - the panic message as crash finds it: the first log line holding one of crash's panic strings, tried
//    in crash's order (task.c panic_msg[]), `Oops: ` messages marked "(check log for details)"; then the
//    6.1 GPF line crash 8.0.2 misses.
import type { KernelContext } from './kernel.js';
import type { LogRecord } from './printk.js';

export interface SysInfo {
  cpusPresent: number | null;
  cpusOnline: number | null;
  mhz: number | null;
  jiffies: bigint | null;
  hz: number | null;
  /** Seconds since boot by jiffies (crash's UPTIME), null when HZ could not be told. */
  uptimeSeconds: bigint | null;
  /** high_memory's page frame number: the pages crash's %MEM divides by. */
  highMemoryPages: bigint | null;
  /** The timekeeper's wall clock at its last update (`tk_core.timekeeper.xtime_sec`, crash's DATE). */
  xtimeSec: bigint | null;
}

const HZ_CANDIDATES = [100, 250, 300, 1000];
const MAX_MASK_BYTES = 1024;

function popcount(b: Buffer): number {
  let n = 0;
  for (const byte of b) {
    let x = byte;
    while (x) {
      n += x & 1;
      x >>= 1;
    }
  }
  return n;
}

function cpuMask(k: KernelContext, name: string, nrCpus: number): number | null {
  const a = k.sym(name);
  if (a === null) {
    k.gap(`sys: kallsyms has no symbol ${name}`);
    return null;
  }
  const bytes = Math.min(MAX_MASK_BYTES, Math.ceil(Math.max(nrCpus, 1) / 64) * 8);
  try {
    const b = k.bytes(a, bytes, name);
    // Bits past nr_cpu_ids are never set by the kernel; count only the first nrCpus.
    const full = Math.floor(nrCpus / 8);
    let n = popcount(b.subarray(0, full));
    if (nrCpus % 8 && full < b.length) n += popcount(Buffer.from([b[full]! & ((1 << (nrCpus % 8)) - 1)]));
    return n;
  } catch (e) {
    k.gap(`sys: ${(e as Error).message}`);
    return null;
  }
}

/** jiffies since boot: jiffies_64 - INITIAL_JIFFIES, INITIAL_JIFFIES = (unsigned long)(unsigned int)(-300*HZ). */
export function jiffiesSinceBoot(jiffies64: bigint, hz: number): bigint {
  const initial = (1n << 32n) - BigInt(300 * hz);
  return (jiffies64 - initial) & ((1n << 64n) - 1n);
}

/** The HZ whose jiffies count agrees with the timekeeper's uptime (within 10 %), else null. */
export function guessHz(jiffies64: bigint, uptimeNs: bigint | null): number | null {
  if (uptimeNs === null || uptimeNs <= 0n) return null;
  const up = Number(uptimeNs) / 1e9;
  let best: { hz: number; err: number } | null = null;
  for (const hz of HZ_CANDIDATES) {
    const j = jiffiesSinceBoot(jiffies64, hz);
    if (j > 1n << 53n) continue;
    const err = Math.abs(Number(j) / hz - up) / Math.max(up, 1);
    if (!best || err < best.err) best = { hz, err };
  }
  return best && best.err <= 0.1 ? best.hz : null;
}

/** crash's get_xtime(): tk_core.timekeeper.xtime_sec (tk_core: a seqcount, then the timekeeper, 8-aligned). */
export function readXtime(k: KernelContext): bigint | null {
  const tk = k.sym('tk_core');
  const seq = k.types.sizeOf('seqcount_raw_spinlock_t');
  const off = k.optOff('timekeeper', 'xtime_sec');
  if (tk === null || seq === null || off === null) {
    k.gap('DATE: no tk_core, seqcount_raw_spinlock_t or timekeeper.xtime_sec');
    return null;
  }
  try {
    const v = k.u64(tk + BigInt(Math.ceil(seq / 8) * 8 + off), 'tk_core.timekeeper.xtime_sec');
    return v > 0n && v < 1n << 40n ? v : null;
  } catch (e) {
    k.gap(`DATE: ${(e as Error).message}`);
    return null;
  }
}

/** high_memory as a page frame number (crash's vt->total_pages, what %MEM divides by), null when unreadable. */
export function readHighMemoryPages(k: KernelContext): bigint | null {
  const hm = k.sym('high_memory');
  if (hm === null) {
    k.gap('kallsyms has no symbol high_memory (%MEM unknown)');
    return null;
  }
  try {
    const v = k.u64(hm, 'high_memory');
    const pob = k.sym('page_offset_base');
    const base = pob !== null ? k.u64(pob, 'page_offset_base') : 0xffff888000000000n;
    return v > base ? (v - base) / BigInt(k.dump.mem.pageSize) : null;
  } catch (e) {
    k.gap(`%MEM: ${(e as Error).message}`);
    return null;
  }
}

export function readSysInfo(k: KernelContext, nrCpus: number, uptimeNs: bigint | null): SysInfo {
  const out: SysInfo = {
    cpusPresent: cpuMask(k, '__cpu_present_mask', nrCpus),
    cpusOnline: cpuMask(k, '__cpu_online_mask', nrCpus),
    mhz: null, jiffies: null, hz: null, uptimeSeconds: null, highMemoryPages: null, xtimeSec: readXtime(k),
  };
  const khz = k.sym('cpu_khz');
  if (khz !== null) {
    try {
      const v = k.u32(khz, 'cpu_khz');
      if (v > 0) out.mhz = Math.floor(v / 1000);
    } catch (e) {
      k.gap(`sys: ${(e as Error).message}`);
    }
  }
  const j = k.sym('jiffies_64') ?? k.sym('jiffies');
  if (j !== null) {
    try {
      out.jiffies = k.u64(j, 'jiffies_64');
      out.hz = guessHz(out.jiffies, uptimeNs);
      if (out.hz !== null) out.uptimeSeconds = jiffiesSinceBoot(out.jiffies, out.hz) / BigInt(out.hz);
      else k.gap('sys: HZ is not in the dump and the jiffies count agrees with no common HZ: uptime from the timekeeper');
    } catch (e) {
      k.gap(`sys: ${(e as Error).message}`);
    }
  }
  out.highMemoryPages = readHighMemoryPages(k);
  return out;
}

/** crash's panic strings in the order it tries them (task.c panic_msg[]). */
export const CRASH_PANIC_STRINGS = [
  'SysRq : Crash', 'SysRq : Trigger a crash', 'SysRq : Netdump', 'Kernel panic: ', 'Kernel panic - ', 'Kernel BUG at',
  'kernel BUG at', 'Unable to handle kernel paging request', 'Unable to handle kernel NULL pointer dereference',
  'BUG: unable to handle kernel ', 'general protection fault: ', 'double fault: ', 'divide error: ', 'stack segment: ',
  '[Hardware Error]: ', 'Bad mode in ', 'Oops: ',
];

/**
 * Tried after crash's: the 6.1 form of the GPF line (`general protection fault, probably for non-canonical
 * address ...`), which crash 8.0.2 does not know and so prints PANIC "" (lab README known fault 2).
 */
export const EXTRA_PANIC_STRINGS = ['general protection fault, '];

/** The panic message as crash's `sys` finds it in the log: the first line holding the first string found. */
export function panicMessage(records: Pick<LogRecord, 'text'>[]): string | null {
  const lines: string[] = [];
  for (const r of records) for (const l of r.text.toString('latin1').split('\n')) lines.push(l);
  for (const s of [...CRASH_PANIC_STRINGS, ...EXTRA_PANIC_STRINGS]) {
    const hit = lines.find((l) => l.includes(s));
    if (hit !== undefined) return hit.replace(/[\r\n]+$/, '');
  }
  return null;
}

/** crash's MEMORY: present bytes, rounded up to the next GiB when within 64 MiB of it, as `511.5 MB`. */
export function memorySize(presentPages: bigint, pageSize: number): string {
  let total = Number(presentPages) * pageSize;
  const GB = 1024 ** 3;
  const MB = 1024 ** 2;
  const next = Math.ceil(total / GB) * GB;
  if (next && next - total <= 64 * MB) total = next;
  if (total === 0) return '0';
  let s: string;
  if (total >= GB) s = `${printf1(total / GB)} GB`;
  else if (total >= MB) s = `${printf1(total / MB)} MB`;
  else s = `${Math.floor(total / 1024)} KB`;
  return s.replace('.0 ', ' ');
}

/**
 * C's printf("%.1f", d): the exact value of the double rounded half to even. toFixed() rounds exact ties
 * up; the only doubles exactly halfway between two tenths are odd multiples of 0.25 (x.25, x.75).
 */
export function printf1(d: number): string {
  const q = d * 4;
  if (Number.isInteger(q) && Math.abs(q) % 2 === 1) {
    const down = Math.floor(d * 10);
    const tenths = down % 2 === 0 ? down : down + 1;
    return (tenths / 10).toFixed(1);
  }
  return d.toFixed(1);
}
