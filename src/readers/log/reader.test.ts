import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFirstCrash } from '../../title/index.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogReader, readLog, MAX_LINE_CHARS, MAX_EVENT_CHARS, MAX_EXTRA_PANICKED, ownCopy } from './index.js';
import { repoRoot, LAB_OUT, CORPUS, needShared } from '../../../test/paths.js';
import type { CrashEvent } from '../../model/types.js';

const FIX = join(repoRoot(), 'test', 'fixtures', 'logs');
const INV = join(repoRoot(), 'test', 'fixtures', 'investigations');

interface Truth {
  events: { kind: string; line: string; task: { comm: string; pid: number }; cpu: number | null }[];
  panic: { message: string | null; task: { comm: string; pid: number }; cpu: number | null };
  tainted: string | null;
}

function checkTruth(name: string, data: Buffer, truth: Truth): void {
  const r = readLog(name, data);
  const got = r.events.filter((e) => e.boot === 0).map((e) => ({ kind: e.kind, line: e.header, comm: e.task.comm, pid: e.task.pid, cpu: e.cpu }));
  const exp = truth.events.map((e) => ({ kind: e.kind, line: e.line, comm: e.task.comm, pid: e.task.pid, cpu: e.cpu }));
  assert.deepEqual(got, exp, `${name}: events`);
  assert.ok(r.panic, `${name}: panic`);
  assert.deepEqual(
    { message: r.panic.message, comm: r.panic.task.comm, pid: r.panic.task.pid, cpu: r.panic.cpu },
    { message: truth.panic.message, comm: truth.panic.task.comm, pid: truth.panic.task.pid, cpu: truth.panic.cpu },
    `${name}: panic`,
  );
  const taint = r.kernel.taint ? r.kernel.taint.raw.replace(/\s+/g, ' ') : null;
  assert.equal(taint, truth.tainted, `${name}: taint`);
  assert.equal(r.events.filter((e) => e.boot === 0 && e.panicked).length, 1, `${name}: one event panicked`);
}

test('lab snippets (test/fixtures/logs) give exactly the events, panic and taint of truth.json', () => {
  const truths = JSON.parse(readFileSync(join(FIX, 'lab-truth.json'), 'utf8')) as Record<string, Truth>;
  let n = 0;
  for (const [scenario, truth] of Object.entries(truths)) {
    for (const suffix of ['console.log', 'dmesg.txt']) {
      checkTruth(`lab-${scenario}.${suffix}`, readFileSync(join(FIX, `lab-${scenario}.${suffix}`)), truth);
      n++;
    }
  }
  assert.equal(n, 18);
});

test('every lab console.log and dmesg.txt gives the events of its truth.json', { skip: needShared(LAB_OUT) }, () => {
  let n = 0;
  for (const d of readdirSync(LAB_OUT)) {
    const truthFile = join(LAB_OUT, d, 'truth.json');
    if (!existsSync(truthFile)) continue;
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
    for (const f of ['console.log', 'dmesg.txt']) {
      checkTruth(`${d}/${f}`, readFileSync(join(LAB_OUT, d, f)), truth);
      n++;
    }
  }
  assert.ok(n >= 18, `read ${n} lab logs`);
});

test('lab oops-null-module: body facts, modules, kernel info, boots', () => {
  const r = readLog('c.log', readFileSync(join(FIX, 'lab-oops-null-module.console.log')));
  assert.equal(r.boots, 2);
  const e = r.events[0]!;
  assert.equal(e.kind, 'null-deref');
  assert.equal(e.details.faultAddress, '0000000000000008');
  assert.deepEqual(e.rip, { function: 'ktl_null_process', offset: 0x11, size: 0x30, module: 'ktl_null', address: null });
  assert.equal(e.registers.RAX, '0000000000000000');
  assert.equal(e.registers.RSP, '0018:ffffcccf403bbb68');
  assert.equal(e.code, 'Unable to access opcode bytes at 0xffffffffc043bff7.');
  assert.equal(e.frames[0]!.function, 'ktl_proc_write');
  assert.equal(e.frames[0]!.module, 'ktl_null');
  assert.equal(e.frames[0]!.context, 'task');
  assert.equal(e.frames[3]!.reliable, false);
  assert.equal(e.frames[3]!.function, 'terminate_walk');
  assert.equal(e.frames.at(-1)!.function, 'entry_SYSCALL_64_after_hwframe');
  assert.equal(e.frames.length, 20);
  assert.equal(e.taint, 'G           OE');
  assert.equal(e.hardware, 'QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014');
  assert.equal(e.time.uptime, 14.514713);
  assert.equal(e.panicked, true);
  assert.deepEqual(r.modules[0], { name: 'ktl_null', flags: 'OE', state: null, thirdParty: true });
  assert.equal(r.modules.length, 8);
  assert.equal(r.kernel.release, '6.1.0-56-amd64');
  assert.equal(r.kernel.version, '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2');
  assert.equal(r.kernel.arch, 'x86_64');
  assert.equal(r.kernel.hostname, null);
  assert.deepEqual(r.kernel.taint!.flags.map((f) => f.flag), ['G', 'O', 'E']);
  assert.equal(r.source.format, 'dmesg');
  assert.equal(e.source.startLine, 6);
  assert.equal(r.gaps.length, 0);
});

test('lab details: bug file:line, list op, oom victim, stack-protector function, hung/soft lockup seconds', () => {
  const ev = (f: string): CrashEvent[] => readLog(f, readFileSync(join(FIX, f))).events.filter((e) => e.boot === 0);
  const bug = ev('lab-bug-module.console.log')[0]!;
  assert.equal(bug.details.bugFile, 'modules/ktl_bug.c');
  assert.equal(bug.details.bugLine, 13);
  const list = ev('lab-list-corruption.console.log')[0]!;
  assert.equal(list.details.listOp, 'list_del');
  assert.equal(list.details.bugFile, 'lib/list_debug.c');
  assert.equal(list.rip!.function, '__list_del_entry_valid.cold');
  const oom = ev('lab-oom-panic.console.log')[0]!;
  assert.equal(oom.details.gfpMask, '0x140dca');
  assert.equal(oom.details.order, 0);
  const sp = ev('lab-stack-protector-module.console.log')[0]!;
  assert.equal(sp.details.corruptedFunction, 'ktl_parse_header');
  assert.equal(sp.details.corruptedModule, 'ktl_stackprot');
  const rk = ev('lab-rootkit-hidden-module.console.log')[0]!;
  assert.equal(rk.details.corruptedAddress, 'ffffffffc04f2116');
  const rk2 = readLog('rk', readFileSync(join(FIX, 'lab-rootkit-hidden-module.console.log')));
  assert.deepEqual(rk2.modules, [{ name: 'ktl_rk', flags: 'OE', state: null, thirdParty: true }]);
  const [rcu, soft, hung] = ev('lab-softlockup-rcu-module.console.log');
  assert.equal(rcu!.rip!.function, 'ktl_filter_lookup');
  assert.equal(soft!.details.stuckSeconds, 44);
  assert.equal(soft!.taint, 'G           OE');
  assert.equal(hung!.details.blockedSeconds, 40);
  assert.equal(hung!.taint, 'G           OEL');
  assert.equal(hung!.panicked, true);
  assert.ok(hung!.frames.some((f) => f.function === 'ktl_filter_update' && f.module === 'ktl_spinrcu'));
  const sysrq = ev('lab-sysrq-c.console.log')[0]!;
  assert.ok(sysrq.frames.some((f) => f.function === 'sysrq_handle_crash'));
});

// hand-made: a CentOS 6 /var/log/messages, see test/fixtures/investigations/README.md
test('CentOS 6 messages: old soft lockup and hung task, syslog prefix, (U) module', () => {
  const r = readLog('messages', readFileSync(join(INV, 'centos6-dirpro-softlockup.messages')), { year: 2024 });
  assert.equal(r.events.length, 2);
  const [soft, hung] = r.events;
  assert.equal(soft!.kind, 'soft-lockup');
  assert.deepEqual(soft!.task, { comm: 'wsssr_defence_d', pid: 27392 });
  assert.equal(soft!.cpu, 1);
  assert.equal(soft!.details.stuckSeconds, 67);
  assert.deepEqual(soft!.rip, { function: 'get_process_name', offset: 0x66, size: 0x110, module: 'dirpro', address: 'ffffffffa04a1136' });
  assert.deepEqual(soft!.frames.map((f) => [f.function, f.module, f.reliable]), [
    ['new_sys_kill', 'dirpro', false], ['__audit_syscall_exit', null, false], ['system_call_fastpath', null, false],
  ]);
  assert.equal(soft!.time.wallclock, '2024-03-14T03:14:02');
  assert.equal(soft!.time.uptime, null);
  assert.equal(hung!.kind, 'hung-task');
  assert.deepEqual(hung!.task, { comm: 'crond', pid: 28259 });
  assert.equal(hung!.cpu, null);
  assert.equal(hung!.details.blockedSeconds, 120);
  assert.ok(hung!.frames.some((f) => f.function === 'synchronize_sched'));
  assert.equal(r.kernel.hostname, 'web01');
  assert.equal(r.kernel.release, '2.6.32-754.el6.x86_64');
  assert.equal(r.kernel.arch, 'x86_64');
  assert.equal(r.kernel.hardware, 'VMware, Inc. VMware Virtual Platform/440BX Desktop Reference Platform');
  assert.deepEqual(r.modules[0], { name: 'dirpro', flags: 'U', state: null, thirdParty: true });
  assert.equal(r.lastUnloaded, 'scsi_wait_scan');
  assert.equal(r.source.format, 'syslog');
  assert.equal(r.panic, null);
});

// hand-made, in the format of arch/arm64/mm/fault.c (die_kernel_fault), arch/arm64/kernel/process.c (__show_regs)
// and lib/dump_stack.c of 6.1.
const ARM64 = `[  123.456789] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000010
[  123.456801] Mem abort info:
[  123.456805]   ESR = 0x0000000096000005
[  123.456810]   EC = 0x25: DABT (current EL), IL = 32 bits
[  123.456830] Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP
[  123.456840] Modules linked in: foo(O) bar
[  123.456850] CPU: 2 PID: 4321 Comm: worker Tainted: G           O       6.1.0-13-arm64 #1  Debian 6.1.55-1
[  123.456855] Hardware name: Raspberry Pi 4 Model B Rev 1.4 (DT)
[  123.456860] pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)
[  123.456866] pc : foo_read+0x1c/0x60 [foo]
[  123.456872] lr : vfs_read+0xa8/0x1c0
[  123.456875] sp : ffff80000a8b3d30
[  123.456880] x29: ffff80000a8b3d30 x28: ffff000004a81a00 x27: 0000000000000000
[  123.456890] x2 : 0000000000000000 x1 : 0000000000000000 x0 : 0000000000000000
[  123.456895] Call trace:
[  123.456897]  foo_read+0x1c/0x60 [foo]
[  123.456900]  vfs_read+0xa8/0x1c0
[  123.456903]  ksys_read+0x70/0x100
[  123.456910]  invoke_syscall+0x50/0x120
[  123.456914]  el0_svc+0x2c/0xa0
[  123.456916] Code: a9bf7bfd 910003fd f9400800 b4000080 (f9400800)
[  123.456920] ---[ end trace 0000000000000000 ]---
[  123.500000] usb 1-1: new high-speed USB device number 3 using xhci_hcd
`;

test('arm64 oops (hand-made): one null-deref event with pc, lr, x registers, lowercase Call trace', () => {
  const r = readLog('arm', ARM64);
  assert.equal(r.events.length, 1);
  const e = r.events[0]!;
  assert.equal(e.kind, 'null-deref');
  assert.deepEqual(e.task, { pid: 4321, comm: 'worker' });
  assert.equal(e.cpu, 2);
  assert.equal(e.details.faultAddress, '0000000000000010');
  assert.deepEqual(e.rip, { function: 'foo_read', offset: 0x1c, size: 0x60, module: 'foo', address: null });
  assert.equal(e.registers.lr, 'vfs_read+0xa8/0x1c0');
  assert.equal(e.registers.x29, 'ffff80000a8b3d30');
  assert.equal(e.registers.x0, '0000000000000000');
  assert.deepEqual(e.frames.map((f) => f.function), ['foo_read', 'vfs_read', 'ksys_read', 'invoke_syscall', 'el0_svc']);
  assert.equal(e.source.endLine, 22);
  assert.equal(r.kernel.arch, 'arm64');
  assert.equal(r.kernel.version, '#1 Debian 6.1.55-1');
  assert.deepEqual(r.modules.map((m) => [m.name, m.flags, m.thirdParty]), [['foo', 'O', true], ['bar', '', false]]);
  assert.equal(r.panic, null, 'the log goes on after the oops: no panic');
});

// A 3.10-era oops (hand-made from arch/x86/mm/fault.c show_fault_oops and dumpstack_64.c of 3.10).
const OLD_NULL = `[  501.123456] BUG: unable to handle kernel NULL pointer dereference at 0000000000000040
[  501.123500] IP: [<ffffffffa01b2c3d>] drv_poll+0x2d/0x90 [drv]
[  501.123520] PGD 7b3b5067 PUD 7b3b4067 PMD 0 
[  501.123540] Oops: 0000 [#1] SMP 
[  501.123560] Modules linked in: drv(OE) xfs libcrc32c
[  501.123580] CPU: 3 PID: 2187 Comm: pollerd Tainted: G           OE  ------------   3.10.0-1160.el7.x86_64 #1
[  501.123600] Hardware name: Dell Inc. PowerEdge R640/0W23H8, BIOS 2.10.2 02/24/2021
[  501.123620] task: ffff8e2a3b0e8000 ti: ffff8e2a3a1c4000 task.ti: ffff8e2a3a1c4000
[  501.123640] RIP: 0010:[<ffffffffa01b2c3d>]  [<ffffffffa01b2c3d>] drv_poll+0x2d/0x90 [drv]
[  501.123660] RSP: 0018:ffff8e2a3a1c7d88  EFLAGS: 00010246
[  501.123680] Call Trace:
[  501.123700]  [<ffffffff8b85c2f6>] do_sys_poll+0x306/0x580
[  501.123720]  [<ffffffff8b85c1a4>] ? do_sys_poll+0x1b4/0x580
[  501.123740]  [<ffffffff8bd95f92>] system_call_fastpath+0x25/0x2a
[  501.123760] Code: 48 89 e5 <48> 8b 47 40 5d c3
[  501.123780] RIP  [<ffffffffa01b2c3d>] drv_poll+0x2d/0x90 [drv]
[  501.123800]  RSP <ffff8e2a3a1c7d88>
[  501.123820] CR2: 0000000000000040
[  501.123840] ---[ end trace 5c2f0e4e1a7b9a11 ]---
[  501.123860] Kernel panic - not syncing: Fatal exception
`;

test('3.x oops (hand-made): old null-deref header, IP:, old frames, Fatal exception panic ends it', () => {
  const r = readLog('el7', OLD_NULL);
  assert.equal(r.events.length, 1);
  const e = r.events[0]!;
  assert.equal(e.kind, 'null-deref');
  assert.equal(e.details.faultAddress, '0000000000000040');
  assert.equal(e.taint, 'G           OE  ------------');
  assert.equal(e.rip!.function, 'drv_poll');
  assert.equal(e.rip!.address, 'ffffffffa01b2c3d');
  assert.deepEqual(e.frames.map((f) => [f.function, f.address, f.reliable]), [
    ['do_sys_poll', 'ffffffff8b85c2f6', true], ['do_sys_poll', 'ffffffff8b85c1a4', false],
    ['system_call_fastpath', 'ffffffff8bd95f92', true],
  ]);
  assert.equal(e.panicked, true);
  assert.deepEqual(r.panic, { message: 'Kernel panic - not syncing: Fatal exception', task: { pid: null, comm: null }, cpu: null });
  assert.equal(r.kernel.release, '3.10.0-1160.el7.x86_64');
  assert.deepEqual(r.kernel.taint!.flags.map((f) => f.flag), ['G', 'O', 'E']);
});

// hand-made: kernel messages of mainline printk formats, one per kind.
const KINDS: [string, string, string][] = [
  ['[   10.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)', 'panic', 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'],
  ['[   10.000000] BUG: unable to handle page fault for address: ffffa0c0deadbeef', 'paging-request', ''],
  ['[   10.000000] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN', 'gpf', ''],
  ['[   10.000000] divide error: 0000 [#1] SMP PTI', 'divide-error', ''],
  ['[   10.000000] invalid opcode: 0000 [#1] SMP PTI', 'invalid-opcode', ''],
  ['[   10.000000] WARNING: CPU: 1 PID: 2 at net/core/dev.c:123 foo+0x22/0x50', 'warning', ''],
  ['[   10.000000] WARNING: at kernel/sched.c:5914 thread_return+0x232/0x79d() (Not tainted)', 'warning', ''],
  ['[   10.000000] BUG: KASAN: use-after-free in tty_ldisc_hangup+0x1f/0x60', 'kasan', ''],
  ['[   10.000000] BUG: KFENCE: out-of-bounds read in test_func+0x10/0x20', 'kfence', ''],
  ['[   10.000000] BUG: KMSAN: uninit-value in foo+0x10/0x20', 'kmsan', ''],
  ['[   10.000000] UBSAN: array-index-out-of-bounds in drivers/foo.c:12:3', 'ubsan', ''],
  ['[   10.000000] WARNING: possible circular locking dependency detected', 'lockdep', ''],
  ['[   10.000000] PANIC: double fault, error_code: 0x0', 'double-fault', ''],
  ['[   10.000000] BUG: TASK stack guard page was hit at 00000000c5b1d2e5 (stack is 0000000066c4e9a1..00000000d1e7a1cc)', 'stack-overflow', ''],
  ['[   10.000000] mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: b200000000070f0f', 'mce', ''],
  ['[   10.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 3', 'hard-lockup', ''],
  ['[   10.000000] INFO: rcu_sched detected stalls on CPUs/tasks: { 1} (detected by 0, t=60002 jiffies, g=1234, c=1233, q=50)', 'rcu-stall', ''],
  ['[   10.000000] BUG: sleeping function called from invalid context at mm/slab.h:421', 'warning', ''],
  ['[   10.000000] BUG: Bad page state in process foo  pfn:1a2b3', 'bug', ''],
  ['[   10.000000] Oops: 0002 [#1] SMP', 'oops', ''],
  ['[   10.000000] SysRq : Trigger a crash', 'sysrq', ''],
];

test('each kind from its header (hand-made lines)', () => {
  for (const [line, kind, header] of KINDS) {
    const r = readLog('k', line + '\n');
    assert.equal(r.events.length, 1, line);
    assert.equal(r.events[0]!.kind, kind, line);
    if (header) assert.equal(r.events[0]!.header, header);
  }
});

test('no events for ordinary kernel and user-space lines that merely contain header words', () => {
  const text = [
    '[    1.0] Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible',
    '[    1.1] INFO: lockdep is turned off.',
    '[    1.2] ODEBUG: Out of memory. ODEBUG disabled',
    '[    1.3] traps: foo[123] general protection fault ip:7f00 sp:7ffd error:0 in libc.so.6[7f00+1000]',
    '[    1.4] BUG UNIX (Not tainted): kasan: bad access detected',
    'May 23 18:36:31 host sshd[12]: WARNING: CPU: 1 PID: 2 at fake',
    '[    1.5] ---[ end Kernel panic - not syncing: Fatal exception ]---',
  ].join('\n');
  assert.equal(readLog('n', text).events.length, 0);
});

test('several hung tasks in a row are several events', () => {
  const one = (pid: number): string => `[  100.0] INFO: task worker:${pid} blocked for more than 120 seconds.
[  100.0]       Not tainted 5.15.0-91-generic #101-Ubuntu
[  100.0] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[  100.0] task:worker          state:D stack:    0 pid:${pid} ppid:     1 flags:0x00004000
[  100.0] Call Trace:
[  100.0]  <TASK>
[  100.0]  __schedule+0x24e/0x590
[  100.0]  schedule+0x69/0x110
[  100.0]  </TASK>
`;
  const r = readLog('h', one(11) + one(12) + one(13));
  assert.deepEqual(r.events.map((e) => [e.kind, e.task.pid, e.cpu, e.taint, e.frames.length]), [
    ['hung-task', 11, null, null, 2], ['hung-task', 12, null, null, 2], ['hung-task', 13, null, null, 2],
  ]);
  assert.equal(r.kernel.release, '5.15.0-91-generic');
  assert.equal(r.kernel.version, '#101-Ubuntu');
});

// hand-made lines in each input format (formats: util-linux dmesg, rsyslog RSYSLOG_TraditionalFileFormat and
// RSYSLOG_SyslogProtocol23Format, journalctl -o short/short-precise/short-iso/short-monotonic, printk caller ids).
const WARN = 'WARNING: CPU: 1 PID: 77 at net/core/dev.c:123 foo_xmit+0x22/0x50 [foo]';
const FORMATS: [string, string, number | null, string | null, string | null][] = [
  [`[  12.345678] ${WARN}`, 'dmesg', 12.345678, null, null],
  [`[  12.345678][  T77] ${WARN}`, 'dmesg', 12.345678, null, null],
  [`[  12.345678][    C1] ${WARN}`, 'dmesg', 12.345678, null, null],
  [`<4>[  12.345678] ${WARN}`, 'serial', 12.345678, null, null],
  [`<4>${WARN}`, 'serial', null, null, null],
  [`[Mon May 23 18:36:31 2022] ${WARN}`, 'dmesg-T', null, '2022-05-23T18:36:31', null],
  [`May 23 18:36:31 db1 kernel: [   12.345678] ${WARN}`, 'syslog', 12.345678, '2022-05-23T18:36:31', 'db1'],
  [`May 23 18:36:31 db1 kernel: ${WARN}`, 'syslog', null, '2022-05-23T18:36:31', 'db1'],
  [`May 23 18:36:31.123456 db1 kernel: ${WARN}`, 'syslog', null, '2022-05-23T18:36:31.123456', 'db1'],
  [`2022-05-23T18:36:31+0000 db1 kernel: ${WARN}`, 'syslog-iso', null, '2022-05-23T18:36:31+0000', 'db1'],
  [`2022-05-23T18:36:31.123456+00:00 db1 kernel: [   12.345678] ${WARN}`, 'syslog-iso', 12.345678, '2022-05-23T18:36:31.123456+00:00', 'db1'],
  [`<4>1 2022-05-23T18:36:31.123+00:00 db1 kernel - - - [   12.345678] ${WARN}`, 'rfc5424', 12.345678, '2022-05-23T18:36:31.123+00:00', 'db1'],
  [`[   12.345678] db1 kernel: ${WARN}`, 'journalctl-monotonic', 12.345678, null, 'db1'],
  [`Dec  4 15:56:11 db1 kern.warn kernel: [   12.345678][ T77] ${WARN}`, 'syslog', 12.345678, '2022-12-04T15:56:11', 'db1'],
];

test('input formats: prefix stripped, uptime, wall clock, host, format', () => {
  for (const [line, format, uptime, wall, host] of FORMATS) {
    const r = readLog('f', line + '\r\n', { year: 2022 });
    assert.equal(r.events.length, 1, line);
    const e = r.events[0]!;
    assert.equal(e.header, WARN, line);
    assert.equal(e.time.uptime, uptime, line);
    assert.equal(e.time.wallclock, wall, line);
    assert.equal(r.kernel.hostname, host, line);
    assert.equal(r.source.format, format, line);
  }
});

test('CRLF line ends give the same result as LF', () => {
  const lf = readFileSync(join(FIX, 'lab-bug-module.console.log'), 'utf8');
  const a = readLog('lf', lf);
  const b = readLog('crlf', lf.replace(/\n/g, '\r\n'));
  assert.deepEqual(b.events.map((e) => [e.kind, e.header, e.frames.length, e.source.startLine]),
    a.events.map((e) => [e.kind, e.header, e.frames.length, e.source.startLine]));
  assert.deepEqual(b.panic, a.panic);
});

test('bad input: empty, binary garbage, invalid UTF-8, dropped messages', () => {
  const empty = readLog('e', Buffer.alloc(0));
  assert.equal(empty.events.length, 0);
  assert.equal(empty.source.lines, 0);
  const garbage = Buffer.alloc(200000);
  let x = 12345;
  for (let i = 0; i < garbage.length; i++) { x = (x * 1103515245 + 12345) >>> 0; garbage[i] = x >>> 24; }
  const g = readLog('g', garbage);
  assert.equal(g.events.length, 0);
  assert.ok(g.gaps.some((gap) => /binary data/.test(gap.what)));
  const oops = readFileSync(join(FIX, 'lab-oops-null-module.dmesg.txt'));
  const mixed = readLog('m', Buffer.concat([garbage.subarray(0, 5000), Buffer.from('\n\xff\xfe\xc3('), Buffer.from('\n'), oops]));
  assert.equal(mixed.events.length, 1);
  assert.equal(mixed.events[0]!.kind, 'null-deref');
  const dropped = readLog('d', '[ 1.0] ok\n** 42 printk messages dropped **\n[ 2.0] BUG: kernel NULL pointer dereference, address: 0000000000000000\n');
  assert.equal(dropped.events.length, 1);
  assert.ok(dropped.gaps.some((gap) => /dropped 42 printk/.test(gap.what)));
});

test('a 10 MB line is cut once, noted as a gap, and the report after it is found', () => {
  const big = 'A'.repeat(10 * 1024 * 1024);
  const oops = readFileSync(join(FIX, 'lab-oops-null-module.dmesg.txt'), 'utf8');
  const reader = createLogReader('big');
  const buf = Buffer.from(`[ 0.5] start\n${big}\n${oops}`);
  for (let i = 0; i < buf.length; i += 65536) reader.push(buf.subarray(i, i + 65536));
  const r = reader.end();
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0]!.kind, 'null-deref');
  assert.equal(r.gaps.filter((g) => g.what.includes(`longer than ${MAX_LINE_CHARS}`)).length, 1);
  assert.equal(r.source.lines, 2 + oops.split('\n').length - 1);
  assert.equal(r.events[0]!.source.startLine, 3 + oops.split('\n').findIndex((l) => l.includes('BUG: kernel NULL')));
});

test('10,000 oopses stream out in bounded memory; readLog keeps 1,000 and counts the rest', () => {
  const one = readFileSync(join(FIX, 'lab-oops-null-module.dmesg.txt'), 'utf8').split('\n')
    .filter((l) => !l.includes('Linux version')).join('\n');
  let n = 0;
  let maxLines = 0;
  const before = process.memoryUsage().heapUsed;
  const reader = createLogReader('many', (e) => { n++; maxLines = Math.max(maxLines, e.lines.length); });
  for (let i = 0; i < 10000; i++) reader.push(one);
  const r = reader.end();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(n, 10000);
  assert.equal(r.events.length, 0);
  assert.ok(maxLines <= 400);
  assert.ok(grown < 200 * 1024 * 1024, `heap grew by ${grown}`);
  const all = readLog('many', one.repeat(2000));
  // Each copy is a boot that the oops took down (kdump, no panic line): past the first 1,000 events, such
  // events are still kept, up to MAX_EXTRA_PANICKED; the others are counted.
  assert.equal(all.events.length, 1000 + MAX_EXTRA_PANICKED);
  assert.ok(all.events.slice(1000).every((e) => e.panicked && e.kind === 'null-deref'));
  assert.equal(all.eventsOmitted.count, 1000 - MAX_EXTRA_PANICKED);
});

/** Hand-made oops: the lab oops's first lines, then `n` frame lines of `len` characters each. */
function fatOops(k: number, n: number, len: number): string {
  const ts = `[${String(100 + k).padStart(5, ' ')}.000000]`;
  const out = [`${ts} BUG: kernel NULL pointer dereference, address: 0000000000000008`, `${ts} #PF: supervisor read access in kernel mode`, `${ts} Call Trace:`];
  for (let i = 0; i < n; i++) out.push(`${ts}  f${k}_${i}${'x'.repeat(len)}+0x1f/0x40 [mod${k}]`);
  out.push(`${ts} ---[ end trace 0000000000000000 ]---`);
  return out.join('\n') + '\n';
}

test('one event keeps at most MAX_EVENT_CHARS characters of lines and counts the lines left out', () => {
  // 150 lines of ~1 KB: under MAX_EVENT_LINES (400), over MAX_EVENT_CHARS (128 Ki).
  const r = readLog('fat', fatOops(0, 150, 1000));
  assert.equal(r.events.length, 1);
  const ev = r.events[0]!;
  const chars = ev.lines.reduce((a, l) => a + l.length + 1, 0);
  assert.ok(chars <= MAX_EVENT_CHARS, `${chars} characters kept`);
  const perLine = ev.lines[5]!.length + 1;
  assert.equal(ev.lines.length + Number(ev.details.linesLeftOut), 150 + 4);
  assert.ok(MAX_EVENT_CHARS - chars < perLine, 'lines are kept up to the cap');
  assert.equal(ev.source.endLine, 154, 'the event still ends at its end marker');
});

test('the kept characters of all events are capped: later reports are counted and the gap says so', () => {
  // Each event keeps ~100 Ki characters; a budget of 1 Mi keeps 11 of 40 (the one that crosses it included).
  const text = Array.from({ length: 40 }, (_, k) => fatOops(k, 100, 1000)).join('');
  const r = readLog('fat', text, { maxKeptChars: 1024 * 1024 });
  const kept = r.events.reduce((a, e) => a + e.lines.reduce((b, l) => b + l.length + 1, 0), 0);
  assert.equal(r.events.length, 11);
  assert.ok(kept >= 1024 * 1024 && kept < 1024 * 1024 + 110_000, `${kept}`);
  assert.equal(r.events.length + r.eventsOmitted.count, 40);
  const gap = r.gaps.find((g) => g.what.startsWith('memory budget'));
  assert.ok(gap, JSON.stringify(r.gaps));
  assert.match(gap!.what, /the details of 11 report\(s\) .* 29 later report\(s\) were only counted/);
  // Chunked, the same (count-only mode takes over once the budget is spent).
  const reader = createLogReader('fat', undefined, { maxKeptChars: 1024 * 1024 });
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += 65536) reader.push(buf.subarray(i, i + 65536));
  const c = reader.end();
  assert.equal(c.events.length, 11);
  assert.equal(c.eventsOmitted.count, 29);
  // Within the budget: no gap.
  assert.equal(readLog('fat', fatOops(0, 10, 100)).gaps.length, 0);
});

test('ownCopy: the same text, sharing no memory with a larger string', () => {
  const big = 'y'.repeat(1 << 20) + 'the line we keep, longer than 13';
  const line = big.slice(1 << 20);
  assert.equal(ownCopy(line), line);
  assert.equal(ownCopy('short'), 'short');
  assert.equal(ownCopy(''), '');
});

/** Splits a syzkaller test file (format: README of the corpus folder) into headers and log. */
function splitCorpusFile(buf: Buffer): { headers: Record<string, string>; log: Buffer } {
  const text = buf.toString('latin1').replace(/\r/g, '');
  const lines = text.split('\n');
  const headers: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const m = /^([A-Z]+): (.*)$/.exec(lines[i]!);
    if (m) headers[m[1]!] = m[2]!;
  }
  const log = lines.slice(i + 1);
  let end = log.length;
  for (let j = 1; j < log.length; j++) if (log[j] === 'REPORT:' && log[j - 1] === '') { end = j; break; }
  return { headers, log: Buffer.from(log.slice(0, end).join('\n'), 'latin1') };
}

test('syzkaller corpus: crash files give >= 1 event (>= 99 %), no-crash files give 0 (no false alarm)', { skip: needShared(CORPUS) }, () => {
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  let crash = 0;
  for (const f of readdirSync(CORPUS).filter((x) => /^\d+$/.test(x))) {
    const { headers, log } = splitCorpusFile(readFileSync(join(CORPUS, f)));
    const r = readLog(f, log);
    if (headers.TITLE !== undefined) {
      crash++;
      if (r.events.length === 0) missed.push(`${f}: ${headers.TITLE}`);
    } else if (r.events.length > 0) {
      falseAlarms.push(`${f}: ${r.events[0]!.header}`);
    }
  }
  assert.deepEqual(falseAlarms, []);
  assert.ok(missed.length <= crash * 0.01, `missed ${missed.length}/${crash}:\n${missed.join('\n')}`);
});

// hand-made, in the 4.15 hung-task format: another report's line lands between the hung task's header and
// its stack. The event ends at the interleaved header, but its title comes from syzkaller's rules over the
// lines after its header (as syzbot would name it), not from the event's own four lines.
test('titles look past the event end: a hung task whose stack follows an interleaved header', () => {
  const text = `[  246.100000] INFO: task syz-executor3:7311 blocked for more than 140 seconds.
[  246.100010]       Not tainted 4.15.0+ #1
[  246.100020] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[  246.100030] syz-executor3   D23920  7311   4417 0x00000004
[  246.200000] unregister_netdevice: waiting for lo to become free. Usage count = 3
[  246.300000] Call Trace:
[  246.300010]  __schedule+0x8eb/0x2060
[  246.300020]  schedule+0xf5/0x430
[  246.300030]  schedule_preempt_disabled+0x10/0x20
[  246.300040]  __mutex_lock+0xaad/0x1a80
[  246.300050]  mutex_lock_nested+0x16/0x20
[  246.300060]  copy_net_ns+0x1e8/0x3b0
[  246.300070]  create_new_namespaces+0x425/0x880
[  246.300080]  unshare_nsproxy_namespaces+0xae/0x1e0
[  246.300090]  SyS_unshare+0x653/0xfa0
[  246.300100]  do_syscall_64+0x282/0x940
[  246.300110]  entry_SYSCALL_64_after_hwframe+0x26/0x9b
`;
  const r = readLog('hung', text);
  assert.deepEqual(r.events.map((e) => [e.kind, e.source.startLine, e.source.endLine]), [['hung-task', 1, 4], ['unknown', 5, 17]]);
  assert.equal(r.events[0]!.title, 'INFO: task hung in copy_net_ns');
  assert.equal(findFirstCrash(text.split('\n').slice(0, 4).join('\n') + '\n')!.title, 'INFO: task hung in corrupted');
});

// hand-made: a header line only syzkaller's table knows (arm's alignment trap) opens an event; a line that
// syzkaller's rules do not confirm as a report (no event) stays quiet.
test('headers from syzkaller\'s table open events only when its rules confirm a report', () => {
  const arm = [
    'Alignment trap: not handling instruction e1932f9f at [<8028bd58>]',
    'Unhandled fault: alignment exception (0x001) at 0x000008ad',
    'Internal error: : 1 [#1] SMP ARM',
    'CPU: 1 PID: 4711 Comm: syz-executor.0 Not tainted 5.10.0 #1',
    'PC is at dup_fd+0x1c4/0x3f0',
    'LR is at dup_fd+0x1b8/0x3f0',
    'Backtrace:',
    '[<8028bb94>] (dup_fd) from [<80125a08>] (copy_process+0x8d4/0x1850)',
    '[<80125134>] (copy_process) from [<80126a2c>] (kernel_clone+0x84/0x3cc)',
  ].join('\n') + '\n';
  const r = readLog('arm', arm);
  assert.deepEqual(r.events.map((e) => e.kind), ['oops', 'oops']);
  assert.equal(r.events[0]!.title, 'Alignment trap in corrupted');
  assert.equal(r.events[1]!.title, 'Unhandled fault in dup_fd');
  assert.equal(readLog('q', 'random tool: SYZFAILED to parse\n').events.length, 0);
});

// ---- Past the detail limit (count-only mode): the report that took a boot down is still read in detail ----
// Hand-made inputs: a flood of WARNING reports in the format of the 6.1 kernel's __warn() (cut here line,
// WARNING line, Modules linked in, CPU line, RIP, end trace marker, as in the lab logs), then lines of the
// lab oops (test/fixtures/logs/lab-oops-null-module.console.log) with their time stamps moved to 100 s, and
// panic lines as 6.1's panic() prints them (the lab's stack-protector panic gives the CPU/stack/end lines).

function ts(t: number): string {
  return `[${t.toFixed(6).padStart(12)}]`;
}

/** `n` WARNING reports, time stamps from 10 s on. */
function warnFlood(n: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const t = ts(10 + k / 100);
    out.push(`${t} ------------[ cut here ]------------`, `${t} WARNING: CPU: 0 PID: 1 at net/core/dev.c:${k} dev_watchdog+0x1/0x2`,
      `${t} Modules linked in: e1000`, `${t} CPU: 0 PID: 1 Comm: swapper Not tainted 6.1.0 #1`, `${t} RIP: 0010:dev_watchdog+0x1/0x2`,
      `${t} ---[ end trace 0000000000000000 ]---`);
  }
  return out;
}

const LAB_OOPS_LINES = readFileSync(join(FIX, 'lab-oops-null-module.console.log'), 'latin1').split('\n');
/** The lab oops from its BUG line to its last line before the capture kernel's banner, at 100 s. */
function labOops(): string[] {
  const from = LAB_OOPS_LINES.findIndex((l) => l.includes('BUG: kernel NULL'));
  const to = LAB_OOPS_LINES.findIndex((l, i) => i > from && l.includes('Linux version'));
  return LAB_OOPS_LINES.slice(from, to).map((l) => l.replace(/^\[\s*\d+\.\d+\]/, ts(100)));
}
/** The capture kernel's first lines (the lab log's second boot). */
function captureBoot(): string[] {
  return LAB_OOPS_LINES.slice(LAB_OOPS_LINES.findIndex((l, i) => i > 0 && l.includes('Linux version'))).filter((l) => l !== '');
}
/** What 6.1's panic() prints after an oops (oops_end: no stack dump of its own). */
function fatalPanic(t: number): string[] {
  return [`${ts(t)} Kernel panic - not syncing: Fatal exception`,
    `${ts(t)} Kernel Offset: 0xda00000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)`,
    `${ts(t)} ---[ end Kernel panic - not syncing: Fatal exception ]---`];
}
/** A bare panic as mount_block_root() ends in it on 6.1, with panic()'s own stack dump. */
function vfsPanic(t: number): string[] {
  const msg = 'VFS: Unable to mount root fs on unknown-block(0,0)';
  return [`Kernel panic - not syncing: ${msg}`, 'CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2',
    'Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014', 'Call Trace:', ' <TASK>',
    ' dump_stack_lvl+0x44/0x5c', ' panic+0x118/0x2f4', ' mount_block_root+0x1d3/0x1e6', ' prepare_namespace+0x136/0x165',
    ' kernel_init_freeable+0x25c/0x286', ' ? rest_init+0xd0/0xd0', ' kernel_init+0x16/0x130', ' ret_from_fork+0x22/0x30', ' </TASK>',
    'Kernel Offset: 0xda00000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)',
    `---[ end Kernel panic - not syncing: ${msg} ]---`].map((l) => `${ts(t)} ${l}`);
}

/** The reader's result for `data` pushed in chunks of `size` bytes (0: one push). */
function readChunked(data: Buffer, size: number) {
  const r = createLogReader('flood.log');
  if (size === 0) r.push(data);
  else for (let i = 0; i < data.length; i += size) r.push(data.subarray(i, i + size));
  return r.end();
}

/** Everything a result says about events, panic and boots, for comparing readings. */
function summary(r: ReturnType<typeof readLog>): string {
  return JSON.stringify({
    events: r.events.map((e) => [e.kind, e.header, e.title, e.boot, e.panicked, e.source.startLine, e.source.endLine, e.lines.length, e.task, e.cpu]),
    panic: r.panic, omitted: r.eventsOmitted, boots: r.boots, lines: r.source.lines,
  });
}

/** Checks that chunks of 1 KiB, 64 KiB, 4 MiB and one push give the same result; returns it. */
function readAllWays(text: string) {
  const data = Buffer.from(text, 'latin1');
  const whole = readChunked(data, 0);
  for (const size of [1024, 65536, 4 * 1024 * 1024]) assert.equal(summary(readChunked(data, size)), summary(whole), `chunks of ${size} bytes`);
  assert.equal(summary(readLog('flood.log', text)), summary(whole), 'read as a string');
  return whole;
}

test('past the detail limit, a fatal oops and its panic line are read in detail and kept (flood of 1,200 warnings)', () => {
  const flood = warnFlood(1200);
  const oops = labOops();
  const text = [...flood, ...oops, ...fatalPanic(100.5)].join('\n') + '\n';
  const r = readAllWays(text);
  assert.equal(r.events.length, 1001);
  const ev = r.events[1000]!;
  // The same event as the oops read alone (its lines numbered as in the flood log).
  const alone = readLog('flood.log', [...oops, ...fatalPanic(100.5)].join('\n') + '\n', { firstLine: flood.length + 1 }).events[0]!;
  assert.equal(ev.kind, 'null-deref');
  assert.equal(ev.panicked, true);
  assert.equal(ev.boot, 0);
  assert.equal(ev.source.startLine, flood.length + 1);
  assert.equal(ev.source.endLine, flood.length + oops.length + 3);
  assert.equal(ev.title, 'BUG: unable to handle kernel NULL pointer dereference in ktl_null_process');
  assert.deepEqual({ ...ev, index: 0 }, { ...alone, index: 0 });
  assert.deepEqual(r.panic, { message: 'Kernel panic - not syncing: Fatal exception', task: { pid: null, comm: null }, cpu: null });
  // 200 warnings counted; the oops is not.
  assert.equal(r.eventsOmitted.count, 200);
  assert.deepEqual(Object.keys(r.eventsOmitted.byTitle), ['WARNING: CPU: NUM PID: NUM at net/core/dev.c:LINE dev_watchdog']);
  assert.equal(r.boots, 1);
});

test('past the detail limit, a fatal oops that went to kdump without a panic line is kept (implied panic)', () => {
  const flood = warnFlood(1200);
  const text = [...flood, ...labOops(), ...captureBoot()].join('\n') + '\n';
  const r = readAllWays(text);
  assert.equal(r.events.length, 1001);
  const ev = r.events[1000]!;
  assert.equal(ev.kind, 'null-deref');
  assert.equal(ev.panicked, true);
  assert.equal(ev.boot, 0);
  assert.deepEqual(r.panic, { message: null, task: { pid: 111, comm: 'sessiond' }, cpu: 1 });
  assert.equal(r.boots, 2);
  assert.equal(r.eventsOmitted.count, 200);
});

test('past the detail limit, a bare panic is an event of kind panic with the task of its CPU line', () => {
  const flood = warnFlood(1200);
  const r = readAllWays([...flood, ...vfsPanic(300)].join('\n') + '\n');
  assert.equal(r.events.length, 1001);
  const ev = r.events[1000]!;
  assert.equal(ev.kind, 'panic');
  assert.equal(ev.panicked, true);
  assert.equal(ev.header, 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');
  assert.equal(ev.source.startLine, flood.length + 1);
  assert.equal(ev.source.endLine, flood.length + 16);
  assert.deepEqual(r.panic, { message: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)', task: { pid: 1, comm: 'swapper/0' }, cpu: 0 });
  assert.equal(r.eventsOmitted.count, 200);
});

test('past the detail limit, reboots still start boots: banners and restarting time stamps', () => {
  const flood = warnFlood(1200);
  // Boot 0: the flood; boot 1 (banner): more warnings and a bare panic; boot 2 (time stamps restart, no
  // banner): warnings, the oops and its panic.
  const boot1 = [...captureBoot(), ...warnFlood(5).map((l) => l.replace(/^\[\s*\d+\.\d+\]/, ts(5))), ...vfsPanic(6)];
  const boot2 = [...warnFlood(3).map((l) => l.replace(/^\[\s*\d+\.\d+\]/, ts(1))), ...labOops().map((l) => l.replace(/^\[\s*\d+\.\d+\]/, ts(2))), ...fatalPanic(2)];
  const r = readAllWays([...flood, ...boot1, ...boot2].join('\n') + '\n');
  assert.equal(r.boots, 3);
  const extra = r.events.slice(1000).map((e) => [e.kind, e.boot, e.panicked, e.source.startLine]);
  assert.deepEqual(extra, [
    ['panic', 1, true, flood.length + boot1.length - 15],
    ['null-deref', 2, true, flood.length + boot1.length + 3 * 6 + 1],
  ]);
  // The report's panic: the first boot that printed one.
  assert.equal(r.panic?.message, 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');
  assert.equal(r.eventsOmitted.count, 200 + 5 + 3);
});

test('count-only mode from the first event on finds the panic, boots and panicked events of a detailed read (lab fixtures)', () => {
  const truths = JSON.parse(readFileSync(join(FIX, 'lab-truth.json'), 'utf8')) as Record<string, Truth>;
  const facts = (r: ReturnType<typeof readLog>) => ({
    panic: r.panic, boots: r.boots,
    panicked: r.events.filter((e) => e.panicked).map((e) => [e.kind, e.header, e.boot, e.source.startLine, e.source.endLine, e.task, e.cpu, e.frames.length, e.title]),
  });
  let n = 0;
  for (const scenario of Object.keys(truths)) {
    for (const suffix of ['console.log', 'dmesg.txt']) {
      const data = readFileSync(join(FIX, `lab-${scenario}.${suffix}`));
      const full = facts(readLog('lab', data));
      assert.ok(full.panicked.length >= 1);
      for (const maxEvents of [0, 1]) {
        const r = createLogReader('lab', undefined, { maxEvents });
        for (let i = 0; i < data.length; i += 512) r.push(data.subarray(i, i + 512));
        assert.deepEqual(facts(r.end()), full, `lab-${scenario}.${suffix}, maxEvents ${maxEvents}`);
        n++;
      }
    }
  }
  assert.equal(n, 36);
});
