// Per-CPU kernel state: the number of possible CPUs (`nr_cpu_ids`), each CPU's current task
// (`__per_cpu_offset[cpu] + current_task`; 6.2+ `pcpu_hot.current_task`), and its runqueue's `curr` and
// `idle` tasks (`runqueues`, a percpu `struct rq`). The idle tasks of CPUs other than 0 are not on the
// `init_task.tasks` list: this is where they are found.
import { type KernelContext, MissingLayout } from './kernel.js';

export interface CpuTasks {
  cpu: number;
  /** task_struct address the CPU's `current` pointed to at the dump; null when unreadable. */
  current: bigint | null;
  /** The runqueue's `curr` (may differ from `current` on a CPU that was switching tasks). */
  rqCurr: bigint | null;
  /** The runqueue's idle task (`swapper/N`). */
  idle: bigint | null;
}

export const MAX_CPUS = 8192;

export function cpuCount(k: KernelContext, fallback: number | null): number {
  const a = k.sym('nr_cpu_ids');
  if (a !== null) {
    try {
      const n = k.u32(a, 'nr_cpu_ids');
      if (n >= 1 && n <= MAX_CPUS) return n;
      k.gap(`nr_cpu_ids is ${n}: not a CPU count`);
    } catch (e) {
      k.gap((e as Error).message);
    }
  }
  return Math.min(Math.max(fallback ?? 1, 1), MAX_CPUS);
}

/** The current task pointer's percpu address: `current_task` (<= 6.1) or `pcpu_hot.current_task` (6.2+). */
function currentSlot(k: KernelContext): bigint {
  const ct = k.sym('current_task');
  if (ct !== null) return ct;
  const hot = k.sym('pcpu_hot');
  if (hot !== null) return hot + BigInt(k.off('pcpu_hot', 'current_task'));
  throw new MissingLayout('kallsyms has neither current_task nor pcpu_hot');
}

export function readCpuTasks(k: KernelContext, nrCpus: number): CpuTasks[] {
  const out: CpuTasks[] = [];
  let slot: bigint | null = null;
  try {
    slot = currentSlot(k);
  } catch (e) {
    k.gap(`per-CPU current task: ${(e as Error).message}`);
  }
  const rq = k.sym('runqueues');
  let currOff: number | null = null;
  let idleOff: number | null = null;
  if (rq === null) k.gap('per-CPU runqueues: kallsyms has no symbol runqueues');
  else {
    currOff = k.optOff('rq', 'curr');
    idleOff = k.optOff('rq', 'idle');
    if (currOff === null || idleOff === null) k.gap('per-CPU runqueues: BTF has no struct rq with curr and idle');
  }
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    const c: CpuTasks = { cpu, current: null, rqCurr: null, idle: null };
    const read = (what: string, va: () => bigint): bigint | null => {
      try {
        const v = k.u64(va(), what);
        return v === 0n ? null : v;
      } catch (e) {
        k.gap(`CPU ${cpu} ${what}: ${(e as Error).message}`);
        return null;
      }
    };
    if (slot !== null) c.current = read('current task', () => k.perCpu(cpu, slot!));
    if (rq !== null && currOff !== null && idleOff !== null) {
      c.rqCurr = read('runqueues.curr', () => k.perCpu(cpu, rq) + BigInt(currOff!));
      c.idle = read('runqueues.idle', () => k.perCpu(cpu, rq) + BigInt(idleOff!));
    }
    out.push(c);
  }
  return out;
}
