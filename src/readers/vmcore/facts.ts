// The dump's own kernel objects as the crash model's DumpFacts (what a crash session fills), for `analyze`:
// tasks, the panic task's real stack, the blocked (D) tasks' stacks, every on-CPU task's stack, the
// modules (listed and hidden), the system call table (every entry, with its owner), strings in hidden
// modules' memory and `sys`-like facts. No line numbers: every fact's source names the kernel object and
// address it was read from (`sys_call_table[0] @ ffffffff...`, `mod_tree`, `init_task.tasks`).
// Each phase is bounded in time; a part that cannot be read is a Gap and the rest is still returned.
import type { Backtrace, DumpFacts, Gap, SourceRef, TaskState } from '../../model/types.js';
import { emptyDumpFacts } from '../../model/types.js';
import type { Dump } from './dump.js';
import { hex } from './kernel.js';
import type { KernelObjects } from './objects.js';
import { readKernelObjects } from './objects.js';
import { Unwinder, type TaskBacktrace } from './backtraces.js';
import { toBacktrace } from './unwind.js';
import type { KernelTask } from './tasks.js';
import { formatUptime } from './uptime.js';
import type { KernelSources } from './symbol-files.js';
import { taintField } from './taint.js';
import { syscallName } from '../crash-session/syscalls.js';

/** Blocked tasks whose stacks are read (a hung machine may have thousands). */
export const MAX_BLOCKED_STACKS = 64;
/** Strings kept from hidden modules' memory. */
export const MAX_STRINGS = 2000;
export const MAX_FACT_TASKS = 100_000;

export interface DumpFactsOptions {
  /** The panic CPU as the log tells it (the last `CPU: N PID: M` line). */
  panicCpu?: number | null;
  panicCpuReason?: string | null;
  /** Time bound of each phase (objects, backtraces), ms. */
  phaseMs?: number;
  onProgress?: (message: string) => void;
  /** Files standing in for what the dump lacks (`--system-map`/`--kallsyms`, `--btf`). */
  sources?: KernelSources;
}

export interface DumpFactsResult {
  facts: DumpFacts;
  objects: KernelObjects;
  traces: TaskBacktrace[];
  gaps: Gap[];
  /** Milliseconds per phase. */
  timings: { objects: number; backtraces: number; facts: number };
}

/** A source ref that names a kernel object of the dump (no lines: startLine/endLine are 0). */
export function objectRef(file: string, object: string): SourceRef {
  return { file, startLine: 0, endLine: 0, object };
}

function kb(pages: bigint, pageSize: number): string {
  const mb = Number(pages * BigInt(pageSize)) / 1048576;
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb.toFixed(1)} MB`;
}

/** Crash's `bt` frame line: `#3 [ffffc900...] ? func+0x1a/0x40 [mod] at ffffffff...` (slot and address from the stack). */
function frameRaw(t: TaskBacktrace, i: number): string {
  const f = t.result.frames[i]!;
  const loc = f.symbol.function ? `${f.symbol.function}+0x${(f.symbol.offset ?? 0).toString(16)}${f.symbol.size !== null ? `/0x${f.symbol.size.toString(16)}` : ''}` : hex(f.ip);
  return `#${i} [${hex(f.slot)}] ${f.reliable ? '' : '? '}${loc}${f.symbol.module ? ` [${f.symbol.module}]` : ''} at ${hex(f.ip)}`;
}

function backtraceOf(t: TaskBacktrace, file: string, role: string): Backtrace {
  const bt = toBacktrace(t.result, t.task, file);
  bt.frames.forEach((f, i) => { f.raw = frameRaw(t, i); });
  bt.command = role;
  bt.source = objectRef(file, `task_struct ${hex(t.task.address)} (pid ${t.task.pid}) stack, from ${t.start}`);
  return bt;
}

/** The D-state tasks (TASK_UNINTERRUPTIBLE; TASK_IDLE is `I`), what hung-task reports. */
export function blockedTasks(tasks: KernelTask[]): KernelTask[] {
  return tasks.filter((t) => t.state === 'D');
}

/** Turns the kernel objects and their backtraces into DumpFacts. */
export function factsFromObjects(objs: KernelObjects, traces: TaskBacktrace[], file: string, pageSize: number): DumpFacts {
  const d = emptyDumpFacts();
  d.tasks = objs.tasks.slice(0, MAX_FACT_TASKS).map((t): TaskState => ({
    pid: t.pid, ppid: t.ppid, cpu: t.cpu, task: hex(t.address), state: t.crashState, comm: t.comm, active: t.active,
  }));
  const panic = objs.panic.task;
  // The panic task's stack first: crashedBacktrace() looks it up by sys PID, the rules by order.
  const order = [...traces].sort((a, b) => Number(b.task === panic) - Number(a.task === panic));
  for (const t of order) {
    const role = t.task === panic ? 'bt (panic task)' : t.task.active ? 'bt -a (on CPU)' : t.task.state === 'D' ? 'bt (blocked task)' : 'bt';
    d.backtraces.push(backtraceOf(t, file, role));
  }
  for (const m of objs.modules) {
    const name = m.name ?? `(hidden module at ${hex(m.base)})`;
    const where = m.foundIn.join(', ');
    d.loadedModules.push({
      name, base: hex(m.base), size: m.size, taint: m.taints,
      hidden: m.hidden, foundIn: [...m.foundIn], module: m.address !== null ? hex(m.address) : null,
      source: objectRef(file, `${where}: ${m.address !== null ? `struct module ${hex(m.address)}` : `vmap area ${hex(m.base)}${m.allocatedBy ? ` (allocated by ${m.allocatedBy})` : ''}`}`),
    });
  }
  for (const s of objs.syscalls) {
    const target = hex(s.target);
    const owner = s.inCoreText ? null : s.owner;
    d.syscallTable.push({
      number: s.number, name: s.symbol, address: target, suspicious: !s.inCoreText, table: 'x64',
      syscall: syscallName('x64', s.number), file: null, owner,
      raw: `sys_call_table[${s.number}] @ ${hex(s.slot)} -> ${target} ${s.symbol ?? '(no symbol)'}${owner ? ` [${owner}]` : ''}`,
      source: objectRef(file, `sys_call_table[${s.number}] @ ${hex(s.slot)}`),
    });
  }
  for (const s of objs.strings.slice(0, MAX_STRINGS)) {
    d.strings.push({ address: hex(s.address), text: s.text, source: objectRef(file, s.region) });
  }
  const sys = d.sys;
  if (objs.uts) {
    sys['RELEASE'] = objs.uts.release;
    sys['VERSION'] = objs.uts.version;
    sys['MACHINE'] = objs.uts.machine;
    sys['NODENAME'] = objs.uts.nodename;
  }
  if (objs.nrCpus) sys['CPUS'] = String(objs.nrCpus);
  if (objs.tasks.length) sys['TASKS'] = String(objs.tasks.length);
  const st = objs.stats;
  if (st?.uptimeNs != null) sys['UPTIME'] = formatUptime(st.uptimeNs);
  if (st?.loadAverage) sys['LOAD AVERAGE'] = st.loadAverage.join(', ');
  const pages = st?.presentPages ?? st?.totalRamPages ?? null;
  if (pages !== null) sys['MEMORY'] = kb(pages, pageSize);
  if (st?.totalRamPages != null) d.memory['totalram_pages'] = String(st.totalRamPages);
  if (st?.presentPages != null) d.memory['node_present_pages'] = String(st.presentPages);
  if (objs.taint) {
    sys['TAINTED_MASK'] = `0x${objs.taint.mask.toString(16)}`;
    const f = taintField(objs.taint.letters);
    if (f) sys['TAINTED'] = f;
  }
  if (panic) {
    sys['PID'] = String(panic.pid);
    sys['COMMAND'] = `"${panic.comm}"`;
    sys['TASK'] = hex(panic.address);
  }
  if (objs.panic.cpu !== null) sys['CPU'] = String(objs.panic.cpu);
  return d;
}

/**
 * Reads the kernel objects (kallsyms and BTF once), the backtraces of the panic task, every on-CPU task and
 * the blocked tasks, and returns them as DumpFacts. Never throws for a damaged dump: gaps say what is missing.
 */
export function readDumpFacts(dump: Dump, file: string, opts: DumpFactsOptions = {}): DumpFactsResult {
  const phaseMs = opts.phaseMs ?? 10_000;
  const t0 = Date.now();
  opts.onProgress?.('reading kernel objects (kallsyms, BTF, tasks, modules, syscall table)');
  let objs: KernelObjects;
  try {
    objs = readKernelObjects(dump, { panicCpu: opts.panicCpu, panicCpuReason: opts.panicCpuReason, deadlineMs: phaseMs, sources: opts.sources });
  } catch (e) {
    const gaps = [{ source: file, what: `kernel objects: ${(e as Error).message}` }];
    return { facts: emptyDumpFacts(), objects: { symbols: null, btf: null, nrCpus: 0, cpus: [], tasks: [], modules: [], syscalls: [], uts: null, taint: null, stats: null, panic: { cpu: null, task: null, reason: null }, strings: [], gaps }, traces: [], gaps, timings: { objects: Date.now() - t0, backtraces: 0, facts: 0 } };
  }
  const gaps: Gap[] = objs.gaps.map((g) => ({ source: file, what: g.what }));
  const t1 = Date.now();
  const traces: TaskBacktrace[] = [];
  if (objs.symbols && objs.btf && objs.tasks.length) {
    opts.onProgress?.('unwinding the panic, on-CPU and blocked tasks\' stacks');
    const want = new Set<KernelTask>();
    if (objs.panic.task) want.add(objs.panic.task);
    for (const t of objs.tasks) if (t.active) want.add(t);
    const blocked = blockedTasks(objs.tasks);
    for (const t of blocked.slice(0, MAX_BLOCKED_STACKS)) want.add(t);
    if (blocked.length > MAX_BLOCKED_STACKS) gaps.push({ source: file, what: `backtraces: ${blocked.length} blocked tasks, the stacks of the first ${MAX_BLOCKED_STACKS} were read` });
    try {
      const u = new Unwinder(dump, objs);
      const list = [...want];
      for (const [i, t] of list.entries()) {
        if (Date.now() - t1 > phaseMs) {
          gaps.push({ source: file, what: `backtraces: time bound of ${phaseMs} ms reached, ${list.length - i} task stacks not read` });
          break;
        }
        try {
          traces.push(u.backtrace(t));
        } catch (e) {
          gaps.push({ source: file, what: `backtrace of pid ${t.pid}: ${(e as Error).message}` });
        }
      }
      for (const g of u.gaps) gaps.push({ source: file, what: g.what });
      for (const t of traces) for (const g of t.result.gaps) gaps.push({ source: file, what: g.what });
    } catch (e) {
      gaps.push({ source: file, what: `backtraces: ${(e as Error).message}` });
    }
  }
  const t2 = Date.now();
  const facts = factsFromObjects(objs, traces, file, dump.mem.pageSize);
  const seen = new Set<string>();
  const uniq = gaps.filter((g) => (seen.has(g.what) ? false : (seen.add(g.what), true)));
  return { facts, objects: objs, traces, gaps: uniq, timings: { objects: t1 - t0, backtraces: t2 - t1, facts: Date.now() - t2 } };
}
