// Kernel backtraces from a dump, x86_64: ORC where a table owns the address (orc.ts, the kernel's
// unwind_orc.c semantics: CALL, REGS and REGS_PARTIAL frames, SP/BP/indirect registers), frame pointers
// otherwise, and a marked stack scan last (`?` frames: words on the stack that point just after a call
// instruction). Start points: an on-CPU task from its CPU's saved registers (NT_PRSTATUS); when those were
// taken inside `__crash_kexec` (panic() without an oops: an ORC hole, objtool leaves it unannotated), the
// stack is scanned from the saved RSP for the return address whose preceding `call` targets `__crash_kexec`
// and the unwind continues from there; every other task from `task->thread.sp` (struct inactive_task_frame:
// r15 r14 r13 r12 bx bp ret_addr). Stacks: the task's (THREAD_SIZE 16 KiB), the CPU's IRQ stack
// (`hardirq_stack_ptr`) and exception stacks (`cea_exception_stacks`: DF NMI DB MCE VC VC2, each after a
// guard page). Every walk is bounded: frame count, a visited set of (sp, ip), readable pages; what stopped
// it is named.
import type { Backtrace, CodeLocation, Frame, Gap } from '../../model/types.js';
import { type KernelContext, hex } from './kernel.js';
import { ORC_REG, type OrcEntry, type OrcUnwindData } from './orc.js';

export const MAX_FRAMES = 128;
export const THREAD_SIZE = 16384n;
export const IRQ_STACK_SIZE = 16384n;
const PT_REGS_SIZE = 168n;
/** struct pt_regs of x86_64, in memory order. */
export const PT_REGS = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss'] as const;
const INACTIVE_FRAME_SIZE = 56n;
const MAX_SCAN_WORDS = 2048;

export type StackKind = 'task' | 'irq' | 'nmi' | 'exception';

export interface StackRange {
  kind: StackKind;
  /** crash's name of the stack (`IRQ stack`, `NMI exception stack`, ...). */
  label: string;
  lo: bigint;
  hi: bigint;
}

export interface UnwindFrame {
  /** Stack slot that held the return address (crash's `[...]` column); the starting SP for the first frame. */
  slot: bigint;
  ip: bigint;
  symbol: CodeLocation;
  reliable: boolean;
  stack: StackKind | null;
  how: 'regs' | 'orc' | 'fp' | 'scan' | 'start';
  /** Registers of an exception frame (pt_regs) entered at this frame, crash's `[exception RIP: ...]`. */
  exception?: { registers: Record<string, string>; userMode: boolean; rip: CodeLocation };
}

export interface UnwindResult {
  frames: UnwindFrame[];
  /** Why the walk stopped before the end of the stack, when it did. */
  stopped: string | null;
  gaps: Gap[];
}

export interface UnwindStart {
  ip: bigint;
  sp: bigint;
  bp: bigint;
  /** true when ip is an interrupted instruction (saved registers), false for a return address. */
  signal: boolean;
  /** The full register set of the start (exception frame) when there is one. */
  registers?: Record<string, bigint>;
}

export interface UnwindEnv {
  k: KernelContext;
  orc: OrcUnwindData | null;
  stacks: StackRange[];
  /** Core-kernel text range (for scans and sanity). */
  text: { lo: bigint; hi: bigint } | null;
  isModuleText(ip: bigint): boolean;
}

function locate(env: UnwindEnv, ip: bigint, returnAddress: boolean): CodeLocation {
  const hit = env.k.symbols.lookup(returnAddress ? ip - 1n : ip);
  if (!hit) return { function: null, offset: null, size: null, module: null, address: hex(ip) };
  return {
    function: hit.name,
    offset: Number(returnAddress ? hit.offset + 1n : hit.offset),
    size: hit.size !== null && hit.size !== undefined ? Number(hit.size) : null,
    module: hit.module ?? null,
    address: hex(ip),
  };
}

export function formatLocation(l: CodeLocation): string {
  if (!l.function) return l.address ?? '?';
  const size = l.size !== null ? `/0x${l.size.toString(16)}` : '';
  return `${l.function}+0x${(l.offset ?? 0).toString(16)}${size}${l.module ? ` [${l.module}]` : ''}`;
}

export function stackOf(stacks: StackRange[], sp: bigint): StackRange | null {
  for (const s of stacks) if (sp >= s.lo && sp < s.hi) return s;
  return null;
}

function isText(env: UnwindEnv, ip: bigint): boolean {
  if (env.text && ip >= env.text.lo && ip < env.text.hi) return true;
  return env.isModuleText(ip);
}

/** A return address: a text address right after a call (e8 rel32, ff /2 indirect forms). */
export function afterCall(env: UnwindEnv, ip: bigint): boolean {
  if (!isText(env, ip)) return false;
  let b: Buffer;
  try {
    b = env.k.bytes(ip - 7n, 7, 'code before a return address');
  } catch {
    return false;
  }
  if (b[2] === 0xe8) return true; // call rel32
  if (b[5] === 0xff && ((b[6]! >> 3) & 7) === 2 && b[6]! >> 6 === 3) return true; // call *%reg
  if (b[4] === 0xff && ((b[5]! >> 3) & 7) === 2) return true; // call *disp8(%reg) / with SIB
  if (b[1] === 0xff && ((b[2]! >> 3) & 7) === 2) return true; // call *disp32(...)
  if (b[0] === 0xff && ((b[1]! >> 3) & 7) === 2) return true; // call *disp32 with SIB
  return false;
}

/** The target of the `call rel32` that ends just before ip, or null. */
export function callTarget(env: UnwindEnv, ip: bigint): bigint | null {
  try {
    const b = env.k.bytes(ip - 5n, 5, 'call instruction');
    if (b[0] !== 0xe8) return null;
    return (ip + BigInt(b.readInt32LE(1))) & ((1n << 64n) - 1n);
  } catch {
    return null;
  }
}

const MASK = (1n << 64n) - 1n;

/** Unwinds one stack from a start state. */
export function unwind(env: UnwindEnv, start: UnwindStart, opts: { maxFrames?: number } = {}): UnwindResult {
  const k = env.k;
  const gaps: Gap[] = [];
  const frames: UnwindFrame[] = [];
  const max = opts.maxFrames ?? MAX_FRAMES;
  const seen = new Set<string>();
  let ip = start.ip;
  let sp = start.sp;
  let bp = start.bp;
  let signal = start.signal;
  let regs: Record<string, bigint> | null = start.registers ?? null;
  let slot = start.sp;
  let how: UnwindFrame['how'] = 'start';
  let stopped: string | null = null;
  const rd = (va: bigint, what: string): bigint | null => {
    const st = stackOf(env.stacks, va);
    if (!st) return null;
    try {
      return k.u64(va, what);
    } catch {
      return null;
    }
  };
  const pushFrame = (exc?: UnwindFrame['exception']): void => {
    frames.push({ slot, ip, symbol: locate(env, ip, !signal), reliable: how !== 'scan', stack: stackOf(env.stacks, sp)?.kind ?? null, how, ...(exc ? { exception: exc } : {}) });
  };
  if (regs) pushFrame(excOf(env, regs));
  else pushFrame();
  const scanFrom = (from: bigint, why: string): void => {
    stopped = why;
    const st = stackOf(env.stacks, from);
    if (!st) return;
    let n = 0;
    for (let a = (from + 7n) & ~7n; a + 8n <= st.hi && n < MAX_SCAN_WORDS && frames.length < max; a += 8n, n++) {
      const v = rd(a, 'stack word');
      if (v === null) break;
      if (!afterCall(env, v)) continue;
      frames.push({ slot: a, ip: v, symbol: locate(env, v, true), reliable: false, stack: st.kind, how: 'scan' });
    }
  };
  while (frames.length < max) {
    const key = `${sp}:${ip}`;
    if (seen.has(key)) {
      stopped = `the stack loops at ${hex(sp)}`;
      break;
    }
    seen.add(key);
    if (!isText(env, ip)) {
      stopped = `${hex(ip)} is not kernel text`;
      break;
    }
    const orc: OrcEntry | null = env.orc ? safeFind(env.orc, signal ? ip : ip - 1n) : null;
    if (orc && orc.type === 'end') break;
    if (!orc || orc.type === 'undefined') {
      // Frame pointers: bp points at the saved bp, the return address above it.
      const st = stackOf(env.stacks, sp);
      if (bp !== 0n && st && bp >= sp && bp + 16n <= st.hi) {
        const nbp = rd(bp, 'saved frame pointer');
        const nip = rd(bp + 8n, 'return address');
        if (nbp !== null && nip !== null && afterCall(env, nip)) {
          slot = bp + 8n;
          sp = bp + 16n;
          ip = nip;
          bp = nbp;
          signal = false;
          regs = null;
          how = 'fp';
          pushFrame();
          continue;
        }
      }
      scanFrom(sp, `no ORC data for ${formatLocation(locate(env, ip, !signal))} and no frame pointer chain`);
      break;
    }
    // Find the caller's SP.
    let nsp: bigint | null;
    let indirect = false;
    switch (orc.spReg) {
      case ORC_REG.SP: nsp = sp + BigInt(orc.spOffset); break;
      case ORC_REG.BP: nsp = bp + BigInt(orc.spOffset); break;
      case ORC_REG.SP_INDIRECT: nsp = sp; indirect = true; break;
      case ORC_REG.BP_INDIRECT: nsp = bp + BigInt(orc.spOffset); indirect = true; break;
      case ORC_REG.R10: nsp = regs?.r10 ?? null; break;
      case ORC_REG.R13: nsp = regs?.r13 ?? null; break;
      case ORC_REG.DI: nsp = regs?.rdi ?? null; break;
      case ORC_REG.DX: nsp = regs?.rdx ?? null; break;
      default: nsp = null;
    }
    if (nsp !== null) nsp &= MASK;
    if (nsp !== null && indirect) {
      nsp = rd(nsp, 'indirect stack pointer');
      if (nsp !== null && orc.spReg === ORC_REG.SP_INDIRECT) nsp = (nsp + BigInt(orc.spOffset)) & MASK;
    }
    if (nsp === null) {
      scanFrom(sp, `ORC: the caller's stack pointer of ${formatLocation(locate(env, ip, !signal))} cannot be found`);
      break;
    }
    let nip: bigint | null;
    let nbp = bp;
    let nregs: Record<string, bigint> | null = null;
    let nslot: bigint;
    let nsignal: boolean;
    let exc: UnwindFrame['exception'] | undefined;
    if (orc.type === 'call') {
      nslot = nsp - 8n;
      nip = rd(nslot, 'return address');
      nsignal = orc.signal;
    } else if (orc.type === 'regs') {
      const base = nsp; // the kernel's deref_stack_regs(): pt_regs start at the computed SP
      nregs = readRegs(env, base);
      if (!nregs) {
        scanFrom(sp, `ORC: the exception frame at ${hex(base)} cannot be read`);
        break;
      }
      nslot = base;
      nip = nregs.rip!;
      nsignal = true;
      exc = excOf(env, nregs);
      if (exc.userMode) {
        frames[frames.length - 1]!.exception = exc;
        break;
      }
      nsp = nregs.rsp!;
      nbp = nregs.rbp!;
    } else {
      // REGS_PARTIAL: the iret frame (ip cs flags sp ss) at the computed SP (deref_stack_iret_regs()).
      const base = nsp;
      const w = [0, 1, 2, 3, 4].map((i) => rd(base + BigInt(i) * 8n, 'iret frame'));
      if (w.some((x) => x === null)) {
        scanFrom(sp, `ORC: the iret frame at ${hex(base)} cannot be read`);
        break;
      }
      nslot = base;
      nip = w[0]!;
      nsignal = true;
      if ((w[1]! & 3n) === 3n) break; // back to user mode
      nsp = w[3]!;
      nregs = { rip: w[0]!, cs: w[1]!, eflags: w[2]!, rsp: w[3]!, ss: w[4]! };
    }
    if (nip === null) {
      scanFrom(sp, `the return address slot at ${hex(nslot)} cannot be read`);
      break;
    }
    // Find the caller's BP.
    switch (orc.bpReg) {
      case ORC_REG.PREV_SP: {
        const v = rd(nsp + BigInt(orc.bpOffset), 'saved bp');
        if (v !== null) nbp = v;
        break;
      }
      case ORC_REG.BP: {
        const v = rd(bp + BigInt(orc.bpOffset), 'saved bp');
        if (v !== null) nbp = v;
        break;
      }
      default:
        if (orc.type !== 'call' && nregs?.rbp !== undefined) nbp = nregs.rbp;
    }
    // The stack must grow towards its top unless the unwind moved to another stack.
    const cur = stackOf(env.stacks, sp);
    const next = stackOf(env.stacks, nsp);
    if (!next) {
      stopped = `the caller's stack pointer ${hex(nsp)} is on no known stack`;
      break;
    }
    if (cur && next === cur && nsp <= sp && orc.type === 'call') {
      stopped = `the stack pointer went down at ${hex(sp)}`;
      break;
    }
    if (exc) frames[frames.length - 1]!.exception = exc;
    slot = nslot;
    sp = nsp;
    ip = nip;
    bp = nbp;
    regs = nregs;
    signal = nsignal;
    how = orc.type === 'call' ? 'orc' : 'regs';
    pushFrame();
  }
  if (frames.length >= max) {
    stopped = `more than ${max} frames (walk stopped)`;
    gaps.push({ source: k.dump.path, what: `backtrace: ${stopped}` });
  }
  return { frames, stopped, gaps };
}

function safeFind(orc: OrcUnwindData, ip: bigint): OrcEntry | null {
  try {
    return orc.find(ip);
  } catch {
    return null;
  }
}

function readRegs(env: UnwindEnv, base: bigint): Record<string, bigint> | null {
  if (!stackOf(env.stacks, base) || !stackOf(env.stacks, base + PT_REGS_SIZE - 8n)) return null;
  let b: Buffer;
  try {
    b = env.k.bytes(base, Number(PT_REGS_SIZE), 'pt_regs');
  } catch {
    return null;
  }
  const r: Record<string, bigint> = {};
  PT_REGS.forEach((n, i) => (r[n] = b.readBigUInt64LE(i * 8)));
  return r;
}

function excOf(env: UnwindEnv, regs: Record<string, bigint>): NonNullable<UnwindFrame['exception']> {
  const registers: Record<string, string> = {};
  for (const [n, v] of Object.entries(regs)) registers[n] = hex(v);
  const userMode = regs.cs !== undefined && (regs.cs & 3n) === 3n;
  return { registers, userMode, rip: locate(env, regs.rip ?? 0n, false) };
}

/** The model's Backtrace of an unwind, frames shaped like the kernel's `func+0xoff/0xsize [mod]`. */
export function toBacktrace(r: UnwindResult, task: { pid: number; address: bigint; cpu: number | null; comm: string }, source: string): Backtrace {
  const frames: Frame[] = r.frames.map((f) => ({
    ...f.symbol,
    reliable: f.reliable,
    context: f.stack === 'task' || f.stack === null ? 'task' : f.stack === 'irq' ? 'irq' : f.stack === 'nmi' ? 'nmi' : 'exception',
    raw: `${f.reliable ? '' : '? '}${formatLocation(f.symbol)}`,
  }));
  const exceptions = r.frames.filter((f) => f.exception).map((f) => ({
    rip: f.exception!.rip,
    registers: f.exception!.registers,
    origRax: f.exception!.registers.orig_rax ?? null,
    userMode: f.exception!.userMode,
  }));
  return { pid: task.pid, task: hex(task.address), cpu: task.cpu, comm: task.comm, frames, exceptions, command: 'bt', source: { file: source, startLine: 0, endLine: 0 } };
}
