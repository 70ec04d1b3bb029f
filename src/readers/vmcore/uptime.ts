// Uptime, load average and memory size from the dump:
//  - uptime: the timekeeper's CLOCK_BOOTTIME at its last update, `tk_core.timekeeper.tkr_mono.base +
//    offs_boot` (ns; independent of HZ, which the dump does not record);
//  - load average: `avenrun[3]`, fixed point with FSHIFT 11, printed as the kernel's /proc/loadavg does;
//  - memory: `_totalram_pages` (pages the buddy allocator manages) and the nodes' present pages
//    (`node_data[n]->node_present_pages`, what crash's MEMORY line counts).
import type { KernelContext } from './kernel.js';

export interface SystemStats {
  uptimeNs: bigint | null;
  loadAverage: [string, string, string] | null;
  totalRamPages: bigint | null;
  presentPages: bigint | null;
  pageSize: number;
}

const FSHIFT = 11n;
const FIXED_1 = 1n << FSHIFT;

/** The kernel's LOAD_INT.LOAD_FRAC(x + FIXED_1/200) (fs/proc/loadavg.c). */
export function loadString(v: bigint): string {
  const x = v + FIXED_1 / 200n;
  const int = x >> FSHIFT;
  const frac = ((x & (FIXED_1 - 1n)) * 100n) >> FSHIFT;
  return `${int}.${frac.toString().padStart(2, '0')}`;
}

export function readStats(k: KernelContext): SystemStats {
  const out: SystemStats = { uptimeNs: null, loadAverage: null, totalRamPages: null, presentPages: null, pageSize: k.dump.mem.pageSize };
  const tk = k.sym('tk_core');
  if (tk !== null) {
    try {
      // tk_core is an anonymous struct { seqcount_raw_spinlock_t seq; struct timekeeper timekeeper; }.
      const seq = k.size('seqcount_raw_spinlock_t');
      const tkOff = BigInt(Math.ceil(seq / 8) * 8);
      const base = k.u64(tk + tkOff + BigInt(k.off('timekeeper', 'tkr_mono.base')), 'tk_core.timekeeper.tkr_mono.base');
      const boot = k.u64(tk + tkOff + BigInt(k.off('timekeeper', 'offs_boot')), 'tk_core.timekeeper.offs_boot');
      const ns = base + boot;
      if (ns >= 0n && ns < 1n << 62n) out.uptimeNs = ns;
    } catch (e) {
      k.gap(`uptime: ${(e as Error).message}`);
    }
  } else k.gap('uptime: kallsyms has no symbol tk_core');
  const av = k.sym('avenrun');
  if (av !== null) {
    try {
      const b = k.bytes(av, 24, 'avenrun');
      out.loadAverage = [loadString(b.readBigUInt64LE(0)), loadString(b.readBigUInt64LE(8)), loadString(b.readBigUInt64LE(16))];
    } catch (e) {
      k.gap(`load average: ${(e as Error).message}`);
    }
  }
  const tr = k.sym('_totalram_pages') ?? k.sym('totalram_pages');
  if (tr !== null) {
    try {
      out.totalRamPages = k.u64(tr, '_totalram_pages');
    } catch (e) {
      k.gap(`memory: ${(e as Error).message}`);
    }
  }
  const nd = k.sym('node_data');
  const presentOff = k.optOff('pglist_data', 'node_present_pages');
  if (nd !== null && presentOff !== null) {
    let sum = 0n;
    let seen = 0;
    for (let n = 0; n < 1024; n++) {
      let p: bigint;
      try {
        p = k.u64(nd + BigInt(n * 8), `node_data[${n}]`);
      } catch {
        break;
      }
      if (p === 0n) continue;
      try {
        sum += k.u64(p + BigInt(presentOff), `node_data[${n}]->node_present_pages`);
        seen++;
      } catch (e) {
        k.gap(`memory: ${(e as Error).message}`);
      }
    }
    if (seen) out.presentPages = sum;
  }
  return out;
}

/** `00:00:19`, `1 days, 02:03:04` as crash prints UPTIME. */
export function formatUptime(ns: bigint): string {
  let s = ns / 1_000_000_000n;
  const d = s / 86400n;
  s %= 86400n;
  const hms = [s / 3600n, (s / 60n) % 60n, s % 60n].map((v) => v.toString().padStart(2, '0')).join(':');
  return d > 0n ? `${d} days, ${hms}` : hms;
}
