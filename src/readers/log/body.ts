// Parsers for the lines of a report's body: CPU/PID line, Hardware name, RIP/EIP/pc, registers, Code:,
// Call Trace frames (new and old style, `?` unreliable, <IRQ>/<NMI>/<TASK> contexts), Modules linked in.
// Formats: arch/x86/kernel/dumpstack*.c, process_64.c, lib/dump_stack.c, kernel/module (print_modules),
// arch/arm64/kernel/process.c (__show_regs) and traps.c, from 2.6.32 to current kernels.

import type { CodeLocation, Frame, ModuleInfo } from '../../model/types.js';
import { isThirdPartyFlags } from '../../model/taint.js';

export interface CpuLine {
  cpu: number | null;
  pid: number | null;
  comm: string | null;
  /** Raw taint string, null when `Not tainted`. */
  taint: string | null;
  release: string | null;
  version: string | null;
  /** 2.6-era `Pid:` lines end with the DMI product name. */
  hardware: string | null;
}

// `CPU: 1 PID: 112 Comm: queuectl Kdump: loaded Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2`
// (3.x and later; 6.12+ adds `UID: 0`).
const CPU_RE =
  /^CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (.{0,64}?) (?:Kdump: loaded )?(?:Not tainted|Tainted: ([A-Z -]*?))(?:\s+(\d[^\s]*|\[[^\]\s]{1,64}\])(?:\s+(#.*))?)?\s*$/;
// 2.6.x: `Pid: 27392, comm: wsssr_defence_d Tainted: P  ---------------    2.6.32-754.el6.x86_64 #1 VMware, Inc. ...`
const PID_RE =
  /^Pid: (\d+), comm: (.{0,64}?) (?:Not tainted|Tainted: ([A-Z -]*?))\s+(\d[^\s]*)\s+(#\S+)(?: (.*))?$/;
// Hung-task report and some 3.x reports: `      Tainted: G           OE      6.1.0-56-amd64 #1 Debian 6.1.192-2`.
const TAINT_LINE_RE = /^\s+(?:Not tainted|Tainted: ([A-Z -]*?))\s+(\d[^\s]*)\s+(#.*)$/;

export function parseCpuLine(msg: string): CpuLine | null {
  let m = CPU_RE.exec(msg);
  if (m) {
    return {
      cpu: Number(m[1]), pid: Number(m[2]), comm: m[3]!, taint: cleanTaint(m[4]), release: m[5] ?? null,
      version: m[6] ? normVersion(m[6]) : null, hardware: null,
    };
  }
  m = PID_RE.exec(msg);
  if (m) {
    return {
      cpu: null, pid: Number(m[1]), comm: m[2]!, taint: cleanTaint(m[3]), release: m[4]!, version: m[5]!,
      hardware: m[6] && m[6].trim() ? m[6].trim() : null,
    };
  }
  return null;
}

export function parseTaintLine(msg: string): { taint: string | null; release: string; version: string } | null {
  const m = TAINT_LINE_RE.exec(msg);
  if (!m) return null;
  return { taint: cleanTaint(m[1]), release: m[2]!, version: normVersion(m[3]!) };
}

function cleanTaint(t: string | undefined): string | null {
  if (t == null) return null;
  const s = t.trim();
  return s === '' ? null : s;
}

/** `#1  Debian 6.1.192-2` -> `#1 Debian 6.1.192-2`; drops the build date in parentheses. */
export function normVersion(v: string): string {
  return v.replace(/\s+/g, ' ').replace(/ \(\d{4}-\d\d-\d\d\)$/, '').trim();
}

/** `func+0x1a/0x40 [mod]`, `func+0x1a/0x40 [mod 0123abcd...]`, `0xffffffffc04f2116`, `func()` (2.6 WARNING). */
export function parseLocation(text: string): CodeLocation | null {
  const s = text.trim();
  let m = /^([^\s+]{1,256}?)\+0x([0-9a-fA-F]{1,16})\/0x([0-9a-fA-F]{1,16})(?:\s+\[([^\s\]]{1,64})(?:\s+[^\]]*)?\])?/.exec(s);
  if (m) {
    return {
      function: m[1]!, offset: parseInt(m[2]!, 16), size: parseInt(m[3]!, 16), module: m[4] ?? null, address: null,
    };
  }
  // An unsymbolised address in a module (`%pS` when kallsyms has no name): `0x860546a4 [mt7603e@8ad96439+0x96c0]`.
  m = /^0x([0-9a-fA-F]{1,16})\b(?:\s+\[([\w-]{1,64})@[0-9a-f]{1,16}\+0x([0-9a-f]{1,16})\])?/.exec(s);
  if (m) {
    return {
      function: null, offset: m[3] ? parseInt(m[3], 16) : null, size: null, module: m[2] ?? null, address: m[1]!.toLowerCase(),
    };
  }
  // decode_stacktrace.sh replaced the offset by the source line: `__btree_iter_traverse_all (fs/x.c:1332 (discriminator 1))`.
  m = /^([A-Za-z_.$][\w.$]{0,255})(?: \[([^\s\]]{1,64})\])? \([\w./+-]{1,256}:\d{1,6}/.exec(s);
  if (m) return { function: m[1]!, offset: null, size: null, module: m[2] ?? null, address: null };
  return null;
}

// New style: ` ktl_proc_write+0xc3/0xfa [ktl_spinrcu]`, ` ? exit_to_user_mode_prepare+0x44/0x240`,
// ` 0xffffffffc04f2116`; old style: ` [<ffffffff8104a1b2>] ? func+0x12/0x40 [mod]`; arm64 old:
// `[<ffff000008123456>] func+0x1c/0x120`; with a `<d>`/`<4>` marker or `<IRQ>`/`<EOI>` before it.
// A frame may end with what scripts/decode_stacktrace.sh or syzbot added: ` (fs/file.c:123)`, ` (a.c:1 b.c:2)`,
// ` fs/file.c:123` (syzbot), ` (discriminator 3)`; arm64 marks the frame of the interrupted PC with ` (P)`.
const DECODED_SUFFIX = '(?:\\s+\\([^()\\n]{1,512}\\)|\\s+[\\w./+-]{1,256}:\\d{1,6}(?::\\d{1,4})?){0,4}';
const FRAME_NEW_RE = new RegExp(
  `^\\s*(\\? )?([A-Za-z_.$][\\w.$@:<>,~-]{0,255}?)\\+0x([0-9a-f]{1,16})\\/0x([0-9a-f]{1,16})(?:\\s+\\[([^\\s\\]]{1,64})(?:\\s+[0-9a-f]{0,64})?\\])?${DECODED_SUFFIX}\\s*$`);
/** A decoded frame without an offset (an inlined function, or the caller decode_stacktrace.sh named):
 *  ` __dump_stack (lib/dump_stack.c:88)`, ` __dump_stack lib/dump_stack.c:88`. */
const FRAME_DECODED_RE =
  /^\s*(\? )?([A-Za-z_.$][\w.$]{0,255})(?: \[([^\s\]]{1,64})\])?(?:\s+\(([\w./+-]{1,256}:\d{1,6}(?::\d{1,4})?)(?:\s[^()\n]{0,256})?\)|\s+([\w./+-]{1,256}\.[chS]:\d{1,6}(?::\d{1,4})?))(?:\s+\(discriminator \d+\))?\s*$/;
/** arm's unwinder: `[<c013c2f4>] (process_one_work) from [<c013c5ec>] (worker_thread+0x60/0x590)` (4.x on),
 *  `[<c005c174>] (dump_backtrace+0x0/0x10c) from [<c05d4624>] (dump_stack+0x18/0x1c)` (older), with
 *  `[mod]` inside the parentheses. The frame is the first function: it was called from the second. */
const FRAME_ARM_RE =
  /^\s*\[<([0-9a-f]{6,16})>\]\s?\(([A-Za-z_.$][\w.$]{0,255}?)(?:\+0x([0-9a-f]{1,16})\/0x([0-9a-f]{1,16}))?(?: \[([^\s\]]{1,64})\])?\) from \[<([0-9a-f]{6,16})>\]\s?\(([A-Za-z_.$][\w.$]{0,255}?)(?:\+0x([0-9a-f]{1,16})\/0x([0-9a-f]{1,16}))?(?: \[([^\s\]]{1,64})\])?\)/;
const FRAME_ADDR_RE = /^\s*(\? )?0x([0-9a-f]{6,16})(?:\s+\[([\w-]{1,64})@[0-9a-f]{1,16}\+0x([0-9a-f]{1,16})\])?\s*$/;
const FRAME_OLD_RE =
  /^\s*\[<([0-9a-f]{6,16})>\]\s+(\? )?(?:([A-Za-z_.$][\w.$@:<>,~-]{0,255}?)\+0x([0-9a-f]{1,16})\/0x([0-9a-f]{1,16})(?:\s+\[([^\s\]]{1,64})\])?|(0x[0-9a-f]+)(?:\s+\[([\w-]{1,64})@[0-9a-f]{1,16}\+0x([0-9a-f]{1,16})\])?)?/;
const CONTEXT_RE = /^\s*<(\/?)(IRQ|EOI|NMI|EOE|TASK|SOFTIRQ|#DF|#MC|DB|NMI_STACK|IST|EXC)>\s*/;

export type FrameContext = Frame['context'];

export interface FrameParse {
  frame: Frame | null;
  /** arm's unwinder names the caller too (`(f) from [<pc>] (caller+0x60/0x590)`): the frame after this one. */
  caller?: Frame;
  /** New context when the line carried a marker (applies to this frame and the following ones). */
  context: FrameContext | undefined;
  /** True when the line was only a context marker. */
  markerOnly: boolean;
}

function contextOf(close: string, name: string): FrameContext {
  if (close) return 'task';
  switch (name) {
    case 'IRQ': return 'irq';
    case 'SOFTIRQ': return 'softirq';
    case 'NMI': case 'NMI_STACK': return 'nmi';
    case 'EOI': case 'EOE': case 'TASK': return 'task';
    default: return 'exception';
  }
}

/** Parses one line of a call trace. Returns null when the line is neither a frame nor a context marker. */
export function parseFrameLine(msgIn: string, current: FrameContext): FrameParse | null {
  let msg = msgIn;
  let ctx: FrameContext | undefined;
  // Markers (possibly several) and 2.6-era `<d>`/`<4>` level markers before the frame.
  for (let i = 0; i < 4; i++) {
    const lm = /^\s*<[0-7d]>\s?/.exec(msg);
    if (lm) { msg = msg.slice(lm[0].length); continue; }
    const cm = CONTEXT_RE.exec(msg);
    if (!cm) break;
    ctx = contextOf(cm[1]!, cm[2]!);
    msg = msg.slice(cm[0].length);
  }
  const useCtx = ctx ?? current;
  if (msg.trim() === '') return ctx !== undefined ? { frame: null, context: ctx, markerOnly: true } : null;
  let m = FRAME_ARM_RE.exec(msg);
  if (m) {
    return {
      frame: {
        function: m[2]!, offset: m[3] ? parseInt(m[3], 16) : null, size: m[4] ? parseInt(m[4], 16) : null,
        module: m[5] ?? null, address: m[1]!, reliable: true, context: useCtx, raw: msgIn.trim(),
      },
      caller: {
        function: m[7]!, offset: m[8] ? parseInt(m[8], 16) : null, size: m[9] ? parseInt(m[9], 16) : null,
        module: m[10] ?? null, address: m[6]!, reliable: true, context: useCtx, raw: msgIn.trim(),
      },
      context: ctx, markerOnly: false,
    };
  }
  m = FRAME_NEW_RE.exec(msg);
  if (m) {
    return {
      frame: {
        function: m[2]!, offset: parseInt(m[3]!, 16), size: parseInt(m[4]!, 16), module: m[5] ?? null, address: null,
        reliable: !m[1], context: useCtx, raw: msgIn.trim(),
      },
      context: ctx, markerOnly: false,
    };
  }
  m = FRAME_DECODED_RE.exec(msg);
  if (m && !/^(?:Code|RIP|EIP|Call|Modules|Hardware|CPU|Workqueue)$/.test(m[2]!)) {
    return {
      frame: {
        function: m[2]!, offset: null, size: null, module: m[3] ?? null, address: null,
        reliable: !m[1], context: useCtx, raw: msgIn.trim(),
      },
      context: ctx, markerOnly: false,
    };
  }
  m = FRAME_ADDR_RE.exec(msg);
  if (m) {
    return {
      frame: {
        function: null, offset: m[4] ? parseInt(m[4], 16) : null, size: null, module: m[3] ?? null, address: m[2]!,
        reliable: !m[1], context: useCtx, raw: msgIn.trim(),
      },
      context: ctx, markerOnly: false,
    };
  }
  m = FRAME_OLD_RE.exec(msg);
  if (m && (m[3] || m[7])) {
    return {
      frame: {
        function: m[3] ?? null, offset: m[4] ? parseInt(m[4], 16) : m[9] ? parseInt(m[9], 16) : null,
        size: m[5] ? parseInt(m[5], 16) : null, module: m[6] ?? m[8] ?? null, address: m[1]!, reliable: !m[2],
        context: useCtx, raw: msgIn.trim(),
      },
      context: ctx, markerOnly: false,
    };
  }
  return ctx !== undefined ? { frame: null, context: ctx, markerOnly: true } : null;
}

export interface RipParse {
  loc: CodeLocation | null;
  /** True for a user-mode RIP (`RIP: 0033:0x438460`): the registers that follow are user space. */
  user: boolean;
  cpu: number | null;
}

/** `RIP: 0010:func+0x22/0x50 [mod]`, `RIP: 0010:[<ffffffff8104a1b2>]  [<ffffffff8104a1b2>] func+0x12/0x40`,
 * `EIP: 0060:[<c10a1b2c>] EFLAGS: 00010246 CPU: 0`, `EIP is at func+0x../0x..`, `EIP: func+0x../0x..`,
 * arm64 `pc : func+0x1c/0x120`, arm `PC is at func+0x../0x..`. */
export function parseRip(msg: string): RipParse | null {
  let m = /^\s*[RE]IP: (?:([0-9a-f]{4}):)?(?:\[<([0-9a-f]{6,16})>\](?:\s+\[<[0-9a-f]+>\])?\s*)?(.*)$/.exec(msg);
  if (m && !/^\s*[RE]IP: [0-9a-f]{16}\b/.test(msg)) {
    const seg = m[1];
    const user = seg === '0033' || seg === '0023' || seg === '0073' || seg === '002b';
    const rest = m[3] ?? '';
    const cpuM = /\bCPU: (\d+)/.exec(rest);
    let loc = parseLocation(rest.replace(/\s+EFLAGS:.*$/, ''));
    if (!loc && m[2]) loc = { function: null, offset: null, size: null, module: null, address: m[2] };
    else if (loc && m[2] && !loc.address) loc.address = m[2];
    return { loc, user, cpu: cpuM ? Number(cpuM[1]) : null };
  }
  m = /^\s*(?:EIP is at|PC is at|pc : (?:\[<([0-9a-f]+)>\] )?)(.*)$/.exec(msg);
  if (m) {
    const loc = parseLocation(m[2]!);
    if (loc && m[1]) loc.address = m[1];
    return { loc, user: false, cpu: null };
  }
  return null;
}

const REG_LINE_START =
  /^\s*(?:R[A-Z0-9]{1,3}|E[A-Z]{2}|[CDEFGS]S|CR[0-4]|DR[0-7]|x\d{1,2}|sp|lr|pc|pstate|ORIG_RAX|knlGS|EFLAGS)\s*:/;
const REG_PAIR_RE = /(?:^|\s)(R[A-Z0-9]{1,3}|E[A-Z]{2}|[CDEFGS]S|CR[0-4]|DR[0-7]|x\d{1,2}|sp|lr|pstate|ORIG_RAX|knlGS|EFLAGS)\s*:\s*([0-9a-f]{4}:[0-9a-f]{8,16}|[0-9a-f]{4,16}(?:\([0-9a-f]{4}\))?|\[<[0-9a-f]+>\]|[0-9a-f]{8} \([^)]*\))/g;

/** Register pairs of a register line (`RAX: 0000... RBX: ...`, arm64 `x29: ... x28: ...`), or null. */
export function parseRegisters(msg: string): Record<string, string> | null {
  if (!REG_LINE_START.test(msg) || /^\s*(?:RIP|EIP|pc)\s*:/.test(msg)) return null;
  const out: Record<string, string> = {};
  let n = 0;
  REG_PAIR_RE.lastIndex = 0;
  for (let m = REG_PAIR_RE.exec(msg); m && n < 32; m = REG_PAIR_RE.exec(msg)) {
    out[m[1]!] = m[2]!;
    n++;
  }
  return n > 0 ? out : null;
}

/** `Modules linked in: a(OE) b c [last unloaded: x]`. */
export function parseModulesLine(msg: string): { modules: ModuleInfo[]; lastUnloaded: string | null } | null {
  const m = /^\s*Modules linked in:(.*)$/.exec(msg);
  if (!m) return null;
  return parseModuleList(m[1]!);
}

export function parseModuleList(listIn: string): { modules: ModuleInfo[]; lastUnloaded: string | null } {
  let list = listIn;
  let lastUnloaded: string | null = null;
  const lu = /\[last unloaded: ([^\]\s]{1,64})[^\]]*\]/.exec(list);
  if (lu) {
    lastUnloaded = lu[1]!;
    list = list.slice(0, lu.index) + list.slice(lu.index + lu[0].length);
  }
  const modules: ModuleInfo[] = [];
  for (const tok of list.split(/\s+/)) {
    if (modules.length >= 4096) break;
    const t = /^([A-Za-z0-9_-]{1,64})(?:\(([A-Za-z+-]{0,24})\))?$/.exec(tok);
    if (!t) continue;
    const raw = t[2] ?? '';
    const state = raw.includes('+') ? '+' : raw.includes('-') ? '-' : null;
    const flags = raw.replace(/[+-]/g, '');
    modules.push({ name: t[1]!, flags, state, thirdParty: isThirdPartyFlags(flags) });
  }
  return { modules, lastUnloaded };
}

/** A continuation of a wrapped `Modules linked in:` line: only module tokens. */
export function looksLikeModuleContinuation(msg: string): boolean {
  const s = msg.trim();
  if (s === '' || s.length > 4096) return false;
  // Names are separated by whitespace (print_modules prints " %s%s"): a name cannot be split in two,
  // which keeps the match linear (the former `(name\s*)+` backtracked exponentially on a long word).
  return /^[A-Za-z0-9_-]{1,64}(?:\([A-Za-z+-]{1,24}\))?(?:\s+[A-Za-z0-9_-]{1,64}(?:\([A-Za-z+-]{1,24}\))?)*\s*(?:\[last unloaded: [^\]]*\])?$/.test(s) && /[_(]|\s/.test(s);
}
