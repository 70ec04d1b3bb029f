// Frame classification: which frames are machinery (locking, printk, panic, scheduler, entry, fault and
// debug-check plumbing) and which is the first meaningful one, the culprit of an event.

import type { CodeLocation, CrashEvent, Frame } from '../model/types.js';

/** Strips compiler suffixes: `watchdog.cold`, `__mutex_lock.constprop.0`, `foo.isra.3`, `bar.part.1`. */
export function baseName(fn: string): string {
  return fn.replace(/\.(cold|constprop|isra|part|lto_priv|llvm)(\.\d+)?/g, '').replace(/\.\d+$/, '');
}

const MACHINERY_EXACT = new Set([
  // panic, oops and stack dumping
  'panic', 'nmi_panic', 'vpanic', 'dump_stack', 'dump_stack_lvl', 'show_stack', 'show_trace_log_lvl', 'show_regs',
  '__show_regs', 'die', '__die', '__die_body', 'oops_end', 'oops_begin', 'crash_kexec', '__crash_kexec',
  'machine_kexec', 'crash_setup_regs', 'machine_crash_shutdown', 'native_machine_crash_shutdown',
  'printk', 'vprintk', 'vprintk_emit', 'vprintk_default', 'vprintk_func', '_printk', 'console_unlock',
  'warn_slowpath_fmt', 'warn_slowpath_null', 'warn_slowpath_common', '__warn', '__warn_printk', 'report_bug',
  'handle_bug', 'fixup_bug', 'exc_invalid_op', 'do_invalid_op', 'do_trap', 'do_error_trap', 'math_error', 'do_divide_error',
  'exc_divide_error', 'exc_general_protection', 'do_general_protection', 'invalid_op', 'general_protection',
  'page_fault', 'do_page_fault', '__do_page_fault', 'exc_page_fault', 'do_user_addr_fault', 'do_kern_addr_fault',
  'page_fault_oops', 'kernelmode_fixup_or_oops', 'no_context', '__bad_area_nosemaphore', 'bad_area_nosemaphore',
  'bad_area', 'bad_area_access_error', 'spurious_kernel_fault', 'fixup_exception', 'async_page_fault',
  'do_async_page_fault', '__stack_chk_fail', 'stack_chk_fail',
  // debug checks that report on behalf of their caller
  'kasan_report', '__kasan_report', 'kasan_report_invalid_free', 'check_memory_region', 'kasan_check_range',
  '__list_del_entry_valid', '__list_add_valid', '__list_del_entry', 'list_del', '__list_add', 'list_add',
  '__list_del_entry_valid_or_report', '__list_add_valid_or_report', 'refcount_warn_saturate', 'refcount_error_report',
  'ubsan_epilogue', 'kfence_report_error', 'bad_page', 'print_bad_pte',
  // scheduler and sleeping
  'schedule', '__schedule', 'schedule_timeout', 'schedule_preempt_disabled', 'io_schedule', 'io_schedule_timeout',
  'schedule_hrtimeout_range', 'schedule_hrtimeout_range_clock', 'preempt_schedule', 'preempt_schedule_common',
  'wait_for_common', '__wait_for_common', 'wait_for_common_io', 'wait_for_completion', 'wait_for_completion_timeout',
  'wait_for_completion_killable', 'wait_for_completion_interruptible', 'do_wait_for_common', 'bit_wait', 'bit_wait_io',
  '__wait_on_bit', 'out_of_line_wait_on_bit', '__wait_on_bit_lock', 'wait_on_page_bit', 'wait_on_page_bit_common',
  'folio_wait_bit_common', 'prepare_to_wait', 'finish_wait', 'usleep_range_state', 'msleep', 'schedule_idle',
  'context_switch', 'finish_task_switch', '__switch_to', '__switch_to_asm',
  // RCU waiting
  '__wait_rcu_gp', 'wait_rcu_gp', 'synchronize_rcu', 'synchronize_sched', 'synchronize_rcu_expedited',
  'synchronize_sched_expedited', 'synchronize_rcu_bh', 'synchronize_srcu', 'rcu_barrier', 'rcu_barrier_sched',
  'synchronize_net', '_synchronize_rcu', 'wait_rcu_gp_state',
  // locks
  'mutex_lock', '__mutex_lock', '__mutex_lock_slowpath', 'mutex_lock_nested', 'mutex_lock_interruptible',
  '__mutex_lock_interruptible_slowpath', 'mutex_lock_killable', '__mutex_lock_killable_slowpath', 'mutex_lock_io',
  '__mutex_lock_common', 'down', 'down_read', 'down_write', 'down_interruptible', 'down_killable', 'down_timeout',
  '__down', '__down_common', '__down_interruptible', '__down_killable', 'down_read_killable', 'down_write_killable',
  'rwsem_down_read_slowpath', 'rwsem_down_write_slowpath', 'rwsem_down_read_failed', 'rwsem_down_write_failed',
  'call_rwsem_down_read_failed', 'call_rwsem_down_write_failed', '__rwsem_down_read_failed_common',
  '__rwsem_down_write_failed_common', 'rt_mutex_slowlock', '__rt_mutex_slowlock', 'rt_mutex_lock',
  '_raw_spin_lock', '_raw_spin_lock_irq', '_raw_spin_lock_irqsave', '_raw_spin_lock_bh', '_raw_read_lock',
  '_raw_write_lock', '_raw_write_lock_bh', '_raw_read_lock_bh', '_raw_write_lock_irqsave', '_raw_read_lock_irqsave',
  '_spin_lock', '_spin_lock_irq', '_spin_lock_irqsave', '_spin_lock_bh', '_read_lock', '_write_lock', '_write_lock_bh',
  'do_raw_spin_lock', 'do_raw_write_lock', 'do_raw_read_lock', 'queued_spin_lock_slowpath',
  'native_queued_spin_lock_slowpath', '__pv_queued_spin_lock_slowpath', 'pv_queued_spin_lock_slowpath',
  'queued_write_lock_slowpath', 'queued_read_lock_slowpath', '__raw_spin_lock', 'spin_lock', 'spin_lock_irqsave',
  '__lock_acquire', 'lock_acquire', 'lock_acquired',
  // entry and task start
  'entry_SYSCALL_64', 'entry_SYSCALL_64_after_hwframe', 'entry_SYSCALL_64_fastpath', 'do_syscall_64',
  'system_call_fastpath', 'system_call', 'system_call_after_swapgs', 'tracesys', 'int_signal', 'sysenter_dispatch',
  'ia32_sysret', 'cstar_dispatch', 'ia32_do_call', 'entry_SYSENTER_compat', 'entry_INT80_compat', 'do_fast_syscall_32',
  'do_int80_syscall_32', 'syscall_exit_to_user_mode', 'exit_to_user_mode_prepare', 'exit_to_user_mode_loop',
  'ret_from_fork', 'ret_from_fork_asm', 'kthread', 'worker_thread', 'process_one_work', 'smpboot_thread_fn',
  'kernel_thread_helper', 'child_rip', 'start_kernel', 'cpu_startup_entry', 'do_idle', 'secondary_startup_64',
  // interrupts and timers (the interrupted code is what matters)
  'irq_exit', 'irq_exit_rcu', '__irq_exit_rcu', '__do_softirq', 'do_softirq', 'do_softirq_own_stack', 'call_softirq',
  'apic_timer_interrupt', 'smp_apic_timer_interrupt', 'sysvec_apic_timer_interrupt', '__sysvec_apic_timer_interrupt',
  'asm_sysvec_apic_timer_interrupt', 'hrtimer_interrupt', '__hrtimer_run_queues', 'tick_sched_timer',
  'tick_sched_handle', 'update_process_times', 'rcu_sched_clock_irq', 'rcu_check_callbacks', 'rcu_pending',
  'watchdog_timer_fn', 'print_cpu_stall', 'rcu_dump_cpu_stacks', 'dump_cpu_task', 'nmi_cpu_backtrace',
  'nmi_trigger_cpumask_backtrace', 'arch_trigger_cpumask_backtrace', 'trigger_single_cpu_backtrace',
  'check_cpu_stall', 'do_nmi', 'exc_nmi', 'nmi_handle', 'default_do_nmi', 'end_repeat_nmi', 'asm_exc_nmi',
  // hung-task / watchdog threads themselves
  'watchdog', 'check_hung_task', 'check_hung_uninterruptible_tasks', 'khungtaskd',
  // OOM plumbing
  'out_of_memory', 'oom_kill_process', 'dump_header', 'oom_kill_process', '__alloc_pages_slowpath',
  '__alloc_pages_may_oom', '__alloc_pages', '__alloc_pages_nodemask', 'alloc_pages_vma', 'pagefault_out_of_memory',
]);

const MACHINERY_PREFIX = [
  'asm_exc_', 'asm_sysvec_', 'sysvec_', 'asm_common_interrupt', '__sysvec_', 'kasan_', '__kasan_', '__asan_',
  'print_address_description', 'print_report', 'lockdep_', 'debug_check_', 'dump_stack', 'trace_', '__traceiter_',
  '__bpf_trace_', 'entry_SYSCALL', 'entry_INT80', 'entry_SYSENTER', '__x64_sys_', '__ia32_sys_', '__se_sys_',
  '__do_sys_', 'do_syscall_', 'ret_from_', 'common_interrupt', '_raw_', 'queued_', 'rwsem_', 'percpu_rwsem_',
];

/** True for frames that are plumbing rather than the code at fault. */
export function isMachinery(fn: string | null): boolean {
  if (!fn) return false;
  const b = baseName(fn);
  if (MACHINERY_EXACT.has(b)) return true;
  return MACHINERY_PREFIX.some((p) => b.startsWith(p));
}

/** Functions that block a task (for hung-task "where it blocks"). */
export const BLOCKING_PRIMITIVES = /^(mutex_lock|__mutex_lock|mutex_lock_\w+|down(_\w+)?|__down\w*|rwsem_down_\w+|wait_for_completion\w*|__wait_rcu_gp|synchronize_(rcu|sched|srcu|net)\w*|rcu_barrier\w*|wait_on_page_bit\w*|folio_wait_bit\w*|__wait_on_bit\w*|io_schedule\w*|rt_mutex_\w*lock|__lock_page\w*|__folio_lock\w*|wait_event\w*|flush_work|flush_workqueue|__flush_work|blk_mq_freeze_queue_wait|jbd2_log_wait_commit)$/;

/** Functions that wait for an RCU grace period. */
export const RCU_WAITERS = /^(synchronize_(rcu|sched|rcu_bh|rcu_expedited|sched_expedited|srcu|net)|__wait_rcu_gp|wait_rcu_gp|_synchronize_rcu|rcu_barrier(_sched|_bh|_tasks)?|synchronize_rcu_tasks|wait_rcu_gp_state)$/;

/**
 * Functions that are only ever called from inside another function's body, on that function's own frame:
 * the stack-protector and panic/warn/oops paths (GCC does not turn calls of noreturn functions into tail
 * jumps). A dispatcher (syscall entry stub, kthread, workqueue) calling one of them directly means the real
 * caller's frame is missing: code the unwinder could not name, or a rewritten stack.
 */
export const NEVER_FROM_DISPATCHER = /^(__stack_chk_fail|panic|nmi_panic|vpanic|__warn|warn_slowpath_(fmt|null|common)|__warn_printk|report_bug|die|oops_end|__die|do_trap|do_error_trap|__bug|BUG|kasan_report|__kasan_report|__list_del_entry_valid|__list_add_valid)$/;

/** Functions whose only callees are the syscall handlers, kthread functions or work items (through pointers). */
export const DISPATCHERS = /^(system_call_fastpath|system_call|system_call_after_swapgs|entry_SYSCALL_64(_after_hwframe|_fastpath)?|entry_SYSCALL_compat|entry_SYSENTER_compat|entry_INT80_compat|entry_INT80_32|sysenter_dispatch|ia32_do_call|cstar_dispatch|tracesys|tracesys_phase2|int_ret_from_sys_call|do_syscall_64|do_fast_syscall_32|do_int80_syscall_32|kthread|ret_from_fork|ret_from_fork_asm|worker_thread|process_one_work|smpboot_thread_fn)$/;

export { thirdPartyModules, moduleFlags } from './modules.js';

export interface CulpritPick {
  function: string | null;
  module: string | null;
  frame: Frame | null;
  /** Where it came from: the RIP, a reliable frame, a third-party frame that outranked a core one. */
  why: 'rip' | 'frame' | 'third-party' | 'unreliable-frame';
}

function locFrame(loc: CodeLocation, raw: string): Frame {
  return { ...loc, reliable: true, context: null, raw };
}

/**
 * The first meaningful frame of an event: the RIP when it is not machinery, else the first reliable
 * non-machinery frame of the task's own stack; a third-party module's frame on that path outranks core frames.
 */
export function pickCulprit(ev: CrashEvent, thirdParty: Set<string>): CulpritPick | null {
  const cands: { f: Frame; isRip: boolean }[] = [];
  if (ev.rip && ev.rip.function && !isMachinery(ev.rip.function)) {
    const ripLine = ev.lines.find((l) => /^\s*(RIP|EIP|PC is at|pc :)/.test(l)) ?? `RIP: ${ev.rip.function}`;
    cands.push({ f: locFrame(ev.rip, ripLine.trim()), isRip: true });
  }
  // Frames of the interrupt stacks describe the interrupt, not the task; use them only if nothing else.
  const taskFrames = ev.frames.filter((f) => f.context === null || f.context === 'task' || f.context === 'exception');
  const frames = taskFrames.length > 0 ? taskFrames : ev.frames;
  for (const f of frames) if (f.reliable && f.function && !isMachinery(f.function)) cands.push({ f, isRip: false });
  if (cands.length === 0) {
    // No trace (interleaved or cut output): `WARNING: CPU: 1 PID: 2 at file.c:10 func+0x1/0x2` names the
    // function in the header; else the title's ` in func` (the title engine already skipped the machinery).
    const hdr = / at \S+:\d+ ([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?: \[([\w-]+)\])?/.exec(ev.header);
    if (hdr && !isMachinery(hdr[1]!)) {
      return { function: hdr[1]!, module: hdr[2] ?? null, frame: null, why: 'rip' };
    }
    // Only unreliable frames: take the first non-machinery one, flagged.
    const u = frames.find((f) => f.function && !isMachinery(f.function));
    if (!u) {
      const t = / in ([A-Za-z_][\w.]*)$/.exec(ev.title);
      if (t && t[1] !== 'corrupted' && !isMachinery(t[1]!)) return { function: t[1]!, module: null, frame: null, why: 'unreliable-frame' };
      const bare = frames.find((f) => !f.function && f.address);
      return bare ? { function: null, module: null, frame: bare, why: 'unreliable-frame' } : null;
    }
    return { function: u.function, module: u.module, frame: u, why: 'unreliable-frame' };
  }
  const first = cands[0]!;
  if (!first.f.module || !thirdParty.has(first.f.module)) {
    const tp = cands.find((c) => c.f.module && thirdParty.has(c.f.module));
    if (tp) return { function: tp.f.function, module: tp.f.module, frame: tp.f, why: 'third-party' };
  }
  return { function: first.f.function, module: first.f.module, frame: first.f, why: first.isRip ? 'rip' : 'frame' };
}
