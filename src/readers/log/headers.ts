// The header table: which message line starts which kind of report (DECISIONS.md 1).
import { LINUX_OOPSES } from '../../title/linux-oopses.js';
import { execRule } from '../../title/goregex.js';
// Modelled on the oops table of syzkaller's pkg/report/linux.go (header words, suppressions), written anew
// for our kind vocabulary. Order matters: the first matching rule wins, so specific rules come first.

import type { EventKind } from '../../model/types.js';

export interface HeaderRule {
  id: string;
  /** Literal that must occur in the message (cheap test before the regex). */
  key: string;
  re: RegExp;
  kind: EventKind;
  /** Secondary headers (`Oops:`, `invalid opcode:`, `kernel BUG at` ...) join a report that is still in its preamble. */
  secondary?: boolean;
  /** Only when the header is at the start of the message (after blanks). */
  anchored?: boolean;
  suppress?: RegExp[];
  /** `Kernel panic - not syncing:` handling (see reader). */
  panic?: boolean;
  /** Literals of which a message matching `re` holds at least one, where `key` is not specific (the
   *  count-only pre-filter, COUNT_RE, is built from them). Default: [key]. */
  needs?: string[];
}

/** Specificity: when one report prints several headers, the highest rank gives the kind. */
export const KIND_RANK: Record<EventKind, number> = {
  'list-corruption': 95, kasan: 90, kfence: 90, kmsan: 90, ubsan: 85, 'stack-protector': 85, 'stack-overflow': 80,
  'double-fault': 78, 'null-deref': 75, 'paging-request': 74, bug: 60, gpf: 55, 'divide-error': 50,
  'invalid-opcode': 45, mce: 70, lockdep: 65, warning: 30, oops: 10, panic: 5, sysrq: 70, oom: 70, 'soft-lockup': 70,
  'hard-lockup': 70, 'hung-task': 70, 'rcu-stall': 70, unknown: 0,
};

const NW = '(?<![A-Za-z0-9_-])';
const r = (src: string, flags = ''): RegExp => new RegExp(src, flags);

export const HEADER_RULES: readonly HeaderRule[] = [
  // A panic line is looked at first: it ends or starts a report (reader decides).
  { id: 'panic', key: 'Kernel panic', re: r(`${NW}Kernel panic - not syncing:? ?`), kind: 'panic', panic: true,
    suppress: [/---\[ end Kernel panic/] },
  { id: 'kasan', key: 'BUG: KAS', re: r(`${NW}BUG: KASAN: `, 'i'), kind: 'kasan' },
  { id: 'kfence', key: 'BUG: KFENCE', re: r(`${NW}BUG: KFENCE: `), kind: 'kfence' },
  { id: 'kmsan', key: 'BUG: KMSAN', re: r(`${NW}BUG: KMSAN: `), kind: 'kmsan' },
  { id: 'kcsan', key: 'BUG: KCSAN', re: r(`${NW}BUG: KCSAN: `), kind: 'warning' },
  { id: 'ubsan', key: 'UBSAN: ', re: r(`${NW}UBSAN: \\S`), kind: 'ubsan' },
  { id: 'null-deref', key: 'NULL pointer dereference',
    re: r(`${NW}(?:BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)|Unable to handle kernel NULL pointer dereference)`),
    kind: 'null-deref' },
  { id: 'paging-request', key: 'nable to handle',
    re: r(`${NW}(?:BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access|Unable to handle kernel instruction fetch|unable to handle kernel)|Unable to handle kernel (?:paging request|access to user memory|read from unreadable memory|execute from non-executable memory|write to read-only memory))`),
    kind: 'paging-request' },
  { id: 'soft-lockup', key: 'BUG: soft lockup', re: r(`${NW}BUG: soft lockup`), kind: 'soft-lockup' },
  { id: 'hard-lockup', key: 'hard LOCKUP', re: r(`${NW}(?:NMI watchdog: )?Watchdog detected hard LOCKUP on cpu \\d+`), kind: 'hard-lockup' },
  // powerpc (arch/powerpc/kernel/watchdog.c): `Watchdog CPU:42 Hard LOCKUP` is the locked CPU's own report;
  // `Watchdog CPU:71 detected Hard LOCKUP other CPUS:42` (the detecting CPU) is not a header.
  { id: 'hard-lockup-ppc', key: 'Hard LOCKUP', re: r(`${NW}Watchdog CPU:\\d+ Hard LOCKUP`), kind: 'hard-lockup' },
  { id: 'hung-task', key: 'INFO: task ',
    re: r(`${NW}INFO: task .{1,64}:\\d+ (?:blocked (?:in I/O wait )?for more than \\d+ seconds|can't die for more than)|^\\s*INFO: task [^\\s:]{1,64}$`),
    kind: 'hung-task' },
  { id: 'rcu-stall', key: 'INFO: ', re: r(`${NW}INFO: (?:rcu_\\w+|RCU|rcu|rcu_preempt|rcu_sched) [^\\n]*(?:detected|stall)`),
    kind: 'rcu-stall' },
  { id: 'lockdep', key: ': ',
    re: r(`${NW}(?:WARNING|INFO|BUG): (?:possible circular locking dependency detected|possible recursive locking detected|inconsistent lock state|possible irq lock inversion dependency detected|\\S+-safe -> \\S+-unsafe lock order detected|suspicious RCU usage|bad unlock balance detected!|held lock freed!|.*still has locks held!|Nested lock was not taken|lock held when returning to user space|trying to register non-static key|Invalid wait context|MAX_LOCK_DEPTH too low|MAX_LOCKDEP_\\w+ too low|looking up invalid subclass|lock held at task exit time|circular locking deadlock detected|lockdep bfs error)`),
    kind: 'lockdep', needs: ['WARNING: ', 'INFO: ', 'BUG: '] },
  { id: 'warning-list', key: 'lib/list_debug.c', re: r(`${NW}WARNING: .*lib/list_debug\\.c`), kind: 'list-corruption', needs: ['WARNING: '] },
  { id: 'warning-lockdep', key: 'locking/lockdep.c', re: r(`${NW}WARNING: .*kernel/locking/lockdep\\.c`), kind: 'lockdep', needs: ['WARNING: '] },
  { id: 'warning', key: 'WARNING:',
    re: r(`${NW}WARNING: (?:CPU: \\d+ (?:UID: \\d+ )?PID: \\d+ |at \\S|\\[.*\\] \\S+ at |\\S+ at 0x\\d+, CPU#\\d+|\\S+:\\d+ at \\S+\\+0x|kernel stack (?:regs|frame pointer) at |\\S+:\\d+ \\S+\\+0x)|^\\s*WARNING:\\s*$`),
    kind: 'warning' },
  { id: 'list-corruption', key: 'corruption',
    re: r(`${NW}(?:list_add corruption|list_del corruption|list_add_rcu corruption|hlist_\\w+ corruption|list_bl_\\w+ corruption)`),
    kind: 'list-corruption', secondary: true },
  { id: 'list-double-add', key: 'double add', re: r(`${NW}list_add double add`), kind: 'list-corruption', secondary: true },
  { id: 'bug-list', key: 'BUG at lib/list_debug.c', re: r(`${NW}[Kk]ernel BUG at lib/list_debug\\.c`), kind: 'list-corruption', secondary: true },
  { id: 'kernel-bug', key: 'BUG at', re: r(`${NW}[Kk]ernel BUG at `), kind: 'bug', secondary: true },
  { id: 'stack-guard', key: 'stack guard page', re: r(`${NW}BUG: (?:\\w+ )?stack guard page was hit at`), kind: 'stack-overflow' },
  { id: 'stack-overflow-df', key: 'kernel stack overflow', re: r(`${NW}kernel stack overflow \\((?:double-fault|page fault)\\)`), kind: 'stack-overflow', secondary: true },
  { id: 'double-fault', key: 'double fault', re: r(`${NW}(?:PANIC: double fault|double fault: [0-9a-f]{4})`), kind: 'double-fault', secondary: true },
  { id: 'gpf', key: 'general protection fault', re: r(`${NW}general protection fault`), kind: 'gpf', secondary: true,
    suppress: [/general protection fault .* error:\d+ in /, /\btraps: /, /\bgeneral protection fault ip:/] },
  { id: 'stack-segment', key: 'stack segment: ', re: r(`${NW}stack segment: [0-9a-f]{4}`), kind: 'gpf', secondary: true },
  { id: 'divide-error', key: 'ivide', re: r(`${NW}divide(?: |_)error: [0-9a-f]{4}`), kind: 'divide-error', secondary: true },
  { id: 'invalid-opcode', key: 'invalid opcode: ', re: r(`${NW}invalid opcode: [0-9a-f]{4}`), kind: 'invalid-opcode', secondary: true },
  { id: 'int3', key: 'int3: ', re: r(`${NW}int3: [0-9a-f]{4}`), kind: 'oops', secondary: true },
  { id: 'arm-bug', key: 'Oops - BUG', re: r(`${NW}(?:Internal error: )?Oops - BUG: `), kind: 'bug', secondary: true },
  // powerpc's unrecoverable machine check (arch/powerpc/kernel/traps.c die()).
  { id: 'mce-ppc', key: 'Machine check, sig', re: r(`^\\s*Oops: Machine check, sig: \\d+`), kind: 'mce', secondary: true },
  { id: 'oops', key: 'Oops', re: r(`^\\s*(?:Internal error: )?Oops(?:: | - |\\[#)`), kind: 'oops', secondary: true },
  { id: 'arm-internal', key: 'Internal error: ', re: r(`^\\s*Internal error: `), kind: 'oops', secondary: true },
  { id: 'arm-unhandled', key: 'Unhandled fault: ', re: r(`^\\s*Unhandled fault: `), kind: 'oops' },
  { id: 'sysrq', key: 'rigger a crash', re: r(`(?:sysrq|SysRq) ?: (?:SysRq : )?Trigger a crash`), kind: 'sysrq' },
  { id: 'oom', key: 'invoked oom-killer', re: r(`^\\s*\\S.{0,64} invoked oom-killer: `), kind: 'oom' },
  // A machine check exception in progress (print_mce: `Machine Check Exception` when MCG_STATUS.MCIP is set)
  // and mce_panic's reason line. `CPU N: Machine Check: ... Bank` without `Exception` is a logged (polled,
  // CMCI, boot-time) record: input for hardware findings, not a crash.
  { id: 'mce', key: 'achine ', re: r(`(?:Machine Check Exception: |\\[Hardware Error\\]: Machine check: )`), kind: 'mce',
    needs: ['Machine Check Exception', 'Machine check: '] },
  { id: 'slub', key: 'ainted', re: r(`^\\s*BUG [\\w.:-]+ \\((?:Not tainted|Tainted: [^)]*)\\): (?!kasan:)`), kind: 'bug', needs: ['BUG '] },
  { id: 'rust-panic', key: 'rust_kernel: panicked', re: r(`rust_kernel: panicked`), kind: 'bug' },
  { id: 'slub-info', key: 'INFO: ', re: r(`${NW}INFO: (?:Freed|Allocated) in \\S+\\+0x`), kind: 'bug' },
  { id: 'info-bare', key: 'INFO:', re: r(`^\\s*INFO:\\s*$`), kind: 'unknown' },
  { id: 'vfs', key: 'VFS: ', re: r(`^\\s*VFS: (?:Busy inodes after unmount|Close: file count is 0)`), kind: 'bug' },
  { id: 'netdev-wait', key: 'unregister_netdevice', re: r(`unregister_netdevice: waiting for .* to become free`), kind: 'unknown' },
  { id: 'atomic-sleep', key: 'BUG: ',
    re: r(`${NW}BUG: (?:sleeping function called from invalid context|scheduling while atomic|memory leak|using \\w+\\(\\) in preemptible|workqueue leaked lock)`),
    kind: 'warning' },
  { id: 'bug-generic', key: 'BUG:', re: r(`${NW}BUG:(?: \\S|\\s*$)`), kind: 'bug',
    suppress: [/BUG: no syscalls can create resource/] },
];

/** Cheap pre-filter for lines outside a report: a line without any of these words cannot start or feed one. */
export const INTEREST_RE =
  /BUG|WARNING|INFO:|Oops|panic|Kernel BUG|kernel BUG|general protection|invalid opcode|ivide.error|oom-killer|rigger a crash|UBSAN|corruption|double add|LOCKUP|lockup|stack guard|stack segment|stack overflow|nable to handle|Internal error|Unhandled fault|Machine Check|Machine check|Hardware Error|EDAC |Memory failure|RAS: |hung_task_timeout|kthread starved|ticks this GP|jiffies! g|Linux version|taints kernel|tainting kernel|DMI: |messages dropped|unregister_netdevice|VFS: |int3: |double fault|rust_kernel|Out of memory|cut here|Killed process|Kill process|Alignment trap|SYZFA|elfcorehdr=|NMI watchdog/;

/**
 * Count-only pre-filter (reader.ts, past the detail limit): a message for which matchHeader returns a
 * rule other than the panic rule holds one of these literals (each rule needs its key, or one of its
 * `needs`); literals that contain another one are left out. The literals are ASCII, so they can be
 * searched in the bytes of a chunk read as latin1 (an ASCII byte is always the same character in UTF-8).
 */
export const COUNT_LITERALS: readonly string[] = (() => {
  const all = new Set<string>();
  for (const rule of HEADER_RULES) if (!rule.panic) for (const l of rule.needs ?? [rule.key]) all.add(l);
  return [...all].filter((l) => ![...all].some((o) => o !== l && l.includes(o)));
})();
export const COUNT_RE = new RegExp(COUNT_LITERALS.map((l) => l.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|'), 'g');

export interface HeaderMatch {
  rule: HeaderRule;
  /** Offset of the match in the message. */
  index: number;
}

/** The header rule a kernel message starts, or null. */
export function matchHeader(msg: string): HeaderMatch | null {
  for (const rule of HEADER_RULES) {
    if (!msg.includes(rule.key)) continue;
    const m = rule.re.exec(msg);
    if (!m) continue;
    if (rule.suppress && rule.suppress.some((s) => s.test(msg))) continue;
    return { rule, index: m.index };
  }
  return null;
}

/** What a `Kernel panic - not syncing: MSG` says about the report it ends (or starts). */
export interface PanicClass {
  /** Kind of the event the panic starts when it is a report of its own (stack-protector ...), else null. */
  ownKind: EventKind | null;
  /** Kinds of a preceding report this panic ends; null = any report. */
  ends: EventKind[] | null;
  /** False when the panic never ends another report (a bare panic). */
  endsReport: boolean;
}

const OOPS_KINDS: EventKind[] = [
  'oops', 'null-deref', 'paging-request', 'gpf', 'bug', 'list-corruption', 'double-fault', 'stack-overflow',
  'divide-error', 'invalid-opcode', 'mce', 'kasan', 'kfence', 'kmsan', 'ubsan', 'warning', 'lockdep', 'unknown',
];

export function classifyPanic(message: string): PanicClass {
  const m = message;
  if (/stack-protector: Kernel stack is corrupted in|Kernel stack is corrupted in:/.test(m)) return { ownKind: 'stack-protector', ends: null, endsReport: false };
  if (/corrupted stack end detected|kernel stack overflow/.test(m)) return { ownKind: 'stack-overflow', ends: ['stack-overflow', 'double-fault'], endsReport: true };
  if (/hard LOCKUP|Hard LOCKUP/.test(m)) return { ownKind: 'hard-lockup', ends: ['hard-lockup'], endsReport: true };
  if (/[Mm]achine [Cc]heck|MCE/.test(m)) return { ownKind: 'mce', ends: ['mce'], endsReport: true };
  // `softlockup: hung tasks` holds `hung task`: it is looked at first.
  if (/softlockup: hung tasks|soft lockup/.test(m)) return { ownKind: null, ends: ['soft-lockup'], endsReport: true };
  if (/hung_task: blocked tasks|hung task/.test(m)) return { ownKind: null, ends: ['hung-task'], endsReport: true };
  // panic_on_oom (and an OOM with nothing left to kill) ends the OOM report or, printed alone, is one.
  if (/Out of memory|out of memory|System is deadlocked on memory|panic_on_oom/.test(m)) return { ownKind: 'oom', ends: ['oom'], endsReport: true };
  if (/sysrq triggered crash/.test(m)) return { ownKind: 'sysrq', ends: ['sysrq'], endsReport: true };
  if (/RCU Stall|rcu_stall/.test(m)) return { ownKind: null, ends: ['rcu-stall'], endsReport: true };
  if (/panic_on_warn set|panic_on_taint/.test(m)) return { ownKind: null, ends: null, endsReport: true };
  if (/Fatal exception|Aiee, killing interrupt handler|Attempted to kill (?:init|the idle task)|panic_on_oops|Oops|Fatal trap/.test(m)) {
    return { ownKind: null, ends: OOPS_KINDS, endsReport: true };
  }
  return { ownKind: null, ends: null, endsReport: false };
}


// ---- Fallback: syzkaller's own oops headers (src/title/linux-oopses.ts) ----
// A line that no rule above knows but that starts a report in syzkaller's table opens an event, kept only
// if the title engine confirms a report starts there (reader.ts). Two syzkaller headers are left out
// on purpose: `Booting the kernel.` (a console capture that starts at boot is not a crash: DECISIONS.md 1)
// and `fatal error:` (Go runtime crashes of syzkaller's own tools; compilers print it too); panics are
// the panic rule's alone (it knows `---[ end Kernel panic` is the end of one, not a report).
const SYZ_LEFT_OUT = new Set(['Booting the kernel.', 'fatal error:', 'Kernel panic']);
const SYZ_KIND: Record<string, EventKind> = {
  'BUG:': 'bug', 'WARNING:': 'warning', 'Unable to handle kernel': 'oops', 'general protection fault': 'gpf',
  'PANIC: double fault': 'double-fault', 'kernel BUG': 'bug', 'Kernel BUG': 'bug', 'divide error:': 'divide-error',
  'divide_error:': 'divide-error', 'invalid opcode:': 'invalid-opcode', 'UBSAN:': 'ubsan', 'Internal error:': 'oops',
  'Unhandled fault:': 'oops', 'Alignment trap:': 'oops',
};

export interface SyzHeaderMatch {
  header: string;
  kind: EventKind;
}

export function matchSyzHeader(msg: string): SyzHeaderMatch | null {
  for (const o of LINUX_OOPSES) {
    if (SYZ_LEFT_OUT.has(o.header) || !msg.includes(o.header)) continue;
    if (o.suppressions.some((sup) => execRule(sup, msg) !== null)) continue;
    return { header: o.header, kind: SYZ_KIND[o.header] ?? 'unknown' };
  }
  return null;
}
