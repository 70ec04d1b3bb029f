// Backtraces of the dump's tasks (for `bt` and `analyze`): the stacks each task may run on, its start state
// (saved CPU registers for on-CPU tasks, `thread.sp` for the others) and the unwind (unwind.ts).
import type { Backtrace, Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import { KernelContext, hex } from './kernel.js';
import { moduleAt } from './modules.js';
import type { KernelObjects } from './objects.js';
import { orcVersionOf, readOrc, type OrcUnwindData } from './orc.js';
import type { KernelTask } from './tasks.js';
import { phase } from './profile.js';
import {
  IRQ_STACK_SIZE, PT_REGS, THREAD_SIZE, type StackRange, type UnwindEnv, type UnwindFrame, type UnwindResult,
  callTarget, toBacktrace, unwind,
} from './unwind.js';

export interface TaskBacktrace {
  task: KernelTask;
  /** How the unwind started: `registers` (NT_PRSTATUS), `crash_kexec` (scanned out of the ORC hole), `thread.sp`. */
  start: 'registers' | 'crash_kexec' | 'thread.sp' | 'none';
  result: UnwindResult;
  backtrace: Backtrace;
}

/** Exception stacks of struct cea_exception_stacks (6.1, no KASAN): guard page + 8 KiB each, in this order. */
const ESTACKS: { name: string; kind: StackRange['kind'] }[] = [
  { name: 'DOUBLEFAULT', kind: 'exception' }, { name: 'NMI', kind: 'nmi' }, { name: 'DEBUG', kind: 'exception' },
  { name: 'MCE', kind: 'exception' }, { name: 'VC', kind: 'exception' }, { name: 'VC2', kind: 'exception' },
];
const ESTACK_GUARD = 4096n;
const ESTACK_SIZE = 8192n;

export class Unwinder {
  readonly k: KernelContext;
  readonly orc: OrcUnwindData | null;
  private readonly cpuStacks = new Map<number, StackRange[]>();
  private readonly text: { lo: bigint; hi: bigint } | null;
  private readonly inittext: { lo: bigint; hi: bigint } | null;

  constructor(readonly dump: Dump, readonly objs: KernelObjects) {
    if (!objs.symbols || !objs.btf) throw new Error('backtraces need the dump\'s kallsyms and BTF');
    this.k = new KernelContext(dump, objs.symbols, objs.btf);
    const { version, why } = orcVersionOf(this.k, dump.vmcoreinfo.osrelease);
    if (why) this.k.gap(why);
    this.orc = version === null ? null : readOrc(this.k, version, objs.modules);
    phase('other');
    const st = this.k.sym('_stext') ?? this.k.sym('_text');
    const et = this.k.sym('_etext');
    this.text = st !== null && et !== null && et > st ? { lo: st, hi: et } : null;
    const si = this.k.sym('_sinittext');
    const ei = this.k.sym('_einittext');
    this.inittext = si !== null && ei !== null && ei > si ? { lo: si, hi: ei } : null;
  }

  get gaps(): Gap[] {
    return this.k.gaps;
  }

  private stacksOfCpu(cpu: number): StackRange[] {
    const have = this.cpuStacks.get(cpu);
    if (have) return have;
    const out: StackRange[] = [];
    const k = this.k;
    const h = k.sym('hardirq_stack_ptr');
    if (h !== null) {
      try {
        const top = k.u64(k.perCpu(cpu, h), `CPU ${cpu} hardirq_stack_ptr`);
        if (top !== 0n) out.push({ kind: 'irq', label: 'IRQ stack', lo: top + 8n - IRQ_STACK_SIZE, hi: top + 8n });
      } catch (e) {
        k.gap(`CPU ${cpu} IRQ stack: ${(e as Error).message}`);
      }
    }
    const c = k.sym('cea_exception_stacks');
    if (c !== null) {
      try {
        const base = k.u64(k.perCpu(cpu, c), `CPU ${cpu} cea_exception_stacks`);
        if (base !== 0n) {
          ESTACKS.forEach((e, i) => {
            const lo = base + BigInt(i) * (ESTACK_GUARD + ESTACK_SIZE) + ESTACK_GUARD;
            out.push({ kind: e.kind, label: `${e.name} exception stack`, lo, hi: lo + ESTACK_SIZE });
          });
        }
      } catch (e) {
        k.gap(`CPU ${cpu} exception stacks: ${(e as Error).message}`);
      }
    }
    this.cpuStacks.set(cpu, out);
    return out;
  }

  env(task: KernelTask): UnwindEnv {
    const stacks: StackRange[] = [];
    if (task.stack !== null && task.stack !== 0n) stacks.push({ kind: 'task', label: 'task stack', lo: task.stack, hi: task.stack + THREAD_SIZE });
    if (task.active && task.cpu !== null) stacks.push(...this.stacksOfCpu(task.cpu));
    const mods = this.objs.modules;
    const text = this.text;
    const init = this.inittext;
    return {
      k: this.k, orc: this.orc, stacks, text,
      isModuleText: (ip) => {
        if (init && ip >= init.lo && ip < init.hi) return true;
        const m = moduleAt(mods, ip);
        return m !== null && ip < m.base + BigInt(m.textSize ?? m.size);
      },
    };
  }

  /** Saved registers of a CPU (NT_PRSTATUS, else QEMU's CPU note). */
  cpuRegisters(cpu: number): Record<string, bigint> | null {
    const n = this.dump.notes.prstatus[cpu] ?? this.dump.notes.qemuCpus[cpu];
    if (!n || !n.registers.rip || !n.registers.rsp) return null;
    const r: Record<string, bigint> = {};
    for (const [name, v] of Object.entries(n.registers)) r[name] = BigInt(`0x${v}`);
    if (r.rip === 0n || r.rsp === 0n) return null;
    return r;
  }

  backtrace(task: KernelTask): TaskBacktrace {
    phase('other');
    const t = this.backtraceOf(task);
    phase('unwind');
    return t;
  }

  private backtraceOf(task: KernelTask): TaskBacktrace {
    const env = this.env(task);
    const empty = (why: string): TaskBacktrace => {
      const result: UnwindResult = { frames: [], stopped: why, gaps: [{ source: this.dump.path, what: `backtrace of pid ${task.pid}: ${why}` }] };
      return { task, start: 'none', result, backtrace: toBacktrace(result, task, this.dump.path) };
    };
    const k = this.k;
    if (task.active && task.cpu !== null) {
      const regs = this.cpuRegisters(task.cpu);
      if (!regs) return empty(`CPU ${task.cpu} has no saved registers in the dump`);
      const hit = k.symbols.lookup(regs.rip!);
      if (hit?.name === '__crash_kexec') {
        // The ORC hole: find the return address of the `call __crash_kexec` on the stack.
        const first: UnwindFrame = {
          slot: regs.rsp!, ip: regs.rip!, reliable: true, stack: 'task', how: 'start',
          symbol: { function: hit.name, offset: Number(hit.offset), size: hit.size !== null ? Number(hit.size) : null, module: hit.module ?? null, address: hex(regs.rip!) },
        };
        const target = hit.address;
        const top = env.stacks.find((s) => regs.rsp! >= s.lo && regs.rsp! < s.hi);
        for (let a = regs.rsp! & ~7n; top && a + 8n <= top.hi && a < regs.rsp! + 4096n; a += 8n) {
          let v: bigint;
          try {
            v = k.u64(a, 'stack word');
          } catch {
            break;
          }
          if (callTarget(env, v) !== target) continue;
          const r = unwind(env, { ip: v, sp: a + 8n, bp: regs.rbp ?? 0n, signal: false });
          if (r.frames[0]) r.frames[0].slot = a;
          const result: UnwindResult = { ...r, frames: [first, ...r.frames] };
          return { task, start: 'crash_kexec', result, backtrace: toBacktrace(result, task, this.dump.path) };
        }
        const result = unwind(env, { ip: regs.rip!, sp: regs.rsp!, bp: regs.rbp ?? 0n, signal: true });
        result.gaps.push({ source: this.dump.path, what: `backtrace of pid ${task.pid}: no return address into __crash_kexec's caller on the stack` });
        return { task, start: 'registers', result, backtrace: toBacktrace(result, task, this.dump.path) };
      }
      const full: Record<string, bigint> = {};
      for (const n of PT_REGS) if (regs[n] !== undefined) full[n] = regs[n]!;
      const result = unwind(env, { ip: regs.rip!, sp: regs.rsp!, bp: regs.rbp ?? 0n, signal: true, registers: full });
      return { task, start: 'registers', result, backtrace: toBacktrace(result, task, this.dump.path) };
    }
    if (task.sp === null || task.sp === 0n) return empty('the task has no saved stack pointer (thread.sp)');
    let frame: Buffer;
    try {
      frame = k.bytes(task.sp, 56, `pid ${task.pid} inactive_task_frame`);
    } catch (e) {
      return empty((e as Error).message);
    }
    const bp = frame.readBigUInt64LE(40);
    const ret = frame.readBigUInt64LE(48);
    const result = unwind(env, { ip: ret, sp: task.sp + 56n, bp, signal: false });
    if (result.frames[0]) result.frames[0].slot = task.sp + 48n;
    return { task, start: 'thread.sp', result, backtrace: toBacktrace(result, task, this.dump.path) };
  }
}

/** Backtraces of the given tasks (all active ones by default). */
export function readBacktraces(dump: Dump, objs: KernelObjects, tasks?: KernelTask[]): { traces: TaskBacktrace[]; gaps: Gap[] } {
  let u: Unwinder;
  try {
    u = new Unwinder(dump, objs);
  } catch (e) {
    return { traces: [], gaps: [{ source: dump.path, what: `backtraces: ${(e as Error).message}` }] };
  }
  const list = tasks ?? objs.tasks.filter((t) => t.active);
  const traces = list.map((t) => u.backtrace(t));
  return { traces, gaps: [...u.gaps, ...traces.flatMap((t) => t.result.gaps)] };
}
