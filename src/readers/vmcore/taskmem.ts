// A task's memory use as crash's `ps` shows it (VSZ, RSS, %MEM; crash's get_task_mem_usage()), from the
// BTF layout of mm_struct:
//  - VSZ: `mm->total_vm` pages;
//  - RSS: the file, anon and shmem counters (MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES; MM_SWAPENTS
//    counts swap entries, not RSS), their indices from the BTF's enum (mmCounters()), each only when
//    positive: <= 6.1 `mm->rss_stat.count[i]` (atomic_long_t) plus, with SPLIT_RSS_COUNTING
//    (`task_struct.rss_stat` present), every thread's not yet folded `rss_stat.count[i]` of the thread
//    group; 6.2+ `mm->rss_stat[i]` percpu_counters (count plus each possible CPU's delta);
//  - kernel threads (no mm) and zombies: 0, as crash prints them.
// A task whose mm cannot be read is left out of the map (its row says unknown), never guessed.
import { type KernelContext, type TypeLayout, hex } from './kernel.js';
import type { KernelTask } from './tasks.js';

export interface TaskMemory {
  mm: bigint | null;
  /** Pages. */
  totalVm: bigint;
  rss: bigint;
  /** The MM_SHMEMPAGES part of rss (crash before 8.0.4 left it out: its commit 69f38d7). */
  shmem: bigint;
}

export interface TaskMemoryResult {
  byTask: Map<bigint, TaskMemory>;
  /** How RSS was counted, or null when the layout is not known (user tasks' values unknown). */
  method: string | null;
}

/** The rss counters' indices in the mm's and the task's rss_stat arrays, and the array's length. */
export interface MmCounters {
  file: number;
  anon: number;
  /** Null on kernels before 4.5 (no MM_SHMEMPAGES). */
  shmem: number | null;
  /** NR_MM_COUNTERS. */
  nr: number;
  /** Where the indices came from. */
  from: 'btf' | 'fallback';
}

/**
 * The indices from the BTF's enum (`enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES,
 * NR_MM_COUNTERS }`, include/linux/mm_types_task.h). Gap-free fallback, only when the BTF has no such enum
 * (a BTF without it, a types file without enums): the values the enum has had since 4.5 (0, 1, 2, 3; 4
 * counters), not a guess at an unknown kernel's, so no gap is named.
 */
export function mmCounters(types: TypeLayout): MmCounters {
  const v = (n: string): number | null => {
    const x = types.enumValue?.(n) ?? null;
    return x === null || x < 0n || x > 15n ? null : Number(x);
  };
  const file = v('MM_FILEPAGES');
  const anon = v('MM_ANONPAGES');
  if (file === null || anon === null) return { file: 0, anon: 1, shmem: 3, nr: 4, from: 'fallback' };
  const shmem = v('MM_SHMEMPAGES');
  const nr = v('NR_MM_COUNTERS') ?? Math.max(file, anon, shmem ?? 0, v('MM_SWAPENTS') ?? 0) + 1;
  return { file, anon, shmem, nr, from: 'btf' };
}

const EXIT_ZOMBIE = 0x20;

interface Layout {
  mm: number;
  totalVm: number;
  /** <= 6.1: offset of mm_struct.rss_stat.count (8-byte atomic_long_t each). */
  mmCount: number | null;
  /** 6.2+: offset of mm_struct.rss_stat, percpu_counter size, its count and counters members. */
  pcpu: { base: number; size: number; count: number; counters: number } | null;
  /** SPLIT_RSS_COUNTING: task_struct.rss_stat.count (int each). */
  taskCount: number | null;
  counters: MmCounters;
}

function layout(k: KernelContext): Layout | string {
  const mm = k.optOff('task_struct', 'mm');
  const totalVm = k.optOff('mm_struct', 'total_vm');
  if (mm === null || totalVm === null) return 'BTF has no task_struct.mm or mm_struct.total_vm';
  const old = k.types.sizeOf('mm_rss_stat') !== null ? k.optOff('mm_struct', 'rss_stat.count') : null;
  let pcpu: Layout['pcpu'] = null;
  if (old === null) {
    const base = k.optOff('mm_struct', 'rss_stat');
    const size = k.types.sizeOf('percpu_counter');
    const count = k.optOff('percpu_counter', 'count');
    const counters = k.optOff('percpu_counter', 'counters');
    if (base === null || size === null || count === null || counters === null) return 'BTF has neither mm_rss_stat nor percpu_counter rss_stat';
    pcpu = { base, size, count, counters };
  }
  return { mm, totalVm, mmCount: old, pcpu, taskCount: k.optOff('task_struct', 'rss_stat.count'), counters: mmCounters(k.types) };
}

/** The counters RSS adds up, inside the array. */
function rssIndices(c: MmCounters): number[] {
  return [c.file, c.anon, ...(c.shmem !== null ? [c.shmem] : [])].filter((i) => i < c.nr);
}

function i64(b: Buffer, off: number): bigint {
  return b.readBigInt64LE(off);
}

function mmRss(k: KernelContext, L: Layout, mm: bigint, nrCpus: number): { rss: bigint; shmem: bigint } {
  let rss = 0n;
  let shmem = 0n;
  const C = L.counters;
  for (const i of rssIndices(C)) {
    let v: bigint;
    if (L.mmCount !== null) v = i64(k.bytes(mm + BigInt(L.mmCount + i * 8), 8, `mm_struct ${hex(mm)} rss_stat`), 0);
    else {
      const fbc = mm + BigInt(L.pcpu!.base + i * L.pcpu!.size);
      v = i64(k.bytes(fbc + BigInt(L.pcpu!.count), 8, `mm_struct ${hex(mm)} rss_stat[${i}].count`), 0);
      const counters = k.u64(fbc + BigInt(L.pcpu!.counters), `mm_struct ${hex(mm)} rss_stat[${i}].counters`);
      if (counters !== 0n) for (let c = 0; c < nrCpus; c++) v += BigInt(k.i32(k.perCpu(c, counters), `rss_stat[${i}] CPU ${c}`));
    }
    if (v > 0n) {
      rss += v;
      if (i === C.shmem) shmem += v;
    }
  }
  return { rss, shmem };
}

export function readTaskMemory(k: KernelContext, tasks: KernelTask[], nrCpus: number): TaskMemoryResult {
  const L = layout(k);
  const byTask = new Map<bigint, TaskMemory>();
  if (typeof L === 'string') {
    k.gap(`task memory (VSZ/RSS): ${L}`);
    return { byTask, method: null };
  }
  const mms = new Map<bigint, bigint>();
  for (const t of tasks) {
    try {
      mms.set(t.address, k.u64(t.address + BigInt(L.mm), `task_struct ${hex(t.address)} mm`));
    } catch (e) {
      k.gap(`task memory: ${(e as Error).message}`);
    }
  }
  // SPLIT_RSS_COUNTING: the per-thread deltas not yet folded into the mm, summed per thread group.
  const groupDelta = new Map<number, { rss: bigint; shmem: bigint }>();
  if (L.taskCount !== null) {
    for (const t of tasks) {
      if (!mms.get(t.address)) continue;
      try {
        const b = k.bytes(t.address + BigInt(L.taskCount), L.counters.nr * 4, `task_struct ${hex(t.address)} rss_stat`);
        const d = groupDelta.get(t.tgid) ?? { rss: 0n, shmem: 0n };
        for (const i of rssIndices(L.counters)) {
          const v = b.readInt32LE(i * 4);
          if (v > 0) {
            d.rss += BigInt(v);
            if (i === L.counters.shmem) d.shmem += BigInt(v);
          }
        }
        groupDelta.set(t.tgid, d);
      } catch {
        /* crash skips an unreadable thread too */
      }
    }
  }
  const perMm = new Map<bigint, { totalVm: bigint; rss: bigint; shmem: bigint } | null>();
  for (const t of tasks) {
    if (!mms.has(t.address)) continue;
    const mm = mms.get(t.address)!;
    if (mm === 0n || (t.exitState & EXIT_ZOMBIE) !== 0) {
      byTask.set(t.address, { mm: mm || null, totalVm: 0n, rss: 0n, shmem: 0n });
      continue;
    }
    let m = perMm.get(mm);
    if (m === undefined) {
      try {
        m = { totalVm: k.u64(mm + BigInt(L.totalVm), `mm_struct ${hex(mm)} total_vm`), ...mmRss(k, L, mm, nrCpus) };
      } catch (e) {
        k.gap(`task memory: ${(e as Error).message}`);
        m = null;
      }
      perMm.set(mm, m);
    }
    const d = groupDelta.get(t.tgid);
    if (m) byTask.set(t.address, { mm, totalVm: m.totalVm, rss: m.rss + (d?.rss ?? 0n), shmem: m.shmem + (d?.shmem ?? 0n) });
  }
  const method = L.mmCount !== null ? `mm_struct.rss_stat.count${L.taskCount !== null ? ' + task_struct.rss_stat (SPLIT_RSS_COUNTING)' : ''}` : 'mm_struct.rss_stat percpu_counters';
  return { byTask, method };
}
