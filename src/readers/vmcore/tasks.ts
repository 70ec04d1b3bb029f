// Tasks from the kernel's own list (`init_task.tasks`, every thread group leader; the threads of each
// group from `signal->thread_head`/`thread_node` when the layout has them), plus the per-CPU idle tasks
// that are not on the list (`runqueues.idle` of CPUs > 0). State letters follow the kernel's
// __task_state_index() (fs/proc/array.c): (__state | exit_state) & TASK_REPORT, TASK_IDLE (0x402) is `I`,
// not `D`; TASK_RTLOCK_WAIT is reported as `D`. crash's two-letter names are kept beside them.
import { type KernelContext, hex } from './kernel.js';
import type { CpuTasks } from './percpu.js';

export interface KernelTask {
  /** task_struct address. */
  address: bigint;
  pid: number;
  tgid: number;
  comm: string;
  /** Raw `__state` (or `state` before 5.14) and `exit_state`. */
  rawState: number;
  exitState: number;
  /** ps letter: R S D T t X Z P I. */
  state: string;
  /** crash's ps name: RU IN UN ST TR DE ZO PA ID. */
  crashState: string;
  cpu: number | null;
  /** Running on a CPU at the dump (the CPU's current task): crash's `>` mark. */
  active: boolean;
  parent: bigint | null;
  ppid: number | null;
  kernelThread: boolean;
  /** Saved kernel stack pointer (`thread.sp`) and stack base (`stack`), for the unwinder. */
  sp: bigint | null;
  stack: bigint | null;
  /** How the task was found: the tasks list, a thread group, or a runqueue's idle task. */
  foundBy: 'tasks-list' | 'thread-group' | 'idle';
}

const LETTERS = 'RSDTtXZPI';
const CRASH_NAMES = ['RU', 'IN', 'UN', 'ST', 'TR', 'DE', 'ZO', 'PA', 'ID'];
const TASK_REPORT = 0x7f;
const TASK_IDLE = 0x402;
const TASK_RTLOCK_WAIT = 0x1000;
const PF_KTHREAD = 0x00200000;
export const MAX_TASKS = 1 << 20;

/** The kernel's __task_state_index(): 0 R, 1 S, 2 D, 3 T, 4 t, 5 X, 6 Z, 7 P, 8 I. */
export function taskStateIndex(rawState: number, exitState: number): number {
  let s = ((rawState | exitState) & TASK_REPORT) >>> 0;
  if (rawState === TASK_IDLE) s = TASK_REPORT + 1;
  else if (rawState === TASK_RTLOCK_WAIT) s = 2;
  return s === 0 ? 0 : 32 - Math.clz32(s);
}

export function stateLetter(rawState: number, exitState: number): { state: string; crashState: string } {
  const i = taskStateIndex(rawState, exitState);
  return { state: LETTERS[i] ?? '?', crashState: CRASH_NAMES[i] ?? '??' };
}

interface Layout {
  tasks: number; pid: number; tgid: number; comm: number; state: number; exitState: number | null; parent: number;
  cpu: number | null; flags: number | null; sp: number | null; stack: number | null;
  signal: number | null; threadHead: number | null; threadNode: number | null;
}

function layout(k: KernelContext): Layout {
  const T = 'task_struct';
  return {
    tasks: k.off(T, 'tasks'),
    pid: k.off(T, 'pid'),
    tgid: k.off(T, 'tgid'),
    comm: k.off(T, 'comm'),
    state: k.optOff(T, '__state') ?? k.off(T, 'state'),
    exitState: k.optOff(T, 'exit_state'),
    parent: k.off(T, 'real_parent'),
    cpu: k.optOff(T, 'thread_info.cpu') ?? k.optOff(T, 'cpu'),
    flags: k.optOff(T, 'flags'),
    sp: k.optOff(T, 'thread.sp'),
    stack: k.optOff(T, 'stack'),
    signal: k.optOff(T, 'signal'),
    threadHead: k.optOff('signal_struct', 'thread_head'),
    threadNode: k.optOff(T, 'thread_node'),
  };
}

function readTask(k: KernelContext, L: Layout, a: bigint, foundBy: KernelTask['foundBy']): KernelTask {
  const what = `task_struct ${hex(a)}`;
  const rawState = k.u32(a + BigInt(L.state), `${what} __state`);
  const exitState = L.exitState !== null ? k.u32(a + BigInt(L.exitState), `${what} exit_state`) : 0;
  const { state, crashState } = stateLetter(rawState, exitState);
  const opt = (o: number | null, f: (va: bigint) => bigint | number): bigint | number | null => {
    if (o === null) return null;
    try {
      return f(a + BigInt(o));
    } catch {
      return null;
    }
  };
  const flags = opt(L.flags, (va) => k.u32(va, `${what} flags`)) as number | null;
  return {
    address: a,
    pid: k.i32(a + BigInt(L.pid), `${what} pid`),
    tgid: k.i32(a + BigInt(L.tgid), `${what} tgid`),
    comm: k.cstr(a + BigInt(L.comm), 16, `${what} comm`),
    rawState, exitState, state, crashState,
    cpu: opt(L.cpu, (va) => k.u32(va, `${what} cpu`)) as number | null,
    active: false,
    parent: (opt(L.parent, (va) => k.u64(va, `${what} real_parent`)) as bigint | null) || null,
    ppid: null,
    kernelThread: flags !== null && (flags & PF_KTHREAD) !== 0,
    sp: opt(L.sp, (va) => k.u64(va, `${what} thread.sp`)) as bigint | null,
    stack: opt(L.stack, (va) => k.u64(va, `${what} stack`)) as bigint | null,
    foundBy,
  };
}

/**
 * Every task the kernel's structures hold: the `init_task.tasks` list (with each group's threads) and the
 * idle tasks of the runqueues. Sorted like crash's ps: by pid, idle tasks by CPU.
 */
export function readTasks(k: KernelContext, cpus: CpuTasks[]): KernelTask[] {
  let L: Layout;
  let init: bigint;
  try {
    L = layout(k);
    init = k.needSym('init_task');
  } catch (e) {
    k.gap(`tasks: ${(e as Error).message}`);
    return [];
  }
  const byAddr = new Map<bigint, KernelTask>();
  const add = (a: bigint, how: KernelTask['foundBy']): void => {
    if (byAddr.has(a) || byAddr.size >= MAX_TASKS) return;
    try {
      byAddr.set(a, readTask(k, L, a, how));
    } catch (e) {
      k.gap(`tasks: ${(e as Error).message}`);
    }
  };
  add(init, 'tasks-list');
  const leaders: bigint[] = [];
  for (const t of k.list(init + BigInt(L.tasks), L.tasks, 'init_task.tasks', MAX_TASKS)) {
    add(t, 'tasks-list');
    leaders.push(t);
  }
  if (L.signal !== null && L.threadHead !== null && L.threadNode !== null) {
    for (const lead of leaders) {
      if (k.timedOut()) break;
      const tk = byAddr.get(lead);
      if (!tk || tk.kernelThread) continue;
      let sig: bigint;
      try {
        sig = k.u64(lead + BigInt(L.signal), `task_struct ${hex(lead)} signal`);
      } catch {
        continue;
      }
      if (sig === 0n) continue;
      for (const th of k.list(sig + BigInt(L.threadHead), L.threadNode, `thread group of pid ${tk.pid}`, 65_536)) add(th, 'thread-group');
    }
  }
  for (const c of cpus) if (c.idle !== null) add(c.idle, 'idle');
  for (const c of cpus) {
    const cur = c.current !== null ? byAddr.get(c.current) : undefined;
    if (c.current !== null && !cur) add(c.current, 'idle');
    const t = c.current !== null ? byAddr.get(c.current) : undefined;
    if (t) {
      t.active = true;
      t.cpu = c.cpu;
    }
  }
  for (const t of byAddr.values()) {
    const p = t.parent !== null ? byAddr.get(t.parent) : undefined;
    t.ppid = p ? p.pid : t.address === init ? 0 : null;
    if (t.foundBy === 'idle') t.ppid = 0;
  }
  return [...byAddr.values()].sort((a, b) => a.pid - b.pid || (a.cpu ?? 0) - (b.cpu ?? 0));
}
