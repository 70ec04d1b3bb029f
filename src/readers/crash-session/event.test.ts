// The crash event of crash sessions without a kernel log. Inputs are hand-made in crash 8's exact `sys` and
// `bt` layouts (crash's task.c/kernel.c print them), as users paste them into tickets: only `bt`, `bt -l`,
// or `sys` and `bt`, sometimes indented as a quoted block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../analyze.js';

const run = (name: string, text: string) => analyze([{ name, data: text }]);

const BT_OOM = `crash> bt -l
PID: 2359   TASK: ff38963f46e65ac0  CPU: 0   COMMAND: "stress"
 #0 [ff41a7a440acfa38] machine_kexec at ffffffff9e6635ce
    /usr/src/debug/kernel-4.18.0-348.12.2.el8_5/linux-4.18.0-348.12.2.el8_5.x86_64/arch/x86/kernel/machine_kexec_64.c: 389
 #1 [ff41a7a440acfa90] __crash_kexec at ffffffff9e79d6bd
 #2 [ff41a7a440acfb58] panic at ffffffff9e6eb227
 #3 [ff41a7a440acfbd8] out_of_memory.cold.35 at ffffffff9e8c5e4e
 #4 [ff41a7a440acfc18] __alloc_pages_slowpath at ffffffff9e91a6f1
 #5 [ff41a7a440acfd18] __alloc_pages_nodemask at ffffffff9e91ab5e
 #6 [ff41a7a440acfd78] alloc_pages_vma at ffffffff9e934a2f
 #7 [ff41a7a440acfdb8] do_anonymous_page at ffffffff9e90c9e1
 #8 [ff41a7a440acfdf0] __handle_mm_fault at ffffffff9e912b16
 #9 [ff41a7a440acfea0] handle_mm_fault at ffffffff9e912dde
#10 [ff41a7a440acfed0] __do_page_fault at ffffffff9e67ca8d
#11 [ff41a7a440acff30] do_page_fault at ffffffff9e67cfa7
#12 [ff41a7a440acff50] page_fault at ffffffff9f00111e
`;

test('crash session event (hand-made): only `bt -l` with panic() under out_of_memory is an OOM panic of that task', () => {
  const r = run('hand-made-bt-oom.crash.txt', BT_OOM);
  assert.equal(r.crash?.kind, 'oom');
  assert.deepEqual([r.crash?.task.comm, r.crash?.task.pid, r.crash?.cpu], ['stress', 2359, 0]);
  // The release comes from the debuginfo source path that `bt -l` prints.
  assert.equal(r.kernel.release, '4.18.0-348.12.2.el8_5.x86_64');
  assert.equal(r.events[0]!.panicked, true);
  assert.ok(r.diagnosis.findings.some((f) => f.id === 'oom'));
});

const SYS_BT_SYSRQ = `    crash> sys
          KERNEL: /usr/lib/debug/lib/modules/5.10.0-60.18.0.50.oe2203.x86_64/vmlinux
        DUMPFILE: /var/crash/127.0.0.1-2023-03-22-16:38:03/vmcore  [PARTIAL DUMP]
            CPUS: 4
           PANIC: "BUG: kernel NULL pointer dereference, address: 0000000000000000"
             PID: 1613
         COMMAND: "bash"
            TASK: ffff9d1c3b294300  [THREAD_INFO: ffff9d1c3b294300]
             CPU: 3
           STATE: TASK_RUNNING (PANIC)

    crash> bt
    PID: 1613   TASK: ffff9d1c3b294300  CPU: 3   COMMAND: "bash"
     #0 [ffffb1a2c0b3bb30] machine_kexec at ffffffff8d26b6a7
     #1 [ffffb1a2c0b3bb88] __crash_kexec at ffffffff8d36d9a1
     #2 [ffffb1a2c0b3bc50] crash_kexec at ffffffff8d36e8c1
     #3 [ffffb1a2c0b3bc68] oops_end at ffffffff8d22e25b
     #4 [ffffb1a2c0b3bc88] no_context at ffffffff8d27a44f
     #5 [ffffb1a2c0b3bcf0] exc_page_fault at ffffffff8dc6b9e8
     #6 [ffffb1a2c0b3bd20] asm_exc_page_fault at ffffffff8de00ace
        [exception RIP: sysrq_handle_crash+18]
        RIP: ffffffff8d8a5b32  RSP: ffffb1a2c0b3bdd8  RFLAGS: 00010246
        RAX: 0000000000000000  RBX: 0000000000000063  RCX: 0000000000000000
        ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018
     #7 [ffffb1a2c0b3bdd8] __handle_sysrq at ffffffff8d8a6207
     #8 [ffffb1a2c0b3be08] write_sysrq_trigger at ffffffff8d8a6608
     #9 [ffffb1a2c0b3be18] proc_reg_write at ffffffff8d5a3a1c
`;

test('crash session event (hand-made): an indented `sys` + `bt` whose frames show sysrq_handle_crash is a sysrq crash, not a NULL deref', () => {
  const r = run('hand-made-sysrq.crash.txt', SYS_BT_SYSRQ);
  assert.equal(r.crash?.kind, 'sysrq');
  assert.deepEqual([r.crash?.task.comm, r.crash?.task.pid, r.crash?.cpu], ['bash', 1613, 3]);
  assert.equal(r.kernel.release, '5.10.0-60.18.0.50.oe2203.x86_64');
  assert.equal(r.diagnosis.rootCause?.function, 'sysrq_handle_crash');
  assert.ok(r.diagnosis.findings.some((f) => f.id === 'sysrq-crash'));
});

test('crash session event (hand-made): a page fault in bt alone; the kind follows the trap', () => {
  const text = SYS_BT_SYSRQ.slice(SYS_BT_SYSRQ.indexOf('    crash> bt')).replace(/sysrq_handle_crash\+18/, 'ext4_readdir+18').replace(/__handle_sysrq|write_sysrq_trigger/g, 'iterate_dir');
  const r = run('hand-made-pf.crash.txt', text);
  assert.equal(r.crash?.kind, 'paging-request');
  assert.equal(r.diagnosis.rootCause?.function, 'ext4_readdir');
});

test('crash session event (hand-made): general protection and stack segment traps are GPFs; a bt without a crash path is none', () => {
  const gpf = `crash> bt
PID: 812    TASK: ffff8e0a41b0a000  CPU: 1   COMMAND: "kworker/1:2"
 #0 [ffffb0e5c0d4fb40] machine_kexec at ffffffffa5a6b6a7
 #1 [ffffb0e5c0d4fb98] __crash_kexec at ffffffffa5b6d9a1
 #2 [ffffb0e5c0d4fc60] crash_kexec at ffffffffa5b6e8c1
 #3 [ffffb0e5c0d4fc78] oops_end at ffffffffa5a2e25b
 #4 [ffffb0e5c0d4fc98] do_stack_segment at ffffffffa5a2b6c3
 #5 [ffffb0e5c0d4fcc0] stack_segment at ffffffffa6400f4e
    [exception RIP: kmem_cache_alloc+117]
    RIP: ffffffffa5c9a6b5  RSP: ffffb0e5c0d4fd78  RFLAGS: 00010286
    ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018
 #6 [ffffb0e5c0d4fdb0] acme_queue_work at ffffffffc0a1b2c3 [acme]
`;
  const r = run('hand-made-ss.crash.txt', gpf);
  assert.equal(r.crash?.kind, 'gpf');
  // do_stack_segment and stack_segment are trap machinery, never culprits.
  assert.notEqual(r.diagnosis.rootCause?.function, 'do_stack_segment');
  const idle = `crash> bt
PID: 0      TASK: ffffffffa7013940  CPU: 0   COMMAND: "swapper/0"
 #0 [ffffffffa7003e40] __schedule at ffffffffa6247a1b
 #1 [ffffffffa7003ec8] schedule_idle at ffffffffa6248022
 #2 [ffffffffa7003ed8] do_idle at ffffffffa58f02c5
`;
  assert.equal(run('hand-made-idle.crash.txt', idle).crash, null);
});
