// The shapes of real-world pastes (issue 13): prefixes that are no log format's, task/pid/CPU wherever the
// kernel prints them, decoded and non-x86 frames, reports whose header is not in the text, titles.
// Every input here is HAND-MADE: kernel messages in the exact formats of the kernel's printk calls (the
// function and file named next to each), wrapped in the prefixes pastes, editors and collectors add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLog, normalizeLine } from './index.js';
import type { CrashEvent } from '../../model/types.js';

// arch/x86/mm/fault.c (page_fault_oops, show_fault_oops), arch/x86/kernel/dumpstack.c (__die, show_regs).
const OOPS = [
  '[  162.123456] BUG: kernel NULL pointer dereference, address: 0000000000000008',
  '[  162.123460] #PF: supervisor read access in kernel mode',
  '[  162.123462] #PF: error_code(0x0000) - not-present page',
  '[  162.123463] PGD 0 P4D 0 ',
  '[  162.123466] Oops: 0000 [#1] PREEMPT SMP NOPTI',
  '[  162.123469] CPU: 4 PID: 419 Comm: (udev-worker) Tainted: G           OE      6.6.7-arch1-1 #1 ab12cd34',
  '[  162.123472] Hardware name: LENOVO 20XW/20XW, BIOS N32ET86W (1.62 ) 03/14/2023',
  '[  162.123474] RIP: 0010:rtw_usb_phy_cfg+0x23/0x130 [rtw_usb]',
  '[  162.123480] Code: 0f 1f 44 00 00 55 48 89 e5 41 57 <48> 8b 47 08 00 00 00 00',
  '[  162.123482] RSP: 0018:ffffb1c2c0a3f9b8 EFLAGS: 00010246',
  '[  162.123484] RAX: 0000000000000000 RBX: ffff9a1b0a3c2000 RCX: 0000000000000000',
  '[  162.123490] Call Trace:',
  '[  162.123491]  <TASK>',
  '[  162.123493]  ? __die+0x23/0x70',
  '[  162.123495]  rtw_usb_phy_cfg+0x23/0x130 [rtw_usb]',
  '[  162.123497]  rtw_power_on+0x52/0x1a0 [rtw_core]',
  '[  162.123499]  really_probe+0x19b/0x3e0',
  '[  162.123500]  </TASK>',
];
const MSGS = OOPS.map((l) => l.slice(l.indexOf('] ') + 2));

function firstEvent(text: string): CrashEvent {
  const r = readLog('paste', text + '\n', { year: 2024 });
  assert.ok(r.events.length >= 1, `an event in:\n${text.slice(0, 300)}`);
  return r.events[0]!;
}

function checkOops(name: string, text: string, withTime = true): void {
  const e = firstEvent(text);
  assert.equal(e.kind, 'null-deref', name);
  assert.equal(e.header, 'BUG: kernel NULL pointer dereference, address: 0000000000000008', name);
  assert.deepEqual(e.task, { comm: '(udev-worker)', pid: 419 }, name);
  assert.equal(e.cpu, 4, name);
  assert.equal(e.rip?.function, 'rtw_usb_phy_cfg', name);
  assert.equal(e.rip?.module, 'rtw_usb', name);
  assert.deepEqual(e.frames.map((f) => f.function), ['__die', 'rtw_usb_phy_cfg', 'rtw_power_on', 'really_probe'], name);
  if (withTime) assert.equal(e.time.uptime, 162.123456, name);
  assert.equal(e.title, 'BUG: unable to handle kernel NULL pointer dereference in rtw_usb_phy_cfg', name);
}

test('foreign prefixes around console lines: quotes, gutters, line numbers, prompts, CI clocks, hypervisor tags, blanks', () => {
  const wraps: [string, (l: string, i: number) => string][] = [
    ['mail quote', (l) => `> ${l}`],
    ['double quote', (l) => `>> ${l}`],
    ['spaced quote', (l) => `> > ${l}`],
    ['table gutter', (l) => `| ${l}`],
    ['editor numbers', (l, i) => `${String(i + 1).padStart(4)} ${l}`],
    ['grep -n numbers', (l, i) => `${i + 1}:${l}`],
    ['viewer numbers', (l, i) => `${i + 10}| ${l}`],
    ['numbered list', (l, i) => `    ${(i % 5) + 1}. ${l}`],
    ['CI clock', (l) => `16:56:35 ${l}`],
    ['hypervisor tag', (l) => `[guest0/uart0] ${l}`],
    ['indented paste', (l) => `                  ${l}`],
    ['HTML escaped quote', (l) => `&gt; ${l.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`],
  ];
  for (const [name, wrap] of wraps) checkOops(name, OOPS.map(wrap).join('\n'));
  // A login or shell prompt glued to the first line, the `[` of the first time stamp lost or mangled.
  checkOops('login prompt', ['host login: ' + OOPS[0], ...OOPS.slice(1)].join('\n'));
  checkOops('shell prompt', ['root@sh:/# ' + OOPS[0], ...OOPS.slice(1)].join('\n'));
  checkOops('lost bracket', [OOPS[0]!.slice(1), ...OOPS.slice(1)].join('\n'));
  checkOops('mangled bracket', ['`' + OOPS[0]!.slice(1), ...OOPS.slice(1)].join('\n'));
});

test('collector and tool formats: syslog without host, localised months, kernel: behind other fields, kmsg, dmesg -H, ktest, caller ids', () => {
  checkOops('syslog without host', OOPS.map((l) => `May 17 18:48:11 kernel: ${l}`).join('\n'));
  checkOops('indented syslog without host', OOPS.map((l) => `    May 17 18:48:11 kernel: ${l}`).join('\n'));
  checkOops('busybox syslogd', OOPS.map((l) => `Sep 13 14:34:10 ccgx user.warn kernel: ${l}`).join('\n'));
  checkOops('OpenWrt logread', OOPS.map((l) => `Tue Feb  1 19:02:25 2022 kern.warn kernel: ${l}`).join('\n'));
  checkOops('socklog', OOPS.map((l) => `2025-01-11T14:18:39.91660 kern.err: ${l}`).join('\n'));
  checkOops('journal, no time', MSGS.map((m) => `kernel: ${m}`).join('\n'), false);
  // journalctl prints month names in the locale's language.
  for (const mon of ['июл', 'sty', 'ott']) {
    const e = firstEvent(MSGS.map((m) => `${mon} 27 14:08:04 laptop kernel: ${m}`).join('\n'));
    assert.equal(e.kind, 'null-deref', mon);
    assert.deepEqual(e.task, { comm: '(udev-worker)', pid: 419 }, mon);
  }
  // /dev/kmsg records (Documentation/ABI/testing/dev-kmsg): `level,seq,usec,flags;message`.
  const kmsg = MSGS.map((m, i) => `${i < 5 ? 1 : 4},${600 + i},${162123456 + i},-;${m}`).join('\n');
  const k = firstEvent(kmsg);
  assert.equal(k.kind, 'null-deref');
  assert.equal(k.time.uptime, 162.123456);
  assert.deepEqual(k.task, { comm: '(udev-worker)', pid: 419 });
  assert.deepEqual(normalizeLine('6,339,5140900,-,caller=T1;NET: Registered protocol family 10', 1).text, 'NET: Registered protocol family 10');
  // dmesg -H: a minute stamp, then deltas.
  checkOops('dmesg -H', MSGS.map((m, i) => (i === 0 ? `[Apr25 06:33] ${m}` : `[  +0.000013] ${m}`)).join('\n'), false);
  // ktest's elapsed-seconds column in front of plain console lines.
  checkOops('ktest', MSGS.map((m) => `00034 ${m}`).join('\n'), false);
  // printk caller ids, glued or after a blank.
  checkOops('caller id', OOPS.map((l) => l.replace('] ', '] [   T419] ')).join('\n'));
  checkOops('caller id glued', OOPS.map((l) => l.replace('] ', '][ T419] ')).join('\n'));
});

test('joined lines: rsyslog #012 escapes, a time stamp or a CPU line in the middle of a message', () => {
  // rsyslog escapes the newlines of a multi-line record (lockdep's old layout, kernel/locking/lockdep.c).
  const lockdep = [
    'Mar 26 20:52:22 mira108 kernel: [ INFO: possible circular locking dependency detected ]',
    'Mar 26 20:52:22 mira108 kernel: 4.5.0-ceph-10672-g5ef5edb #1 Not tainted',
    'Mar 26 20:52:22 mira108 kernel: -------------------------------------------------------',
    'Mar 26 20:52:22 mira108 kernel: tp_fstore_op/28134 is trying to acquire lock:#012 (&sb->s_type->i_mutex_key#16){+.+.+.}, at: [<ffffffffa05b8ee9>] xfs_file_buffered_aio_write+0x59/0x280 [xfs]#012#012but task is already holding lock:',
  ].join('\n');
  const l = firstEvent(lockdep);
  assert.equal(l.kind, 'lockdep');
  assert.deepEqual(l.task, { comm: 'tp_fstore_op', pid: 28134 });
  assert.ok(l.lines.some((x) => x.startsWith(' (&sb->s_type->i_mutex_key#16)')), 'the #012 pieces are lines of their own');
  // Two consoles printing into one line (a doubled serial console), and a CPU line joined to a panic line.
  const s = firstEvent('[  349.166130] sysrq: SysRq : [  349.166130] sysrq: SysRq : Trigger a crash\n[  349.166200] Kernel panic - not syncing: sysrq triggered crash');
  assert.equal(s.kind, 'sysrq');
  const p = firstEvent('Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: start_kernel+0xd8a/0xd90 CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.3.0-rc1 #1\nCall Trace:\n <TASK>\n dump_stack_lvl+0x1bc/0x250\n panic+0x2ad/0x6c0\n');
  assert.equal(p.kind, 'stack-protector');
  assert.deepEqual(p.task, { comm: 'swapper/0', pid: 0 });
  assert.equal(p.cpu, 0);
});

test('task, pid and CPU wherever the report prints them', () => {
  // kernel/panic.c __warn(): the header alone (a paste cut after it).
  let e = firstEvent('[   76.080000] ------------[ cut here ]------------\n[   76.080000] WARNING: CPU: 1 PID: 3081 at drivers/media/v4l2-core/v4l2-ioctl.c:1025 v4l_querycap+0x41/0x52 [videodev]()');
  assert.equal(e.kind, 'warning');
  assert.deepEqual([e.task.pid, e.cpu], [3081, 1]);
  assert.equal(e.title, 'WARNING in v4l_querycap', 'a WARNING whose frames are missing takes its function from the header');
  // The report is still incomplete (syzkaller's CORRUPTED), and says why.
  assert.equal(e.corrupted, true);
  assert.equal(e.corruptedReason, 'the text ends after the report\'s header lines: no stack was printed or pasted');
  // mm/kasan/report.c: `by task comm/pid` (no CPU line in the paste).
  e = firstEvent('[ 2759.542176] BUG: KASAN: slab-out-of-bounds in ttls_hs_done+0x16/0x30 [tempesta_tls]\n[ 2759.543552] Read of size 4 at addr ffff8881d4332414 by task swapper/22/0\n[ 2759.544749] ');
  assert.deepEqual(e.task, { comm: 'swapper/22', pid: 0 });
  // kernel/sched/core.c __might_resched(): `in_atomic(): ..., pid: N, name: comm`.
  e = firstEvent('[  708.606610] BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48\n[  708.606626] in_atomic(): 0, irqs_disabled(): 1, non_block: 0, pid: 7578, name: dd\n[  708.606630] preempt_count: 0, expected: 0');
  assert.deepEqual(e.task, { comm: 'dd', pid: 7578 });
  // __schedule_bug(): `scheduling while atomic: comm/pid/preempt_count`; mm/page_alloc.c bad_page().
  e = firstEvent('[   74.874612] BUG: scheduling while atomic: EMT-0/2884/0x7ffffe00');
  assert.deepEqual(e.task, { comm: 'EMT-0', pid: 2884 });
  e = firstEvent('[407819.286867] BUG: Bad page state in process zabbix_agentd  pfn:46c479\n[407819.288361] page:ffffea000f7afa78 count:-2 mapcount:0 mapping:          (null) index:0x0');
  assert.deepEqual(e.task, { comm: 'zabbix_agentd', pid: null });
  // lockdep print_circular_bug_header(): `comm/pid is trying to acquire lock:`.
  e = firstEvent('[ 1028.366165] WARNING: possible circular locking dependency detected\n[ 1028.366348] 5.10.0-00479-g1c1358a0a606 #87 Tainted: G                T\n[ 1028.366620] ------------------------------------------------------\n[ 1028.366838] kswapd0/79 is trying to acquire lock:');
  assert.deepEqual([e.kind, e.task.comm, e.task.pid], ['lockdep', 'kswapd0', 79]);
  // kernel/rcu/tree_stall.h: the stalled CPU of a self-detected stall.
  e = firstEvent('[   89.892668] rcu: INFO: rcu_sched self-detected stall on CPU\n[   89.898257] rcu:     1-....: (8382 ticks this GP) idle=3a04/1/0x40000002 softirq=118/122 fqs=1344\n[   89.906865] rcu:     (t=8403 jiffies g=-1055 q=60 ncpus=2)');
  assert.deepEqual([e.kind, e.cpu], ['rcu-stall', 1]);
  // arch/x86/kernel/cpu/mce/core.c print_mce(): `CPU N: Machine Check Exception:` (MCG_STATUS.MCIP).
  e = firstEvent('[754327.004544] mce: [Hardware Error]: CPU 15: Machine Check Exception: 5 Bank 6: bb80000000000e0b\n[754327.004803] mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffff816ab596> {native_safe_halt+0x6/0x10}\n[754327.299252] mce: [Hardware Error]: Machine check: Processor context corrupt\n[754327.300000] Kernel panic - not syncing: Fatal machine check');
  assert.deepEqual([e.kind, e.cpu, e.panicked], ['mce', 15, true]);
  // 2.6-era `Pid: N, comm: X` (arch/x86/kernel/process.c show_regs_common) after an old WARNING.
  e = firstEvent('------------[ cut here ]------------\nWARNING: at /build/linux-3.2.35/fs/dcache.c:1291 d_set_d_op+0x2a/0x96()\nPid: 14833, comm: bash Tainted: P O 3.2.0-4-amd64 #1 Debian 3.2.35-2\nCall Trace:\n [<ffffffff81046bdd>] ? warn_slowpath_common+0x78/0x8c\n [<ffffffffa0a1c4a2>] ? zpl_snapdir_lookup+0x52/0x80 [zfs]');
  assert.deepEqual(e.task, { comm: 'bash', pid: 14833 });
  assert.deepEqual(e.frames.map((f) => [f.function, f.module]), [['warn_slowpath_common', null], ['zpl_snapdir_lookup', 'zfs']]);
  // A redacted release in the CPU line.
  e = firstEvent(`${MSGS.slice(0, 5).join('\n')}\nCPU: 4 UID: 0 PID: 576538 Comm: kmscon Tainted: G        W  OE       [INFO_REDACTED]\nRIP: 0010:nv_audio_dynamic_power+0xcd/0x140 [nvidia]`);
  assert.deepEqual([e.task.comm, e.task.pid, e.cpu], ['kmscon', 576538, 4]);
});

test('hard lockups: the old WARNING form is one event of the CPU it names; powerpc Watchdog CPU:N Hard LOCKUP', () => {
  // kernel/watchdog.c (3.x watchdog_overflow_callback: WARN(1, "Watchdog detected hard LOCKUP on cpu %d")).
  let r = readLog('old', 'nas3 login: [86185.341902] ------------[ cut here ]------------\n[86185.346539] WARNING: CPU: 0 PID: 31758 at /build/linux-3.16.7/kernel/watchdog.c:265 watchdog_overflow_callback+0x98/0xc0()\n[86185.359253] Watchdog detected hard LOCKUP on cpu 1\n[86185.363882] Modules linked in: xt_ratelimit(O) xt_nat\n[86185.370000] CPU: 0 PID: 31758 Comm: sqlvpn Tainted: G           O  3.16.0-4-amd64 #1 Debian 3.16.7-ckt11-1\n');
  assert.equal(r.events.length, 1);
  assert.deepEqual([r.events[0]!.kind, r.events[0]!.cpu, r.events[0]!.task.comm, r.events[0]!.task.pid], ['hard-lockup', 1, 'sqlvpn', 31758]);
  // arch/powerpc/kernel/watchdog.c: the detecting CPU's line is not the report; the locked CPU's is.
  r = readLog('ppc', '[ 2020.139747] Watchdog CPU:71 detected Hard LOCKUP other CPUS:42\n[ 2020.139931] Watchdog CPU:42 Hard LOCKUP\n[ 2020.139933] Modules linked in: ibmpowernv vmx_crypto\n[ 2020.139965] CPU: 42 PID: 3391 Comm: a.out Not tainted 4.15.0-15-generic #16-Ubuntu\n[ 2020.139967] NIP:  c0000000001d5364 LR: c0000000001d5340 CTR: c000000000acd200\n');
  assert.equal(r.events.length, 1);
  assert.deepEqual([r.events[0]!.kind, r.events[0]!.cpu, r.events[0]!.task.comm], ['hard-lockup', 42, 'a.out']);
});

test('reports whose header is not in the text: hung task, RCU stall, OOM kill; panic_on_oom and no killable processes', () => {
  // kernel/hung_task.c check_hung_task() without its `INFO: task` line: the hint and the state line remain.
  let e = firstEvent('[39755.124656] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.\n[39755.124680] spl_system_ta D ffff88087bb0ae60     0  3209      2    0 0x00000000\n[39755.124690] Call Trace:\n[39755.124700]  [<ffffffff8152a2fe>] __mutex_lock_slowpath+0x13e/0x180\n');
  assert.deepEqual([e.kind, e.task.comm, e.task.pid], ['hung-task', 'spl_system_ta', 3209]);
  e = firstEvent('[  100.000000] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.\n[  100.000001] task:txg_sync        state:D stack:0     pid:9452  ppid:2      flags:0x00004000\n');
  assert.deepEqual([e.kind, e.task.comm, e.task.pid], ['hung-task', 'txg_sync', 9452]);
  // kernel/rcu/tree_stall.h: a paste that starts at the per-CPU line, or at the kthread starvation.
  e = firstEvent('[  534.855766] rcu:     1-...!: (0 ticks this GP) idle=c75c/1/0x4000000000000000 softirq=0/0 fqs=1 rcuc=9633 jiffies(starved)\n[  534.866489] rcu:     (detected by 0, t=8407 jiffies, g=-863, q=935 ncpus=2)\n');
  assert.deepEqual([e.kind, e.cpu], ['rcu-stall', 1]);
  e = firstEvent('May 11 17:15:39 rm-one kernel: [ 5408.675230] rcu_sched kthread starved for 5252 jiffies! g133523 c133522 f0x0 RCU_GP_WAIT_FQS(3) ->state=0x402 ->cpu=3\n');
  assert.equal(e.kind, 'rcu-stall');
  assert.equal(e.title, 'INFO: rcu detected stall', 'a kind title, not the raw line');
  // mm/oom_kill.c: kill lines alone are an OOM event; right before a new OOM report they are its predecessor's tail.
  e = firstEvent('Jan  1 00:00:01 db kernel: Out of memory: Kill process 9163 (mysqld) score 511 or sacrifice child\nJan  1 00:00:01 db kernel: Killed process 9163 (mysqld) total-vm:2457368kB, anon-rss:816780kB, file-rss:4kB\n');
  assert.deepEqual([e.kind, e.details.oomVictim, e.details.oomVictimPid], ['oom', 'mysqld', 9163]);
  const r = readLog('tail', '[   49.957214] Out of memory: Killed process 472 (whiptail) total-vm:10276kB, anon-rss:1028kB\n[   50.039496] gui-init invoked oom-killer: gfp_mask=0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO), order=1, oom_score_adj=0\n[   50.057367] CPU: 0 PID: 1 Comm: gui-init Not tainted 5.10.5-Heads #0\n');
  assert.deepEqual(r.events.map((x) => [x.kind, x.task.comm, x.task.pid]), [['oom', 'gui-init', 1]]);
  // panic_on_oom (sysrq-f with vm.panic_on_oom=2) and an OOM with nothing to kill: oom events, not panics.
  e = firstEvent('[  910.064760] SysRq : Manual OOM execution\n[  910.113950] Kernel panic - not syncing: Out of memory: compulsory panic_on_oom is enabled\n[  910.113950] CPU: 1 PID: 243 Comm: kworker/1:2 Not tainted 4.9.0-11-amd64 #1 Debian 4.9.189-3+deb9u1\n');
  assert.deepEqual([e.kind, e.task.comm, e.task.pid, e.cpu, e.panicked], ['oom', 'kworker/1:2', 243, 1, true]);
  e = firstEvent('[ pid ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\nKernel panic - not syncing: Out of memory and no killable processes');
  assert.equal(e.kind, 'oom');
});

test('machine checks: corrected records are no events but hardware lines; a list-debug BUG_ON is known by its RIP', () => {
  const corrected = [
    'Sep 16 19:51:15 nuc kernel: [    0.064261] mce: [Hardware Error]: Machine check events logged',
    'Sep 16 19:51:15 nuc kernel: [    0.064265] mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: a600000000020408',
    'Sep 16 19:51:15 nuc kernel: [    0.064270] mce: [Hardware Error]: TSC 0 ADDR fef4c9e0 ',
    'Feb 23 03:28:16 nuc kernel: EDAC sbridge MC1: HANDLING MCE MEMORY ERROR',
  ].join('\n');
  const r = readLog('ce', corrected + '\n', { year: 2024 });
  assert.equal(r.events.length, 0);
  assert.deepEqual(r.hardware.map((h) => h.line), [1, 2, 3, 4]);
  // powerpc's unrecoverable machine check (arch/powerpc/kernel/traps.c): an mce event, not an oops.
  assert.equal(firstEvent('[    0.000000] Oops: Machine check, sig: 7 [#1]').kind, 'mce');
  // lib/list_debug.c BUG_ON pasted from `invalid opcode` on.
  const e = firstEvent('[ 8204.339820] invalid opcode: 0000 [#1] SMP PTI\n[ 8204.347292] CPU: 1 PID: 8022 Comm: cc1plus Not tainted 4.14.14-gentoo #1\n[ 8204.348100] RIP: 0010:__list_del_entry_valid+0x7e/0x90\n');
  assert.equal(e.kind, 'list-corruption');
});

test('frames: decoded traces, arm unwinder, arm64 (P), elisions, unsymbolised module addresses', () => {
  // scripts/decode_stacktrace.sh output: offsets replaced or followed by the source line; inlined frames.
  let e = firstEvent([
    '[ 1502.527398][T14140] BUG: KASAN: slab-use-after-free in kernfs_test_super (fs/kernfs/mount.c:286)',
    '[ 1502.534436][T14140] Read of size 8 at addr ffff88800853aa88 by task ip/14140',
    '[ 1502.541100][T14140] CPU: 1 PID: 14140 Comm: ip Not tainted 6.4.0-rc1 #1',
    '[ 1502.541200][T14140] Call Trace:',
    '[ 1502.541300][T14140]  <TASK>',
    '[ 1502.541400][T14140] dump_stack_lvl (lib/dump_stack.c:107 (discriminator 1))',
    '[ 1502.541500][T14140] ? kasan_report (mm/kasan/report.c:590)',
    '[ 1502.541600][T14140] kernfs_test_super+0x1c/0x40 (fs/kernfs/mount.c:286)',
    '[ 1502.541700][T14140] sget_fc (fs/super.c:616 fs/super.c:583)',
    '[ 1502.541800][T14140] __dump_stack lib/dump_stack.c:88',
  ].join('\n'));
  assert.deepEqual(e.frames.map((f) => [f.function, f.reliable]), [['dump_stack_lvl', true], ['kasan_report', false], ['kernfs_test_super', true], ['sget_fc', true], ['__dump_stack', true]]);
  assert.ok(!/\.c:/.test(e.title), `no file:line in the title: ${e.title}`);
  assert.equal(e.title, 'KASAN: slab-use-after-free Read in kernfs_test_super');
  // Decoded RIP line.
  e = firstEvent('[ 3491.296698] kernel BUG at fs/bcachefs/btree_iter.c:1332!\n[ 3491.296727] invalid opcode: 0000 [#1] SMP NOPTI\n[ 3491.296746] RIP: 0010:__btree_iter_traverse_all (fs/bcachefs/btree_iter.c:1332 (discriminator 1))');
  assert.equal(e.rip?.function, '__btree_iter_traverse_all');
  // arch/arm/kernel/traps.c dump_backtrace_entry: 4.x `(f) from [<pc>] (caller+off/size)`, older `(f+0x0/size)`,
  // arm's register words between the lines; the caller on the last line ends the stack.
  e = firstEvent([
    '[43500.179242] INFO: task vedirect-dbus:1339 blocked for more than 120 seconds.',
    '[43500.179276] vedirect-dbus   D    0  1339   1336 0x00000000',
    '[43500.179307] [<c0607cfc>] (__schedule) from [<c060811c>] (schedule+0x40/0xa0)',
    '[43500.179310]  r10:c0b05b0c r9:00000000 r8:d5e4f000 r7:c0b0c6c4 r6:d5e4fe5c r5:d5e4fe6c r4:c0b0c6c8',
    '[43500.179326] [<c060811c>] (schedule) from [<c06083d0>] (schedule_preempt_disabled+0xc/0x10)',
    '[43500.179366] [<c06083d0>] (schedule_preempt_disabled) from [<c03fd58c>] (tty_unthrottle_safe+0x14/0x7c [tty_mod])',
  ].join('\n'));
  assert.deepEqual(e.frames.map((f) => [f.function, f.module]), [['__schedule', null], ['schedule', null], ['schedule_preempt_disabled', null], ['tty_unthrottle_safe', 'tty_mod']]);
  e = firstEvent('[ 5623.859741] osmcore_L invoked oom-killer: gfp_mask=0x200da, order=0, oom_adj=-17, oom_score_adj=-1000\n[ 5623.859863] Backtrace: \n[ 5623.859985] [<c005c174>] (dump_backtrace+0x0/0x10c) from [<c05d4624>] (dump_stack+0x18/0x1c)\n[ 5623.860076]  r6:000200da r5:00000000 r4:c3ada000 r3:00000000\n[ 5623.860382] [<c05d460c>] (dump_stack+0x0/0x1c) from [<c01041e8>] (dump_header.isra.7+0x74/0x170)\n');
  assert.deepEqual(e.frames.map((f) => f.function), ['dump_backtrace', 'dump_stack', 'dump_header.isra.7']);
  // arm64 `(P)` marks and a paste's elisions.
  e = firstEvent('[  559.285200] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:12]\n[  559.285205] Call trace:\n[  559.285208]  handle_softirqs+0x9c/0x310 (P)\n[  559.285209]  ...\n[  559.285210]  __do_softirq+0x1c/0x28\n');
  assert.deepEqual(e.frames.map((f) => f.function), ['handle_softirqs', '__do_softirq']);
  // Unsymbolised addresses in a module (MIPS, %pS without a name) and a bare RIP.
  e = firstEvent('[11134.342200] WARNING: CPU: 1 PID: 1096 at mt7603/mac.c:208 0x860546a4 [mt7603e@8ad96439+0x96c0]\n[11134.350000] Call Trace:\n[11134.350100] [<8000c6d4>] show_stack+0x58/0x100\n[11134.350200] [<860546a4>] 0x860546a4 [mt7603e@8ad96439+0x96c0]\n');
  assert.deepEqual([e.rip?.address, e.rip?.module, e.rip?.offset], ['860546a4', 'mt7603e', 0x96c0]);
  assert.deepEqual(e.frames.map((f) => [f.function, f.module, f.address]), [['show_stack', null, '8000c6d4'], [null, 'mt7603e', '860546a4']]);
  e = firstEvent('[13656894.800000] BUG: unable to handle page fault for address: ffffffffc08d2f3c\n[13656894.814346] RIP: 0010:0xffffffffc08d2f3c\n');
  assert.equal(e.rip?.address, 'ffffffffc08d2f3c');
});

test('titles: old WARNING layout normalised, no raw message line as a title', () => {
  const e = firstEvent('------------[ cut here ]------------\nWARNING: at /build/linux-3.2.35/fs/dcache.c:1291 d_set_d_op+0x2a/0x96()\nPid: 14833, comm: bash Tainted: P O 3.2.0-4-amd64 #1 Debian 3.2.35-2\nCall Trace:\n [<ffffffff81046bdd>] ? warn_slowpath_common+0x78/0x8c\n [<ffffffff8110bd3e>] d_set_d_op+0x2a/0x96\n [<ffffffffa0a1c4a2>] zpl_snapdir_lookup+0x52/0x80 [zfs]\n [<ffffffff81100d9d>] lookup_real+0x1d/0x3e\n');
  assert.match(e.title, /^WARNING in \w+$/);
  for (const [text, title] of [
    ['[   50.039496] gui-init invoked oom-killer: gfp_mask=0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO), order=1, oom_score_adj=0', 'out of memory'],
    ['[ 2020.139931] Watchdog CPU:42 Hard LOCKUP', 'BUG: hard lockup'],
    ['[  349.166130] sysrq: SysRq : Trigger a crash', 'sysrq triggered crash'],
  ] as const) {
    assert.equal(firstEvent(text).title, title, text);
  }
});

test('old layouts and mangled labels: the separate IP: line is the RIP; a Call Trace label behind markdown', () => {
  // arch/x86/mm/fault.c before 4.15: `IP: [<addr>] func+off/size [mod]`, then `Oops:` joins the report.
  let e = firstEvent('Jun 17 23:27:46 relay01 kernel: [7864672.083674] BUG: unable to handle kernel NULL pointer dereference at           (null)\nJun 17 23:27:46 relay01 kernel: [7864672.086084] IP: [<ffffffffa022e79c>] netflow_target+0x5c1/0xb90 [ipt_NETFLOW]\nJun 17 23:27:46 relay01 kernel: [7864672.088555] PGD 0\nJun 17 23:27:46 relay01 kernel: [7864672.090974] Oops: 0000 [#1] SMP\nJun 17 23:27:46 relay01 kernel: [7864672.091000] CPU: 3 PID: 0 Comm: swapper/3 Tainted: G           O 3.10.0-957.el7.x86_64 #1\n');
  assert.deepEqual([e.rip?.function, e.rip?.module, e.rip?.address], ['netflow_target', 'ipt_NETFLOW', 'ffffffffa022e79c']);
  assert.deepEqual([e.task.comm, e.cpu], ['swapper/3', 3]);
  e = firstEvent('[ 5300.229390] watchdog: BUG: soft lockup - CPU#2 stuck for 23s! [kworker/2:1:25629]\n\n#### Console Call Trace:\n                  [ 5300.273855]  dump_stack+0x6b/0x83\n                  ...\n                  [ 5300.413719]  wait_rcu_exp_gp+0xf/0x20\n');
  assert.deepEqual(e.frames.map((f) => f.function), ['dump_stack', 'wait_rcu_exp_gp']);
});
