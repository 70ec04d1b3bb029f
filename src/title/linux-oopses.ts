// The Linux oops table: for each header, the title formats (title regex, optional report regex,
// title template, alternative titles, stack-frame rule) and the header's suppressions.
// The order of headers and formats is significant (first header found on a line wins; among
// formats, the earliest title match in the report wins, ties to the first in the table).

import { compile, quoteMeta, type GoRe } from './goregex.js';
import { linuxCallTrace, linuxHangTaskFrameExtractor, linuxRipFrame, linuxStallFrameExtractor } from './linux-stack.js';
import { PARSE_STACK_TRACE as STACK, type Oops, type StackFmt } from './rules.js';

const R = String.raw;
const c = compile;

/** WARNINGs: the stack starts at the RIP line (x86) or `--- interrupt:` (powerpc); else after Call Trace. */
function warningStack(...skip: string[]): StackFmt {
  return {
    parts: [c(`(?:${linuxRipFrame.go}|--- interrupt: [0-9]+ at {{FUNC}})`), STACK],
    parts2: [linuxCallTrace, STACK],
    skip,
  };
}

/** RIP frame, then the call trace. */
function ripThenTrace(skip?: string[]): StackFmt {
  return skip ? { parts: [linuxRipFrame, linuxCallTrace, STACK], skip } : { parts: [linuxRipFrame, linuxCallTrace, STACK] };
}

function traceOnly(skip?: string[]): StackFmt {
  return skip ? { parts: [linuxCallTrace, STACK], skip } : { parts: [linuxCallTrace, STACK] };
}

const none: GoRe[] = [];

const BUG: Oops = {
  header: 'BUG:',
  formats: [
    {
      title: c('BUG: KASAN:'),
      report: c(R`BUG: KASAN: ([a-z\-]+) in {{FUNC}}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)`),
      fmt: 'KASAN: %[1]v %[3]v in %[4]v',
      alt: ['bad-access in %[4]v'],
      stack: {
        parts: [c(R`BUG: KASAN: (?:[a-z\-]+) in {{FUNC}}`), linuxCallTrace, STACK],
        // KASAN_HW_TAGS reports carry these.
        skip: ['kernel_fault', 'tag_check', 'mem_abort', '^el1_', '^el1h_'],
      },
    },
    {
      title: c('BUG: KASAN:'),
      report: c('BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}'),
      fmt: 'KASAN: invalid-free in %[2]v',
      alt: ['invalid-free in %[2]v'],
      stack: {
        parts: [c('BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}'), linuxCallTrace, STACK],
        skip: ['slab_', 'kfree', 'vunmap', 'vfree'],
      },
    },
    { title: c(R`BUG: KASAN: ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+)`), fmt: 'KASAN: %[1]v %[2]v' },
    { title: c('BUG: KASAN: (.*)'), fmt: 'KASAN: %[1]v', corrupted: true },
    {
      title: c('BUG: KMSAN: kernel-usb-infoleak'),
      report: c('BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}'),
      fmt: 'KMSAN: kernel-usb-infoleak in %[2]v',
      alt: ['KMSAN origin in %[3]v'],
      stack: {
        parts: [STACK, c('(Local variable .* created at:|Uninit was created at:)'), STACK],
        skip: ['alloc_skb', 'usb_submit_urb', 'usb_start_wait_urb', 'usb_bulk_msg', 'usb_interrupt_msg', 'usb_control_msg'],
      },
      noStackTrace: true,
    },
    {
      title: c('BUG: KMSAN:'),
      report: c(R`BUG: KMSAN: ([a-z\-]+) in {{FUNC}}`),
      fmt: 'KMSAN: %[1]v in %[3]v',
      alt: ['bad-access in %[3]v'],
      stack: {
        parts: [STACK, c('(Local variable .* created at:|Uninit was created at:)'), STACK],
        // Generic crypto code is where the bug is hit, not where it is.
        skip: ['alloc_skb', 'netlink_ack', 'netlink_rcv_skb', '_encrypt$', '^(?:crypto|cipher|drbg|rng)_'],
      },
      noStackTrace: true,
    },
    { title: c('BUG: KCSAN: data-race'), report: c('BUG: KCSAN: (.*)'), fmt: 'KCSAN: %[1]v', noStackTrace: true },
    { title: c('BUG: KCSAN:'), report: c('BUG: KCSAN: (.*)'), fmt: 'KCSAN: %[1]v', noStackTrace: true },
    {
      title: c('BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {{FUNC}}'),
      fmt: 'KFENCE: %[1]v %[2]v in %[4]v',
      alt: ['bad-access in %[4]v'],
      stack: { parts: [c(R`BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}`), STACK] },
    },
    {
      title: c('BUG: KFENCE: invalid free in {{FUNC}}'),
      fmt: 'KFENCE: invalid free in %[2]v',
      alt: ['invalid-free in %[2]v'],
      noStackTrace: true,
      stack: { parts: [c(R`BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}`), STACK] },
    },
    {
      title: c('BUG: KFENCE: invalid (read|write) in {{FUNC}}'),
      fmt: 'KFENCE: invalid %[1]v in %[3]v',
      alt: ['bad-access in %[3]v'],
      stack: { parts: [c(R`BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}`), STACK] },
    },
    {
      title: c('BUG: KFENCE: memory corruption in {{FUNC}}'),
      fmt: 'KFENCE: memory corruption in %[2]v',
      noStackTrace: true,
      stack: { parts: [c(R`BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}`), STACK] },
    },
    {
      title: c('BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)'),
      fmt: 'BUG: unable to handle kernel paging request in %[1]v',
      alt: ['bad-access in %[1]v'],
      stack: ripThenTrace(),
    },
    {
      title: c('BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)'),
      fmt: 'BUG: unable to handle kernel NULL pointer dereference in %[1]v',
      alt: ['bad-access in %[1]v'],
      stack: ripThenTrace(),
    },
    {
      // The second half of this two-printk header is often lost.
      title: c('BUG: (?:unable to handle kernel|Unable to handle kernel)'),
      fmt: 'BUG: unable to handle kernel',
      corrupted: true,
    },
    {
      title: c('BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)'),
      fmt: 'BUG: %[1]v %[2]v in %[3]v',
      stack: traceOnly(['spin_', '_lock', '_unlock']),
    },
    {
      title: c('BUG: soft lockup'),
      fmt: 'BUG: soft lockup in %[1]v',
      alt: ['stall in %[1]v'],
      stack: { parts: [linuxRipFrame, linuxCallTrace, STACK], extractor: linuxStallFrameExtractor },
    },
    {
      title: c('BUG: .*still has locks held!'),
      report: c(R`BUG: .*still has locks held!(?:.*\n)+?.*{{PC}} +{{FUNC}}`),
      fmt: 'BUG: still has locks held in %[1]v',
    },
    { title: c('BUG: scheduling while atomic'), fmt: 'BUG: scheduling while atomic in %[1]v', stack: traceOnly(['schedule']) },
    {
      title: c('BUG: lock held when returning to user space'),
      report: c(R`BUG: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks still held(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}`),
      fmt: 'BUG: lock held when returning to user space in %[1]v',
      noStackTrace: true,
    },
    {
      title: c('BUG: bad unlock balance detected!'),
      fmt: 'BUG: bad unlock balance in %[1]v',
      stack: { parts: [c('{{PC}} +{{FUNC}}'), linuxCallTrace, STACK] },
    },
    {
      title: c('BUG: held lock freed!'),
      report: c(R`BUG: held lock freed!(?:.*\n)+?.*{{PC}} +{{FUNC}}`),
      fmt: 'BUG: held lock freed in %[1]v',
    },
    { title: c('BUG: Bad rss-counter state'), fmt: 'BUG: Bad rss-counter state', noStackTrace: true },
    { title: c('BUG: non-zero nr_ptes on freeing mm'), fmt: 'BUG: non-zero nr_ptes on freeing mm', noStackTrace: true },
    { title: c('BUG: non-zero nr_pmds on freeing mm'), fmt: 'BUG: non-zero nr_pmds on freeing mm', noStackTrace: true },
    {
      // The filesystem type and block device of the message are left out of the title (loop0/1/2 ...).
      title: c('BUG: Dentry .* still in use'),
      report: c(R`BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\]`),
      fmt: 'BUG: Dentry still in use in %[1]v',
      alt: ['BUG: Dentry still in use [%[1]v of %[2]v]'],
    },
    {
      title: c('BUG: Bad page (state|cache)'),
      fmt: 'BUG: Bad page %[1]v in %[2]v',
      stack: {
        parts: [c('page last allocated'), STACK],
        skip: ['(free|put|get|update|release)_page', 'free_unref', '^_*folio', 'truncate_inode_pages', 'page_frag_free',
          'alloc', 'vmap', 'page_owner'],
      },
    },
    { title: c('BUG: Bad page map'), fmt: 'BUG: Bad page map' },
    { title: c('BUG: workqueue lockup'), fmt: 'BUG: workqueue lockup', noStackTrace: true },
    {
      title: c('BUG: sleeping function called from invalid context at (.*)'),
      fmt: 'BUG: sleeping function called from invalid context in %[2]v',
      stack: traceOnly(),
    },
    {
      title: c(R`BUG: using ([a-z_]+)\(\) in preemptible`),
      fmt: 'BUG: using %[1]v() in preemptible code in %[2]v',
      stack: traceOnly(['dump_stack', 'preemption', 'preempt', 'debug_', 'processor_id', 'this_cpu']),
    },
    {
      title: c('BUG: workqueue leaked lock or atomic'),
      report: c(R`BUG: workqueue leaked lock or atomic(?:.*\n)+?.*last function: ([a-zA-Z0-9_]+)\n`),
      fmt: 'BUG: workqueue leaked lock or atomic in %[1]v',
      noStackTrace: true,
    },
    {
      title: c('BUG: memory leak'),
      fmt: 'memory leak in %[1]v',
      stack: {
        parts: [c(R`backtrace(?: \(crc [[:xdigit:]]*\))?:`), STACK],
        skip: ['kmemleak', 'mmap', 'kmem', 'slab', 'alloc', 'create_object', 'idr_get', 'list_lru_init', 'kasprintf',
          'kvasprintf', 'pcpu_create', 'strdup', 'strndup', 'memdup'],
      },
    },
    {
      title: c('BUG: .*stack guard page was hit at'),
      fmt: 'BUG: stack guard page was hit in %[1]v',
      alt: ['stack-overflow in %[1]v'],
      stack: { parts: [linuxRipFrame, linuxCallTrace, STACK], extractor: linuxStallFrameExtractor },
    },
    {
      // arm/arm64 format of the amd64 `WARNING: ... lockdep` report: titled like it.
      title: c('BUG: Invalid wait context'),
      fmt: 'WARNING: locking bug in %[1]v',
      stack: traceOnly(['lock_sock', 'release_sock']),
    },
    { title: c(R`BUG:[[:space:]]*(?:\n|$)`), fmt: 'BUG: corrupted', corrupted: true },
  ],
  suppressions: [
    c('ODEBUG:'), // CONFIG_DEBUG_OBJECTS output
    c('Boot_DEBUG:'),
    c('xlog_status:'),
    c('DEBUG:'),
    c('BUG: no syscalls can create resource'),
  ],
};

const WARNING: Oops = {
  header: 'WARNING:',
  formats: [
    {
      title: c(R`WARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check|at)`),
      fmt: 'WARNING: ODEBUG bug in %[1]v',
      // ODEBUG's users are skipped too.
      stack: warningStack('debug_', 'rcu', 'hrtimer_', 'timer_', 'work_', 'percpu_', 'vunmap', 'vfree', '__free_',
        'debug_check', 'kobject_'),
    },
    { title: c(R`WARNING: .*mm/usercopy\.c.* (?:usercopy_warn|at)`), fmt: 'WARNING: bad usercopy in %[1]v', stack: warningStack('usercopy', '__check') },
    { title: c(R`WARNING: .*lib/kobject\.c.* (?:kobject_|at)`), fmt: 'WARNING: kobject bug in %[1]v', stack: warningStack('kobject_') },
    { title: c(R`WARNING: .*fs/proc/generic\.c.* (?:proc_register|at)`), fmt: 'WARNING: proc registration bug in %[1]v', stack: warningStack('proc_') },
    { title: c(R`WARNING: .*lib/refcount\.c.* (?:refcount_|at)`), fmt: 'WARNING: refcount bug in %[1]v', stack: warningStack('refcount', 'kobject_') },
    { title: c(R`WARNING: .*kernel/locking/lockdep\.c.*lock_`), fmt: 'WARNING: locking bug in %[1]v', stack: warningStack('lock_sock', 'release_sock') },
    {
      title: c('WARNING: .*still has locks held!'),
      report: c(R`WARNING: .*still has locks held!(?:.*\n)+?.*at: {{FUNC}}`),
      fmt: 'WARNING: still has locks held in %[1]v',
    },
    { title: c('WARNING: Nested lock was not taken'), fmt: 'WARNING: nested lock was not taken in %[1]v', stack: warningStack() },
    {
      title: c('WARNING: lock held when returning to user space'),
      report: c(R`WARNING: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks still held(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}`),
      fmt: 'WARNING: lock held when returning to user space in %[1]v',
      noStackTrace: true,
    },
    { title: c(R`WARNING: .*mm/.*\.c.* k?.?malloc`), fmt: 'WARNING: kmalloc bug in %[1]v', stack: warningStack('kmalloc', 'krealloc', 'slab', 'kmem') },
    { title: c('WARNING: .*mm/vmalloc.c.*__vmalloc_node'), fmt: 'WARNING: zero-size vmalloc in %[1]v', stack: warningStack() },
    {
      title: c('WARNING: .* usb_submit_urb'),
      fmt: 'WARNING in %[1]v/usb_submit_urb',
      stack: warningStack('usb_submit_urb', 'usb_start_wait_urb', 'usb_bulk_msg', 'usb_interrupt_msg', 'usb_control_msg'),
    },
    // Newer kernels: `WARNING: file.c:123 at 0x..., CPU#1: comm/pid`.
    { title: c(R`WARNING: {{SRC}} at 0x\d+, CPU#\d+`), fmt: 'WARNING in %[2]v', stack: warningStack() },
    { title: c('WARNING: .* at {{SRC}} {{FUNC}}'), fmt: 'WARNING in %[3]v', stack: warningStack() },
    { title: c('WARNING: {{SRC}} at {{FUNC}}'), fmt: 'WARNING in %[3]v', stack: warningStack() },
    // 2.6/3.x: `WARNING: at fs/dcache.c:1291 d_set_d_op+0x2a/0x96()` (no CPU/PID before `at`). Not in
    // syzkaller's table (its kernels are newer); the same title as the current layout.
    { title: c('WARNING: at {{SRC}} {{FUNC}}'), fmt: 'WARNING in %[3]v', stack: warningStack() },
    { title: c(R`WARNING: \[.*\] {{SRC}} at {{FUNC}}.*`), fmt: 'WARNING in %[3]v', stack: warningStack() },
    {
      title: c('WARNING: possible circular locking dependency detected'),
      report: c(R`WARNING: possible circular locking dependency detected(?:.*\n)+?.*is trying to acquire lock`),
      fmt: 'possible deadlock in %[1]v',
      stack: {
        parts: [c('at: (?:{{PC}} +)?{{FUNC}}'), c('at: (?:{{PC}} +)?{{FUNC}}'), STACK],
        // Workqueue functions take locks of work items: deadlocks there belong to the work item.
        skip: ['process_one_work', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue'],
      },
    },
    {
      title: c('WARNING: possible irq lock inversion dependency detected'),
      report: c(R`WARNING: possible irq lock inversion dependency detected(?:.*\n)+?.*just changed the state of lock(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}`),
      fmt: 'possible deadlock in %[1]v',
    },
    {
      title: c('WARNING: .*-safe -> .*-unsafe lock order detected'),
      fmt: 'possible deadlock in %[1]v',
      stack: { parts: [c('which became (?:.*) at:'), STACK] },
    },
    {
      title: c('WARNING: possible recursive locking detected'),
      report: c(R`WARNING: possible recursive locking detected(?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}`),
      fmt: 'possible deadlock in %[1]v',
    },
    {
      title: c('WARNING: inconsistent lock state'),
      report: c(R`WARNING: inconsistent lock state(?:.*\n)+?.*takes(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}`),
      fmt: 'inconsistent lock state in %[2]v',
      stack: traceOnly(),
    },
    {
      title: c('WARNING: suspicious RCU usage'),
      report: c('WARNING: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}'),
      fmt: 'WARNING: suspicious RCU usage in %[2]v',
      stack: traceOnly(['rcu', 'kmem', 'slab']),
    },
    {
      title: c("WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value"),
      fmt: "WARNING: kernel stack regs has bad '%[1]v' value",
      noStackTrace: true,
    },
    {
      title: c('WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value'),
      fmt: 'WARNING: kernel stack frame pointer has bad value',
      noStackTrace: true,
    },
    {
      title: c('WARNING: bad unlock balance detected!'),
      fmt: 'WARNING: bad unlock balance in %[1]v',
      stack: { parts: [c('{{PC}} +{{FUNC}}'), linuxCallTrace, STACK] },
    },
    {
      title: c('WARNING: held lock freed!'),
      report: c(R`WARNING: held lock freed!(?:.*\n)+?.*at:(?: {{PC}})? +{{FUNC}}`),
      fmt: 'WARNING: held lock freed in %[1]v',
    },
    { title: c("WARNING: kernel stack regs .* has bad 'bp' value"), fmt: 'WARNING: kernel stack regs has bad value', noStackTrace: true },
    { title: c('WARNING: kernel stack frame pointer .* has bad value'), fmt: 'WARNING: kernel stack regs has bad value', noStackTrace: true },
    { title: c(R`WARNING:[[:space:]]*(?:\n|$)`), fmt: 'WARNING: corrupted', corrupted: true },
  ],
  suppressions: [
    c('WARNING: /etc/ssh/moduli does not exist, using fixed modulus'), // sshd
    c('WARNING: workqueue cpumask: online intersect > possible intersect'),
    c('WARNING: [Tt]he mand mount option'),
    c(R`WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1`), // glibc
    c('WARNING: Unprivileged eBPF is enabled with eIBRS'),
    c(R`WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size (\((?:\d+)x(?:\d+) vs\. (?:\d+)x(?:\d+)\))`),
    c('WARNING: See https.* for mitigation options.'),
    c('WARNING: kernel not compiled with CPU_SRSO'),
    c(R`EXT4-[Ff][Ss](?: \(.*\))?:`), // __ext4_msg
    c('(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)'),
    c(R`XFS \(\w+\): WARNING`),
  ],
};

const INFO: Oops = {
  header: 'INFO:',
  formats: [
    {
      title: c('INFO: possible circular locking dependency detected'),
      report: c(R`INFO: possible circular locking dependency detected \](?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?.*at: {{PC}} +{{FUNC}}`),
      fmt: 'possible deadlock in %[1]v',
    },
    {
      title: c('INFO: possible irq lock inversion dependency detected'),
      report: c(R`INFO: possible irq lock inversion dependency detected \](?:.*\n)+?.*just changed the state of lock(?:.*\n)+?.*at: {{PC}} +{{FUNC}}`),
      fmt: 'possible deadlock in %[1]v',
    },
    {
      title: c('INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected'),
      report: c(R`INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \](?:.*\n)+?.*is trying to acquire(?:.*\n)+?.*at: {{PC}} +{{FUNC}}`),
      fmt: 'possible deadlock in %[1]v',
    },
    {
      title: c('INFO: possible recursive locking detected'),
      report: c(R`INFO: possible recursive locking detected \](?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?.*at: {{PC}} +{{FUNC}}`),
      fmt: 'possible deadlock in %[1]v',
    },
    {
      title: c('INFO: inconsistent lock state'),
      report: c(R`INFO: inconsistent lock state \](?:.*\n)+?.*takes(?:.*\n)+?.*at: {{PC}} +{{FUNC}}`),
      fmt: 'inconsistent lock state in %[1]v',
    },
    {
      title: c('INFO: rcu_(?:preempt|sched|bh|tasks) (?:self-)?detected(?: expedited)? stall'),
      fmt: 'INFO: rcu detected stall in %[1]v',
      alt: ['stall in %[1]v'],
      stack: {
        parts: [c('apic_timer_interrupt'), linuxRipFrame, STACK],
        parts2: [c('(?:apic_timer_interrupt|Exception stack|el1h_64_irq)'), STACK],
        skip: ['apic_timer_interrupt', 'rcu'],
        extractor: linuxStallFrameExtractor,
      },
    },
    {
      title: c('INFO: trying to register non-static key'),
      fmt: 'INFO: trying to register non-static key in %[1]v',
      stack: traceOnly(['stack', 'lock', 'IRQ']),
    },
    {
      title: c('INFO: suspicious RCU usage'),
      report: c('INFO: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}'),
      fmt: 'INFO: suspicious RCU usage in %[2]v',
      stack: traceOnly(['rcu', 'kmem', 'slab']),
    },
    {
      title: c('INFO: task {{TASK}} blocked (?:in I/O wait )?for more than [0-9]+ seconds'),
      fmt: 'INFO: task hung in %[1]v',
      alt: ['hang in %[1]v'],
      stack: { parts: [linuxCallTrace, STACK], extractor: linuxHangTaskFrameExtractor },
    },
    {
      title: c("INFO: task {{TASK}} can't die for more than .* seconds"),
      fmt: "INFO: task can't die in %[1]v",
      alt: ['hang in %[1]v'],
      stack: traceOnly(['schedule']),
    },
    // Corrupted old-style KASAN reports.
    { title: c('INFO: (Freed|Allocated) in (.*)'), fmt: 'INFO: %[1]v in %[2]v', corrupted: true },
    { title: c(R`INFO:[[:space:]]*(?:\n|$)`), fmt: 'INFO: corrupted', corrupted: true },
  ],
  suppressions: [
    c('INFO: lockdep is turned off'),
    c('INFO: Stall ended before state dump start'),
    c('INFO: NMI handler'),
    c('INFO: recovery required on readonly filesystem'),
    c('(handler|interrupt).*took too long'),
    c('INFO: sys_.* is not present in /proc/kallsyms'),
    c('INFO: no syscalls can create resource'),
    c('rmt_storage:INFO:'),
    c('_INFO:'), // INVALID BTF_INFO:NUM
  ],
};

/** A header with one `<fmt> in <frame>` format whose frame is the RIP line (optionally then the trace). */
function ripOops(header: string, titleRe: string, fmt: string, alt: string[] | undefined, withTrace: boolean): Oops {
  const stack: StackFmt = withTrace ? ripThenTrace() : { parts: [linuxRipFrame] };
  return { header, formats: [alt ? { title: c(titleRe), fmt, alt, stack } : { title: c(titleRe), fmt, stack }], suppressions: none };
}

const KERNEL_PANIC: Oops = {
  header: 'Kernel panic',
  formats: [
    // Stack corruption: the kernel may fail to name the function or to unwind.
    {
      title: c('Kernel panic - not syncing: stack-protector:'),
      report: c('Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: {{FUNC}}'),
      fmt: 'kernel panic: stack is corrupted in %[1]v',
      noStackTrace: true,
    },
    {
      title: c('Kernel panic - not syncing: stack-protector:'),
      report: c('Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+'),
      fmt: 'kernel panic: stack is corrupted in %[1]v',
      stack: traceOnly(['stack_chk']),
    },
    {
      title: c('Kernel panic - not syncing: corrupted stack end'),
      report: c('Kernel panic - not syncing: corrupted stack end detected inside scheduler'),
      fmt: 'kernel panic: corrupted stack end in %[1]v',
      alt: ['stack-overflow in %[1]v'],
      stack: { parts: [linuxCallTrace, STACK], skip: ['schedule', 'retint_kernel'], extractor: linuxStallFrameExtractor },
    },
    {
      title: c('Kernel panic - not syncing: kernel stack overflow'),
      fmt: 'kernel stack overflow in %[1]v',
      alt: ['stack-overflow in %[1]v'],
      stack: { parts: [linuxCallTrace, STACK], skip: ['bad_stack'], extractor: linuxStallFrameExtractor },
    },
    { title: c('Kernel panic - not syncing: Attempted to kill init!'), fmt: 'kernel panic: Attempted to kill init!' },
    {
      title: c("Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+"),
      fmt: "kernel panic: Couldn't open N_TTY ldisc",
    },
    // These panics end another report: seen as the title, the real header was lost.
    { title: c('Kernel panic - not syncing: Fatal exception'), fmt: 'kernel panic: Fatal exception', corrupted: true },
    { title: c('Kernel panic - not syncing: panic_on_warn set'), fmt: 'kernel panic: panic_on_warn set', corrupted: true },
    { title: c('Kernel panic - not syncing: hung_task: blocked tasks'), fmt: 'kernel panic: hung_task: blocked tasks', corrupted: true },
    { title: c('Kernel panic - not syncing: (.*)'), fmt: 'kernel panic: %[1]v' },
  ],
  suppressions: none,
};

const KERNEL_BUG: Oops = {
  header: 'kernel BUG',
  formats: [
    { title: c('kernel BUG at mm/usercopy.c'), fmt: 'BUG: bad usercopy in %[1]v', stack: traceOnly(['usercopy', '__check']) },
    {
      title: c('kernel BUG at lib/list_debug.c'),
      fmt: 'BUG: corrupted list in %[1]v',
      alt: ['bad-access in %[1]v'],
      stack: traceOnly(),
    },
    // skb wrappers BUG_ON, but the bug is in their caller.
    { title: c('kernel BUG at (.*)'), fmt: 'kernel BUG in %[2]v', stack: ripThenTrace(['^skb_']) },
  ],
  suppressions: none,
};

const UBSAN: Oops = {
  header: 'UBSAN:',
  formats: [
    {
      title: c('UBSAN:'),
      report: c('UBSAN: Undefined behaviour in'),
      fmt: 'UBSAN: undefined-behaviour in %[1]v',
      stack: traceOnly(['ubsan', 'overflow']),
    },
    {
      title: c('UBSAN: array-index-out-of-bounds in'),
      fmt: 'UBSAN: array-index-out-of-bounds in %[1]v',
      alt: ['bad-access in %[1]v'],
      stack: traceOnly(['ubsan', 'overflow']),
    },
    { title: c('UBSAN:'), report: c('UBSAN: (.*?) in'), fmt: 'UBSAN: %[1]v in %[2]v', stack: traceOnly(['ubsan', 'overflow']) },
  ],
  suppressions: none,
};

const TRUSTY: Oops = {
  header: 'trusty: panic',
  formats: [
    {
      title: c('trusty: panic.* ASSERT FAILED'),
      report: c(R`trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+)`),
      fmt: 'trusty: ASSERT FAILED: %[1]v',
      noStackTrace: true,
    },
    { title: c('trusty: panic.* ASSERT FAILED.*: *(.*)'), fmt: 'trusty: ASSERT FAILED: %[1]v', corrupted: true },
    { title: c('trusty: panic'), report: c(R`trusty: panic \(.*?\): (.+)`), fmt: 'trusty: panic: %[1]v', noStackTrace: true },
  ],
  suppressions: none,
};

/** One-format headers that need no stack. */
function simpleOops(header: string, titleRe: string, fmt: string, suppressions: GoRe[] = none): Oops {
  return { header, formats: [{ title: c(titleRe), fmt, noStackTrace: true }], suppressions };
}

// Reports syzkaller itself prints (and Go programs' crashes).
const COMMON_OOPSES: Oops[] = [
  simpleOops('SYZFAIL:', 'SYZFAIL:(.*)', 'SYZFAIL:%[1]v'),
  {
    header: 'SYZFATAL:',
    formats: [{ title: c('SYZFATAL:(.*)()'), alt: ['SYZFATAL%[2]s'], fmt: 'SYZFATAL:%[1]v', noStackTrace: true }],
    suppressions: none,
  },
  {
    header: 'panic:',
    formats: [
      { title: c('panic: Sentry detected .* stuck task'), fmt: 'panic: Sentry detected stuck tasks', noStackTrace: true },
      { title: c('panic:(.*)'), fmt: 'panic:%[1]v', noStackTrace: true },
    ],
    // skb_panic:, Android boot noise.
    suppressions: [c('_panic:'), c('xlog_status:'), c(R`ddb\.onpanic:`), c('evtlog_status:')],
  },
];

const GO_RUNTIME_ERRORS: Oops = simpleOops('fatal error:', 'fatal error:', 'go runtime error', [
  c('ALSA'),
  c('fatal error: cannot create timer'),
]);

export const LINUX_OOPSES: Oops[] = [
  BUG,
  WARNING,
  INFO,
  {
    header: 'Unable to handle kernel',
    formats: [{
      title: c('Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)'),
      fmt: 'BUG: unable to handle kernel %[1]v in %[2]v',
      alt: ['bad-access in %[2]v'],
      stack: ripThenTrace(),
    }],
    suppressions: none,
  },
  {
    header: 'general protection fault',
    formats: [{
      title: c('general protection fault.*:'),
      fmt: 'general protection fault in %[1]v',
      alt: ['bad-access in %[1]v'],
      stack: ripThenTrace(),
    }],
    // User-space faults (`... error:0 in libc.so`).
    suppressions: [c(R`general protection fault .* error:\d+ in `)],
  },
  ripOops('stack segment: ', 'stack segment: ', 'stack segment fault in %[1]v', undefined, true),
  KERNEL_PANIC,
  ripOops('PANIC: double fault', 'PANIC: double fault', 'PANIC: double fault in %[1]v', undefined, false),
  {
    header: 'rust_kernel: panicked',
    formats: [{
      title: c('rust_kernel: panicked'),
      report: c('rust_kernel: panicked at [^\n]*?\n(.+?)\n'),
      fmt: '%[1]v in %[2]v',
      stack: traceOnly([quoteMeta('__rustc::rust_begin_unwind')]),
    }],
    suppressions: none,
  },
  KERNEL_BUG,
  { header: 'Kernel BUG', formats: [{ title: c('Kernel BUG (.*)'), fmt: 'kernel BUG %[1]v' }], suppressions: none },
  {
    header: 'BUG kmalloc-',
    formats: [{ title: c('BUG kmalloc-.*: Object already free'), fmt: 'BUG: Object already free' }],
    suppressions: none,
  },
  ripOops('divide error:', 'divide error: ', 'divide error in %[1]v', undefined, false),
  // Misspelling introduced by "x86/entry: Convert Divide Error to IDTENTRY".
  ripOops('divide_error:', 'divide_error: ', 'divide error in %[1]v', undefined, false),
  ripOops('invalid opcode:', 'invalid opcode: ', 'invalid opcode in %[1]v', undefined, false),
  ripOops('int3:', 'int3: ', 'int3 in %[1]v', undefined, true),
  UBSAN,
  // A fuzzer can feed boot messages back as mount options; the kernel then prints them.
  simpleOops('Booting the kernel.', '^Booting the kernel', 'unexpected kernel reboot', [
    c("Parsing ELF|Decompressing Linux|Unknown parameter '"),
  ]),
  simpleOops('unregister_netdevice: waiting for', 'unregister_netdevice: waiting for (?:.*) to become free',
    'unregister_netdevice: waiting for DEV to become free'),
  // Older kernels' custom vfs errors.
  simpleOops('VFS: Close: file count is 0', 'VFS: Close: file count is 0', 'VFS: Close: file count is zero (use-after-free)'),
  simpleOops('VFS: Busy inodes after unmount', 'VFS: Busy inodes after unmount', 'VFS: Busy inodes after unmount (use-after-free)'),
  // arm64 names some faults `Internal error`, arm `Unhandled fault`: both alias bad-access.
  ripOops('Internal error:', 'Internal error:', 'Internal error in %[1]v', ['bad-access in %[1]v'], true),
  ripOops('Unhandled fault:', 'Unhandled fault:', 'Unhandled fault in %[1]v', ['bad-access in %[1]v'], true),
  ripOops('Alignment trap:', 'Alignment trap:', 'Alignment trap in %[1]v', undefined, true),
  TRUSTY,
  GO_RUNTIME_ERRORS,
  ...COMMON_OOPSES,
];

/** Lines that never start a new report, even inside another one. */
export const REPORT_START_IGNORES: GoRe[] = [
  c('invalid opcode: 0000'),
  c('Kernel panic - not syncing'),
  c('unregister_netdevice: waiting for'),
  // Double faults happen while handling page faults on corrupted memory, often synchronously.
  c('PANIC: double fault'),
  c('Internal error:'),
];

/** Reports that are not bugs but carry a stack: inside another report they end it. */
export const INFO_MESSAGES_WITH_STACK: string[] = [
  'vmalloc: allocation failure:',
  'FAULT_INJECTION: forcing a failure',
  'FAULT_FLAG_ALLOW_RETRY missing',
];

/** Outputs syzbot does not report (OOM kills of the fuzzer, executor start-up failures, Go OOM). */
export const LINUX_SUPPRESSIONS: GoRe[] = [
  'panic: failed to start executor binary',
  'panic: executor failed: pthread_create failed',
  'panic: failed to create temp dir',
  'fatal error: unexpected signal during runtime execution',
  'signal SIGBUS: bus error',
  'SYZFAIL: SIGBUS',
  R`Out of memory: Kill process .* \(syz-executor\)`,
  R`Out of memory: Kill process .* \(sshd\)`,
  R`Killed process .* \(syz-executor\)`,
  R`Killed process .* \(sshd\)`,
  "lowmemorykiller: Killing 'syz-executor'",
  "lowmemorykiller: Killing 'sshd'",
  'INIT: PANIC: segmentation violation!',
  R`\*\*\* stack smashing detected \*\*\*: terminated`,
  // Go runtime out of memory, panics on ENOMEM.
  'fatal error: runtime: out of memory',
  'fatal error: runtime: cannot allocate memory',
  'fatal error: out of memory',
  'fatal error: newosproc',
  'panic: .*cannot allocate memory',
].map((s) => c(s));

/** GCE's serial console drops with this line, usually right after a panic: the report is cut. */
export const GCE_CONSOLE_HANGUP = 'serialport: VM disconnected.';
