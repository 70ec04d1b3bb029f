// The crash event of a crash session that holds no kernel log (only `bt`, or `sys` and `bt`): the task
// whose backtrace shows an exception frame or the oops/panic/kexec path crashed, so it is the primary crash.
// Its kind follows the trap the frames show (page fault, general protection, stack segment, machine check,
// sysrq_handle_crash, __stack_chk_fail, the watchdogs, panic_on_oom), and `sys`'s PANIC string where it is
// more specific. Title, task, CPU and frames come from that backtrace; the header is the one the kernel would
// have printed (details.from says it was rebuilt from the session).

import type { Backtrace, CrashEvent, DumpFacts, EventKind } from '../../model/types.js';
import { readLog } from '../log/index.js';

/** Frames that only a crashing task runs. */
const CRASH_PATH = /^(oops_end|oops_begin|crash_kexec|__crash_kexec|machine_kexec|panic|vpanic|nmi_panic|die|__die|die_kernel_fault|sysrq_handle_crash|__stack_chk_fail|do_machine_check|mce_panic|exc_machine_check|watchdog_overflow_callback|no_context|page_fault_oops)$/;

/** Function names of a backtrace: its exception RIPs, then its frames (innermost first). */
function fnames(bt: Backtrace): string[] {
  return [...bt.exceptions.map((x) => x.rip.function), ...bt.frames.slice(0, 64).map((f) => f.function)]
    .map((f) => (f ?? '').replace(/\.(cold|constprop|isra|part)(\.\d+)?$/, ''));
}

function crashed(bt: Backtrace): boolean {
  return bt.exceptions.some((x) => !x.userMode) || fnames(bt).some((f) => CRASH_PATH.test(f));
}

/** The backtrace of the task that crashed: sys's PID when its bt is there, else the first crashed `bt`. */
export function crashedBacktrace(dump: DumpFacts): Backtrace | null {
  const bts = dump.backtraces;
  if (bts.length === 0) return null;
  const pid = dump.sys['PID'] !== undefined ? Number(dump.sys['PID']) : null;
  const byPid = pid !== null && Number.isFinite(pid) ? bts.find((b) => b.pid === pid) : undefined;
  if (byPid) return byPid;
  return bts.find((b) => b.command === 'bt' && crashed(b)) ?? bts.find(crashed) ?? bts.find((b) => b.command === 'bt') ?? bts[0]!;
}

/** The fault address a PANIC string names (`... paging request at virtual address 0000000000000000`). */
function faultAddress(panic: string | null, bt: Backtrace): bigint | null {
  const m = panic ? /(?:address[:]?|at(?: virtual address)?) (?:0x)?([0-9a-f]{1,16})\b/i.exec(panic) : null;
  if (m) return BigInt('0x' + m[1]);
  for (const x of bt.exceptions) {
    const cr2 = x.registers['CR2'];
    if (cr2 && /^[0-9a-f]{1,16}$/i.test(cr2)) return BigInt('0x' + cr2);
  }
  return null;
}

/** The event kind the backtrace's trap or handler shows, or null. */
export function kindFromBacktrace(bt: Backtrace, panic: string | null): EventKind | null {
  const f = fnames(bt);
  const has = (re: RegExp) => f.some((x) => re.test(x));
  if (has(/^sysrq_handle_crash$/)) return 'sysrq';
  if (has(/^__stack_chk_fail$/)) return 'stack-protector';
  if (has(/^(do_machine_check|mce_panic|exc_machine_check|machine_check|mce_severity)$/)) return 'mce';
  if (has(/^(watchdog_overflow_callback|watchdog_hardlockup_check|watchdog_check_hardlockup)$/)) return 'hard-lockup';
  if (has(/^(out_of_memory|check_panic_on_oom|__alloc_pages_may_oom|pagefault_out_of_memory)$/) && has(/^panic$/)) return 'oom';
  if (has(/^(check_hung_uninterruptible_tasks|check_hung_task|watchdog)$/) && has(/^panic$/)) return 'hung-task';
  if (has(/^watchdog_timer_fn$/) && has(/^panic$/)) return 'soft-lockup';
  if (has(/^(asm_exc_general_protection|exc_general_protection|do_general_protection|general_protection)$/)) return 'gpf';
  if (has(/^(asm_exc_stack_segment|exc_stack_segment|do_stack_segment|stack_segment)$/)) return 'gpf';
  if (has(/^(asm_exc_divide_error|exc_divide_error|do_divide_error|divide_error)$/)) return 'divide-error';
  if (has(/^(asm_exc_double_fault|exc_double_fault|do_double_fault|double_fault)$/)) return 'double-fault';
  if (has(/^(asm_exc_invalid_op|exc_invalid_op|do_invalid_op|invalid_op|handle_bug)$/)) return has(/^report_bug$/) ? 'bug' : 'invalid-opcode';
  if (has(/^(asm_exc_page_fault|exc_page_fault|page_fault|do_page_fault|__do_page_fault|async_page_fault|no_context|page_fault_oops|__bad_area_nosemaphore|bad_area_nosemaphore|do_kern_addr_fault|do_translation_fault|do_mem_abort|do_sect_fault|do_DataAbort|handle_page_fault)$/)) {
    const a = faultAddress(panic, bt);
    if (a !== null) return a < 4096n ? 'null-deref' : 'paging-request';
    return 'paging-request';
  }
  return null;
}

/** The header the kernel prints for a kind (the session keeps no log). */
function headerFor(kind: EventKind, bt: Backtrace, panic: string | null): string {
  const f = bt.frames.filter((x) => x.function);
  const a = faultAddress(panic, bt);
  const hex = a !== null ? a.toString(16).padStart(16, '0') : null;
  switch (kind) {
    case 'sysrq': return 'sysrq: Trigger a crash';
    case 'stack-protector': {
      const i = f.findIndex((x) => x.function === '__stack_chk_fail');
      const caller = i >= 0 ? f[i + 1] : undefined;
      return `Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ${caller?.function ?? bt.frames[0]?.address ?? '?'}`;
    }
    case 'mce': return 'Kernel panic - not syncing: Fatal machine check';
    case 'hard-lockup': return `Kernel panic - not syncing: Watchdog detected hard LOCKUP on cpu ${bt.cpu ?? '?'}`;
    case 'soft-lockup': return 'Kernel panic - not syncing: softlockup: hung tasks';
    case 'hung-task': return 'Kernel panic - not syncing: hung_task: blocked tasks';
    case 'oom': return 'Kernel panic - not syncing: Out of memory';
    case 'null-deref': return `BUG: kernel NULL pointer dereference, address: ${hex ?? '0000000000000000'}`;
    case 'paging-request': return hex ? `BUG: unable to handle page fault for address: ${hex}` : 'BUG: unable to handle kernel paging request';
    case 'gpf': return f.some((x) => /stack_segment$/.test(x.function!)) ? 'stack segment: 0000 [#1] SMP' : 'general protection fault: 0000 [#1] SMP';
    case 'divide-error': return 'divide error: 0000 [#1] SMP';
    case 'double-fault': return 'double fault: 0000 [#1] SMP';
    case 'invalid-opcode': return 'invalid opcode: 0000 [#1] SMP';
    case 'bug': return 'kernel BUG';
    default: return 'Kernel panic - not syncing: (panic message not in the session)';
  }
}

/** Kinds a PANIC string may name that a trap seen in the frames refines. */
const GENERIC = new Set<EventKind>(['panic', 'oops', 'unknown']);
/** Kinds the frames show that outrank whatever the PANIC string says (crash prints `Oops` for a sysrq crash). */
const DECISIVE = new Set<EventKind>(['sysrq', 'stack-protector', 'mce', 'oom']);

function titleOf(text: string): CrashEvent | null {
  return readLog('sys PANIC', text).events[0] ?? null;
}

/**
 * The crash event of a session without log events: from `sys`'s PANIC string and the crashed task's `bt`,
 * or from a crashed `bt` alone. Null when neither names a crash.
 */
export function eventFromDump(panicMessage: string | null, dump: DumpFacts): CrashEvent | null {
  const bt = crashedBacktrace(dump);
  const btCrashed = !!bt && crashed(bt);
  if (!panicMessage && !btCrashed) return null;
  const trapKind = bt ? kindFromBacktrace(bt, panicMessage) : null;
  let line: string;
  if (panicMessage) {
    line = /^(Kernel panic - not syncing|BUG|Oops|general protection|kernel BUG|WARNING|watchdog|INFO|sysrq|SysRq)/.test(panicMessage)
      ? panicMessage : `Kernel panic - not syncing: ${panicMessage}`;
  } else {
    line = headerFor(trapKind ?? 'panic', bt!, null);
  }
  let ev = titleOf(`${line}\n`);
  if (!ev) return null;
  let kind: EventKind = ev.kind;
  if (trapKind && (DECISIVE.has(trapKind) || GENERIC.has(kind))) kind = trapKind;
  if (kind !== ev.kind && bt) {
    const t = titleOf(`${headerFor(kind, bt, panicMessage)}\n`);
    if (t) { ev = { ...t, header: ev.header }; }
  }
  ev.kind = kind;
  // Old kernels print the stack-protector address bare; where `sym` named it, title it as a newer kernel
  // would have printed it (`corrupted in: func+0x15a`). The header stays as printed.
  const addr = /corrupted in: (?:0x)?([0-9a-f]{8,16})\s*$/i.exec(line)?.[1]?.toLowerCase();
  const sym = addr ? dump.symbols.find((x) => x.address.toLowerCase().replace(/^0x/, '').replace(/^0+/, '') === addr.replace(/^0+/, '') && x.symbol) : undefined;
  const named = sym?.symbol ? /^([\w.$]+)\+(\d+)$/.exec(sym.symbol) : null;
  if (named) {
    const t = titleOf(`${line.replace(/(?:0x)?[0-9a-f]{8,16}\s*$/i, `${named[1]}+0x${Number(named[2]).toString(16)}`)}\n`);
    if (t) Object.assign(ev, { title: t.title, altTitles: t.altTitles, type: t.type, corrupted: t.corrupted, corruptedReason: t.corruptedReason });
  }
  // An oops: title it from the report the kernel printed, rebuilt from the crashed task's exception RIP and
  // frames as x86_64 prints them.
  const kx = bt?.exceptions.find((x) => !x.userMode);
  if (bt && kx?.rip.function && !/^Kernel panic/.test(ev.header)) {
    const loc = (f: { function: string | null; offset: number | null }) => `${f.function}+0x${(f.offset ?? 0).toString(16)}/0x0`;
    // crash lists the frames that handled the fault (kexec, oops_end, page_fault ...) before the exception
    // frame; the kernel's own report starts its trace after them.
    let after = 0;
    bt.frames.slice(0, 16).forEach((f, i) => {
      if (/^(?:asm_exc_\w+|exc_\w+|page_fault|async_page_fault|general_protection|stack_segment|invalid_op|divide_error|do_page_fault)$/.test(f.function ?? '')) after = i + 1;
    });
    const head = /^(Kernel panic|sysrq)/.test(ev.header) ? headerFor(kind, bt, panicMessage) : ev.header;
    const text = [head, `RIP: 0010:${loc(kx.rip)}`, 'Call Trace:',
      ...bt.frames.slice(after).filter((f) => f.function).map((f) => ` ${loc(f)}${f.module ? ` [${f.module}]` : ''}`)].join('\n') + '\n';
    const t = titleOf(text);
    if (t && !t.corrupted) Object.assign(ev, { title: t.title, altTitles: t.altTitles, type: t.type, corrupted: t.corrupted, corruptedReason: t.corruptedReason });
  }
  if (bt) {
    ev.task = { pid: bt.pid, comm: bt.comm };
    ev.cpu = bt.cpu;
    ev.frames = bt.frames;
    if (kx) {
      ev.rip = kx.rip;
      ev.registers = kx.registers;
    }
    ev.source = { ...bt.source };
  } else {
    ev.source = { file: dump.backtraces[0]?.source.file ?? 'sys', startLine: 0, endLine: 0 };
  }
  ev.panicked = true;
  ev.details.from = panicMessage ? 'crash session: sys PANIC and bt' : 'crash session: bt of the crashed task (header rebuilt)';
  if (trapKind) ev.details.trap = trapKind;
  return ev;
}

/**
 * Log events that print no task (a machine check names only its CPU) take the task of the crashed
 * backtrace when it ran on that same CPU: `PID: 16912 TASK: ... CPU: 35 COMMAND: "gzip"`.
 */
export function fillTasksFromDump(events: CrashEvent[], dump: DumpFacts): void {
  const bt = crashedBacktrace(dump);
  if (!bt || !crashed(bt) || bt.cpu === null) return;
  for (const ev of events.slice(0, 1000)) {
    if (ev.task.pid !== null || ev.task.comm !== null) continue;
    if (ev.cpu !== null && ev.cpu === bt.cpu && (ev.panicked || ev.kind === 'mce')) ev.task = { pid: bt.pid, comm: bt.comm };
  }
}
