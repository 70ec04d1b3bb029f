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
  // trap handlers (x86, arm, arm64, powerpc, mips): the faulting code is below them
  'do_stack_segment', 'stack_segment', 'do_double_fault', 'double_fault', 'do_machine_check', 'machine_check',
  'do_int3', 'do_debug', 'do_bounds', 'do_overflow', 'do_segment_not_present', 'do_invalid_TSS', 'do_alignment_check',
  'do_coprocessor_error', 'do_simd_coprocessor_error', 'do_spurious_interrupt_bug', 'error_entry', 'error_exit',
  'paranoid_entry', 'paranoid_exit', 'handle_invalid_op', 'handle_stack_overflow', 'die_addr', 'oops_compat',
  'die_kernel_fault', '__do_kernel_fault', 'do_translation_fault', 'do_mem_abort', 'do_bad_area', 'do_DataAbort',
  'do_PrefetchAbort', '__dabt_svc', '__pabt_svc', '__und_svc', 'do_undefinstr', 'el1_abort', 'el1_da', 'el1_sync',
  'el1_sync_handler', 'el1h_64_sync', 'el1h_64_sync_handler', 'el1_dbg', 'el1_undef', 'el1_inv', 'el1_pc', 'el1_bti',
  'do_debug_exception', 'brk_handler', 'bug_handler', 'call_break_hook', 'arm64_notify_die', 'do_el1_undef',
  'program_check_exception', 'bad_page_fault', '__bad_page_fault', 'handle_page_fault', 'do_bad_page_fault_segv',
  'interrupt_return', 'tlb_do_page_fault_0', 'tlb_do_page_fault_1', 'do_ade', 'do_bp', 'do_tr', 'do_ri',
  'handle_exception', 'do_trap_insn_illegal', 'do_trap_break', 'do_trap_ecall_s',
  // debug checks and reporters that print on behalf of their caller
  '__might_sleep', '___might_sleep', '__might_resched', '__might_fault', 'might_fault', '__cant_sleep',
  '__cant_migrate', '__schedule_bug', 'schedule_debug', 'dump_backtrace', 'show_trace', '__dump_stack',
  'dump_stack_print_info', 'show_regs_print_info', 'unwind_backtrace', 'c_backtrace', 'show_stack_log_lvl',
  'print_circular_bug', 'check_noncircular', 'check_prev_add', 'check_prevs_add', 'validate_chain', 'print_usage_bug',
  'mark_lock', 'mark_lock_irq', 'check_irq_usage', 'print_deadlock_bug', 'check_deadlock', 'lock_release',
  'print_bad_irq_dependency', 'fs_reclaim_acquire', 'fs_reclaim_release', '__fs_reclaim_acquire', 'might_alloc', 'print_lock_invalid_wait_context', 'check_wait_context',
  'watchdog_overflow_callback', 'watchdog_hardlockup_check', 'watchdog_check_hardlockup', 'watchdog_hardlockup_interrupt',
  'watchdog_buddy_check_hardlockup', 'handle_pmi_common', 'nmi_handle', 'default_do_nmi',
  // return and indirect-branch thunks (retbleed/SRSO mitigations): never code of their own
  '__x86_return_thunk', 'srso_return_thunk', 'srso_alias_return_thunk', 'retbleed_return_thunk',
  'zen_untrain_ret', 'srso_untrain_ret', 'srso_alias_untrain_ret', 'srso_safe_ret', 'srso_alias_safe_ret',
  'call_depth_return_thunk', 'entry_untrain_ret', 'retbleed_untrain_ret', 'entry_ibpb',
  // Solaris Porting Layer (ZFS) condition variables and sleeps: scheduler machinery of that module family
  'cv_wait_common', '__cv_wait', '__cv_wait_io', '__cv_wait_idle', '__cv_wait_sig', 'cv_wait', 'cv_wait_io',
  '__cv_timedwait_common', '__cv_timedwait', '__cv_timedwait_io', '__cv_timedwait_idle', '__cv_timedwait_sig',
  'cv_timedwait', 'cv_timedwait_hires_common', '__cv_timedwait_hires', 'cv_timedwait_hires',
  // OOM plumbing
  'out_of_memory', 'oom_kill_process', 'dump_header', 'oom_kill_process', '__alloc_pages_slowpath',
  '__alloc_pages_may_oom', '__alloc_pages', '__alloc_pages_nodemask', 'alloc_pages_vma', 'pagefault_out_of_memory',
  'check_panic_on_oom', 'oom_kill_process', 'dump_header', 'moom_callback', 'sysrq_handle_moom', '__handle_sysrq',
  'handle_sysrq', 'write_sysrq_trigger',
]);

const MACHINERY_PREFIX = [
  'asm_exc_', 'asm_sysvec_', 'sysvec_', 'asm_common_interrupt', '__sysvec_', 'kasan_', '__kasan_', '__asan_',
  'print_address_description', 'print_report', 'lockdep_', 'debug_check_', 'dump_stack', 'trace_', '__traceiter_',
  '__bpf_trace_', 'entry_SYSCALL', 'entry_INT80', 'entry_SYSENTER', '__x64_sys_', '__ia32_sys_', '__se_sys_',
  '__do_sys_', 'do_syscall_', 'ret_from_', 'common_interrupt', '_raw_', 'queued_', 'rwsem_', 'percpu_rwsem_',
  'exc_', '__ubsan_handle_', 'ubsan_', 'kfence_', '__kfence_', 'kmsan_', '__msan_', '__x86_indirect_thunk_',
  '__x86_indirect_call_thunk_', '__x86_indirect_jump_thunk_', '__perf_event_', 'perf_event_overflow',
  'perf_prepare_', 'perf_output_', 'perf_callchain', 'get_perf_callchain', 'intel_pmu_', 'x86_pmu_', 'amd_pmu_',
  'perf_event_nmi_handler', 'armv8pmu_', 'armpmu_',
];

/** True for frames that are plumbing rather than the code at fault. */
export function isMachinery(fn: string | null): boolean {
  if (!fn) return false;
  const b = baseName(fn);
  if (MACHINERY_EXACT.has(b)) return true;
  return MACHINERY_PREFIX.some((p) => b.startsWith(p));
}

/** Functions that block a task (for hung-task "where it blocks"). */
export const BLOCKING_PRIMITIVES = /^(cv_wait\w*|__cv_wait\w*|cv_timedwait\w*|__cv_timedwait\w*|mutex_lock|__mutex_lock|mutex_lock_\w+|down(_\w+)?|__down\w*|rwsem_down_\w+|wait_for_completion\w*|__wait_rcu_gp|synchronize_(rcu|sched|srcu|net)\w*|rcu_barrier\w*|wait_on_page_bit\w*|folio_wait_bit\w*|__wait_on_bit\w*|io_schedule\w*|rt_mutex_\w*lock|__lock_page\w*|__folio_lock\w*|wait_event\w*|flush_work|flush_workqueue|__flush_work|blk_mq_freeze_queue_wait|jbd2_log_wait_commit)$/;

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

/** Sanitizer kinds whose report names the instrumented string function (memcpy) rather than its caller. */
const SANITIZER_KINDS = new Set(['kasan', 'kmsan', 'kfence']);
const STRING_FUNCTIONS = /^_*(mem(cpy|set|move|cmp|chr|scan)|str[a-z]*|copy_(to|from)_user\w*|_copy_(to|from)_user|raw_copy_\w+)$/;

/** A kernel-half code address (64-bit above the canonical hole, 32-bit at 0x80000000 and up). */
export function isKernelAddress(hex: string | null | undefined): boolean {
  if (!hex) return false;
  const h = hex.replace(/^0x/i, '').replace(/^0+/, '');
  if (!/^[0-9a-f]{1,16}$/i.test(h)) return false;
  const v = BigInt('0x' + h);
  return h.length > 8 ? v >= 0xffff800000000000n : v >= 0x80000000n;
}

/** The module a function's printed frames name: `fn+0x1/0x2 [mod]` anywhere in the event's lines. */
export function moduleOfFunction(ev: CrashEvent, fn: string): string | null {
  for (const f of ev.frames) if (f.function === fn && f.module) return f.module;
  if (ev.rip?.function === fn && ev.rip.module) return ev.rip.module;
  const needle = fn;
  for (const l of ev.lines.slice(0, 400)) {
    let i = l.indexOf(needle);
    while (i >= 0) {
      if (i === 0 || !/[\w.]/.test(l[i - 1]!)) {
        const m = /^(?:\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16})?\s*\[([\w-]{1,64})\]/.exec(l.slice(i + fn.length, i + fn.length + 120));
        if (m) return m[1]!;
      }
      i = l.indexOf(needle, i + 1);
    }
  }
  return null;
}

/**
 * The first meaningful frame of an event: the RIP when it is not machinery, else the first reliable
 * non-machinery frame of the task's own stack; a third-party module's frame on that path outranks core frames.
 * A RIP that is a bare kernel address (code no symbol names) is the culprit itself: function unknown.
 */
export function pickCulprit(ev: CrashEvent, thirdParty: Set<string>): CulpritPick | null {
  const withModule = (p: CulpritPick | null): CulpritPick | null =>
    p && p.function && !p.module ? { ...p, module: moduleOfFunction(ev, p.function) } : p;
  return withModule(pickCulpritFrame(ev, thirdParty));
}

/** Allocator entry points: on a frame (not the RIP) the caller is what asked for the memory. */
const ALLOCATOR = /^(kmem_cache_alloc\w*|__kmem_cache_alloc\w*|kmalloc\w*|__kmalloc\w*|kmalloc_trace\w*|kzalloc|kcalloc|krealloc|__krealloc|kvmalloc\w*|__kvmalloc\w*|vmalloc\w*|__vmalloc\w*|vzalloc|slab_alloc\w*|__slab_alloc\w*|___slab_alloc|new_slab|allocate_slab|alloc_pages|alloc_pages_current|__alloc_pages\w*|__get_free_pages|get_zeroed_page|__folio_alloc|folio_alloc|mempool_alloc|kmem_cache_zalloc)$/;
/** Entry code: a RIP there is the fault (SYSEXIT/IRET faults), though as a frame it is plumbing. */
const ENTRY_CODE = /^(entry_|system_call|ia32_|sysenter_|native_irq_return|native_iret|restore_regs_and_return|swapgs_restore|irq_return|ret_from_intr|resume_userspace)/;
/** `RIP: 0010:[<..>]  [<..>] f+0x1/0x2`, `EIP is at f+0x1/0x2`, `PC is at f+0x1/0x2`, `IP: [<..>] f+0x1/0x2`. */
const RIP_NAME_LINE = /^\s*(?:EIP is at|PC is at|IP: \[<[0-9a-f]+>\]|RIP: [0-9a-f]{4}:\[<[0-9a-f]+>\]\s+\[<[0-9a-f]+>\]|NIP \[[0-9a-f]+\]) ([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?: \[([\w-]{1,64})\])?/;
/** `#6: ffff... (&p->lock#2){+.+.}-{3:3}, at: rcu_pending_enqueue+0x68/0x4f4 [mod]`, a lockdep held-lock line. */
const HELD_LOCK_AT = /^\s*#\d+:.*\bat: (?:\[<[0-9a-f]+>\] )?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?: \[([\w-]{1,64})\])?/;
const TAGGED_FRAME = /(?:^|[\s(])([A-Za-z_][\w.]*)\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16} \[([\w-]{1,64})\]/;
const LOCKUPS = new Set(['soft-lockup', 'hard-lockup', 'rcu-stall']);
const ASSERT_SITE = /(?:\(|PANIC at )[\w.-]{1,100}\.[ch]:\d{1,6}:([A-Za-z_]\w{0,127})\(\)/;
/** A whole line that is one reliable frame: `  func+0x1f/0x40 [mod]`, `[<ffffffff8108a0b5>] func+0x1f/0x40`. */
const BARE_FRAME_LINE = /^\s{0,40}(?:\[<[0-9a-f]{8,16}>\]\s{1,4})?([A-Za-z_][\w.]{0,127})\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16}(?: \[([\w-]{1,64})\])?\s*$/;

function pickCulpritFrame(ev: CrashEvent, thirdParty: Set<string>): CulpritPick | null {
  // Registers and stack cannot be trusted when the stack pointer is garbage.
  if (stackPointerCorrupt(ev)) return null;
  // `rcu_sched kthread starved`: the grace-period kthread's own stack shows where it waits, not the cause.
  if (ev.kind === 'rcu-stall' && ev.lines.slice(0, 40).some((l) => /kthread starved for \d+ jiffies/.test(l)) &&
    ev.frames.some((f) => f.function && /^rcu_gp_kthread$|^rcu_gp_fqs_loop$/.test(baseName(f.function)))) return null;
  const ripLine = ev.lines.find((l) => /^\s*(RIP|EIP|PC is at|pc :|NIP|epc)/.test(l));
  let rip = ev.rip;
  if (rip && !rip.function) {
    // The symbol may be on another line of the same report (`EIP is at f+0x1/0x2` after `EIP: [<c11e4690>]`).
    for (const l of ev.lines.slice(0, 200)) {
      const m = RIP_NAME_LINE.exec(l);
      if (m) { rip = { ...rip, function: m[1]!, module: m[2] ?? rip.module }; break; }
    }
  }
  if (rip && !rip.function && isKernelAddress(rip.address) && !(ripLine && /^\s*RIP: (?!0010)[0-9a-f]{4}:/.test(ripLine))) {
    return { function: null, module: rip.module, frame: locFrame(rip, (ripLine ?? `RIP: ${rip.address}`).trim()), why: 'rip' };
  }
  const sanitizer = SANITIZER_KINDS.has(ev.kind);
  const skip = (fn: string | null) => !fn || isMachinery(fn) || (sanitizer && STRING_FUNCTIONS.test(baseName(fn)));
  const skipFrame = (fn: string | null) => skip(fn) || ALLOCATOR.test(baseName(fn!));
  const cands: { f: Frame; isRip: boolean }[] = [];
  if (rip && rip.function && (!skip(rip.function) || ENTRY_CODE.test(baseName(rip.function)))) {
    cands.push({ f: locFrame(rip, (ripLine ?? `RIP: ${rip.function}`).trim()), isRip: true });
  }
  // Frames of the interrupt stacks describe the interrupt, not the task; use them only if nothing else.
  const taskFrames = ev.frames.filter((f) => f.context === null || f.context === 'task' || f.context === 'exception');
  const frames = taskFrames.length > 0 ? taskFrames : ev.frames;
  for (const f of frames) {
    if (!f.reliable) continue;
    if (!skipFrame(f.function)) cands.push({ f, isRip: false });
    // A reliable frame at a bare address before anything meaningful: the caller is code no symbol names.
    else if (!f.function && f.address && cands.length === 0) {
      const tp = frames.find((x) => x.function && x.module && thirdParty.has(x.module) && !skipFrame(x.function));
      if (tp) return { function: tp.function, module: tp.module, frame: tp, why: 'third-party' };
      return { function: null, module: f.module, frame: f, why: 'frame' };
    }
  }
  if (cands.length === 0) {
    // Only unreliable (`?`) frames, routine on kernels without a reliable unwinder: a third-party module's
    // frame among them still outranks the rest (a WARN in core code called from the module).
    const tpU = frames.find((f) => f.function && f.module && thirdParty.has(f.module) && !skipFrame(f.function));
    if (tpU) return { function: tpU.function, module: tpU.module, frame: tpU, why: 'third-party' };
    // Trace lines the reader did not take as frames: a third-party module's symbol there outranks the rest.
    for (const l of ev.lines.slice(0, 400)) {
      if (/^\s*Modules linked in:/.test(l)) continue;
      const m = TAGGED_FRAME.exec(l);
      if (m && thirdParty.has(m[2]!) && !skipFrame(m[1]!)) return { function: m[1]!, module: m[2]!, frame: null, why: 'third-party' };
    }
    // No trace (interleaved or cut output): `WARNING: CPU: 1 PID: 2 at file.c:10 func+0x1/0x2` names the
    // function in the header; `... at file.c:10 0x860546a4 [mod@base+0x96c0]` only the module.
    const hdr = / at \S+:\d+ ([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?: \[([\w-]+)\])?/.exec(ev.header);
    if (hdr && !isMachinery(hdr[1]!)) {
      return { function: hdr[1]!, module: hdr[2] ?? null, frame: null, why: 'rip' };
    }
    // A sanitizer report without a stack: the access site its header names (`BUG: KASAN: slab-out-of-bounds in
    // f+0x16/0x30 [mod]`, read by the log reader as siteFunction/siteModule), past string functions.
    const siteFn = ev.details.siteFunction;
    if (sanitizer && typeof siteFn === 'string' && !skip(siteFn)) {
      const siteMod = ev.details.siteModule;
      return { function: siteFn, module: typeof siteMod === 'string' ? siteMod : null, frame: null, why: 'rip' };
    }
    const bareHdr = / at \S+:\d+ (?:0x)?[0-9a-f]{6,16} \[([\w-]{1,64})@[0-9a-f]+\+0x[0-9a-f]+\]/.exec(ev.header);
    if (bareHdr) return { function: null, module: bareHdr[1]!, frame: null, why: 'rip' };
    // Frame lines the reader did not take as a trace (a pasted trace under a markdown heading, elided with
    // `...`): the first meaningful reliable one.
    // Lockdep prints the stacks of earlier lock acquisitions: not the reporting task's trace.
    if (ev.frames.length === 0 && ev.kind !== 'lockdep') {
      for (const l of ev.lines.slice(0, 400)) {
        const m = BARE_FRAME_LINE.exec(l);
        if (m && !skipFrame(m[1]!)) return { function: m[1]!, module: m[2] ?? null, frame: null, why: 'frame' };
      }
    }
    // Assertion macros that print `(file.c:136:func())` (Lustre LASSERT/LBUG) or `PANIC at file.c:123:func()`
    // (SPL VERIFY): the function that asserted.
    if (ev.kind === 'panic' || ev.kind === 'bug') {
      for (const l of ev.lines.slice(0, 80)) {
        const m = ASSERT_SITE.exec(l);
        if (m && !skipFrame(m[1]!)) return { function: m[1]!, module: null, frame: null, why: 'frame' };
      }
    }
    // The module's own message right before the report (`mod:func():37: ...`, `[drm:func [mod]] ...`, kept
    // by the log reader as the event's lead-in) when nothing else names code: the function it was in.
    const leadFn = ev.details.leadInFunction;
    if (typeof leadFn === 'string' && !skipFrame(leadFn)) {
      const leadMod = ev.details.leadInModule;
      return { function: leadFn, module: typeof leadMod === 'string' ? leadMod : null, frame: null, why: 'frame' };
    }
    // A sleeping-in-atomic or lock report without a stack: the innermost lock held was taken in the culprit.
    if (ev.kind === 'warning' || ev.kind === 'bug' || ev.kind === 'lockdep') {
      let last: RegExpExecArray | null = null;
      for (const l of ev.lines.slice(0, 200)) { const m = HELD_LOCK_AT.exec(l); if (m) last = m; }
      if (last && !skipFrame(last[1]!)) return { function: last[1]!, module: last[2] ?? null, frame: null, why: 'frame' };
    }
    // Reliable frames that are all machinery: nothing past them is shown; guessed frames would be a guess.
    const hasReliable = frames.some((f) => f.reliable && f.function);
    const u = hasReliable ? undefined : frames.find((f) => !skipFrame(f.function));
    if (!u) {
      // The title engine's ` in func`; for a lockup, where the CPU is stuck even in softirq or idle code.
      const t = / in ([A-Za-z_][\w.]*)$/.exec(ev.title);
      if (t && t[1] !== 'corrupted' && (!skip(t[1]!) || (LOCKUPS.has(ev.kind) && !/^(watchdog|panic|dump_stack)/.test(t[1]!)))) {
        return { function: t[1]!, module: null, frame: null, why: 'unreliable-frame' };
      }
      const bare = hasReliable ? undefined : frames.find((f) => !f.function && f.address);
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

/**
 * True when a kernel-mode report's stack pointer is not a kernel address (x86_64 `RSP: 0018:00000000beef894c`):
 * the stack was switched to garbage, so neither the registers nor the trace can name the code at fault.
 */
export function stackPointerCorrupt(ev: CrashEvent): boolean {
  const raw = ev.registers['RSP'];
  if (!raw) return false;
  const m = /^(?:([0-9a-f]{4}):)?([0-9a-f]{16})$/i.exec(raw.trim());
  if (!m) return false;
  // 0018 / 0010: the kernel's stack segment; user mode (002b) has user stack pointers by design.
  if (m[1] && m[1] !== '0018' && m[1] !== '0000') return false;
  const ripLine = ev.lines.find((l) => /^\s*RIP: [0-9a-f]{4}:/.test(l));
  if (ripLine && !/^\s*RIP: 0010:/.test(ripLine)) return false;
  return BigInt('0x' + m[2]) < 0xffff800000000000n;
}
