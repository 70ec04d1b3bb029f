// The kernel objects of a dump in one pass, for `analyze` and the sys/ps/mod/syscalls verbs: kallsyms and
// BTF, per-CPU current/idle tasks, the task list, modules (listed and hidden, with their symbols), the
// system call table, utsname, taint, uptime/load/memory, the panic CPU and task, and strings in memory
// that no module owns. Each part that cannot be read is a Gap; the rest is still returned.
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import type { SymbolTable } from './kallsyms.js';
import { btfGaps, readBtf, readBtfFile, type Btf } from './btf.js';
import { readCoreSymbols, type KernelSources } from './symbol-files.js';
import { KernelContext, hex } from './kernel.js';
import { cpuCount, readCpuTasks, type CpuTasks } from './percpu.js';
import { readTasks, type KernelTask } from './tasks.js';
import { KernelSymbols, readModules, type KernelModule } from './modules.js';
import { readSyscallTable, type SyscallSlot } from './syscalls.js';
import { readUtsname, type Utsname } from './utsname.js';
import { readTaint, type Taint } from './taint.js';
import { readStats, type SystemStats } from './uptime.js';
import { scanStrings, type FoundString } from './strings.js';
import { phase } from './profile.js';

export interface PanicInfo {
  cpu: number | null;
  task: KernelTask | null;
  /** How the panic CPU was chosen. */
  reason: string | null;
}

export interface KernelObjects {
  symbols: KernelSymbols | null;
  btf: Btf | null;
  nrCpus: number;
  cpus: CpuTasks[];
  tasks: KernelTask[];
  modules: KernelModule[];
  syscalls: SyscallSlot[];
  uts: Utsname | null;
  taint: Taint | null;
  stats: SystemStats | null;
  panic: PanicInfo;
  /** Strings in hidden modules' memory (crash's `rd -a` over it). */
  strings: FoundString[];
  gaps: Gap[];
}

export interface ObjectOptions {
  /** What to read: everything by default; `ps` needs no syscall table, `mod` no tasks. */
  parts?: { tasks?: boolean; modules?: boolean; syscalls?: boolean; strings?: boolean };
  /** The panic CPU as the log tells it (the last `CPU: N PID: M` line), when known. */
  panicCpu?: number | null;
  panicCpuReason?: string | null;
  deadlineMs?: number;
  /** Files standing in for the dump's kallsyms or BTF (`--system-map`, `--kallsyms`, `--btf`). */
  sources?: KernelSources;
}

export function emptyObjects(gaps: Gap[]): KernelObjects {
  return {
    symbols: null, btf: null, nrCpus: 0, cpus: [], tasks: [], modules: [], syscalls: [], uts: null, taint: null, stats: null,
    panic: { cpu: null, task: null, reason: null }, strings: [], gaps,
  };
}

/** Reads the kernel objects; `core` is an already read kallsyms table (else it is read here). */
export function readKernelObjects(dump: Dump, opts: ObjectOptions = {}, core?: SymbolTable): KernelObjects {
  const gaps: Gap[] = [];
  let table = core ?? null;
  if (!table) {
    const ks = readCoreSymbols(dump, opts.sources);
    gaps.push(...ks.gaps);
    table = ks.table;
  }
  if (!table) return emptyObjects(gaps);
  const bt = opts.sources?.btf ? readBtfFile(opts.sources.btf) : readBtf(dump, table);
  phase('btf');
  gaps.push(...bt.gaps);
  if (!bt.btf) return { ...emptyObjects(gaps), symbols: new KernelSymbols(table, []) };
  const want = { tasks: true, modules: true, syscalls: true, strings: true, ...opts.parts };
  const k0 = new KernelContext(dump, table, bt.btf, { deadlineMs: opts.deadlineMs });
  const modules = want.modules || want.syscalls ? readModules(k0) : [];
  phase('modules');
  const symbols = new KernelSymbols(table, modules);
  const k = new KernelContext(dump, symbols, bt.btf, { deadlineMs: opts.deadlineMs });
  const nrCpus = cpuCount(k, dump.kdump?.nrCpus ?? (dump.notes.prstatus.length || dump.notes.qemuCpus.length || null));
  const cpus = readCpuTasks(k, nrCpus);
  const tasks = want.tasks ? readTasks(k, cpus) : [];
  phase('tasks');
  const syscalls = want.syscalls ? readSyscallTable(k, modules) : [];
  phase('syscalls');
  const strings: FoundString[] = [];
  if (want.strings) {
    for (const m of modules.filter((x) => x.hidden).slice(0, 16)) {
      strings.push(...scanStrings(k, m.base, m.size, `hidden module ${m.name ?? '?'} at ${hex(m.base)}`));
    }
  }
  // The panic CPU: the log's last CPU line, else the only CPU note with a task; its task is the CPU's
  // current task (NT_PRSTATUS's pid is the vCPU number on QEMU dumps, not a kernel pid).
  let pcpu = opts.panicCpu ?? null;
  let reason = opts.panicCpuReason ?? (pcpu !== null ? 'given' : null);
  if (pcpu === null) {
    const busy = dump.notes.prstatus.filter((c) => c.pid > 0);
    if (busy.length === 1) {
      pcpu = busy[0]!.cpu;
      reason = 'only CPU note with a task';
    }
  }
  phase('strings');
  const cur = pcpu !== null ? cpus[pcpu]?.current ?? null : null;
  const ptask = cur !== null ? (tasks.find((t) => t.address === cur) ?? null) : null;
  return {
    symbols, btf: bt.btf, nrCpus, cpus, tasks, modules, syscalls,
    uts: readUtsname(k), taint: readTaint(k), stats: readStats(k),
    panic: { cpu: pcpu, task: ptask, reason }, strings,
    gaps: [...gaps, ...k0.gaps, ...k.gaps, ...btfGaps(bt.btf, opts.sources?.btf ?? dump.path)],
  };
}
